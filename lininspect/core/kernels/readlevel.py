"""The read-level linearity correction of jwst 3.0 / stcal 1.20, bit for bit.

With NFRAMES > 1 each group is the mean of several detector reads, and the mean of
corrected reads is not the correction of the mean. When the reference has INV_COEFFS
the pipeline therefore rebuilds every group's reads from a straight-line count rate,
un-linearizes them with INV_COEFFS, shifts them onto the raw group, corrects each read
and averages. The compiled loop of :mod:`.compiled` does every operation in the pipeline's
order and dtype (float32 for the first and anchor groups, float64 for the reads), so each
sample gets the pipeline's rounding; the work runs in row tiles of one integration, in threads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .correction import CancelToken, PreparedCoefficients, TileArrays, prepare_coefficients
from ..errors import LinInspectError

#: Samples per tile plane (measured: bench_readlevel.py).
_TILE_PLANE_SAMPLES = 8192

#: Rows of the tiles stcal's read-level correction works in (``tile_rows``' default).
_PIPELINE_TILE_ROWS = 64

#: 1-based read numbers of each group, as stcal's ``read_pattern`` takes them.
ReadPattern = tuple[tuple[int, ...], ...]


def pipeline_read_pattern(ngroups: int, nframes: int) -> ReadPattern:
    """The pattern jwst builds from NGROUPS and NFRAMES: group g averages reads g*nframes+1 ... (g+1)*nframes.

    GROUPGAP does not enter: the pipeline numbers the reads as if no frame were skipped.
    """
    return tuple(tuple(range(g * nframes + 1, (g + 1) * nframes + 1)) for g in range(ngroups))


@dataclass(frozen=True)
class ReadLevelCoefficients(PreparedCoefficients):
    """Both prepared coefficient sets and the read pattern; ``coeffs`` are the forward ones.

    ``pixeldq`` has NO_LIN_CORR for a bad forward *or* inverse set; a pixel whose only
    fault is in INV_COEFFS keeps its forward coefficients, as in the pipeline.
    """

    inverse: np.ndarray  # (ninverse, ny, nx) float32, prepared like the forward set
    read_pattern: ReadPattern
    mean_reads: np.ndarray  # float64 mean read number of each group

    @staticmethod
    def tile_rows(nx: int) -> int:
        return max(1, _TILE_PLANE_SAMPLES // max(nx, 1))

    def correct_tile(
        self, data: Any, groupdq: Any | None, out: Any, i: int, rows: slice, *, direct: bool,
        cancel: CancelToken | None, compiled: bool = True,
    ) -> int:
        """The read-level correction of ``rows`` of integration ``i``; returns saturated samples kept raw.

        Always compiled (``compiled`` is for the classic correction): numpy's read-level
        arithmetic costs more on any exposure than loading numba does.
        """
        return super().correct_tile(data, groupdq, out, i, rows, direct=direct, cancel=cancel, compiled=True)

    def correct_block(
        self, tile: TileArrays, first: int, last: int, ny: int, groups: range | None = None
    ) -> int:
        """Rows ``first:last`` of ``ny``; only ``groups`` (default: all) are written to the tile's target."""
        from . import compiled  # numba loads on the first correction, not with the application

        ngroups, nx = tile.raw.shape[0], tile.raw.shape[2]
        groups = range(ngroups) if groups is None else groups
        patterns = self.read_pattern[:ngroups]
        offsets = np.zeros((ngroups, max(len(reads) for reads in patterns)), dtype=np.float64)
        for g, reads in enumerate(patterns):
            offsets[g, : len(reads)] = np.asarray(reads) - self.mean_reads[0]
        forward, inverse = self.coefficient_rows(first, last), self.inverse[:, self.held_rows(first, last)]
        with np.errstate(all="ignore"):  # NaN and inf propagate exactly as in the pipeline, silently
            kept = compiled.read_level_rows(
                tuple(forward[:0:-1]), forward[0], tuple(inverse[:0:-1]), inverse[0],
                tile.raw, tile.raw_row, tile.flags, tile.flags_row, tile.target, tile.target_row,
                offsets, np.array([len(reads) for reads in patterns], dtype=np.int64),
                self.mean_reads, _pairwise_row(ny, nx, first, last), groups.start, groups.stop,
            )
        return int(kept)

    def correct_groups(
        self, raw: np.ndarray, flags: np.ndarray | None, rows: slice, ny: int, groups: range
    ) -> np.ndarray:
        """Only ``groups`` of a block of :func:`read_row_block`, as (len(groups), rows, nx) float32.

        A group needs only the first and anchor groups besides its own, so the app shows the
        group on the screen a tenth of an integration's work after asking (issue 19).
        """
        out = np.empty_like(raw)  # the other groups' planes stay unwritten
        tile = TileArrays(raw, 0, flags, 0, out, 0, buffered_target=False)
        self.correct_block(tile, rows.start, rows.stop, ny, groups)
        return out[groups.start : groups.stop]


