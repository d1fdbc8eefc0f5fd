"""The reference cut for NIRCam multistripe readouts, from non-adjacent detector rows.

A multistripe exposure (MSTR_RD1/MSTR_SK1/MSTR_RD2/MSTR_SK2) reads MSTR_RD1 rows at the
subarray start, skips MSTR_SK1, then reads stripes of MSTR_RD2 rows separated by
MSTR_SK2 skipped rows (or, with MSTR_RPT, re-reads from the start, optionally
interleaving, MSTR_ILV). Its rows are stacked in the array, so the reference must be
cut row range by row range, in detector orientation (FASTAXIS/SLOWAXIS), as jwst's
``lib/stripe_utils`` does. Superstripe exposures (SSTR_NST > 0) are refused: jwst
collates them in its refpix step, and its linearity step cannot cut a 3-D COEFFS for them.
So are multistripe exposures with no SSTR_NST at all, on which jwst's cut fails.
"""

from __future__ import annotations

import numpy as np

from ..errors import LinInspectError
from ..fits.metadata import KEYWORDS, PipelineMetadata

#: Detector rows (and columns) of a near-infrared detector.
DETECTOR_SIZE = 2048


def is_multistripe(metadata: PipelineMetadata) -> bool:
    """The pipeline takes the multistripe cut whenever MSTR_RD1 is set."""
    return metadata.values.get("subarray.multistripe_reads1") is not None


def refuse_superstripe(metadata: PipelineMetadata) -> None:
    count = metadata.integer("subarray.num_superstripe")
    if count is not None and count > 0:
        raise LinInspectError(
            f"{metadata.path}: superstripe exposure (SSTR_NST = {count}); the pipeline reassembles "
            "superstripes in its refpix step and cannot run linearity on them, so lininspect refuses too"
        )


def multistripe_cut(
    metadata: PipelineMetadata,
    shape: tuple[int, int],
    reference_start: tuple[int, int],
    arrays: list[np.ndarray],
) -> list[np.ndarray]:
    """Each reference array (..., ny, nx) cut to the multistripe exposure of ``shape`` (ny, nx)."""
    if metadata.integer("subarray.num_superstripe") is None:
        # jwst 3.0.0's stripe_read compares num_superstripe > 0 with None there and fails.
        raise LinInspectError(
            f"{metadata.path}: multistripe exposure (MSTR_* keywords) without SSTR_NST; the pipeline fails on "
            "it when cutting the reference (jwst 3.0.0), so lininspect refuses too"
        )
    fast, slow = _axes(metadata)
    xsize, ysize = _required(metadata, "subarray.xsize"), _required(metadata, "subarray.ysize")
    if (ysize, xsize) != tuple(shape):
        raise LinInspectError(
            f"{metadata.path}: SUBSIZE1/SUBSIZE2 ({xsize} x {ysize}) differ from the array ({shape[1]} x "
            f"{shape[0]}); the pipeline's multistripe cut uses SUBSIZE and would fail"
        )
    along_x = abs(fast) == 1  # the fast axis runs along the array's columns
    fast_size, slow_size = (xsize, ysize) if along_x else (ysize, xsize)
    fast_key = "subarray.xstart" if along_x else "subarray.ystart"
    fast_offset = _required(metadata, fast_key) - reference_start[0 if along_x else 1]
    window = slice(fast_offset, fast_offset + fast_size)
    ranges = stripe_ranges(metadata, slow_size)

    cut = []
    for array in arrays:
        if fast_offset < 0 or window.stop > array.shape[-1 if along_x else -2]:
            raise LinInspectError(
                f"{metadata.path}: reference does not cover this multistripe subarray "
                f"along {KEYWORDS[fast_key]}"
            )
        array = array[..., window] if along_x else array[..., window, :]
        detector = _to_detector(array, fast, slow)
        stripes = np.zeros((*detector.shape[:-2], slow_size, fast_size), dtype=detector.dtype)
        for (full0, full1), (sub0, sub1) in ranges:
            if full0 < 0 or full1 > detector.shape[-2]:
                raise LinInspectError(
                    f"{metadata.path}: multistripe rows {full0}-{full1} lie outside the reference "
                    f"({detector.shape[-2]} rows along the slow axis)"
                )
            stripes[..., sub0:sub1, :] = detector[..., full0:full1, :]
        cut.append(np.ascontiguousarray(_to_science(stripes, fast, slow)))
    return cut


