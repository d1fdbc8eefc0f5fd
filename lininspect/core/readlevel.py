"""The read-level linearity correction of jwst 3.0 / stcal 1.20, bit for bit.

With NFRAMES > 1 each group is the mean of several detector reads, and the mean of
corrected reads is not the correction of the mean. When the reference has INV_COEFFS
the pipeline therefore rebuilds every group's reads from a straight-line count rate,
un-linearizes them with INV_COEFFS, shifts them onto the raw group, corrects each read
and averages. Every operation here is one numpy ufunc in the pipeline's order and dtype
(float32 for the first and anchor groups, float64 for the reads), so each sample gets
the pipeline's rounding; the work runs in row tiles of one integration, in threads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .correction import CancelToken, PreparedCoefficients, horner, prepare_coefficients
from .dq import SATURATED
from .errors import CorrectionCancelled, LinInspectError

#: Samples per tile plane: each tile holds its groups (float32) and one float64 plane
#: per read of a group, which should stay in cache (measured: bench_readlevel.py).
_TILE_PLANE_SAMPLES = 8192

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

    def tile_rows(self, nx: int) -> int:
        return max(1, _TILE_PLANE_SAMPLES // max(nx, 1))

    def correct_tile(
        self, data: Any, groupdq: Any | None, out: Any, i: int, rows: slice, *, direct: bool,
        cancel: CancelToken | None,
    ) -> int:
        """The read-level correction of ``rows`` of integration ``i``; returns saturated samples kept raw."""
        with np.errstate(all="ignore"):  # NaN and inf propagate exactly as in the pipeline, silently
            return self._correct_tile(data, groupdq, out, i, rows, direct, cancel)

    def _correct_tile(
        self, data: Any, groupdq: Any | None, out: Any, i: int, rows: slice, direct: bool,
        cancel: CancelToken | None,
    ) -> int:
        ngroups = data.shape[1]
        forward32 = list(self.coeffs[:, rows])
        # float32 -> float64 is exact, so promoting once gives the same products as promoting per operation.
        forward64 = [plane.astype(np.float64) for plane in forward32]
        inverse64 = [plane.astype(np.float64) for plane in self.inverse[:, rows]]
        plane_shape = forward32[0].shape

        raw = np.empty((ngroups, *plane_shape), dtype=np.float32)
        saturated = np.zeros((ngroups, *plane_shape), dtype=bool)
        for g in range(ngroups):
            _check(cancel)
            raw[g] = data[i, g, rows]
            if groupdq is not None:
                np.not_equal(np.bitwise_and(groupdq[i, g, rows], SATURATED), 0, out=saturated[g])

        # The anchor: the last group without SATURATED but one, never before group 1.
        unsaturated = ngroups - np.count_nonzero(saturated, axis=0)
        anchor = (np.maximum(unsaturated - 1, 2) - 1)[np.newaxis]
        first = _classic(forward32, raw[0], saturated[0])
        last = _classic(
            forward32,
            np.take_along_axis(raw, anchor, axis=0)[0],
            np.take_along_axis(saturated, anchor, axis=0)[0],
        )
        first64 = first.astype(np.float64)
        rate = np.subtract(last, first).astype(np.float64)  # counts per read, from a float32 difference
        np.divide(rate, self.mean_reads[anchor[0]] - self.mean_reads[0], out=rate)

        most_reads = max(len(reads) for reads in self.read_pattern[:ngroups])
        lines = np.empty((most_reads, *plane_shape), dtype=np.float64)
        reads = np.empty((most_reads, *plane_shape), dtype=np.float64)
        shift = np.empty(plane_shape, dtype=np.float64)
        buffer = None if direct else np.empty(plane_shape, dtype=np.float32)
        kept = 0
        for g in range(ngroups):
            _check(cancel)
            target = out[i, g, rows] if buffer is None else buffer
            count = int(np.count_nonzero(saturated[g]))
            if count == saturated[g].size:  # every pixel keeps its raw value; nothing to rebuild
                np.copyto(target, raw[g])
            else:
                offsets = np.asarray(self.read_pattern[g]) - self.mean_reads[0]
                group_lines, group_reads = lines[: len(offsets)], reads[: len(offsets)]
                np.multiply(rate, offsets[:, np.newaxis, np.newaxis], out=group_lines)
                np.add(first64, group_lines, out=group_lines)  # the group's reads, linearized
                horner(inverse64, group_lines, group_reads)  # ... and as the detector saw them
                np.mean(group_reads, axis=0, out=shift)
                np.subtract(raw[g], shift, out=shift)  # moves the reads' mean onto the raw group
                np.add(group_reads, shift, out=group_reads)
                horner(forward64, group_reads, group_lines)  # each read corrected
                np.mean(group_lines, axis=0, out=shift)
                np.copyto(target, shift, casting="same_kind")
                if count:
                    np.copyto(target, raw[g], where=saturated[g])
            kept += count
            if buffer is not None:
                out[i, g, rows] = buffer
        return kept


def prepare_read_level(
    coeffs: np.ndarray,
    inv_coeffs: np.ndarray,
    ref_dq: np.ndarray | None,
    pixeldq: np.ndarray | None,
    read_pattern: Sequence[Sequence[int]],
    ngroups: int,
) -> ReadLevelCoefficients:
    """Prepare the forward set, then the inverse set on the PIXELDQ the first left, as the pipeline does."""
    if ngroups < 2:
        raise LinInspectError(
            f"the read-level correction needs at least 2 groups, this exposure has {ngroups} "
            "(the pipeline fails on it with an IndexError)"
        )
    forward = prepare_coefficients(coeffs, ref_dq, pixeldq)
    if np.ndim(inv_coeffs) != 3 or np.shape(inv_coeffs)[1:] != forward.coeffs.shape[1:]:
        raise LinInspectError(
            f"INV_COEFFS has shape {np.shape(inv_coeffs)}; expected (ncoeffs, {forward.coeffs.shape[1]}, "
            f"{forward.coeffs.shape[2]}) like COEFFS"
        )
    inverse = prepare_coefficients(inv_coeffs, ref_dq, forward.pixeldq)
    pattern = _checked_pattern(read_pattern, ngroups)
    mean_reads = np.array([np.mean(reads) for reads in pattern], dtype=np.float64)
    return ReadLevelCoefficients(forward.coeffs, inverse.pixeldq, inverse.coeffs, pattern, mean_reads)


def _classic(planes: list[np.ndarray], raw: np.ndarray, saturated: np.ndarray) -> np.ndarray:
    """The float32 correction of one plane; saturated samples keep their raw value."""
    corrected = horner(planes, raw, np.empty(raw.shape, dtype=np.float32))
    np.copyto(corrected, raw, where=saturated)
    return corrected


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


def _check(cancel: CancelToken | None) -> None:
    if cancel is not None and cancel.is_set():
        raise CorrectionCancelled()