def _pairwise_row(ny: int, nx: int, first: int, last: int) -> int:
    """The row of rows ``first:last`` (counted from ``first``) whose read means numpy sums pairwise, or -1.

    stcal averages the reads of each 64-row tile with one ``np.mean`` over the reads axis; numpy
    adds plane after plane unless the tile is a single pixel, whose reads it sums pairwise (a
    different rounding from 8 reads on). That happens to a one-column exposure's last row when
    it is alone in its tile.
    """
    lone = ny - 1 if nx == 1 and ny % _PIPELINE_TILE_ROWS == 1 else -1
    return lone - first if first <= lone < last else -1


def prepare_read_level(
    coeffs: np.ndarray,
    inv_coeffs: np.ndarray,
    ref_dq: np.ndarray | None,
    pixeldq: np.ndarray | None,
    read_pattern: Sequence[Sequence[int]],
    ngroups: int,
    *,
    in_place: bool = False,
) -> ReadLevelCoefficients:
    """Prepare the forward set, then the inverse set on the PIXELDQ the first left, as the pipeline does.

    ``in_place``: ``coeffs`` and ``inv_coeffs`` are the caller's to give up (see
    :func:`~.correction.prepare_coefficients`)."""
    if ngroups < 2:
        raise LinInspectError(
            f"the read-level correction needs at least 2 groups, this exposure has {ngroups} "
            "(the pipeline fails on it with an IndexError)"
        )
    forward = prepare_coefficients(coeffs, ref_dq, pixeldq, in_place=in_place)
    if np.ndim(inv_coeffs) != 3 or np.shape(inv_coeffs)[1:] != forward.coeffs.shape[1:]:
        raise LinInspectError(
            f"INV_COEFFS has shape {np.shape(inv_coeffs)}; expected (ncoeffs, {forward.coeffs.shape[1]}, "
            f"{forward.coeffs.shape[2]}) like COEFFS"
        )
    inverse = prepare_coefficients(inv_coeffs, ref_dq, forward.pixeldq, in_place=in_place)
    pattern = _checked_pattern(read_pattern, ngroups)
    mean_reads = np.array([np.mean(reads) for reads in pattern], dtype=np.float64)
    return ReadLevelCoefficients(forward.coeffs, inverse.pixeldq, inverse.coeffs, pattern, mean_reads)


def _checked_pattern(read_pattern: Sequence[Sequence[int]], ngroups: int) -> ReadPattern:
    try:
        pattern = tuple(tuple(int(read) for read in reads) for reads in read_pattern)
    except (TypeError, ValueError):
        raise LinInspectError("read_pattern must be a list of lists of read numbers") from None
    if len(pattern) < ngroups or not all(pattern[:ngroups]):
        raise LinInspectError(
            f"read_pattern needs a non-empty list of reads for each of the {ngroups} groups"
        )
    return pattern
