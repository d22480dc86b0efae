"""Scene objects. Each function draws one object standing at ``(x, y)`` (x: centre, y: bottom) with
height ``s``, all in image units. Held objects take the hand position as (x, y) instead."""
from __future__ import annotations

import math

from .canvas import Canvas, mix

WOOD = (130, 84, 46)
DARK = (36, 36, 40)
METAL = (170, 174, 182)


# ---------------------------------------------------------------- nature
def tree(c: Canvas, x, y, s, leaf=(50, 140, 60)):
    c.rect(x - 0.06 * s, y - 0.45 * s, x + 0.06 * s, y, WOOD)
    c.circle(x, y - 0.65 * s, 0.3 * s, leaf)
    c.circle(x - 0.18 * s, y - 0.5 * s, 0.2 * s, mix(leaf, (0, 0, 0), 0.15))
    c.circle(x + 0.18 * s, y - 0.52 * s, 0.2 * s, mix(leaf, (255, 255, 255), 0.1))


def pine_tree(c: Canvas, x, y, s, leaf=(30, 100, 60), snow=False):
    c.rect(x - 0.05 * s, y - 0.15 * s, x + 0.05 * s, y, WOOD)
    for k in range(3):
        yb = y - 0.1 * s - k * 0.28 * s
        w = 0.32 * s * (1 - k * 0.25)
        c.poly([(x - w, yb), (x + w, yb), (x, yb - 0.42 * s)], leaf)
        if snow:
            c.poly([(x - w * 0.45, yb - 0.25 * s), (x + w * 0.45, yb - 0.25 * s), (x, yb - 0.42 * s)], (250, 250, 255))


def palm_tree(c: Canvas, x, y, s):
    c.line([(x, y), (x + 0.08 * s, y - 0.5 * s), (x + 0.05 * s, y - s)], (150, 110, 60), 0.06 * s)
    for ang in (200, 240, 290, 330, 20):
        a = math.radians(ang)
        c.line([(x + 0.05 * s, y - s), (x + 0.05 * s + 0.35 * s * math.cos(a), y - s + 0.25 * s * math.sin(a) + 0.12 * s)],
               (40, 150, 60), 0.06 * s)


def mountain(c: Canvas, x, y, s, col=(110, 120, 140), snow=True):
    c.poly([(x - 0.8 * s, y), (x, y - s), (x + 0.8 * s, y)], col)
    if snow:
        c.poly([(x - 0.24 * s, y - 0.7 * s), (x, y - s), (x + 0.24 * s, y - 0.7 * s), (x + 0.08 * s, y - 0.64 * s),
                (x - 0.06 * s, y - 0.72 * s)], (250, 250, 252))


def cloud(c: Canvas, x, y, s):
    for dx, dy, r in ((-0.3, 0, 0.22), (0, -0.1, 0.3), (0.3, 0, 0.22)):
        c.circle(x + dx * s, y + dy * s, r * s, (252, 252, 255))


def sun(c: Canvas, x, y, r, col=(255, 200, 60)):
    c.circle(x, y, r * 1.4, mix(col, (255, 255, 255), 0.5))
    c.circle(x, y, r, col)


def moon(c: Canvas, x, y, r, sky):
    c.circle(x, y, r, (250, 245, 210))
    c.circle(x + 0.4 * r, y - 0.2 * r, r * 0.85, sky)  # crescent


def stars(c: Canvas, rng_pts):
    for x, y, r in rng_pts:
        c.circle(x, y, r, (255, 255, 230))


def flower(c: Canvas, x, y, s, col):
    c.line([(x, y), (x, y - s)], (40, 130, 50), 0.15 * s)
    for k in range(5):
        a = k * 2 * math.pi / 5
        c.circle(x + 0.2 * s * math.cos(a), y - s + 0.2 * s * math.sin(a), 0.16 * s, col)
    c.circle(x, y - s, 0.12 * s, (250, 220, 40))


def bird(c: Canvas, x, y, s, col=(40, 40, 50)):
    c.arc(x - 0.5 * s, y, 0.5 * s, 0.35 * s, 200, 340, col, 0.12 * s)
    c.arc(x + 0.5 * s, y, 0.5 * s, 0.35 * s, 200, 340, col, 0.12 * s)


def reeds(c: Canvas, x, y, s):
    for k in range(5):
        xx = x + (k - 2) * 0.08 * s
        c.line([(xx, y), (xx + 0.03 * s * (k - 2), y - s * (0.8 + 0.05 * k))], (90, 120, 50), 0.04 * s)
        c.ellipse(xx + 0.03 * s * (k - 2), y - s * (0.8 + 0.05 * k), 0.035 * s, 0.1 * s, (110, 70, 40))


def cow(c: Canvas, x, y, s):
    c.rrect(x - 0.5 * s, y - 0.75 * s, x + 0.35 * s, y - 0.3 * s, 0.1 * s, (250, 250, 250))
    c.ellipse(x - 0.2 * s, y - 0.6 * s, 0.14 * s, 0.1 * s, (30, 30, 30))
    c.ellipse(x + 0.15 * s, y - 0.45 * s, 0.1 * s, 0.08 * s, (30, 30, 30))
    for dx in (-0.42, -0.25, 0.1, 0.27):
        c.rect(x + dx * s, y - 0.32 * s, x + (dx + 0.07) * s, y, (240, 240, 240))
    c.rrect(x + 0.3 * s, y - 0.9 * s, x + 0.58 * s, y - 0.6 * s, 0.06 * s, (250, 250, 250))
    c.ellipse(x + 0.5 * s, y - 0.66 * s, 0.09 * s, 0.06 * s, (240, 170, 170))


def giraffe(c: Canvas, x, y, s):
    body = (235, 180, 70)
    c.ellipse(x, y - 0.45 * s, 0.28 * s, 0.12 * s, body)
    for dx in (-0.2, -0.1, 0.1, 0.2):
        c.line([(x + dx * s, y - 0.4 * s), (x + dx * s, y)], body, 0.05 * s)
    c.line([(x + 0.2 * s, y - 0.5 * s), (x + 0.3 * s, y - 0.95 * s)], body, 0.09 * s)
    c.ellipse(x + 0.35 * s, y - 0.97 * s, 0.1 * s, 0.05 * s, body)
    for dx, dy in ((-0.12, -0.47), (0.05, -0.42), (0.0, -0.5), (0.24, -0.7), (0.27, -0.85)):
        c.circle(x + dx * s, y + dy * s, 0.035 * s, (150, 90, 30))


