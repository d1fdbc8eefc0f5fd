"""A whole plane shrunk to a small view, as the panner shows it, keeping isolated pixels.

Shrinking a full frame to 200 screen pixels by sampling keeps one pixel in ten per axis: a
hot or dead pixel is gone. Each block shows instead its value farthest from the plane's
typical level (its median), as the maps a panel pools to the zoom do (:func:`.maps.extreme_pool`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .maps import extreme_pool

#: The plane's median is taken on a grid of about this many pixels a side: a level, quickly, on a full frame.
LEVEL_SAMPLES = 256


@dataclass(frozen=True)
class Overview:
    """``pooled`` covers the plane's (ny, nx) pixels in blocks of ``factor`` x ``factor``."""

    pooled: np.ndarray
    factor: int
    shape: tuple[int, int]


def overview(plane: np.ndarray, size: int) -> Overview:
    """``plane`` (ny, nx) in blocks, its longer side at most ``size`` blocks, each its most extreme value."""
    if size < 1:
        raise ValueError(f"an overview is at least 1 pixel wide, not {size}")
    plane = np.asarray(plane)
    ny, nx = plane.shape
    factor = max(1, math.ceil(max(ny, nx) / size))
    if factor == 1:
        return Overview(plane, 1, (ny, nx))
    return Overview(extreme_pool(plane, factor, typical_level(plane)), factor, (ny, nx))


def typical_level(plane: np.ndarray) -> float:
    """The median of the finite values on a coarse grid (0 when there are none): what most pixels look like."""
    ny, nx = plane.shape
    step = max(1, max(ny, nx) // LEVEL_SAMPLES)
    sample = plane[::step, ::step]
    finite = sample[np.isfinite(sample)]
    return float(np.median(finite)) if finite.size else 0.0
