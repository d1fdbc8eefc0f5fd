"""The whole-exposure pass of a correction, keeping nothing of the size of the exposure.

A run streams the file through the same tile kernel as ``lininspect correct`` (so a bad
file fails here, with progress and cancel, not at the first click) and keeps only the
per-pixel results: PIXELDQ, ZEROFRAME and the saturated count. The corrected samples are
a :class:`CorrectedArray`, recomputed from the same prepared coefficients when read.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.kernels.correction import (
    CancelToken,
    CorrectionResult,
    ProgressCallback,
    correct_ramps,
    correct_zeroframe,
)
from .sources import CorrectionSource


class CorrectedArray:
    """The corrected exposure as an array that computes what is indexed: ``a[i, g]``, ``a[i, :, y0:y1, x0:x1]``.

    ``np.asarray`` of it corrects everything (for small files and tests only).
    """

    dtype = np.dtype(np.float32)
    ndim = 4

    def __init__(self, source: CorrectionSource) -> None:
        self.source = source
        self.shape: tuple[int, int, int, int] = source.exposure.shape

    def __getitem__(self, key: Any) -> np.ndarray:
        key = key if isinstance(key, tuple) else (key,)
        if Ellipsis in key:
            at = key.index(Ellipsis)
            key = key[:at] + (slice(None),) * (5 - len(key)) + key[at + 1 :]
        key = key + (slice(None),) * (4 - len(key))
        if isinstance(key[0], int) and isinstance(key[1], int) and key[2:] == (slice(None), slice(None)):
            return self.source.plane(key[0], key[1])
        (i0, i1), rows, columns = (_span(key[n], self.shape[n]) for n in (0, 2, 3))
        box = self.source.box(range(i0, i1), rows, columns)
        picks = tuple(0 if isinstance(part, int) else slice(None) for part in key)
        return box[(picks[0], key[1], picks[2], picks[3])]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        values = self[...]
        return values if dtype is None else values.astype(dtype)


def _span(part: int | slice, size: int) -> tuple[int, int]:
    if isinstance(part, slice):
        start, stop, step = part.indices(size)
        if step != 1:
            raise IndexError("corrected data is read in contiguous boxes only")
        return start, stop
    index = part + size if part < 0 else part
    return index, index + 1


class _Discard:
    """An output that forgets what is written: the pass keeps counts, not samples."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def __setitem__(self, key: Any, values: np.ndarray) -> None:
        pass


def scan_correction(
    source: CorrectionSource, *, progress: ProgressCallback | None = None, cancel: CancelToken | None = None
) -> CorrectionResult:
    """Correct the whole exposure as a stream; return the result with its samples computed on demand."""
    exposure, prepared = source.exposure, source.prepared
    sci, groupdq = exposure.streamed()
    correct_ramps(sci, groupdq, prepared, _Discard(exposure.shape), progress=progress, cancel=cancel)
    zeroframe = None if exposure.zeroframe is None else correct_zeroframe(exposure.zeroframe, prepared)
    return CorrectionResult(CorrectedArray(source), prepared.pixeldq, zeroframe)