def fence(c: Canvas, x0, x1, y, s, col=(240, 240, 235)):
    c.rect(x0, y - 0.7 * s, x1, y - 0.6 * s, col)
    c.rect(x0, y - 0.35 * s, x1, y - 0.25 * s, col)
    n = max(2, int((x1 - x0) / (0.35 * s)))
    for k in range(n + 1):
        xx = x0 + (x1 - x0) * k / n
        c.rect(xx - 0.04 * s, y - 0.85 * s, xx + 0.04 * s, y, col)


# ---------------------------------------------------------------- buildings and furniture
def barn(c: Canvas, x, y, s):
    red = (180, 40, 35)
    c.rect(x - 0.45 * s, y - 0.6 * s, x + 0.45 * s, y, red)
    c.poly([(x - 0.52 * s, y - 0.6 * s), (x, y - s), (x + 0.52 * s, y - 0.6 * s)], (140, 30, 30))
    c.rect(x - 0.18 * s, y - 0.4 * s, x + 0.18 * s, y, (250, 250, 250))
    c.line([(x - 0.18 * s, y - 0.4 * s), (x + 0.18 * s, y)], red, 0.03 * s)
    c.line([(x + 0.18 * s, y - 0.4 * s), (x - 0.18 * s, y)], red, 0.03 * s)


def log_cabin(c: Canvas, x, y, s):
    for k in range(6):
        c.rrect(x - 0.5 * s, y - (k + 1) * 0.1 * s, x + 0.5 * s, y - k * 0.1 * s, 0.04 * s, (120 + 8 * (k % 2), 72, 38))
    c.poly([(x - 0.6 * s, y - 0.6 * s), (x, y - s), (x + 0.6 * s, y - 0.6 * s)], (70, 50, 40))
    c.rect(x - 0.1 * s, y - 0.35 * s, x + 0.1 * s, y, (70, 40, 20))
    c.rect(x + 0.2 * s, y - 0.45 * s, x + 0.38 * s, y - 0.28 * s, (250, 210, 110))


def building(c: Canvas, x, y, w, s, col, win=(200, 220, 240)):
    c.rect(x - w / 2, y - s, x + w / 2, y, col)
    rows, cols = max(2, int(s / 0.07)), max(2, int(w / 0.05))
    for i in range(cols):
        for j in range(rows - 1):
            xx = x - w / 2 + w * (i + 0.3) / cols
            yy = y - s + s * (j + 0.3) / rows
            c.rect(xx, yy, xx + w * 0.4 / cols, yy + s * 0.4 / rows, win)


def tower(c: Canvas, x, y, s):
    col = (120, 100, 80)
    c.poly([(x - 0.3 * s, y), (x - 0.03 * s, y - s), (x + 0.03 * s, y - s), (x + 0.3 * s, y),
            (x + 0.2 * s, y), (x, y - 0.35 * s), (x - 0.2 * s, y)], col)
    c.rect(x - 0.22 * s, y - 0.42 * s, x + 0.22 * s, y - 0.38 * s, col)
    c.rect(x - 0.13 * s, y - 0.68 * s, x + 0.13 * s, y - 0.65 * s, col)
    c.line([(x, y - s), (x, y - 1.1 * s)], col, 0.02 * s)


def storefront(c: Canvas, x, y, w, s, col):
    c.rect(x - w / 2, y - s, x + w / 2, y, (240, 236, 228))
    c.rect(x - w * 0.42, y - s * 0.65, x + w * 0.42, y, (170, 210, 230))
    for k in range(6):
        c.rect(x - w / 2 + k * w / 6, y - s, x - w / 2 + (k + 0.5) * w / 6, y - s * 0.8, col)
    c.rect(x - w / 2, y - s, x + w / 2, y - s * 0.8, None, outline=col, width=0.004)


def escalator(c: Canvas, x, y, s):
    c.poly([(x - 0.5 * s, y), (x - 0.25 * s, y), (x + 0.5 * s, y - s), (x + 0.25 * s, y - s)], (150, 156, 166))
    for k in range(1, 6):
        t = k / 6
        c.line([(x - 0.5 * s + 0.75 * s * t, y - s * t), (x - 0.25 * s + 0.75 * s * t, y - s * t)], (90, 94, 104), 0.01 * s)
    c.line([(x - 0.55 * s, y - 0.25 * s), (x + 0.2 * s, y - 1.2 * s)], (40, 40, 50), 0.04 * s)


def table(c: Canvas, x, y, w, top_y, col=(150, 96, 56), cloth=None):
    """A table seen from the front: top at ``top_y`` covering the person's lower body."""
    c.rect(x - w / 2, top_y, x + w / 2, top_y + 0.03, cloth or col)
    if cloth:
        c.rect(x - w / 2, top_y, x + w / 2, y, cloth)
    else:
        c.rect(x - w / 2 + 0.02, top_y, x - w / 2 + 0.04, y, col)
        c.rect(x + w / 2 - 0.04, top_y, x + w / 2 - 0.02, y, col)


def plate(c: Canvas, x, y, s):
    c.ellipse(x, y, s, s * 0.3, (252, 252, 252), outline=(200, 200, 200), width=0.003)
    c.ellipse(x, y - s * 0.02, s * 0.5, s * 0.15, (200, 120, 60))


def bench(c: Canvas, x, y, s, col=(150, 100, 60)):
    c.rect(x - 0.5 * s, y - 0.45 * s, x + 0.5 * s, y - 0.38 * s, col)
    c.rect(x - 0.5 * s, y - 0.75 * s, x + 0.5 * s, y - 0.55 * s, col)
    for dx in (-0.42, 0.38):
        c.rect(x + dx * s, y - 0.4 * s, x + (dx + 0.05) * s, y, DARK)


