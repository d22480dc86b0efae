"""The person: a stylised front-facing figure whose identity is 10 independent drawn attributes.

Proportions are deliberately "big-headed" so that hair, face and accessory stay readable at 112 px.
A pose moves the arms/legs (event evidence: running, arms up, holding something in front), and
*wear* items (helmet, apron, race bib, ...) are drawn over the body: they are event evidence ON the
person, which is what makes person and event share pixels as in the paper's photos.
"""
from __future__ import annotations

from dataclasses import dataclass

from .canvas import RGB, Canvas, mix

SKIN: dict[str, RGB] = {
    "porcelain": (250, 226, 210), "light": (236, 194, 160), "tan": (212, 160, 114),
    "olive": (184, 136, 92), "brown": (135, 86, 55), "deep": (84, 52, 34),
}
HAIR_COLOUR: dict[str, RGB] = {
    "black": (24, 20, 20), "dark brown": (74, 44, 24), "chestnut": (140, 74, 34), "blonde": (236, 204, 106),
    "auburn": (178, 58, 28), "grey": (150, 150, 156), "white": (244, 242, 236), "dyed blue": (44, 92, 214),
    "dyed pink": (232, 98, 172),
}
HAIR_STYLE = ["short", "long", "bun", "ponytail", "afro", "bald", "spiky", "bob", "mohawk", "braids"]
SHIRT_COLOUR: dict[str, RGB] = {
    "red": (214, 40, 40), "orange": (245, 140, 20), "yellow": (250, 214, 40), "green": (46, 160, 70),
    "teal": (20, 150, 150), "sky blue": (90, 170, 240), "navy": (30, 40, 110), "purple": (130, 60, 170),
    "pink": (245, 130, 190), "white": (246, 246, 246), "black": (30, 30, 34), "brown": (120, 76, 40),
}
SHIRT_PATTERN = ["plain", "horizontal stripes", "vertical stripes", "dots", "checks", "two-tone", "chevron", "big star"]
TROUSERS_COLOUR: dict[str, RGB] = {
    "denim": (52, 86, 150), "black": (28, 28, 30), "khaki": (196, 170, 110), "grey": (128, 128, 134),
    "brown": (100, 64, 36), "olive": (100, 110, 50), "white": (236, 236, 230), "red": (170, 30, 40),
}
ACCESSORY = ["none", "glasses", "necklace", "bow tie", "earrings", "hair flower", "neckerchief", "watch"]
BODY_SHAPE = ["slim", "average", "broad", "round"]
SHOES_COLOUR: dict[str, RGB] = {
    "white": (240, 240, 240), "black": (20, 20, 20), "red": (200, 30, 30), "blue": (30, 80, 200), "yellow": (240, 200, 30),
}
FACE_FEATURE = ["none", "freckles", "rosy cheeks", "beard", "moustache"]

#: attribute -> options; profiles.py samples one option per attribute (independently).
APPEARANCE_OPTIONS: dict[str, list[str]] = {
    "skin": list(SKIN), "hair_colour": list(HAIR_COLOUR), "hair_style": HAIR_STYLE,
    "shirt_colour": list(SHIRT_COLOUR), "shirt_pattern": SHIRT_PATTERN, "trousers_colour": list(TROUSERS_COLOUR),
    "accessory": ACCESSORY, "body_shape": BODY_SHAPE, "shoes_colour": list(SHOES_COLOUR), "face_feature": FACE_FEATURE,
}

TORSO_HALF_WIDTH = {"slim": 0.10, "average": 0.13, "broad": 0.165, "round": 0.15}

# pose -> (left hand (u, v), right hand (u, v)) in person units (u: 0 = centre, v: 0 = top, 1 = feet)
POSES = {
    "stand": ((-0.19, 0.58), (0.19, 0.58)),
    "hold_front": ((-0.07, 0.44), (0.07, 0.44)),
    "right_forward": ((-0.19, 0.58), (0.30, 0.40)),
    "right_up": ((-0.19, 0.58), (0.24, 0.05)),
    "both_up": ((-0.26, 0.04), (0.26, 0.04)),
    "run": ((-0.26, 0.52), (0.22, 0.30)),
    "both_side": ((-0.27, 0.56), (0.27, 0.56)),
    "curl": ((-0.24, 0.30), (0.24, 0.30)),
    "right_face": ((-0.19, 0.58), (0.10, 0.13)),  # hand at the face: phone call, camera, audio guide
    "both_face": ((-0.10, 0.16), (0.10, 0.16)),   # both hands at the face: camera, binoculars
    "right_side_low": ((-0.19, 0.58), (0.27, 0.62)),
}


