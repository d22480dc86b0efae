"""A thin PIL wrapper that draws in unit coordinates (0..1 of the image side) on a 2x supersampled
canvas; ``finish`` downsamples (anti-aliasing) and applies the view's brightness and noise.

``ox``/``oy`` shift everything drawn (the view's small camera pan of the scene); the person is drawn
with the shift reset to 0 because the person's own position is varied separately."""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

SUPERSAMPLE = 2

RGB = tuple[int, int, int]


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(int(round(a[i] + (b[i] - a[i]) * t)) for i in range(3))


def vertical_gradient(px: int, stops: list[tuple[float, RGB]]) -> Image.Image:
    """A ``px`` x ``px`` image whose rows interpolate the colour ``stops`` [(y, rgb), ...]."""
    ys = np.linspace(0.0, 1.0, px)
    pos = [s[0] for s in stops]
    cols = np.stack([np.interp(ys, pos, [s[1][c] for s in stops]) for c in range(3)], axis=1)
    arr = np.repeat(cols[:, None, :], px, axis=1).round().astype(np.uint8)
    return Image.fromarray(arr, "RGB")


class Canvas:
    def __init__(self, background: Image.Image):
        self.px = background.size[0]
        self.img = background.copy()
        self.d = ImageDraw.Draw(self.img)
        self.ox = 0.0
        self.oy = 0.0

    def p(self, v: float) -> float:
        """A length (radius, width) in pixels."""
        return v * self.px

    def _xy(self, x, y):
        return (x + self.ox) * self.px, (y + self.oy) * self.px

    def _box(self, x0, y0, x1, y1):
        x0, x1 = sorted((x0, x1))
        y0, y1 = sorted((y0, y1))
        return [*self._xy(x0, y0), *self._xy(x1, y1)]

    def _w(self, width):
        return max(1, int(round(self.p(width))))

    def band(self, y0, y1, fill):
        """A full-width horizontal band (ground, floor) that ignores the horizontal camera pan."""
        self.d.rectangle([0, (y0 + self.oy) * self.px, self.px, (y1 + self.oy) * self.px], fill=fill)

    def rect(self, x0, y0, x1, y1, fill, outline=None, width=0.0):
        self.d.rectangle(self._box(x0, y0, x1, y1), fill=fill, outline=outline, width=self._w(width) if outline else 0)

    def rrect(self, x0, y0, x1, y1, r, fill, outline=None, width=0.0):
        box = self._box(x0, y0, x1, y1)
        r = min(self.p(r), (box[2] - box[0]) / 2, (box[3] - box[1]) / 2)
        self.d.rounded_rectangle(box, radius=max(0, r), fill=fill, outline=outline, width=self._w(width) if outline else 0)

    def ellipse(self, cx, cy, rx, ry, fill, outline=None, width=0.0):
        self.d.ellipse(self._box(cx - rx, cy - ry, cx + rx, cy + ry), fill=fill, outline=outline,
                       width=self._w(width) if outline else 0)

    def circle(self, cx, cy, r, fill, outline=None, width=0.0):
        self.ellipse(cx, cy, r, r, fill, outline, width)

    def poly(self, pts, fill, outline=None):
        self.d.polygon([self._xy(x, y) for x, y in pts], fill=fill, outline=outline)

    def line(self, pts, fill, width):
        self.d.line([self._xy(x, y) for x, y in pts], fill=fill, width=self._w(width), joint="curve")

    def thick(self, x0, y0, x1, y1, fill, width):
        """A line with round caps (limbs, poles)."""
        self.line([(x0, y0), (x1, y1)], fill, width)
        self.circle(x0, y0, width / 2, fill)
        self.circle(x1, y1, width / 2, fill)

    def arc(self, cx, cy, rx, ry, start, end, fill, width):
        self.d.arc(self._box(cx - rx, cy - ry, cx + rx, cy + ry), start, end, fill=fill, width=self._w(width))

    def pieslice(self, cx, cy, rx, ry, start, end, fill):
        self.d.pieslice(self._box(cx - rx, cy - ry, cx + rx, cy + ry), start, end, fill=fill)

    def finish(self, size: int, brightness: float, noise: int, rng: np.random.Generator) -> Image.Image:
        """Downsample, scale brightness and add luminance noise: one uniform integer in [-noise, noise]
        per pixel, same for R, G and B (grain; per-channel noise made PNGs 1.5x larger and slower).
        Integer numpy arithmetic: PIL's point() and float arrays were the slowest part of drawing."""
        f = self.px // size
        img = self.img.reduce(f) if f > 1 else self.img
        arr = np.asarray(img, dtype=np.int32) * int(round(brightness * 256)) + 128 >> 8
        arr += rng.integers(-noise, noise + 1, (*arr.shape[:2], 1), dtype=np.int32)
        return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