def sofa(c: Canvas, x, y, s, col=(70, 110, 160)):
    c.rrect(x - 0.6 * s, y - 0.9 * s, x + 0.6 * s, y - 0.35 * s, 0.1 * s, col)
    c.rrect(x - 0.7 * s, y - 0.5 * s, x + 0.7 * s, y - 0.05 * s, 0.1 * s, mix(col, (0, 0, 0), 0.15))
    c.rect(x - 0.62 * s, y - 0.05 * s, x + 0.62 * s, y, DARK)


def frame(c: Canvas, x, y, w, hh, inner, border=(180, 140, 50)):
    c.rect(x - w / 2, y - hh, x + w / 2, y, border)
    c.rect(x - w / 2 + 0.01, y - hh + 0.01, x + w / 2 - 0.01, y - 0.01, inner)


def painting(c: Canvas, x, y, w, hh, a, b):
    frame(c, x, y, w, hh, a, border=(40, 40, 40))
    c.circle(x - w * 0.15, y - hh * 0.55, min(w, hh) * 0.22, b)
    c.poly([(x, y - hh * 0.15), (x + w * 0.35, y - hh * 0.15), (x + w * 0.2, y - hh * 0.7)], mix(a, (0, 0, 0), 0.5))


def shelf_of_books(c: Canvas, x0, x1, y0, y1, shelves, wood, rng_cols):
    c.rect(x0, y0, x1, y1, wood)
    sh = (y1 - y0) / shelves
    k = 0
    for j in range(shelves):
        yy = y0 + j * sh
        xx = x0 + 0.01
        while xx < x1 - 0.025:
            bw = 0.012 + 0.008 * ((k * 7) % 3)
            col = rng_cols[k % len(rng_cols)]
            c.rect(xx, yy + sh * (0.15 + 0.1 * (k % 3) / 3), xx + bw, yy + sh * 0.92, col)
            xx += bw + 0.003
            k += 1
        c.rect(x0, yy + sh * 0.92, x1, yy + sh, mix(wood, (0, 0, 0), 0.3))


def chalkboard(c: Canvas, x0, y0, x1, y1, green=True):
    c.rect(x0 - 0.01, y0 - 0.01, x1 + 0.01, y1 + 0.01, WOOD)
    c.rect(x0, y0, x1, y1, (40, 90, 60) if green else (30, 30, 32))
    for k in range(3):
        yy = y0 + (y1 - y0) * (0.25 + 0.22 * k)
        c.line([(x0 + 0.02, yy), (x0 + (x1 - x0) * (0.5 + 0.15 * k), yy)], (235, 235, 225), 0.006)


def wall_clock(c: Canvas, x, y, r):
    c.circle(x, y, r, (250, 250, 250), outline=(30, 30, 30), width=0.006)
    c.line([(x, y), (x, y - r * 0.7)], (20, 20, 20), 0.006)
    c.line([(x, y), (x + r * 0.5, y)], (20, 20, 20), 0.006)


def board(c: Canvas, x0, y0, x1, y1, bg, fg, rows=4):
    c.rect(x0, y0, x1, y1, bg, outline=(90, 90, 90), width=0.005)
    for j in range(rows):
        yy = y0 + (y1 - y0) * (j + 0.35) / rows
        c.rect(x0 + 0.015, yy, x0 + (x1 - x0) * 0.45, yy + (y1 - y0) * 0.35 / rows, fg)
        c.rect(x0 + (x1 - x0) * 0.6, yy, x1 - 0.015, yy + (y1 - y0) * 0.35 / rows, fg)


def window(c: Canvas, x0, y0, x1, y1, glass, mullion=(235, 235, 240), n=3):
    c.rect(x0, y0, x1, y1, glass)
    for k in range(n + 1):
        xx = x0 + (x1 - x0) * k / n
        c.rect(xx - 0.006, y0, xx + 0.006, y1, mullion)
    c.rect(x0, y0, x1, y0 + 0.012, mullion)
    c.rect(x0, y1 - 0.012, x1, y1, mullion)


def potted_plant(c: Canvas, x, y, s):
    for ang in (-60, -30, 0, 30, 60):
        a = math.radians(ang - 90)
        c.ellipse(x + 0.25 * s * math.cos(a), y - 0.45 * s + 0.35 * s * math.sin(a), 0.1 * s, 0.22 * s, (40, 150, 60))
    c.poly([(x - 0.2 * s, y - 0.4 * s), (x + 0.2 * s, y - 0.4 * s), (x + 0.14 * s, y), (x - 0.14 * s, y)], (200, 100, 50))


def lamp_post(c: Canvas, x, y, s):
    c.rect(x - 0.02 * s, y - s, x + 0.02 * s, y, DARK)
    c.line([(x, y - s), (x + 0.15 * s, y - s)], DARK, 0.03 * s)
    c.ellipse(x + 0.17 * s, y - 0.96 * s, 0.06 * s, 0.05 * s, (255, 240, 150))


def traffic_light(c: Canvas, x, y, s):
    c.rect(x - 0.02 * s, y - s, x + 0.02 * s, y, DARK)
    c.rrect(x - 0.08 * s, y - s, x + 0.08 * s, y - 0.6 * s, 0.03 * s, (30, 30, 30))
    for k, col in enumerate(((230, 40, 40), (240, 200, 40), (40, 200, 80))):
        c.circle(x, y - s + (0.07 + 0.13 * k) * s, 0.05 * s, col)


def traffic_cone(c: Canvas, x, y, s):
    c.poly([(x - 0.3 * s, y), (x - 0.05 * s, y - s), (x + 0.05 * s, y - s), (x + 0.3 * s, y)], (250, 120, 20))
    c.rect(x - 0.2 * s, y - 0.55 * s, x + 0.2 * s, y - 0.42 * s, (250, 250, 250))
    c.rect(x - 0.4 * s, y - 0.06 * s, x + 0.4 * s, y, (250, 120, 20))


def speaker(c: Canvas, x, y, s):
    c.rect(x - 0.3 * s, y - s, x + 0.3 * s, y, (25, 25, 28))
    c.circle(x, y - 0.3 * s, 0.2 * s, (80, 80, 90))
    c.circle(x, y - 0.72 * s, 0.12 * s, (80, 80, 90))