@dataclass
class Anchors:
    """Where things are, in image units, for the scene to attach held objects and foreground."""
    cx: float
    top: float
    h: float
    left_hand: tuple[float, float]
    right_hand: tuple[float, float]
    head: tuple[float, float]
    head_r: float
    waist_y: float
    feet_y: float

    def at(self, u: float, v: float) -> tuple[float, float]:
        return self.cx + u * self.h, self.top + v * self.h


def draw_person(c: Canvas, look: dict, cx: float, feet_y: float, h: float, pose: str = "stand",
                wear: tuple[str, ...] = ()) -> Anchors:
    top = feet_y - h

    def P(u, v):
        return cx + u * h, top + v * h

    skin = SKIN[look["skin"]]
    hair = HAIR_COLOUR[look["hair_colour"]]
    shirt = SHIRT_COLOUR[look["shirt_colour"]]
    trousers = TROUSERS_COLOUR[look["trousers_colour"]]
    shoes = SHOES_COLOUR[look["shoes_colour"]]
    tw = TORSO_HALF_WIDTH[look["body_shape"]]
    style = look["hair_style"]
    hx, hy = P(0, 0.14)
    hr = 0.125 * h
    lh, rh = (P(*q) for q in POSES[pose])
    a = Anchors(cx, top, h, lh, rh, (hx, hy), hr, top + 0.60 * h, feet_y)

    # behind the body: long hair, afro, braids, backpack
    if "backpack" in wear:
        c.rrect(*P(-tw - 0.05, 0.30), *P(tw + 0.05, 0.62), 0.03 * h, (150, 70, 40))
    if style == "long":
        c.rrect(hx - hr * 1.15, hy - hr * 0.6, hx + hr * 1.15, hy + hr * 2.1, 0.05 * h, hair)
    elif style == "afro":
        c.circle(hx, hy - hr * 0.2, hr * 1.55, hair)
    elif style == "braids":
        for s in (-1, 1):
            c.thick(hx + s * hr * 0.95, hy, hx + s * hr * 1.1, hy + hr * 2.3, hair, 0.045 * h)
    elif style == "ponytail":
        c.ellipse(hx + hr * 1.25, hy + hr * 0.3, hr * 0.35, hr * 0.95, hair)
    elif style == "bob":
        c.rrect(hx - hr * 1.18, hy - hr * 0.9, hx + hr * 1.18, hy + hr * 1.0, 0.05 * h, hair)

    # legs and shoes
    legw = 0.085 * h if look["body_shape"] != "slim" else 0.07 * h
    if pose == "run":
        legs = [(P(-0.05, 0.62), P(-0.17, 0.97)), (P(0.05, 0.62), P(0.16, 0.93))]
    else:
        legs = [(P(-0.06, 0.62), P(-0.07, 0.97)), (P(0.06, 0.62), P(0.07, 0.97))]
    for (x0, y0), (x1, y1) in legs:
        c.thick(x0, y0, x1, y1, trousers, legw)
    for (_, _), (x1, y1) in legs:
        if "snowshoes" in wear:
            c.ellipse(x1, y1 + 0.02 * h, 0.07 * h, 0.03 * h, (90, 60, 40), outline=(40, 30, 20), width=0.006)
        c.ellipse(x1 + 0.01 * h, y1 + 0.01 * h, 0.055 * h, 0.03 * h, shoes)
    c.rect(*P(-tw * 0.85, 0.56), *P(tw * 0.85, 0.66), trousers)  # hips

    # torso + pattern
    x0, y0 = P(-tw, 0.27)
    x1, y1 = P(tw, 0.62)
    if look["body_shape"] == "round":
        c.ellipse((x0 + x1) / 2, (y0 + y1) / 2 + 0.01 * h, (x1 - x0) / 2, (y1 - y0) / 2 + 0.01 * h, shirt)
        x0, x1 = x0 + 0.03 * h, x1 - 0.03 * h
    else:
        c.rrect(x0, y0, x1, y1, 0.04 * h, shirt)
    _pattern(c, look["shirt_pattern"], shirt, x0, y0 + 0.02 * h, x1, y1 - 0.02 * h, h)
    _wear_torso(c, wear, a, P, tw)

    # arms: sleeve (shirt colour) from the shoulder, skin forearm, hand
    for s, (hxx, hyy) in ((-1, lh), (1, rh)):
        sx, sy = P(s * (tw - 0.02), 0.31)
        mx, my = sx + (hxx - sx) * 0.5, sy + (hyy - sy) * 0.5
        sleeve = (255, 215, 0) if "sparkly jacket" in wear else ((40, 40, 48) if "suit jacket" in wear else shirt)
        c.thick(mx, my, hxx, hyy, skin, 0.06 * h)
        c.thick(sx, sy, mx, my, sleeve, 0.075 * h)
        c.circle(hxx, hyy, 0.04 * h, skin)
    if look["accessory"] == "watch":
        c.circle(lh[0] + (P(-tw, 0.31)[0] - lh[0]) * 0.15, lh[1] + (P(-tw, 0.31)[1] - lh[1]) * 0.15, 0.028 * h, (230, 190, 40))

    # neck, head, face
    c.rect(hx - 0.035 * h, hy + hr * 0.7, hx + 0.035 * h, P(0, 0.29)[1], skin)
    c.circle(hx, hy, hr, skin)
    _front_hair(c, style, hair, hx, hy, hr, h)
    eye = (25, 25, 30)
    for s in (-1, 1):
        c.circle(hx + s * hr * 0.38, hy + hr * 0.05, 0.016 * h, eye)
    c.arc(hx, hy + hr * 0.35, hr * 0.3, hr * 0.18, 20, 160, (120, 40, 40), 0.012 * h)
    _face_feature(c, look["face_feature"], hair, skin, hx, hy, hr, h)
    _accessory(c, look["accessory"], hx, hy, hr, h, P)
    _wear_head(c, wear, hx, hy, hr, h)
    return a


