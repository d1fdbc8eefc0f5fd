"""Data-quality planes as maps: counts per bit, masks of chosen bits, the next flagged pixel, a coloured overlay.

Flags are sparse (a few thousand of four million pixels), so counts look only at the non-zero
pixels, and stepping searches a sorted list of flagged positions instead of the plane.
"""

from __future__ import annotations

import numpy as np

from .analysis import max_pool
from ..dq import FLAGS

Pixel = tuple[int, int]


def bit_counts(values: np.ndarray, bits: dict[str, int] = FLAGS) -> dict[str, int]:
    """How many pixels of ``values`` have each bit of ``bits`` set (every name, zero counts too)."""
    flagged = np.asarray(values)
    flagged = flagged[flagged != 0].astype(np.uint32, copy=False)
    return {name: int(np.count_nonzero(flagged & np.uint32(bit))) for name, bit in bits.items()}


def flag_mask(pixeldq: np.ndarray, groupdq: np.ndarray | None, pixel_bits: int, group_bits: int) -> np.ndarray:
    """Pixels with any of ``pixel_bits`` in PIXELDQ or any of ``group_bits`` in the group's GROUPDQ."""
    mask = (np.asarray(pixeldq).astype(np.uint32, copy=False) & np.uint32(pixel_bits)) != 0
    if groupdq is not None and group_bits:
        mask |= (np.asarray(groupdq).astype(np.uint32, copy=False) & np.uint32(group_bits)) != 0
    return mask


class FlaggedPixels:
    """The set pixels of a mask in row order (y, then x), to step through from any pixel.

    With ``skip`` (e.g. the reference pixels) those pixels are left out of the walk, so a
    NO_LIN_CORR search does not first visit thousands of reference pixels.
    """

    def __init__(self, mask: np.ndarray, skip: np.ndarray | None = None) -> None:
        mask = np.asarray(mask, dtype=bool)
        if skip is not None:
            mask = mask & ~np.asarray(skip, dtype=bool)
        self.width = mask.shape[1]
        self.positions = np.flatnonzero(mask)

    def __len__(self) -> int:
        return int(self.positions.size)

    def step(self, pixel: Pixel | None, forward: bool = True) -> Pixel | None:
        """The next (or previous) flagged pixel after ``pixel`` in row order, wrapping round; None if none is."""
        if self.positions.size == 0:
            return None
        here = -1 if pixel is None else pixel[1] * self.width + pixel[0]
        if forward:
            index = int(np.searchsorted(self.positions, here, side="right")) % self.positions.size
        else:
            start = self.positions.size if pixel is None else int(np.searchsorted(self.positions, here, side="left"))
            index = (start - 1) % self.positions.size
        y, x = divmod(int(self.positions[index]), self.width)
        return x, y

    def rank(self, pixel: Pixel | None) -> int | None:
        """1-based place of ``pixel`` among the flagged pixels, None when it is not one."""
        if pixel is None or self.positions.size == 0:
            return None
        here = pixel[1] * self.width + pixel[0]
        index = int(np.searchsorted(self.positions, here))
        return index + 1 if index < self.positions.size and self.positions[index] == here else None


def coloured_overlay(layers: list[tuple[np.ndarray, tuple[int, int, int, int]]], factor: int) -> np.ndarray:
    """An RGBA image (pooled by ``factor``) painting each mask in its colour, later layers over earlier ones."""
    pooled = [(max_pool(mask, factor), colour) for mask, colour in layers]
    if not pooled:
        return np.zeros((1, 1, 4), dtype=np.uint8)
    rgba = np.zeros(pooled[0][0].shape + (4,), dtype=np.uint8)
    for mask, colour in pooled:
        rgba[mask] = colour
    return rgba
