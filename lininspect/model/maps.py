"""Maps the user acts on (Verify's differences, residuals, A/B and product differences, NO_LIN_CORR):
their pixels that stand out, worst first, and a shrunk copy that keeps single pixels visible.

A map of a full frame at fit zoom shows one screen pixel per two or more detector pixels:
the screen's sampling drops most isolated values, which are the ones that matter. Each block
of a pooled map shows the value in it farthest from the map's "nothing here" value, as the
NO_LIN_CORR mask's blocks show any flagged pixel (:func:`~lininspect.core.analysis.analysis.max_pool`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

#: Pixels ranked at once when a map is first stepped through; more are ranked as the user steps past them.
FIRST_RANKED = 1024


@dataclass(frozen=True)
class ShownMap:
    """A map a panel shows: what it is, its values per pixel (ny, nx) and their unit."""

    name: str
    values: np.ndarray
    unit: str

    @cached_property
    def ranking(self) -> Ranking:
        """Its pixels that are not zero, worst first (ranked when first stepped through)."""
        return Ranking(self.values)

    def readout(self, x: int, y: int) -> str:
        """The value at (x, y) as the status bar's readout says it."""
        return f"{self.name} {float(self.values[y, x]):.6g} {self.unit}".rstrip()


class Ranking:
    """The pixels whose finite value differs from ``zero``, farthest first, ties row by row.

    Sorting every pixel of a full-frame residual map took seconds, and the user looks at the
    first few: only the first :data:`FIRST_RANKED` are sorted at once, more when stepped to,
    and a pixel's place is counted rather than looked up.
    """

    def __init__(self, values: np.ndarray, zero: float = 0.0) -> None:
        values = np.asarray(values)
        with np.errstate(invalid="ignore"):
            distance = np.abs(values.astype(np.float64) - zero).ravel()
        distance[~np.isfinite(distance)] = 0.0
        self._distance, self._width = distance, values.shape[1]
        self._count = int(np.count_nonzero(distance))
        self._sorted = np.zeros(0, dtype=np.intp)  # flat indices of the first pixels, in order

    def __len__(self) -> int:
        return self._count

    def pixel(self, index: int) -> tuple[int, int]:
        """The (x, y) of the pixel at ``index`` (0: the worst)."""
        self._rank_first(index + 1)
        flat = int(self._sorted[index])
        return flat % self._width, flat // self._width

    def index_of(self, x: int, y: int) -> int | None:
        """Where (x, y) is in the order, or None when its value is zero (not in it)."""
        flat = y * self._width + x
        own = self._distance[flat]
        if own == 0:
            return None
        return int(np.count_nonzero(self._distance > own)) + int(np.count_nonzero(self._distance[:flat] == own))

    def _rank_first(self, wanted: int) -> None:
        """Sort at least the first ``wanted`` pixels (doubling, so stepping on sorts seldom)."""
        if wanted <= len(self._sorted):
            return
        distance = self._distance
        count = min(self._count, max(wanted, 2 * len(self._sorted), FIRST_RANKED))
        threshold = np.partition(distance, distance.size - count)[distance.size - count]
        above = np.flatnonzero(distance > threshold)
        at = np.flatnonzero(distance == threshold)[: count - len(above)]  # ties: the first ones row by row
        chosen = np.concatenate([above, at])
        self._sorted = chosen[np.lexsort((chosen, -distance[chosen]))]


def step(ranking: Ranking, current: tuple[int, int] | None, direction: int) -> int | None:
    """Index in ``ranking`` of the next (+1) or previous (-1) pixel after ``current``.

    From a pixel not in it, next is the worst and previous the last; past either end, None.
    """
    if len(ranking) == 0:
        return None
    here = ranking.index_of(*current) if current is not None else None
    if here is None:
        return 0 if direction > 0 else len(ranking) - 1
    wanted = here + direction
    return wanted if 0 <= wanted < len(ranking) else None


def extreme_pool(values: np.ndarray, factor: int, centre: float) -> np.ndarray:
    """``values`` shrunk by ``factor``: each block keeps its value farthest from ``centre`` (NaN only if all are).

    A block cut by the edge pools the pixels it has (the plane is not padded: a copy of a full frame
    cost as much as the pooling).
    """
    values = np.asarray(values)
    if factor <= 1:
        return values
    with np.errstate(invalid="ignore"):
        if not (values < centre).any():
            # Nothing below the centre (flags, an RMS map): the largest is the farthest, half the work.
            return _block_extreme(values, factor, np.fmax)
    # The block's largest and smallest (NaN left out by fmax/fmin), then whichever lies farther from the centre.
    high, low = _block_extreme(values, factor, np.fmax), _block_extreme(values, factor, np.fmin)
    with np.errstate(invalid="ignore"):
        return np.where(np.abs(low - centre) > np.abs(high - centre), low, high)


def _block_extreme(values: np.ndarray, factor: int, pick: np.ufunc) -> np.ndarray:
    """``pick`` (fmax or fmin) over each ``factor`` x ``factor`` block, a strided slice at a time
    (four times faster than reducing a reshaped block axis). Rows first: every ``factor``-th row is
    read whole, and the column steps then stride through an array ``factor`` times smaller (on a
    full frame 1.3x faster at factor 2, 5.7x at 9, than columns first). The last block row and
    column may be shorter: the slices that do not reach them leave them as they are."""
    rows = np.array(values[0::factor])
    for k in range(1, factor):
        part = values[k::factor]
        pick(rows[: len(part)], part, out=rows[: len(part)])
    blocks = np.array(rows[:, 0::factor])
    for k in range(1, factor):
        part = rows[:, k::factor]
        width = part.shape[1]
        pick(blocks[:, :width], part, out=blocks[:, :width])
    return blocks