def _pattern(c: Canvas, pattern: str, base: RGB, x0, y0, x1, y1, h):
    dark = mix(base, (0, 0, 0), 0.55) if sum(base) > 200 else mix(base, (255, 255, 255), 0.6)
    w, hh = x1 - x0, y1 - y0
    if pattern == "horizontal stripes":
        for i in range(4):
            yy = y0 + hh * (i + 0.5) / 4.5
            c.rect(x0, yy, x1, yy + hh * 0.1, dark)
    elif pattern == "vertical stripes":
        for i in range(4):
            xx = x0 + w * (i + 0.4) / 4.4
            c.rect(xx, y0, xx + w * 0.09, y1, dark)
    elif pattern == "dots":
        for i in range(3):
            for j in range(4):
                c.circle(x0 + w * (i + 0.5) / 3, y0 + hh * (j + 0.5) / 4, 0.018 * h, dark)
    elif pattern == "checks":
        for i in range(4):
            for j in range(5):
                if (i + j) % 2 == 0:
                    c.rect(x0 + w * i / 4, y0 + hh * j / 5, x0 + w * (i + 1) / 4, y0 + hh * (j + 1) / 5, dark)
    elif pattern == "two-tone":
        c.rect(x0 + w / 2, y0, x1, y1, dark)
    elif pattern == "chevron":
        c.line([(x0, y0 + hh * 0.15), ((x0 + x1) / 2, y0 + hh * 0.55), (x1, y0 + hh * 0.15)], dark, 0.045 * h)
    elif pattern == "big star":
        mx, my, r = (x0 + x1) / 2, y0 + hh * 0.45, min(w, hh) * 0.32
        import math
        pts = []
        for k in range(10):
            rr = r if k % 2 == 0 else r * 0.45
            ang = -math.pi / 2 + k * math.pi / 5
            pts.append((mx + rr * math.cos(ang), my + rr * math.sin(ang)))
        c.poly(pts, dark)


