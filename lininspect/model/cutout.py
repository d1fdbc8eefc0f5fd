"""The square of pixels around one pixel, as the magnifier shows it: cut from the panel's plane, the
part beyond the array's edges filled with NaN (drawn as nothing) so the chosen pixel stays in the middle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Cutout:
    """``values`` (size x size) around ``centre``; array pixel (x0, y0) is ``values[0, 0]``."""

    values: np.ndarray
    centre: tuple[int, int]
    x0: int
    y0: int

    @property
    def size(self) -> int:
        return int(self.values.shape[0])


def cutout(plane: np.ndarray, x: int, y: int, half: int) -> Cutout:
    """The (2 half + 1)² pixels of ``plane`` (ny, nx) centred on (x, y), as float32, NaN off the array."""
    if half < 0:
        raise ValueError(f"a cutout's half size is 0 or more, not {half}")
    ny, nx = plane.shape
    size = 2 * half + 1
    x0, y0 = x - half, y - half
    values = np.full((size, size), np.nan, dtype=np.float32)
    left, bottom = max(x0, 0), max(y0, 0)
    right, top = min(x0 + size, nx), min(y0 + size, ny)
    if right > left and top > bottom:
        values[bottom - y0 : top - y0, left - x0 : right - x0] = plane[bottom:top, left:right]
    return Cutout(values, (x, y), x0, y0)