def disco_ball(c: Canvas, x, y, r):
    c.line([(x, 0), (x, y - r)], (200, 200, 200), 0.004)
    c.circle(x, y, r, (200, 200, 215))
    for i in range(-2, 3):
        for j in range(-2, 3):
            if i * i + j * j <= 4:
                c.rect(x + i * r * 0.35 - r * 0.12, y + j * r * 0.35 - r * 0.12, x + i * r * 0.35 + r * 0.12,
                       y + j * r * 0.35 + r * 0.12, (250, 250, 255) if (i + j) % 2 else (150, 150, 180))


def light_beam(c: Canvas, x, y, x1, spread, col):
    c.poly([(x, y), (x1 - spread, 1.05), (x1 + spread, 1.05)], col)


def spotlight(c: Canvas, x, y, s):
    c.rrect(x - 0.1 * s, y - 0.12 * s, x + 0.1 * s, y + 0.12 * s, 0.03 * s, (40, 40, 44))
    c.circle(x, y + 0.1 * s, 0.07 * s, (255, 250, 200))


def tripod(c: Canvas, x, y, top, s):
    for dx in (-0.25, 0, 0.25):
        c.line([(x, top), (x + dx * s, y)], DARK, 0.02 * s)


def video_camera(c: Canvas, x, y, s):
    tripod(c, x, y, y - 0.6 * s, s)
    c.rrect(x - 0.25 * s, y - 0.85 * s, x + 0.2 * s, y - 0.6 * s, 0.04 * s, (40, 40, 46))
    c.rect(x - 0.4 * s, y - 0.8 * s, x - 0.25 * s, y - 0.66 * s, (20, 20, 20))
    c.circle(x - 0.4 * s, y - 0.73 * s, 0.06 * s, (90, 140, 200))


def studio_light(c: Canvas, x, y, s):
    tripod(c, x, y, y - 0.6 * s, s)
    c.line([(x, y - 0.6 * s), (x, y - 0.85 * s)], DARK, 0.03 * s)
    c.rect(x - 0.22 * s, y - s, x + 0.22 * s, y - 0.8 * s, (250, 250, 235), outline=DARK, width=0.005)


def telescope(c: Canvas, x, y, s):
    tripod(c, x, y, y - 0.55 * s, s)
    c.line([(x - 0.25 * s, y - 0.45 * s), (x + 0.3 * s, y - 0.95 * s)], (230, 230, 236), 0.11 * s)
    c.line([(x + 0.22 * s, y - 0.88 * s), (x + 0.32 * s, y - 0.97 * s)], (60, 60, 70), 0.13 * s)


def treadmill(c: Canvas, x, y, s):
    c.poly([(x - 0.6 * s, y), (x + 0.4 * s, y), (x + 0.45 * s, y - 0.12 * s), (x - 0.55 * s, y - 0.12 * s)], (40, 40, 44))
    c.line([(x + 0.4 * s, y - 0.1 * s), (x + 0.3 * s, y - 0.75 * s)], METAL, 0.05 * s)
    c.rect(x + 0.15 * s, y - 0.85 * s, x + 0.45 * s, y - 0.7 * s, (60, 60, 70))


def kettlebell(c: Canvas, x, y, s, col=(30, 30, 30)):
    c.circle(x, y - 0.35 * s, 0.35 * s, col)
    c.arc(x, y - 0.75 * s, 0.2 * s, 0.2 * s, 180, 360, col, 0.08 * s)


def dumbbell(c: Canvas, x, y, s, vertical=False):
    if vertical:
        c.rect(x - 0.015, y - 0.6 * s, x + 0.015, y + 0.6 * s, METAL)
        for e in (-0.6, 0.6):
            c.rect(x - 0.5 * s, y + e * s - 0.2 * s, x + 0.5 * s, y + e * s + 0.2 * s, (30, 30, 34))
    else:
        c.rect(x - 0.6 * s, y - 0.015, x + 0.6 * s, y + 0.015, METAL)
        for e in (-0.6, 0.6):
            c.rect(x + e * s - 0.2 * s, y - 0.5 * s, x + e * s + 0.2 * s, y + 0.5 * s, (30, 30, 34))


def stage(c: Canvas, y, col=(60, 30, 30)):
    c.rect(-0.2, y - 0.05, 1.2, y, col)
    c.rect(-0.2, y, 1.2, y + 0.02, (20, 10, 10))


def guitar(c: Canvas, x, y, s, col=(200, 60, 30)):
    c.line([(x, y - 0.4 * s), (x + 0.1 * s, y - s)], (60, 40, 20), 0.07 * s)
    c.circle(x - 0.02 * s, y - 0.2 * s, 0.2 * s, col)
    c.circle(x + 0.01 * s, y - 0.42 * s, 0.15 * s, col)
    c.circle(x - 0.01 * s, y - 0.28 * s, 0.05 * s, (20, 20, 20))


def crowd(c: Canvas, y, n, col, xs):
    for k, xx in enumerate(xs):
        c.circle(xx, y - 0.05 - 0.01 * (k % 3), 0.045, col)
        c.rrect(xx - 0.07, y - 0.02 - 0.01 * (k % 3), xx + 0.07, y + 0.2, 0.03, col)


def airplane(c: Canvas, x, y, s):
    white = (245, 245, 250)
    c.ellipse(x, y, 0.5 * s, 0.08 * s, white)
    c.poly([(x - 0.05 * s, y), (x + 0.15 * s, y), (x - 0.15 * s, y + 0.35 * s), (x - 0.25 * s, y + 0.35 * s)], (220, 220, 230))
    c.poly([(x - 0.38 * s, y), (x - 0.47 * s, y - 0.25 * s), (x - 0.4 * s, y - 0.25 * s), (x - 0.28 * s, y)], (30, 80, 180))