def _front_hair(c: Canvas, style, hair, hx, hy, hr, h):
    if style == "bald":
        c.arc(hx, hy, hr * 1.0, hr * 1.0, 200, 340, mix(hair, (255, 255, 255), 0.2), 0.02 * h)  # fringe of hair at the sides
        return
    if style == "spiky":
        pts = [(hx - hr * 1.05, hy - hr * 0.2)]
        for k in range(7):
            t = k / 6
            pts.append((hx - hr + 2 * hr * t, hy - hr * (1.6 if k % 2 == 0 else 0.9)))
        pts.append((hx + hr * 1.05, hy - hr * 0.2))
        c.poly(pts, hair)
        return
    if style == "mohawk":
        c.rrect(hx - hr * 0.22, hy - hr * 1.65, hx + hr * 0.22, hy - hr * 0.3, 0.02 * h, hair)
        return
    # a cap of hair on top of the head for the other styles
    c.pieslice(hx, hy - hr * 0.05, hr * 1.08, hr * 1.08, 180, 360, hair)
    if style == "bun":
        c.circle(hx, hy - hr * 1.25, hr * 0.45, hair)
    if style in ("long", "bob", "braids"):
        c.pieslice(hx - hr * 0.45, hy - hr * 0.35, hr * 0.6, hr * 0.45, 0, 180, hair)  # side fringe


def _face_feature(c: Canvas, feat, hair, skin, hx, hy, hr, h):
    if feat == "beard":
        c.pieslice(hx, hy + hr * 0.1, hr * 0.95, hr * 0.95, 10, 170, hair)
        c.arc(hx, hy + hr * 0.35, hr * 0.3, hr * 0.18, 20, 160, skin, 0.02 * h)
    elif feat == "moustache":
        c.ellipse(hx, hy + hr * 0.32, hr * 0.42, hr * 0.12, hair)
    elif feat == "freckles":
        for s in (-1, 1):
            for k in range(3):
                c.circle(hx + s * hr * (0.3 + 0.13 * k), hy + hr * (0.25 + 0.06 * (k % 2)), 0.008 * h, (150, 80, 50))
    elif feat == "rosy cheeks":
        for s in (-1, 1):
            c.circle(hx + s * hr * 0.55, hy + hr * 0.3, hr * 0.16, (236, 110, 110))


def _accessory(c: Canvas, acc, hx, hy, hr, h, P):
    if acc == "glasses":
        for s in (-1, 1):
            c.circle(hx + s * hr * 0.38, hy + hr * 0.05, hr * 0.24, None, outline=(20, 20, 20), width=0.012 * h)
        c.line([(hx - hr * 0.14, hy), (hx + hr * 0.14, hy)], (20, 20, 20), 0.01 * h)
    elif acc == "necklace":
        c.arc(hx, P(0, 0.27)[1], 0.07 * h, 0.06 * h, 0, 180, (240, 210, 60), 0.012 * h)
        c.circle(hx, P(0, 0.33)[1], 0.015 * h, (200, 30, 60))
    elif acc == "bow tie":
        y = P(0, 0.29)[1]
        c.poly([(hx, y), (hx - 0.05 * h, y - 0.025 * h), (hx - 0.05 * h, y + 0.025 * h)], (200, 20, 60))
        c.poly([(hx, y), (hx + 0.05 * h, y - 0.025 * h), (hx + 0.05 * h, y + 0.025 * h)], (200, 20, 60))
    elif acc == "earrings":
        for s in (-1, 1):
            c.circle(hx + s * hr * 1.0, hy + hr * 0.45, 0.018 * h, (250, 200, 40))
    elif acc == "hair flower":
        fx, fy = hx - hr * 0.75, hy - hr * 0.6
        for k in range(5):
            import math
            c.circle(fx + 0.025 * h * math.cos(k * 1.2566), fy + 0.025 * h * math.sin(k * 1.2566), 0.018 * h, (240, 60, 120))
        c.circle(fx, fy, 0.013 * h, (255, 230, 60))
    elif acc == "neckerchief":
        y = P(0, 0.27)[1]
        c.poly([(hx - 0.08 * h, y), (hx + 0.08 * h, y), (hx, y + 0.1 * h)], (230, 100, 20))


