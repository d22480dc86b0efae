"""A thin PIL wrapper that draws in unit coordinates (0..1 of the image side) on a 2x supersampled
canvas; ``finish`` downsamples (anti-aliasing) and applies the view's brightness and noise."""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

SUPERSAMPLE = 2

RGB = tuple[int, int, int]


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(int(round(a[i] + (b[i] - a[i]) * t)) for i in range(3))


def vertical_gradient(size: int, stops: list[tuple[float, RGB]]) -> np.ndarray:
    """(size, size, 3) uint8 image whose rows interpolate the colour ``stops`` [(y, rgb), ...]."""
    ys = np.linspace(0.0, 1.0, size)
    pos = [s[0] for s in stops]
    cols = np.stack([np.interp(ys, pos, [s[1][c] for s in stops]) for c in range(3)], axis=1)
    return np.repeat(cols[:, None, :], size, axis=1).round().astype(np.uint8)


class Canvas:
    def __init__(self, background: np.ndarray):
        self.px = background.shape[0]
        self.img = Image.fromarray(background, "RGB")
        self.d = ImageDraw.Draw(self.img)

    # unit -> pixel
    def p(self, v: float) -> float:
        return v * self.px

    def _box(self, x0, y0, x1, y1):
        x0, x1 = sorted((x0, x1))
        y0, y1 = sorted((y0, y1))
        return [self.p(x0), self.p(y0), self.p(x1), self.p(y1)]

    def rect(self, x0, y0, x1, y1, fill, outline=None, width=0.0):
        self.d.rectangle(self._box(x0, y0, x1, y1), fill=fill, outline=outline, width=max(1, int(self.p(width))) if outline else 0)

    def rrect(self, x0, y0, x1, y1, r, fill, outline=None, width=0.0):
        self.d.rounded_rectangle(self._box(x0, y0, x1, y1), radius=self.p(r), fill=fill, outline=outline,
                                 width=max(1, int(self.p(width))) if outline else 0)

    def ellipse(self, cx, cy, rx, ry, fill, outline=None, width=0.0):
        self.d.ellipse(self._box(cx - rx, cy - ry, cx + rx, cy + ry), fill=fill, outline=outline,
                       width=max(1, int(self.p(width))) if outline else 0)

    def circle(self, cx, cy, r, fill, outline=None, width=0.0):
        self.ellipse(cx, cy, r, r, fill, outline, width)

    def poly(self, pts, fill, outline=None):
        self.d.polygon([(self.p(x), self.p(y)) for x, y in pts], fill=fill, outline=outline)

    def line(self, pts, fill, width):
        self.d.line([(self.p(x), self.p(y)) for x, y in pts], fill=fill, width=max(1, int(round(self.p(width)))))

    def thick(self, x0, y0, x1, y1, fill, width):
        """A line with round caps (limbs, poles)."""
        self.line([(x0, y0), (x1, y1)], fill, width)
        self.circle(x0, y0, width / 2, fill)
        self.circle(x1, y1, width / 2, fill)

    def arc(self, cx, cy, rx, ry, start, end, fill, width):
        self.d.arc(self._box(cx - rx, cy - ry, cx + rx, cy + ry), start, end, fill=fill, width=max(1, int(self.p(width))))

    def pieslice(self, cx, cy, rx, ry, start, end, fill):
        self.d.pieslice(self._box(cx - rx, cy - ry, cx + rx, cy + ry), start, end, fill=fill)

    def finish(self, size: int, brightness: float, noise_sigma: float, rng: np.random.Generator) -> Image.Image:
        img = self.img.resize((size, size), Image.Resampling.BOX) if self.px != size else self.img
        arr = np.asarray(img, dtype=np.float32) * brightness
        arr += rng.standard_normal(arr.shape, dtype=np.float32) * noise_sigma
        return Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8), "RGB")