def suitcase(c: Canvas, x, y, s, col=(40, 90, 170)):
    """Rolling suitcase whose handle top is at the hand (x, y)."""
    c.line([(x, y), (x, y + 0.3 * s)], METAL, 0.02 * s)
    c.rrect(x - 0.15 * s, y + 0.28 * s, x + 0.15 * s, y + 0.72 * s, 0.04 * s, col)
    c.rect(x - 0.15 * s, y + 0.45 * s, x + 0.15 * s, y + 0.47 * s, mix(col, (0, 0, 0), 0.4))
    c.circle(x - 0.1 * s, y + 0.74 * s, 0.025 * s, DARK)
    c.circle(x + 0.1 * s, y + 0.74 * s, 0.025 * s, DARK)


def car(c: Canvas, cx, y, s, col=(200, 30, 40)):
    """A convertible seen from the front-side, covering the seated person's lower body."""
    c.rrect(cx - 0.75 * s, y - 0.45 * s, cx + 0.75 * s, y - 0.1 * s, 0.08 * s, col)
    c.rect(cx - 0.7 * s, y - 0.52 * s, cx + 0.7 * s, y - 0.42 * s, mix(col, (0, 0, 0), 0.3))
    c.ellipse(cx - 0.6 * s, y - 0.32 * s, 0.08 * s, 0.06 * s, (255, 250, 200))
    c.ellipse(cx + 0.6 * s, y - 0.32 * s, 0.08 * s, 0.06 * s, (255, 250, 200))
    for dx in (-0.45, 0.45):
        c.circle(cx + dx * s, y - 0.1 * s, 0.14 * s, DARK)
        c.circle(cx + dx * s, y - 0.1 * s, 0.06 * s, METAL)


def steering_wheel(c: Canvas, x, y, s):
    c.circle(x, y, 0.14 * s, None, outline=DARK, width=0.035 * s)
    c.line([(x - 0.14 * s, y), (x + 0.14 * s, y)], DARK, 0.03 * s)


def bicycle(c: Canvas, cx, y, s, col=(30, 140, 200)):
    r = 0.2 * s
    for dx in (-0.32, 0.32):
        c.circle(cx + dx * s, y - r, r, None, outline=DARK, width=0.03 * s)
    pts = [(cx - 0.32 * s, y - r), (cx - 0.05 * s, y - r), (cx + 0.2 * s, y - 0.5 * s), (cx - 0.12 * s, y - 0.5 * s),
           (cx - 0.32 * s, y - r)]
    c.line(pts, col, 0.035 * s)
    c.line([(cx - 0.05 * s, y - r), (cx - 0.12 * s, y - 0.55 * s)], col, 0.035 * s)
    c.line([(cx + 0.32 * s, y - r), (cx + 0.22 * s, y - 0.62 * s)], col, 0.035 * s)
    c.line([(cx + 0.15 * s, y - 0.62 * s), (cx + 0.3 * s, y - 0.62 * s)], DARK, 0.03 * s)


def shopping_cart(c: Canvas, x, y, s):
    c.poly([(x - 0.35 * s, y - 0.75 * s), (x + 0.35 * s, y - 0.75 * s), (x + 0.28 * s, y - 0.3 * s), (x - 0.28 * s, y - 0.3 * s)],
           None, outline=(120, 120, 130))
    for k in range(5):
        xx = x - 0.3 * s + k * 0.15 * s
        c.line([(xx, y - 0.75 * s), (xx * 0.9 + x * 0.1, y - 0.3 * s)], METAL, 0.02 * s)
    for k in range(3):
        yy = y - 0.75 * s + k * 0.15 * s
        c.line([(x - 0.34 * s, yy), (x + 0.34 * s, yy)], METAL, 0.02 * s)
    c.line([(x + 0.35 * s, y - 0.75 * s), (x + 0.5 * s, y - 0.9 * s)], (200, 40, 40), 0.04 * s)
    c.circle(x - 0.22 * s, y - 0.05 * s, 0.05 * s, DARK)
    c.circle(x + 0.22 * s, y - 0.05 * s, 0.05 * s, DARK)
    c.circle(x - 0.1 * s, y - 0.78 * s, 0.08 * s, (230, 60, 40))
    c.circle(x + 0.08 * s, y - 0.8 * s, 0.07 * s, (250, 190, 40))


def grocery_shelf(c: Canvas, x0, x1, y0, y1, cols):
    c.rect(x0, y0, x1, y1, (230, 232, 236))
    n = 4
    k = 0
    for j in range(n):
        yy = y0 + (y1 - y0) * j / n
        xx = x0 + 0.01
        while xx < x1 - 0.03:
            c.rect(xx, yy + (y1 - y0) * 0.06 / n * 4, xx + 0.025, yy + (y1 - y0) * 0.9 / n, cols[k % len(cols)])
            xx += 0.032
            k += 1
        c.rect(x0, yy + (y1 - y0) * 0.9 / n, x1, yy + (y1 - y0) / n, (160, 160, 170))


def finish_banner(c: Canvas, x0, x1, y, s):
    for xx in (x0, x1):
        c.rect(xx - 0.015, y - s, xx + 0.015, y, (60, 60, 70))
    c.rect(x0, y - s, x1, y - s + 0.08, (250, 250, 250))
    for k in range(int((x1 - x0) / 0.03)):
        if k % 2 == 0:
            c.rect(x0 + k * 0.03, y - s + 0.02, x0 + (k + 1) * 0.03, y - s + 0.06, (20, 20, 20))


def sculpture(c: Canvas, x, y, s):
    c.rect(x - 0.15 * s, y - 0.35 * s, x + 0.15 * s, y, (235, 235, 235))
    c.ellipse(x, y - 0.6 * s, 0.12 * s, 0.25 * s, (210, 120, 60))
    c.circle(x + 0.05 * s, y - 0.9 * s, 0.1 * s, (60, 100, 200))


def vase_on_pedestal(c: Canvas, x, y, s):
    c.rect(x - 0.18 * s, y - 0.5 * s, x + 0.18 * s, y, (200, 190, 170))
    c.poly([(x - 0.08 * s, y - 0.5 * s), (x + 0.08 * s, y - 0.5 * s), (x + 0.16 * s, y - 0.75 * s), (x + 0.05 * s, y - 0.95 * s),
            (x - 0.05 * s, y - 0.95 * s), (x - 0.16 * s, y - 0.75 * s)], (60, 110, 170))
    c.rect(x - 0.12 * s, y - 0.78 * s, x + 0.12 * s, y - 0.72 * s, (230, 200, 80))