def _wear_torso(c: Canvas, wear, a: Anchors, P, tw):
    for item in wear:
        if item == "apron":
            c.rect(*P(-tw * 0.7, 0.36), *P(tw * 0.7, 0.85), (245, 245, 235))
            c.line([P(-tw * 0.7, 0.36), P(0, 0.25), P(tw * 0.7, 0.36)], (245, 245, 235), 0.015)
        elif item == "race bib":
            c.rect(*P(-0.08, 0.36), *P(0.08, 0.50), (250, 250, 250), outline=(30, 30, 30), width=0.004)
            for k in range(3):
                c.rect(*P(-0.055 + k * 0.04, 0.39), *P(-0.03 + k * 0.04, 0.47), (20, 20, 20))
        elif item == "life jacket":
            c.rrect(*P(-tw - 0.01, 0.28), *P(-0.015, 0.58), 0.02 * a.h, (250, 110, 10))
            c.rrect(*P(0.015, 0.28), *P(tw + 0.01, 0.58), 0.02 * a.h, (250, 110, 10))
            c.rect(*P(-tw, 0.46), *P(tw, 0.49), (30, 30, 30))
        elif item == "suit jacket":
            c.poly([P(-tw - 0.005, 0.27), P(-0.02, 0.27), P(-0.02, 0.62), P(-tw - 0.005, 0.62)], (40, 40, 48))
            c.poly([P(tw + 0.005, 0.27), P(0.02, 0.27), P(0.02, 0.62), P(tw + 0.005, 0.62)], (40, 40, 48))
            c.poly([P(-0.015, 0.28), P(0.015, 0.28), P(0.025, 0.5), P(0, 0.54), P(-0.025, 0.5)], (160, 20, 40))  # tie
        elif item == "sparkly jacket":  # open jacket: the shirt (identity) stays visible in the middle
            for s0, s1 in ((-tw - 0.01, -tw * 0.35), (tw * 0.35, tw + 0.01)):
                c.rect(*P(s0, 0.27), *P(s1, 0.62), (255, 215, 0))
                for k in range(3):
                    c.circle(*P((s0 + s1) / 2, 0.33 + k * 0.1), 0.012 * a.h, (255, 255, 255))
        elif item == "sash":
            c.line([P(-tw, 0.29), P(tw, 0.58)], (200, 20, 50), 0.06 * a.h)
        elif item == "id badge":
            c.line([P(-0.06, 0.28), P(0, 0.42), P(0.06, 0.28)], (30, 90, 200), 0.012 * a.h)
            c.rect(*P(-0.035, 0.41), *P(0.035, 0.49), (250, 250, 250), outline=(30, 90, 200), width=0.004)
        elif item == "backpack":
            for s in (-1, 1):
                c.line([P(s * tw * 0.6, 0.28), P(s * tw * 0.8, 0.56)], (110, 50, 30), 0.035 * a.h)
        elif item == "jersey":
            c.rect(*P(-tw, 0.27), *P(tw, 0.36), (250, 250, 250))
            c.rect(*P(-tw, 0.36), *P(tw, 0.40), (20, 150, 60))
        elif item == "winter coat":  # open coat with a fur collar
            for s0, s1 in ((-tw - 0.02, -tw * 0.35), (tw * 0.35, tw + 0.02)):
                c.rrect(*P(s0, 0.27), *P(s1, 0.68), 0.02 * a.h, (190, 30, 40))
            c.rect(*P(-tw - 0.02, 0.26), *P(tw + 0.02, 0.30), (250, 250, 250))
        elif item == "knit sweater":  # open cardigan with a zigzag knit band
            for s0, s1 in ((-tw - 0.01, -tw * 0.4), (tw * 0.4, tw + 0.01)):
                c.rrect(*P(s0, 0.27), *P(s1, 0.63), 0.02 * a.h, (150, 30, 30))
                c.line([P(s0, 0.45), P((s0 + s1) / 2, 0.42), P(s1, 0.45)], (250, 250, 250), 0.02 * a.h)
        elif item == "lab vest":
            c.rect(*P(-tw, 0.3), *P(tw, 0.6), (200, 240, 40))
            c.rect(*P(-tw, 0.47), *P(tw, 0.5), (220, 220, 220))


