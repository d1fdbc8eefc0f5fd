"""Maps the user acts on (Verify's differences, residuals, A/B and product differences, NO_LIN_CORR):
their pixels that stand out, worst first, and a shrunk copy that keeps single pixels visible.

A map of a full frame at fit zoom shows one screen pixel per two or more detector pixels:
the screen's sampling drops most isolated values, which are the ones that matter. Each block
of a pooled map shows the value in it farthest from the map's "nothing here" value, as the
NO_LIN_CORR mask's blocks show any flagged pixel (:func:`~lininspect.core.analysis.max_pool`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class ShownMap:
    """A map a panel shows: what it is, its values per pixel (ny, nx) and their unit."""

    name: str
    values: np.ndarray
    unit: str

    @cached_property
    def order(self) -> np.ndarray:
        """Its pixels that are not zero, worst first (computed once, when first stepped through)."""
        return worst_first(self.values)

    def readout(self, x: int, y: int) -> str:
        """The value at (x, y) as the status bar's readout says it."""
        return f"{self.name} {float(self.values[y, x]):.6g} {self.unit}".rstrip()


def worst_first(values: np.ndarray, zero: float = 0.0) -> np.ndarray:
    """(n, 2) x, y of the pixels whose finite value differs from ``zero``, farthest first (ties row by row)."""
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        distance = np.where(np.isfinite(values), np.abs(values - zero), 0.0)
    rows, columns = np.nonzero(distance > 0)
    order = np.argsort(-distance[rows, columns], kind="stable")  # nonzero gives row order; stable keeps it for ties
    return np.column_stack([columns[order], rows[order]])


def extreme_pool(values: np.ndarray, factor: int, centre: float) -> np.ndarray:
    """``values`` shrunk by ``factor``: each block keeps its value farthest from ``centre`` (NaN only if all are).

    Edges are padded with ``centre``, which never wins over a real value.
    """
    values = np.asarray(values)
    if factor <= 1:
        return values
    ny, nx = values.shape
    shape = (-(-ny // factor) * factor, -(-nx // factor) * factor)
    padded = np.full(shape, centre, dtype=values.dtype)
    padded[:ny, :nx] = values
    blocks = padded.reshape(shape[0] // factor, factor, shape[1] // factor, factor).swapaxes(1, 2)
    blocks = blocks.reshape(blocks.shape[0], blocks.shape[1], factor * factor)
    with np.errstate(invalid="ignore"):
        distance = np.abs(blocks.astype(np.float64) - centre)
    distance = np.where(np.isnan(distance), -1.0, distance)  # NaN loses to any number; all NaN keeps NaN
    pick = np.argmax(distance, axis=2)[..., np.newaxis]
    return np.take_along_axis(blocks, pick, axis=2)[..., 0]


def step(order: np.ndarray, current: tuple[int, int] | None, direction: int) -> int | None:
    """Index in ``order`` (from :func:`worst_first`) of the next (+1) or previous (-1) pixel after ``current``.

    From a pixel not in the list, next is the worst and previous the last; past either end, None.
    """
    if len(order) == 0:
        return None
    here = np.flatnonzero((order[:, 0] == current[0]) & (order[:, 1] == current[1])) if current is not None else []
    if len(here) == 0:
        return 0 if direction > 0 else len(order) - 1
    wanted = int(here[0]) + direction
    return wanted if 0 <= wanted < len(order) else None