def display_case(c: Canvas, x, y, s):
    c.rect(x - 0.3 * s, y - 0.4 * s, x + 0.3 * s, y, (90, 60, 40))
    c.rect(x - 0.28 * s, y - 0.9 * s, x + 0.28 * s, y - 0.4 * s, (170, 200, 210), outline=(220, 220, 220), width=0.004)
    c.ellipse(x, y - 0.55 * s, 0.12 * s, 0.08 * s, (230, 190, 60))


def chandelier(c: Canvas, x, y, s):
    c.line([(x, 0), (x, y - 0.2 * s)], (200, 170, 80), 0.015)
    c.ellipse(x, y, 0.35 * s, 0.1 * s, (220, 180, 70))
    for k in range(5):
        xx = x + (k - 2) * 0.15 * s
        c.rect(xx - 0.015 * s, y - 0.2 * s, xx + 0.015 * s, y - 0.05 * s, (250, 245, 230))
        c.circle(xx, y - 0.24 * s, 0.03 * s, (255, 220, 120))


def candle(c: Canvas, x, y, s):
    c.rect(x - 0.05 * s, y - 0.6 * s, x + 0.05 * s, y, (250, 248, 235))
    c.ellipse(x, y - 0.7 * s, 0.05 * s, 0.1 * s, (255, 190, 50))


def string_lights(c: Canvas, y, cols):
    pts = [(x / 10, y + 0.04 * math.sin(x * 1.3)) for x in range(-1, 12)]
    c.line(pts, (60, 60, 60), 0.004)
    for k, (x, yy) in enumerate(pts):
        c.circle(x, yy + 0.015, 0.012, cols[k % len(cols)])


def bunting(c: Canvas, y, cols):
    c.line([(-0.1, y), (1.1, y)], (80, 80, 80), 0.004)
    for k in range(14):
        x = -0.05 + k * 0.08
        c.poly([(x, y), (x + 0.06, y), (x + 0.03, y + 0.06)], cols[k % len(cols)])


def balloon(c: Canvas, x, y, r, col):
    c.line([(x, y + r), (x + 0.01, y + r * 3.5)], (90, 90, 90), 0.003)
    c.ellipse(x, y, r * 0.85, r, col)


def donation_box(c: Canvas, x, y, s):
    c.rect(x - 0.3 * s, y - 0.55 * s, x + 0.3 * s, y, (250, 220, 60))
    c.rect(x - 0.15 * s, y - 0.55 * s, x + 0.15 * s, y - 0.5 * s, (40, 40, 40))
    c.poly([(x - 0.1 * s, y - 0.3 * s), (x, y - 0.15 * s), (x + 0.1 * s, y - 0.3 * s), (x, y - 0.4 * s)], (220, 40, 60))


def boat(c: Canvas, cx, y, s):
    c.poly([(cx - 0.7 * s, y - 0.35 * s), (cx + 0.7 * s, y - 0.35 * s), (cx + 0.5 * s, y), (cx - 0.5 * s, y)], (230, 230, 235))
    c.rect(cx - 0.7 * s, y - 0.35 * s, cx + 0.7 * s, y - 0.28 * s, (20, 90, 170))


def desk_lamp(c: Canvas, x, y, s):
    c.rect(x - 0.12 * s, y - 0.05 * s, x + 0.12 * s, y, (40, 40, 40))
    c.line([(x, y), (x + 0.1 * s, y - 0.6 * s)], (40, 40, 40), 0.03 * s)
    c.pieslice(x + 0.2 * s, y - 0.55 * s, 0.2 * s, 0.15 * s, 180, 360, (30, 120, 60))
    c.ellipse(x + 0.2 * s, y - 0.55 * s, 0.14 * s, 0.04 * s, (255, 240, 150))


def monitor(c: Canvas, x, y, s):
    c.rect(x - 0.04 * s, y - 0.2 * s, x + 0.04 * s, y, (50, 50, 50))
    c.rect(x - 0.4 * s, y - 0.75 * s, x + 0.4 * s, y - 0.2 * s, (30, 30, 34))
    c.rect(x - 0.36 * s, y - 0.71 * s, x + 0.36 * s, y - 0.24 * s, (90, 160, 230))


def laptop(c: Canvas, x, y, s):
    c.poly([(x - 0.3 * s, y - 0.45 * s), (x + 0.3 * s, y - 0.45 * s), (x + 0.28 * s, y - 0.05 * s), (x - 0.28 * s, y - 0.05 * s)],
           (190, 194, 200))
    c.circle(x, y - 0.25 * s, 0.05 * s, (250, 250, 250))
    c.rect(x - 0.38 * s, y - 0.05 * s, x + 0.38 * s, y, (150, 154, 160))


def handrail(c: Canvas, x, y0, y1):
    c.rect(x - 0.012, y0, x + 0.012, y1, (200, 200, 60))


def train_seat(c: Canvas, x, y, s):
    c.rrect(x - 0.3 * s, y - s, x + 0.3 * s, y - 0.4 * s, 0.06 * s, (40, 70, 150))
    c.rrect(x - 0.35 * s, y - 0.45 * s, x + 0.35 * s, y - 0.25 * s, 0.05 * s, (30, 55, 120))
    c.rect(x - 0.05 * s, y - 0.25 * s, x + 0.05 * s, y, METAL)


def runway(c: Canvas, y_far, y_near):
    c.poly([(0.42, y_far), (0.58, y_far), (0.85, y_near), (0.15, y_near)], (235, 235, 240))


# ---------------------------------------------------------------- held objects (x, y = hand)
def microphone(c, x, y, s):
    c.line([(x, y + 0.02 * s), (x - 0.03 * s, y - 0.12 * s)], DARK, 0.03 * s)
    c.circle(x - 0.035 * s, y - 0.14 * s, 0.035 * s, (120, 120, 130))