def _wear_head(c: Canvas, wear, hx, hy, hr, h):
    for item in wear:
        if item == "helmet":
            c.pieslice(hx, hy - hr * 0.1, hr * 1.2, hr * 1.15, 180, 360, (230, 40, 40))
            c.rect(hx - hr * 1.2, hy - hr * 0.15, hx + hr * 1.2, hy - hr * 0.05, (40, 40, 40))
        elif item == "straw hat":
            c.ellipse(hx, hy - hr * 0.55, hr * 1.9, hr * 0.28, (225, 190, 100))
            c.pieslice(hx, hy - hr * 0.55, hr * 0.9, hr * 0.9, 180, 360, (215, 175, 85))
            c.rect(hx - hr * 0.9, hy - hr * 0.75, hx + hr * 0.9, hy - hr * 0.6, (160, 40, 30))
        elif item == "sun hat":
            c.ellipse(hx, hy - hr * 0.6, hr * 2.1, hr * 0.35, (250, 240, 220))
            c.pieslice(hx, hy - hr * 0.6, hr * 0.85, hr * 0.8, 180, 360, (250, 240, 220))
            c.rect(hx - hr * 0.85, hy - hr * 0.85, hx + hr * 0.85, hy - hr * 0.7, (40, 120, 220))
        elif item == "winter hat":
            c.pieslice(hx, hy - hr * 0.2, hr * 1.1, hr * 1.2, 180, 360, (40, 110, 200))
            c.rect(hx - hr * 1.1, hy - hr * 0.45, hx + hr * 1.1, hy - hr * 0.15, (240, 240, 240))
            c.circle(hx, hy - hr * 1.45, hr * 0.3, (240, 240, 240))
        elif item == "bucket hat":
            c.poly([(hx - hr * 1.35, hy - hr * 0.35), (hx - hr * 0.8, hy - hr * 1.25), (hx + hr * 0.8, hy - hr * 1.25),
                    (hx + hr * 1.35, hy - hr * 0.35)], (110, 130, 70))
        elif item == "headlamp":
            c.rect(hx - hr * 1.02, hy - hr * 0.65, hx + hr * 1.02, hy - hr * 0.45, (30, 30, 30))
            c.circle(hx, hy - hr * 0.55, hr * 0.22, (255, 250, 170))
        elif item == "headphones":
            c.arc(hx, hy - hr * 0.05, hr * 1.15, hr * 1.15, 180, 360, (30, 30, 30), 0.025 * h)
            for s in (-1, 1):
                c.ellipse(hx + s * hr * 1.1, hy + hr * 0.05, hr * 0.22, hr * 0.35, (220, 40, 40))
        elif item == "party hat":
            c.poly([(hx - hr * 0.55, hy - hr * 0.75), (hx + hr * 0.55, hy - hr * 0.75), (hx + hr * 0.1, hy - hr * 2.0)], (60, 200, 220))
            c.circle(hx + hr * 0.1, hy - hr * 2.0, hr * 0.18, (250, 220, 40))
        elif item == "chef hat":
            c.rect(hx - hr * 0.7, hy - hr * 1.2, hx + hr * 0.7, hy - hr * 0.7, (250, 250, 250))
            for s in (-0.5, 0, 0.5):
                c.circle(hx + s * hr, hy - hr * 1.4, hr * 0.45, (250, 250, 250))
        elif item == "cap":
            c.pieslice(hx, hy - hr * 0.2, hr * 1.05, hr * 1.0, 180, 360, (30, 60, 160))
            c.ellipse(hx + hr * 0.8, hy - hr * 0.25, hr * 0.7, hr * 0.14, (30, 60, 160))
