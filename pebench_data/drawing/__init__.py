"""Procedural drawing of one PEBench image (a person at an event), deterministic per view.

View variation (all from ``view_rng(seed, person, event, view)``, so the bytes of an image do not
depend on build order or on which other images are drawn):
- person position: horizontal shift +-12% of the image side, vertical +-6% (halved so that head and
  feet stay in frame); person height 0.70 x scale, scale in [0.85, 1.15] (0.60-0.80 of the image height);
- camera pan of the scene layer: +-3% both axes;
- brightness x[0.8, 1.2] and light luminance noise (a uniform integer in [-5, 5] per pixel).
Drawing happens on a 2x canvas that is box-downsampled (anti-aliasing).
"""
from __future__ import annotations

import functools
import io

import numpy as np
from PIL import Image

from .canvas import SUPERSAMPLE, Canvas, vertical_gradient
from .person import APPEARANCE_OPTIONS, draw_person
from .scenes import SCENES, kind

__all__ = ["APPEARANCE_OPTIONS", "SCENES", "kind", "render", "render_png", "view_rng"]

NOISE = 5  # luminance noise: uniform integers in [-5, 5] per pixel (std ~3.2 of 255)


def view_rng(seed: int, person_index: int, event_index: int, view: int) -> np.random.Generator:
    return np.random.default_rng([seed, person_index, event_index, view])


@functools.lru_cache(maxsize=128)
def _background(event_name: str, px: int) -> Image.Image:
    return vertical_gradient(px, list(SCENES[event_name].sky))


def render(look: dict, event_name: str, size: int, rng: np.random.Generator) -> Image.Image:
    sc = SCENES[event_name]
    dx, dy = rng.uniform(-0.12, 0.12), rng.uniform(-0.06, 0.06)
    scale = rng.uniform(0.85, 1.15)
    pan = rng.uniform(-0.03, 0.03, size=2)
    brightness = rng.uniform(0.8, 1.2)
    c = Canvas(_background(event_name, size * SUPERSAMPLE))
    c.ox, c.oy = float(pan[0]), float(pan[1])

    def person():
        c.ox = c.oy = 0.0  # the person has its own position
        return draw_person(c, look, cx=0.5 + dx, feet_y=0.92 + dy, h=0.70 * scale, pose=sc.pose, wear=sc.wear)

    sc.draw(c, person)
    return c.finish(size, brightness, NOISE, rng)


def render_png(look: dict, event_name: str, size: int, rng: np.random.Generator) -> bytes:
    """PNG bytes without metadata (no timestamps), so identical inputs give identical bytes."""
    buf = io.BytesIO()
    render(look, event_name, size, rng).save(buf, format="PNG", compress_level=1)  # fast; noise barely compresses anyway
    return buf.getvalue()