def water_bottle(c, x, y, s):
    c.rrect(x - 0.03 * s, y - 0.09 * s, x + 0.03 * s, y + 0.07 * s, 0.01 * s, (60, 180, 240))
    c.rect(x - 0.02 * s, y - 0.12 * s, x + 0.02 * s, y - 0.09 * s, (250, 250, 250))


def wine_glass(c, x, y, s):
    c.line([(x, y - 0.02 * s), (x, y - 0.1 * s)], (220, 220, 230), 0.012 * s)
    c.pieslice(x, y - 0.12 * s, 0.05 * s, 0.06 * s, 0, 180, (150, 20, 50))
    c.arc(x, y - 0.12 * s, 0.05 * s, 0.06 * s, 180, 360, (220, 220, 230), 0.008 * s)


def pitchfork(c, x, y, s):
    c.line([(x, y + 0.35 * s), (x, y - 0.35 * s)], WOOD, 0.025 * s)
    c.rect(x - 0.06 * s, y - 0.36 * s, x + 0.06 * s, y - 0.34 * s, METAL)
    for dx in (-0.06, 0, 0.06):
        c.line([(x + dx * s, y - 0.35 * s), (x + dx * s, y - 0.5 * s)], METAL, 0.015 * s)


def paper_map(c, x0, y0, x1, y1, s):
    c.rect(x0, y0, x1, y1, (245, 236, 200), outline=(150, 130, 90), width=0.004)
    c.line([(x0 + 0.01, y1 - 0.02), ((x0 + x1) / 2, y0 + 0.03), (x1 - 0.01, (y0 + y1) / 2)], (220, 40, 40), 0.008)
    c.rect((x0 + x1) / 2 - 0.004, y0, (x0 + x1) / 2 + 0.004, y1, (200, 190, 150))


def ice_cream(c, x, y, s):
    c.poly([(x - 0.04 * s, y - 0.04 * s), (x + 0.04 * s, y - 0.04 * s), (x, y + 0.08 * s)], (210, 160, 90))
    c.circle(x, y - 0.07 * s, 0.045 * s, (250, 170, 200))
    c.circle(x, y - 0.13 * s, 0.035 * s, (250, 240, 210))


def shopping_bag(c, x, y, s, col):
    c.arc(x, y + 0.02 * s, 0.04 * s, 0.04 * s, 180, 360, DARK, 0.01 * s)
    c.rect(x - 0.08 * s, y + 0.02 * s, x + 0.08 * s, y + 0.2 * s, col)


def pointer(c, x, y, x1, y1, s):
    c.line([(x, y), (x1, y1)], (90, 60, 30), 0.015 * s)


def glow_stick(c, x, y, s, col):
    c.line([(x - 0.02 * s, y + 0.04 * s), (x + 0.03 * s, y - 0.14 * s)], col, 0.03 * s)


def book(c, x, y, s, col=(200, 50, 50), open_=True):
    if open_:
        c.poly([(x - 0.13 * s, y - 0.09 * s), (x, y - 0.07 * s), (x, y + 0.06 * s), (x - 0.13 * s, y + 0.04 * s)], (250, 248, 240))
        c.poly([(x + 0.13 * s, y - 0.09 * s), (x, y - 0.07 * s), (x, y + 0.06 * s), (x + 0.13 * s, y + 0.04 * s)], (250, 248, 240))
        c.line([(x - 0.13 * s, y + 0.05 * s), (x, y + 0.07 * s), (x + 0.13 * s, y + 0.05 * s)], col, 0.02 * s)
        for k in range(3):
            yy = y - 0.05 * s + k * 0.03 * s
            c.line([(x - 0.1 * s, yy), (x - 0.02 * s, yy + 0.005 * s)], (120, 120, 120), 0.005 * s)
            c.line([(x + 0.02 * s, yy + 0.005 * s), (x + 0.1 * s, yy)], (120, 120, 120), 0.005 * s)
    else:
        c.rect(x - 0.07 * s, y - 0.1 * s, x + 0.07 * s, y + 0.08 * s, col)


def phone(c, x, y, s):
    c.rrect(x - 0.035 * s, y - 0.12 * s, x + 0.035 * s, y, 0.01 * s, (20, 20, 24))
    c.rect(x - 0.027 * s, y - 0.11 * s, x + 0.027 * s, y - 0.01 * s, (120, 200, 255))


def beach_ball(c, x, y, s):
    r = 0.1 * s
    c.circle(x, y - r * 0.8, r, (250, 250, 250))
    for k, col in enumerate(((230, 40, 40), (40, 90, 220), (250, 200, 30))):
        c.pieslice(x, y - r * 0.8, r, r, k * 120, k * 120 + 60, col)


def audio_guide(c, x, y, s):
    c.rrect(x - 0.025 * s, y - 0.1 * s, x + 0.025 * s, y + 0.03 * s, 0.01 * s, (30, 30, 30))
    c.circle(x, y - 0.07 * s, 0.012 * s, (240, 60, 60))


def apple(c, x, y, s):
    c.circle(x, y - 0.04 * s, 0.045 * s, (220, 30, 30))
    c.line([(x, y - 0.085 * s), (x + 0.01 * s, y - 0.11 * s)], WOOD, 0.01 * s)


def brochure(c, x, y, s, col=(250, 250, 250)):
    c.rect(x - 0.08 * s, y - 0.12 * s, x + 0.08 * s, y + 0.05 * s, col, outline=(60, 60, 60), width=0.003)
    c.rect(x - 0.06 * s, y - 0.1 * s, x + 0.06 * s, y - 0.03 * s, (80, 160, 220))


def cake(c, x, y, s):
    c.ellipse(x, y + 0.03 * s, 0.14 * s, 0.03 * s, (240, 240, 240))
    c.rect(x - 0.11 * s, y - 0.07 * s, x + 0.11 * s, y + 0.02 * s, (250, 210, 230))
    c.rect(x - 0.11 * s, y - 0.08 * s, x + 0.11 * s, y - 0.05 * s, (170, 90, 50))
    for dx in (-0.05, 0, 0.05):
        c.rect(x + dx * s - 0.006 * s, y - 0.14 * s, x + dx * s + 0.006 * s, y - 0.08 * s, (120, 180, 250))
        c.circle(x + dx * s, y - 0.155 * s, 0.01 * s, (255, 180, 40))


