"""The 40 event scene designs.

Each event has its own background (sky or wall gradient, ground/floor), palette, 2-3 characteristic
scene objects, and evidence ON or AROUND the person: a pose, worn items (helmet, apron, race bib,
...) and a held object, so that the event is readable from the person's region too and the two
concepts share pixels (as in the paper's photos). ``objects`` lists every named thing the design
draws (POPE questions ask about them); ``also`` lists further drawn things a POPE *negative*
question must not mention (e.g. a scene with a pine tree must not be asked "Is there a tree?").
``SAME_KIND`` groups names that count as the same thing for that purpose.

A scene function draws the background layer, calls ``person()`` (which draws the person with the
scene's pose and wear and returns its anchors), then draws held objects and foreground.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import objects as o
from .canvas import Canvas, mix

# names that count as the same kind of thing for POPE negatives
SAME_KIND: dict[str, str] = {
    "pine tree": "tree", "palm tree": "tree",
    "desk": "table", "conference table": "table",
    "train window": "window",
    "coffee cup": "cup", "takeaway cup": "cup", "mug": "cup",
    "book": "book", "books": "book", "notebook": "book", "bookshelf": "book", "brochure": "book", "menu": "book",
    "newspaper": "book",
    "video camera": "camera",
    "desk lamp": "lamp", "street lamp": "lamp", "studio light": "lamp", "spotlight": "lamp", "hanging lamp": "lamp",
    "chandelier": "lamp",
    "tower": "building",
    "straw hat": "hat", "sun hat": "hat", "winter hat": "hat", "bucket hat": "hat", "party hat": "hat", "helmet": "hat",
    "cap": "hat",
    "shopping bag": "bag", "handbag": "bag", "backpack": "bag", "suitcase": "bag",
    "chalkboard": "board", "departure board": "board", "timetable board": "board", "projection screen": "board",
    "hiking pole": "pole", "ski pole": "pole", "handrail": "pole",
    "painting": "picture", "photo frame": "picture",
    "stage": "stage", "runway": "stage",
    "loudspeaker": "speaker",
}


def kind(name: str) -> str:
    return SAME_KIND.get(name, name)


@dataclass(frozen=True)
class Scene:
    name: str
    sky: tuple  # gradient stops ((y, rgb), ...)
    objects: tuple[str, ...]
    pose: str
    wear: tuple[str, ...]
    draw: Callable
    also: tuple[str, ...] = field(default=())


SCENES: dict[str, Scene] = {}


def scene(name, sky, objects, pose="stand", wear=(), also=()):
    def deco(fn):
        SCENES[name] = Scene(name, tuple(sky), tuple(objects), pose, tuple(wear), fn, tuple(also))
        return fn
    return deco


SKY = ((0.0, (110, 170, 235)), (0.65, (200, 228, 250)))
BOOKS = [(180, 50, 50), (40, 90, 170), (230, 180, 40), (50, 140, 80), (120, 60, 140), (230, 120, 40), (240, 240, 230)]
_sr = np.random.default_rng(12345)  # fixed star field: part of the scene design, identical in every view
STARS = [(float(x), float(y), float(r)) for x, y, r in zip(_sr.uniform(-0.1, 1.1, 60), _sr.uniform(0, 0.62, 60),
                                                             _sr.uniform(0.003, 0.008, 60))]
SNOWFLAKES = [(float(x), float(y)) for x, y in zip(_sr.uniform(-0.1, 1.1, 50), _sr.uniform(0, 1, 50))]
CROWD = [i * 0.09 - 0.02 for i in range(13)]


@scene("media interview", [(0, (30, 90, 110)), (0.7, (60, 140, 160)), (0.7, (80, 80, 88)), (1, (60, 60, 66))],
       ["microphone", "video camera", "studio light"], pose="right_forward", wear=("id badge",))
def media_interview(c: Canvas, person):
    c.circle(0.5, 0.35, 0.28, (90, 170, 185))  # soft backdrop glow
    o.studio_light(c, 0.1, 0.78, 0.5)
    o.video_camera(c, 0.9, 0.8, 0.42)
    a = person()
    o.microphone(c, *a.right_hand, a.h)


@scene("park jogging", [*SKY, (0.65, (90, 170, 80)), (1, (60, 140, 60))], ["tree", "bench", "water bottle", "headphones"],
       pose="run", wear=("headphones",))
def park_jogging(c, person):
    c.poly([(0.3, 0.65), (0.55, 0.65), (1.2, 1.05), (-0.2, 1.05)], (220, 200, 150))  # path
    o.tree(c, 0.1, 0.7, 0.5)
    o.tree(c, 0.88, 0.68, 0.42)
    o.bench(c, 0.78, 0.8, 0.22)
    a = person()
    o.water_bottle(c, *a.right_hand, a.h)


@scene("farm visit", [*SKY, (0.62, (150, 200, 80)), (1, (110, 160, 50))], ["barn", "cow", "fence", "straw hat", "pitchfork"],
       pose="right_side_low", wear=("straw hat",))
def farm_visit(c, person):
    for k in range(6):
        c.band(0.66 + k * 0.06, 0.67 + k * 0.06, (120, 170, 60))  # crop rows
    o.barn(c, 0.16, 0.64, 0.36)
    o.fence(c, -0.1, 1.1, 0.74, 0.1)
    o.cow(c, 0.82, 0.8, 0.22)
    a = person()
    o.pitchfork(c, *a.right_hand, a.h)


@scene("dinner with friends", [(0, (120, 60, 40)), (0.75, (190, 110, 60)), (0.75, (100, 60, 40)), (1, (80, 45, 30))],
       ["table", "plate", "wine glass", "string lights"], pose="right_forward")
def dinner_with_friends(c, person):
    o.string_lights(c, 0.1, [(255, 230, 120), (255, 180, 90), (255, 250, 200)])
    for x in (0.12, 0.88):
        c.circle(x, 0.55, 0.07, (230, 180, 130))  # friends' heads at the table
        c.rrect(x - 0.09, 0.6, x + 0.09, 0.8, 0.04, (60, 90, 130) if x < 0.5 else (140, 60, 90))
    a = person()
    o.wine_glass(c, *a.right_hand, a.h)
    o.table(c, a.cx, 1.1, 1.2, a.waist_y, cloth=(240, 235, 220))
    for dx in (-0.3, 0.0, 0.3):
        o.plate(c, a.cx + dx, a.waist_y + 0.03, 0.06)


@scene("landmark visit", [(0, (70, 150, 240)), (0.7, (180, 220, 250)), (0.7, (200, 195, 185)), (1, (170, 165, 155))],
       ["tower", "map", "backpack", "cloud"], pose="hold_front", wear=("backpack",))
def landmark_visit(c, person):
    o.cloud(c, 0.75, 0.15, 0.18)
    o.cloud(c, 0.2, 0.22, 0.12)
    o.tower(c, 0.82, 0.72, 0.62)
    for k in range(8):  # paving lines
        c.band(0.72 + k * 0.04, 0.725 + k * 0.04, (150, 145, 135))
    a = person()
    (lx, ly), (rx, ry) = a.left_hand, a.right_hand
    o.paper_map(c, lx - 0.05, ly - 0.1, rx + 0.05, ry + 0.02, a.h)


@scene("zoo visit", [(0, (140, 200, 240)), (0.6, (220, 240, 240)), (0.6, (190, 170, 110)), (1, (160, 140, 90))],
       ["giraffe", "fence", "ice cream"], pose="right_forward", also=("tree",))
def zoo_visit(c, person):
    o.tree(c, 0.3, 0.6, 0.35, leaf=(90, 150, 60))
    o.giraffe(c, 0.15, 0.72, 0.55)
    o.giraffe(c, 0.83, 0.68, 0.4)
    o.fence(c, -0.1, 1.1, 0.78, 0.14, col=(120, 90, 60))
    a = person()
    o.ice_cream(c, *a.right_hand, a.h)


@scene("shopping mall", [(0, (250, 245, 235)), (0.7, (235, 225, 210)), (0.7, (210, 205, 200)), (1, (190, 185, 180))],
       ["storefront", "shopping bag", "escalator"], pose="both_side")
def shopping_mall(c, person):
    o.storefront(c, 0.15, 0.7, 0.3, 0.45, (230, 60, 90))
    o.storefront(c, 0.5, 0.7, 0.32, 0.45, (40, 150, 200))
    o.escalator(c, 0.88, 0.74, 0.5)
    for k in range(6):
        c.line([(k * 0.2 - 0.1, 0.7), (k * 0.3 - 0.3, 1.0)], (180, 175, 170), 0.004)  # floor tiles
    a = person()
    o.shopping_bag(c, *a.left_hand, a.h, (250, 120, 40))
    o.shopping_bag(c, *a.right_hand, a.h, (150, 60, 200))


@scene("public lecture", [(0, (110, 70, 45)), (0.72, (140, 95, 60)), (0.72, (90, 60, 45)), (1, (70, 45, 35))],
       ["projection screen", "podium", "pointer"], pose="right_forward")
def public_lecture(c, person):
    for k in range(8):
        c.line([(k * 0.15, 0), (k * 0.15, 0.72)], (120, 80, 50), 0.006)  # wood panels
    c.rect(0.55, 0.06, 1.0, 0.45, (245, 245, 250), outline=(40, 40, 40), width=0.006)
    for k, hh in enumerate((0.1, 0.18, 0.26)):
        c.rect(0.62 + k * 0.1, 0.4 - hh, 0.68 + k * 0.1, 0.4, (60 + 70 * k, 120, 200 - 60 * k))
    a = person()
    o.pointer(c, *a.right_hand, a.right_hand[0] + 0.12, a.right_hand[1] - 0.18, a.h)
    x = a.cx - 0.2 * a.h
    c.poly([(x - 0.12, a.waist_y - 0.02), (x + 0.12, a.waist_y - 0.02), (x + 0.09, 1.05), (x - 0.09, 1.05)], (100, 60, 35))
    c.rect(x - 0.13, a.waist_y - 0.04, x + 0.13, a.waist_y, (70, 40, 25))


@scene("gym workout", [(0, (150, 155, 160)), (0.68, (175, 178, 182)), (0.68, (50, 52, 58)), (1, (35, 36, 40))],
       ["dumbbell", "treadmill", "kettlebell"], pose="curl")
def gym_workout(c, person):
    c.band(0.28, 0.3, (230, 120, 30))  # wall stripe
    o.treadmill(c, 0.14, 0.8, 0.35)
    o.kettlebell(c, 0.8, 0.86, 0.09, (200, 40, 40))
    o.kettlebell(c, 0.9, 0.86, 0.11)
    c.rect(0.7, 0.4, 1.05, 0.68, (90, 90, 96))  # mirror
    a = person()
    o.dumbbell(c, *a.left_hand, 0.1 * a.h, vertical=True)
    o.dumbbell(c, *a.right_hand, 0.1 * a.h, vertical=True)


@scene("dance event", [(0, (30, 5, 50)), (0.7, (70, 20, 100)), (0.7, (40, 20, 50)), (1, (20, 10, 30))],
       ["disco ball", "speaker", "glow stick"], pose="both_up")
def dance_event(c, person):
    for x0, x1, col in ((0.1, 0.3, (255, 60, 160)), (0.9, 0.7, (60, 220, 255)), (0.5, 0.15, (120, 255, 80))):
        o.light_beam(c, x0, 0.0, x1, 0.1, mix(col, (70, 20, 100), 0.5))
    o.disco_ball(c, 0.5, 0.12, 0.07)
    o.speaker(c, 0.08, 0.85, 0.35)
    o.speaker(c, 0.92, 0.85, 0.35)
    for k in range(10):  # floor tiles
        c.rect(k * 0.1, 0.9, k * 0.1 + 0.1, 1.0, (120, 40, 160) if k % 2 else (40, 140, 200))
    a = person()
    o.glow_stick(c, *a.left_hand, a.h, (120, 255, 80))
    o.glow_stick(c, *a.right_hand, a.h, (255, 80, 200))


@scene("coffee shop reading", [(0, (230, 205, 165)), (0.72, (215, 180, 140)), (0.72, (120, 80, 50)), (1, (95, 62, 40))],
       ["book", "coffee cup", "chalkboard", "table"], pose="hold_front")
def coffee_shop_reading(c, person):
    o.chalkboard(c, 0.04, 0.1, 0.3, 0.42, green=False)
    for k in range(3):  # hanging pendant lights
        x = 0.6 + k * 0.15
        c.line([(x, 0), (x, 0.12)], (50, 40, 30), 0.004)
        c.pieslice(x, 0.15, 0.04, 0.04, 180, 360, (50, 40, 30))
    a = person()
    o.book(c, (a.left_hand[0] + a.right_hand[0]) / 2, a.left_hand[1] - 0.02, a.h, (60, 120, 60))
    tx = a.cx + 0.3 * a.h
    o.table(c, tx, 1.05, 0.3, a.waist_y + 0.06, col=(90, 60, 35))
    o.mug(c, tx + 0.06, a.waist_y + 0.06, a.h * 0.9)


@scene("airport waiting", [(0, (150, 200, 240)), (0.7, (210, 232, 250)), (0.7, (170, 172, 178)), (1, (140, 142, 150))],
       ["airplane", "suitcase", "departure board"], pose="right_side_low", also=("window",))
def airport_waiting(c, person):
    o.airplane(c, 0.3, 0.4, 0.45)
    for k in range(6):
        c.rect(k * 0.2 - 0.1, 0.05, k * 0.2 - 0.09, 0.7, (90, 96, 110))  # glass wall mullions
    c.band(0.05, 0.07, (90, 96, 110))
    o.board(c, 0.66, 0.1, 0.98, 0.34, (20, 40, 90), (250, 220, 80))
    a = person()
    o.suitcase(c, a.right_hand[0], a.right_hand[1], a.h)


@scene("concert attendance", [(0, (20, 5, 5)), (0.55, (120, 30, 20)), (0.62, (60, 30, 30)), (1, (20, 10, 10))],
       ["stage", "guitar", "phone", "speaker"], pose="right_up")
def concert_attendance(c, person):
    for x in (0.2, 0.5, 0.8):
        o.light_beam(c, x, 0.0, x + (0.5 - x) * 0.6, 0.06, (200, 90, 40))
    o.stage(c, 0.5)
    o.guitar(c, 0.3, 0.48, 0.22, (230, 200, 40))
    o.speaker(c, 0.06, 0.5, 0.22)
    o.speaker(c, 0.94, 0.5, 0.22)
    o.crowd(c, 0.78, 13, (15, 8, 8), [x for x in CROWD if abs(x - 0.5) > 0.25])
    a = person()
    o.phone(c, *a.right_hand, a.h)


@scene("beach relaxing", [(0, (60, 170, 240)), (0.48, (170, 225, 250)), (0.48, (20, 120, 190)), (0.62, (60, 170, 210)),
                          (0.62, (240, 220, 160)), (1, (225, 200, 140))],
       ["beach umbrella", "palm tree", "beach ball", "sun hat"], pose="right_forward", wear=("sun hat",), also=("sun",))
def beach_relaxing(c, person):
    o.sun(c, 0.85, 0.12, 0.06, (255, 230, 90))
    o.palm_tree(c, 0.1, 0.75, 0.55)
    x, y = 0.84, 0.82
    c.line([(x, y), (x - 0.03, 0.45)], (240, 240, 240), 0.012)
    c.pieslice(x - 0.03, 0.47, 0.2, 0.12, 180, 360, (230, 50, 50))
    c.pieslice(x - 0.03, 0.47, 0.2, 0.12, 225, 270, (250, 250, 250))
    c.pieslice(x - 0.03, 0.47, 0.2, 0.12, 300, 340, (250, 250, 250))
    a = person()
    o.beach_ball(c, *a.right_hand, a.h)


@scene("business meeting", [(0, (205, 212, 222)), (0.75, (185, 192, 205)), (0.75, (120, 124, 135)), (1, (100, 104, 112))],
       ["laptop", "conference table", "window", "suit jacket"], pose="hold_front", wear=("suit jacket",),
       also=("building",))
def business_meeting(c, person):
    o.window(c, 0.02, 0.06, 0.98, 0.5, (160, 200, 235), mullion=(240, 240, 245), n=4)
    for x, w, hh, col in ((0.12, 0.1, 0.22, (120, 140, 170)), (0.3, 0.08, 0.3, (100, 120, 150)), (0.7, 0.12, 0.26, (130, 150, 175)),
                          (0.88, 0.09, 0.18, (110, 125, 160))):
        c.rect(x - w / 2, 0.5 - hh, x + w / 2, 0.488, col)  # skyline outside
    a = person()
    o.table(c, 0.5, 1.1, 1.4, a.waist_y - 0.02, col=(60, 45, 35), cloth=(70, 50, 38))
    o.laptop(c, a.cx + 0.28 * a.h, a.waist_y - 0.02, 0.22)
    o.laptop(c, a.cx - 0.6 * a.h, a.waist_y - 0.02, 0.18)


@scene("museum tour", [(0, (60, 20, 25)), (0.72, (110, 40, 45)), (0.72, (60, 45, 35)), (1, (40, 30, 25))],
       ["vase", "display case", "audio guide"], pose="right_face", also=("lamp", "pedestal"))
def museum_tour(c, person):
    for x in (0.13, 0.87):
        c.poly([(x - 0.02, 0.0), (x + 0.02, 0.0), (x + 0.13, 0.8), (x - 0.13, 0.8)], (150, 80, 70))  # spotlight cones
    o.vase_on_pedestal(c, 0.13, 0.8, 0.4)
    o.display_case(c, 0.87, 0.82, 0.42)
    a = person()
    o.audio_guide(c, *a.right_hand, a.h)


@scene("car driving", [(0, (70, 40, 110)), (0.35, (230, 100, 80)), (0.6, (255, 190, 90)), (0.6, (80, 70, 80)),
                       (1, (50, 45, 55))],
       ["car", "steering wheel", "sun", "road"], pose="hold_front")
def car_driving(c, person):
    o.sun(c, 0.78, 0.55, 0.1, (255, 150, 60))
    c.poly([(-0.2, 0.6), (0.4, 0.55), (0.9, 0.6), (1.2, 0.6)], (60, 40, 80))  # distant hills
    for k in range(4):
        c.rect(0.47, 0.64 + k * 0.1, 0.53, 0.68 + k * 0.1, (250, 220, 90))  # lane marks
    a = person()
    o.car(c, a.cx, 1.02, 0.45)
    o.steering_wheel(c, (a.left_hand[0] + a.right_hand[0]) / 2, a.left_hand[1], a.h)


@scene("grocery shopping", [(0, (225, 245, 235)), (0.72, (205, 235, 220)), (0.72, (230, 230, 226)), (1, (205, 205, 200))],
       ["shopping cart", "grocery shelf", "apple"], pose="right_forward")
def grocery_shopping(c, person):
    cols = [(230, 50, 40), (250, 180, 30), (60, 170, 70), (250, 250, 240), (40, 110, 200), (240, 120, 40)]
    o.grocery_shelf(c, -0.05, 0.4, 0.12, 0.72, cols)
    o.grocery_shelf(c, 0.6, 1.05, 0.12, 0.72, cols[::-1])
    a = person()
    o.shopping_cart(c, a.cx - 0.42 * a.h, a.feet_y, 0.3)
    o.apple(c, *a.right_hand, a.h)


@scene("marathon running", [(0, (90, 165, 235)), (0.6, (190, 225, 250)), (0.6, (90, 92, 96)), (1, (70, 72, 76))],
       ["race bib", "finish banner", "traffic cone"], pose="run", wear=("race bib",))
def marathon_running(c, person):
    o.crowd(c, 0.6, 13, (200, 120, 60), [-0.02, 0.07, 0.16, 0.84, 0.93, 1.02])
    o.finish_banner(c, 0.05, 0.95, 0.62, 0.5)
    c.band(0.6, 0.62, (240, 240, 240))
    o.traffic_cone(c, 0.08, 0.92, 0.12)
    o.traffic_cone(c, 0.92, 0.92, 0.12)
    person()  # the race bib and the running pose are the evidence on the person


@scene("art gallery visit", [(0, (248, 248, 246)), (0.74, (236, 236, 232)), (0.74, (200, 170, 130)), (1, (180, 150, 110))],
       ["painting", "sculpture", "brochure"], pose="hold_front")
def art_gallery_visit(c, person):
    o.painting(c, 0.15, 0.5, 0.22, 0.3, (60, 160, 200), (250, 200, 40))
    o.painting(c, 0.85, 0.45, 0.2, 0.24, (230, 90, 70), (40, 60, 120))
    o.sculpture(c, 0.9, 0.9, 0.3)
    a = person()
    o.brochure(c, (a.left_hand[0] + a.right_hand[0]) / 2, a.left_hand[1], a.h)


@scene("family gathering", [(0, (240, 200, 150)), (0.7, (225, 180, 130)), (0.7, (150, 100, 70)), (1, (120, 80, 55))],
       ["sofa", "photo frame", "cake", "party hat"], pose="hold_front", wear=("party hat",))
def family_gathering(c, person):
    for x, y, col in ((0.12, 0.3, (200, 230, 250)), (0.28, 0.24, (250, 230, 200)), (0.75, 0.28, (210, 240, 210)),
                      (0.9, 0.22, (250, 210, 220))):
        o.frame(c, x, y, 0.1, 0.12, col)
    o.sofa(c, 0.5, 0.82, 0.5)
    a = person()
    o.cake(c, (a.left_hand[0] + a.right_hand[0]) / 2, a.left_hand[1] - 0.02, a.h)


@scene("bookstore browsing", [(0, (250, 240, 220)), (0.75, (240, 225, 200)), (0.75, (170, 120, 80)), (1, (150, 100, 65))],
       ["bookshelf", "books", "hanging lamp"], pose="hold_front")
def bookstore_browsing(c, person):
    o.shelf_of_books(c, -0.05, 0.35, 0.15, 0.75, 4, (200, 150, 90), BOOKS)
    o.shelf_of_books(c, 0.65, 1.05, 0.15, 0.75, 4, (200, 150, 90), BOOKS[::-1])
    c.line([(0.5, 0), (0.5, 0.06)], (40, 40, 40), 0.004)
    c.pieslice(0.5, 0.1, 0.07, 0.05, 180, 360, (40, 120, 100))
    a = person()
    o.books_stack(c, (a.left_hand[0] + a.right_hand[0]) / 2, a.left_hand[1] + 0.02, a.h)


@scene("mountain cabin retreat", [(0, (120, 170, 220)), (0.6, (220, 230, 240)), (0.6, (80, 120, 60)), (1, (60, 95, 45))],
       ["log cabin", "pine tree", "mug", "mountain"], pose="right_forward", wear=("knit sweater",), also=("coffee cup",))
def mountain_cabin_retreat(c, person):
    o.mountain(c, 0.6, 0.62, 0.4, col=(130, 140, 160))
    o.log_cabin(c, 0.2, 0.72, 0.38)
    o.pine_tree(c, 0.85, 0.78, 0.45)
    o.pine_tree(c, 0.97, 0.74, 0.35)
    a = person()
    o.mug(c, *a.right_hand, a.h)


@scene("office working", [(0, (236, 240, 242)), (0.72, (220, 226, 230)), (0.72, (150, 160, 170)), (1, (130, 138, 148))],
       ["computer monitor", "desk", "potted plant", "id badge"], pose="hold_front", wear=("id badge",))
def office_working(c, person):
    o.window(c, 0.05, 0.08, 0.35, 0.45, (190, 225, 250), mullion=(250, 250, 250), n=2)
    o.potted_plant(c, 0.88, 0.72, 0.3)
    a = person()
    o.table(c, a.cx, 1.1, 1.0, a.waist_y, col=(190, 150, 105), cloth=(190, 150, 105))
    o.monitor(c, a.cx + 0.4 * a.h, a.waist_y, 0.22)


@scene("train commute", [(0, (200, 205, 200)), (0.15, (200, 205, 200)), (0.15, (150, 190, 150)), (0.45, (120, 170, 120)),
                         (0.45, (200, 205, 200)), (0.78, (190, 195, 190)), (0.78, (90, 95, 105)), (1, (70, 74, 84))],
       ["train window", "handrail", "hand strap", "seat"], pose="right_up")
def train_commute(c, person):
    for k in range(5):
        c.band(0.2 + k * 0.05, 0.205 + k * 0.05, (170, 200, 170))  # motion streaks
    for x in (0.0, 0.33, 0.66, 1.0):
        c.rect(x - 0.02, 0.1, x + 0.02, 0.5, (200, 205, 200))  # window frames
    o.train_seat(c, 0.12, 0.85, 0.35)
    o.train_seat(c, 0.9, 0.85, 0.35)
    c.band(0.03, 0.05, (200, 200, 60))  # overhead rail
    o.handrail(c, 0.25, 0.05, 0.8)
    a = person()
    o.hand_strap(c, *a.right_hand, a.h)


@scene("mountain hiking", [(0, (50, 130, 230)), (0.55, (170, 210, 245)), (0.55, (140, 130, 110)), (1, (110, 100, 85))],
       ["mountain", "backpack", "hiking pole", "cap"], pose="right_side_low", wear=("backpack", "cap"))
def mountain_hiking(c, person):
    o.mountain(c, 0.2, 0.58, 0.45)
    o.mountain(c, 0.8, 0.58, 0.55)
    for x, y, r in ((0.1, 0.85, 0.05), (0.9, 0.9, 0.06), (0.75, 0.7, 0.03)):
        c.ellipse(x, y, r * 1.3, r, (160, 150, 140))  # rocks
    a = person()
    o.hiking_pole(c, *a.right_hand, a.h)


@scene("school presentation", [(0, (240, 230, 190)), (0.74, (230, 215, 170)), (0.74, (170, 140, 100)), (1, (150, 120, 85))],
       ["chalkboard", "poster", "clock", "desk"], pose="hold_front")
def school_presentation(c, person):
    o.chalkboard(c, 0.03, 0.1, 0.97, 0.45, green=True)
    o.wall_clock(c, 0.9, 0.55, 0.05)
    a = person()
    o.poster(c, (a.left_hand[0] + a.right_hand[0]) / 2, a.left_hand[1], a.h)
    for x in (0.1, 0.9):
        c.rect(x - 0.12, 0.88, x + 0.12, 0.92, (200, 150, 90))  # student desks in the foreground
        c.rect(x - 0.1, 0.92, x - 0.08, 1.0, (90, 90, 90))
        c.rect(x + 0.08, 0.92, x + 0.1, 1.0, (90, 90, 90))


@scene("restaurant dining", [(0, (45, 12, 20)), (0.74, (90, 25, 35)), (0.74, (40, 20, 20)), (1, (25, 12, 12))],
       ["chandelier", "candle", "menu", "table"], pose="right_forward", wear=("suit jacket",))
def restaurant_dining(c, person):
    o.chandelier(c, 0.5, 0.12, 0.35)
    for x in (0.08, 0.92):
        c.rect(x - 0.03, 0.2, x + 0.03, 0.74, (120, 90, 50))  # columns
    a = person()
    o.menu(c, *a.right_hand, a.h)
    o.table(c, a.cx, 1.1, 1.0, a.waist_y + 0.02, cloth=(248, 248, 245))
    o.candle(c, a.cx - 0.28 * a.h, a.waist_y + 0.02, 0.12)
    o.candle(c, a.cx - 0.4 * a.h, a.waist_y + 0.02, 0.09)


@scene("night sky stargazing", [(0, (5, 8, 30)), (0.7, (25, 35, 80)), (0.7, (20, 30, 25)), (1, (10, 18, 14))],
       ["telescope", "moon", "stars", "headlamp"], pose="right_forward", wear=("headlamp",))
def night_sky_stargazing(c, person):
    o.stars(c, STARS)
    o.moon(c, 0.18, 0.15, 0.06, (12, 18, 45))
    c.poly([(-0.2, 0.72), (0.3, 0.66), (0.8, 0.7), (1.2, 0.68), (1.2, 0.75), (-0.2, 0.75)], (20, 30, 25))
    a = person()
    o.telescope(c, a.right_hand[0] + 0.08, a.feet_y, 0.4)


@scene("snowshoeing", [(0, (200, 215, 230)), (0.6, (235, 240, 245)), (0.6, (250, 250, 255)), (1, (225, 232, 245))],
       ["snowshoes", "winter hat", "ski pole", "pine tree"], pose="both_side", wear=("winter hat", "winter coat", "snowshoes"))
def snowshoeing(c, person):
    for x, s in ((0.08, 0.5), (0.22, 0.35), (0.82, 0.45), (0.95, 0.55)):
        o.pine_tree(c, x, 0.66, s, leaf=(40, 80, 60), snow=True)
    for x, y in SNOWFLAKES:
        c.circle(x, y, 0.005, (255, 255, 255))
    a = person()
    o.ski_pole(c, *a.left_hand, a.h)
    o.ski_pole(c, *a.right_hand, a.h)


@scene("city bike ride", [(0, (140, 180, 220)), (0.65, (210, 225, 240)), (0.65, (80, 82, 88)), (1, (60, 62, 68))],
       ["bicycle", "helmet", "traffic light", "building"], pose="hold_front", wear=("helmet",))
def city_bike_ride(c, person):
    for x, w, hh, col in ((0.08, 0.16, 0.55, (170, 140, 120)), (0.26, 0.14, 0.4, (120, 130, 150)),
                          (0.78, 0.16, 0.5, (150, 150, 160)), (0.94, 0.12, 0.35, (190, 160, 110))):
        o.building(c, x, 0.65, w, hh, col)
    o.traffic_light(c, 0.62, 0.75, 0.35)
    for k in range(5):
        c.rect(k * 0.25 - 0.05, 0.86, k * 0.25 + 0.07, 0.875, (250, 250, 250))  # lane marks
    a = person()
    o.bicycle(c, a.cx, a.feet_y + 0.02, 0.55)


@scene("fashion show", [(0, (10, 8, 14)), (0.55, (40, 30, 55)), (0.55, (25, 20, 30)), (1, (15, 12, 18))],
       ["runway", "spotlight", "handbag", "sparkly jacket"], pose="right_side_low", wear=("sparkly jacket",))
def fashion_show(c, person):
    for x in (0.2, 0.8):
        o.light_beam(c, x, 0.05, 0.5 + (x - 0.5) * 0.3, 0.15, (70, 60, 85))
        o.spotlight(c, x, 0.05, 0.25)
    o.runway(c, 0.55, 1.05)
    o.crowd(c, 0.72, 13, (60, 50, 70), [-0.02, 0.08, 0.92, 1.02])
    a = person()
    o.handbag(c, *a.right_hand, a.h)


@scene("fishing trip", [(0, (120, 180, 230)), (0.45, (210, 230, 240)), (0.45, (70, 130, 70)), (0.52, (70, 130, 70)),
                        (0.52, (60, 120, 160)), (1, (40, 90, 130))],
       ["fishing rod", "fish", "reeds", "bucket hat"], pose="right_up", wear=("bucket hat",))
def fishing_trip(c, person):
    for k in range(5):
        c.band(0.6 + k * 0.08, 0.605 + k * 0.08, (100, 160, 190))  # ripples
    o.reeds(c, 0.1, 0.9, 0.35)
    o.reeds(c, 0.92, 0.86, 0.3)
    a = person()
    fx, fy = o.fishing_rod(c, *a.right_hand, a.h, a.right_hand[0] + 0.2, a.right_hand[1] - 0.06)
    o.fish(c, fx, fy + 0.03, a.h)


@scene("train station waiting", [(0, (180, 180, 185)), (0.7, (205, 205, 210)), (0.7, (150, 150, 150)), (0.74, (150, 150, 150)),
                                 (0.74, (240, 210, 40)), (0.76, (240, 210, 40)), (0.76, (120, 120, 125)), (1, (100, 100, 105))],
       ["timetable board", "clock", "newspaper", "train"], pose="hold_front")
def train_station_waiting(c, person):
    c.rect(-0.1, 0.3, 0.3, 0.68, (200, 40, 40))  # a waiting train at the left
    for k in range(3):
        c.rect(-0.06 + k * 0.12, 0.36, 0.02 + k * 0.12, 0.48, (170, 200, 230))
    o.board(c, 0.62, 0.12, 0.98, 0.36, (15, 15, 18), (255, 150, 20))
    o.wall_clock(c, 0.45, 0.12, 0.05)
    c.line([(0.45, 0), (0.45, 0.07)], (60, 60, 60), 0.006)
    a = person()
    o.newspaper(c, (a.left_hand[0] + a.right_hand[0]) / 2, a.left_hand[1], a.h)


@scene("charity event", [(0, (250, 235, 180)), (0.72, (245, 220, 150)), (0.72, (160, 110, 80)), (1, (130, 90, 65))],
       ["bunting", "balloon", "donation box", "sash"], pose="stand", wear=("sash",))
def charity_event(c, person):
    o.bunting(c, 0.06, [(230, 50, 50), (40, 120, 220), (250, 200, 30), (50, 170, 80)])
    for x, y, col in ((0.08, 0.3, (230, 50, 80)), (0.16, 0.22, (40, 150, 230)), (0.86, 0.28, (250, 190, 30)),
                      (0.94, 0.2, (120, 200, 80))):
        o.balloon(c, x, y, 0.05, col)
    a = person()
    tx = a.cx + 0.45 * a.h
    c.rect(tx - 0.1, a.waist_y + 0.05, tx + 0.1, 1.05, (60, 90, 160))  # small table with a cloth
    o.donation_box(c, tx, a.waist_y + 0.05, 0.16)


@scene("nature photography", [(0, (170, 210, 160)), (0.5, (110, 170, 100)), (0.7, (70, 130, 60)), (1, (50, 100, 40))],
       ["camera", "bird", "flower", "tree"], pose="both_face")
def nature_photography(c, person):
    o.tree(c, 0.08, 0.66, 0.6, leaf=(40, 110, 50))
    o.tree(c, 0.9, 0.62, 0.5, leaf=(60, 130, 60))
    o.bird(c, 0.62, 0.12, 0.04)
    o.bird(c, 0.75, 0.2, 0.03)
    for x, col in ((0.08, (240, 80, 120)), (0.18, (250, 250, 250)), (0.84, (250, 200, 40)), (0.94, (180, 80, 220))):
        o.flower(c, x, 0.95, 0.09, col)
    a = person()
    o.camera(c, (a.left_hand[0] + a.right_hand[0]) / 2, a.head[1] + a.head_r * 0.1, a.h)


@scene("library studying", [(0, (60, 45, 35)), (0.76, (80, 60, 45)), (0.76, (70, 50, 40)), (1, (55, 40, 30))],
       ["bookshelf", "desk lamp", "notebook", "desk"], pose="hold_front", also=("books",))
def library_studying(c, person):
    dark_books = [(120, 30, 30), (30, 60, 100), (50, 90, 50), (110, 90, 40), (70, 40, 80)]
    o.shelf_of_books(c, -0.05, 0.32, 0.0, 0.76, 5, (90, 60, 35), dark_books)
    o.shelf_of_books(c, 0.68, 1.05, 0.0, 0.76, 5, (90, 60, 35), dark_books[::-1])
    a = person()
    o.notebook(c, (a.left_hand[0] + a.right_hand[0]) / 2, a.left_hand[1], a.h)
    o.table(c, a.cx, 1.1, 1.1, a.waist_y + 0.03, col=(110, 70, 40), cloth=(110, 70, 40))
    o.desk_lamp(c, a.cx - 0.42 * a.h, a.waist_y + 0.03, 0.22)


@scene("boat trip", [(0, (90, 170, 240)), (0.45, (200, 230, 250)), (0.45, (80, 140, 90)), (0.5, (80, 140, 90)),
                     (0.5, (40, 110, 170)), (1, (20, 70, 130))],
       ["boat", "paddle", "life jacket"], pose="hold_front", wear=("life jacket",))
def boat_trip(c, person):
    c.poly([(-0.2, 0.46), (0.2, 0.36), (0.5, 0.45), (0.8, 0.38), (1.2, 0.46)], (70, 130, 80))  # river banks
    for k in range(6):
        c.band(0.56 + k * 0.07, 0.565 + k * 0.07, (90, 150, 200))
    a = person()
    o.paddle(c, a.right_hand[0], a.right_hand[1], a.h)
    o.boat(c, a.cx, a.waist_y + 0.2, 0.42)


@scene("biking trail", [(0, (120, 170, 90)), (0.62, (70, 130, 60)), (0.62, (150, 110, 70)), (1, (120, 85, 55))],
       ["bicycle", "helmet", "tree"], pose="hold_front", wear=("helmet", "jersey"))
def biking_trail(c, person):
    for x, s in ((0.05, 0.6), (0.2, 0.45), (0.8, 0.5), (0.96, 0.62)):
        o.tree(c, x, 0.66, s, leaf=(40, 120, 50))
    for x, y in ((0.3, 0.2), (0.65, 0.3), (0.5, 0.1)):
        c.circle(x, y, 0.05, (200, 220, 140))  # dappled sunlight
    a = person()
    o.bicycle(c, a.cx, a.feet_y + 0.02, 0.55, col=(240, 120, 20))


@scene("city walk", [(0, (150, 190, 225)), (0.4, (210, 225, 240)), (0.74, (200, 200, 205)), (0.74, (175, 170, 165)),
                     (1, (150, 145, 140))],
       ["building", "street lamp", "takeaway cup"], pose="right_forward", also=("mug", "coffee cup"))
def city_walk(c, person):
    for x, w, hh, col in ((0.1, 0.22, 0.6, (190, 110, 90)), (0.35, 0.2, 0.45, (230, 200, 150)), (0.6, 0.2, 0.65, (110, 120, 140)),
                          (0.88, 0.24, 0.5, (160, 180, 170))):
        o.building(c, x, 0.74, w, hh, col)
        c.rect(x - w * 0.4, 0.62, x + w * 0.4, 0.74, (250, 230, 160))  # shop windows at street level
    o.lamp_post(c, 0.8, 0.92, 0.55)
    a = person()
    o.takeaway_cup(c, *a.right_hand, a.h)