#: (first, stop) detector rows read and (first, stop) array rows they fill.
StripeRange = tuple[tuple[int, int], tuple[int, int]]


def stripe_ranges(metadata: PipelineMetadata, slow_size: int) -> list[StripeRange]:
    """(detector rows, array rows) of every range read, in detector orientation."""
    reads1 = _required(metadata, "subarray.multistripe_reads1")
    skips1 = _required(metadata, "subarray.multistripe_skips1")
    reads2 = _required(metadata, "subarray.multistripe_reads2")
    skips2 = _required(metadata, "subarray.multistripe_skips2")
    repeat = _required(metadata, "subarray.repeat_stripe")
    interleave = bool(metadata.values.get("subarray.interleave_reads1"))
    if reads2 <= 0:
        raise LinInspectError(
            f"{metadata.path}: MSTR_RD2 = {reads2}; the pipeline cannot build stripes from it"
        )
    start = _detector_slow_start(metadata)

    ranges: list[StripeRange] = []
    line, filled = start, 0

    def read(count: int) -> None:
        nonlocal line, filled
        ranges.append(((line, line + count), (filled, filled + count)))
        line += count
        filled += count

    if reads1 > 0:
        read(reads1)
    line += skips1
    read(reads2)
    interleave_skips = skips1
    while filled < slow_size:
        if repeat > 0:
            line = start
            if reads1 > 0:
                read(reads1)
            if interleave:
                interleave_skips += skips2 + reads2
                line += interleave_skips
            else:
                line += skips1
        else:
            line += skips2
        read(reads2)
    if filled != slow_size:
        raise LinInspectError(
            f"{metadata.path}: the multistripe keywords read {filled} rows but the array has {slow_size}"
        )
    return ranges


def _detector_slow_start(metadata: PipelineMetadata) -> int:
    """0-based first detector row along the slow axis, corrected for reversed axes as the pipeline does."""
    _, slow = _axes(metadata)
    start = _required(metadata, "subarray.ystart" if abs(slow) > 1 else "subarray.xstart")
    if slow < 0:
        start = 0 if start == 1 else DETECTOR_SIZE - start  # start = 1 on a reversed axis: early products
    else:
        start -= 1
    if "DHS" in str(metadata.values.get("subarray.name", "")).upper():
        start = 0  # early DHS products carry a wrong start
    return start


def _axes(metadata: PipelineMetadata) -> tuple[int, int]:
    fast, slow = _required(metadata, "subarray.fastaxis"), _required(metadata, "subarray.slowaxis")
    if {abs(fast), abs(slow)} != {1, 2}:
        raise LinInspectError(
            f"{metadata.path}: FASTAXIS = {fast}, SLOWAXIS = {slow} is not a readout geometry"
        )
    return fast, slow


def _to_detector(array: np.ndarray, fast: int, slow: int) -> np.ndarray:
    """Science orientation -> detector orientation (slow axis first, both read forwards)."""
    if abs(fast) == 1:
        return array[..., :: np.sign(slow), :: np.sign(fast)]
    return np.swapaxes(array[..., :: np.sign(fast), :: np.sign(slow)], -2, -1)


def _to_science(array: np.ndarray, fast: int, slow: int) -> np.ndarray:
    if abs(fast) == 1:
        return array[..., :: np.sign(slow), :: np.sign(fast)]
    return np.swapaxes(array, -2, -1)[..., :: np.sign(fast), :: np.sign(slow)]


def _required(metadata: PipelineMetadata, name: str) -> int:
    value = metadata.integer(name)
    if value is None:
        raise LinInspectError(f"{metadata.path}: multistripe exposure without {KEYWORDS[name]}")
    return value