def books_stack(c, x, y, s):
    for k, col in enumerate(((200, 60, 40), (40, 120, 200), (60, 160, 80), (230, 180, 40))):
        c.rect(x - 0.1 * s + 0.01 * s * (k % 2), y - 0.035 * s * (k + 1), x + 0.1 * s + 0.01 * s * (k % 2), y - 0.035 * s * k, col)


def mug(c, x, y, s):
    c.rect(x - 0.04 * s, y - 0.09 * s, x + 0.04 * s, y, (250, 250, 250))
    c.arc(x + 0.045 * s, y - 0.045 * s, 0.025 * s, 0.025 * s, 270, 90, (250, 250, 250), 0.012 * s)
    c.ellipse(x, y - 0.09 * s, 0.04 * s, 0.01 * s, (90, 50, 20))


def hiking_pole(c, x, y, s):
    c.line([(x, y - 0.05 * s), (x + 0.04 * s, y + 0.38 * s)], METAL, 0.015 * s)
    c.rect(x - 0.012 * s, y - 0.06 * s, x + 0.012 * s, y + 0.02 * s, (30, 30, 30))


def poster(c, x, y, s):
    c.rect(x - 0.17 * s, y - 0.2 * s, x + 0.17 * s, y + 0.05 * s, (250, 250, 250), outline=(50, 50, 50), width=0.004)
    for k, hh in enumerate((0.08, 0.13, 0.18)):
        c.rect(x - 0.12 * s + k * 0.08 * s, y - hh * s, x - 0.07 * s + k * 0.08 * s, y, (40 + 80 * k, 120, 220 - 70 * k))


def menu(c, x, y, s):
    c.rect(x - 0.06 * s, y - 0.14 * s, x + 0.06 * s, y + 0.04 * s, (90, 20, 30), outline=(220, 180, 80), width=0.004)


def fishing_rod(c, x, y, s, x1, y1):
    c.line([(x, y + 0.05 * s), (x1, y1)], (60, 50, 40), 0.012 * s)
    c.line([(x1, y1), (x1 + 0.02, y1 + 0.35 * s)], (230, 230, 230), 0.004)
    return x1 + 0.02, y1 + 0.35 * s


def fish(c, x, y, s):
    c.ellipse(x, y, 0.07 * s, 0.03 * s, (150, 180, 200))
    c.poly([(x + 0.06 * s, y), (x + 0.11 * s, y - 0.03 * s), (x + 0.11 * s, y + 0.03 * s)], (120, 150, 180))


def newspaper(c, x, y, s):
    c.rect(x - 0.15 * s, y - 0.14 * s, x + 0.15 * s, y + 0.06 * s, (235, 235, 228))
    c.rect(x - 0.13 * s, y - 0.12 * s, x + 0.13 * s, y - 0.09 * s, (40, 40, 40))
    for k in range(4):
        c.rect(x - 0.13 * s, y - 0.06 * s + k * 0.03 * s, x - 0.01 * s, y - 0.05 * s + k * 0.03 * s, (140, 140, 140))
    c.rect(x + 0.02 * s, y - 0.06 * s, x + 0.13 * s, y + 0.03 * s, (120, 150, 190))


def camera(c, x, y, s):
    c.rrect(x - 0.09 * s, y - 0.06 * s, x + 0.09 * s, y + 0.04 * s, 0.015 * s, (30, 30, 34))
    c.circle(x, y - 0.01 * s, 0.045 * s, (90, 90, 100))
    c.circle(x, y - 0.01 * s, 0.025 * s, (60, 110, 180))


def notebook(c, x, y, s):
    c.rect(x - 0.1 * s, y - 0.1 * s, x + 0.1 * s, y + 0.05 * s, (250, 250, 240), outline=(60, 60, 60), width=0.003)
    for k in range(4):
        c.line([(x - 0.08 * s, y - 0.07 * s + k * 0.03 * s), (x + 0.08 * s, y - 0.07 * s + k * 0.03 * s)], (120, 160, 220), 0.004 * s)
    c.line([(x + 0.06 * s, y + 0.02 * s), (x + 0.16 * s, y - 0.1 * s)], (250, 200, 30), 0.015 * s)


def paddle(c, x, y, s):
    c.line([(x - 0.15 * s, y - 0.2 * s), (x + 0.15 * s, y + 0.3 * s)], WOOD, 0.025 * s)
    c.ellipse(x + 0.17 * s, y + 0.35 * s, 0.04 * s, 0.08 * s, (250, 140, 30))


def takeaway_cup(c, x, y, s):
    c.poly([(x - 0.04 * s, y - 0.09 * s), (x + 0.04 * s, y - 0.09 * s), (x + 0.03 * s, y + 0.04 * s), (x - 0.03 * s, y + 0.04 * s)],
           (250, 250, 250))
    c.rect(x - 0.045 * s, y - 0.11 * s, x + 0.045 * s, y - 0.09 * s, (40, 40, 40))
    c.rect(x - 0.035 * s, y - 0.04 * s, x + 0.035 * s, y, (120, 70, 40))


def handbag(c, x, y, s):
    c.arc(x, y + 0.03 * s, 0.05 * s, 0.05 * s, 180, 360, (230, 190, 60), 0.012 * s)
    c.rrect(x - 0.09 * s, y + 0.03 * s, x + 0.09 * s, y + 0.14 * s, 0.02 * s, (200, 30, 110))


def ski_pole(c, x, y, s):
    c.line([(x, y - 0.03 * s), (x + 0.03 * s, y + 0.4 * s)], (60, 60, 70), 0.013 * s)
    c.circle(x + 0.03 * s, y + 0.36 * s, 0.02 * s, None, outline=(60, 60, 70), width=0.004)


def hand_strap(c, x, y, s):
    c.line([(x, y), (x, 0.0)], (240, 240, 240), 0.012 * s)
    c.circle(x, y, 0.04 * s, None, outline=(240, 240, 240), width=0.012 * s)
