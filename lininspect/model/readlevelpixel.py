"""One pixel on the read-level path, opened up: the reads rebuilt for a group, and the classic
correction it would have had.

For the inspector only; the product's numbers come from :mod:`lininspect.core.kernels.readlevel`,
and a test checks that the mean of the reads rebuilt here is that product's value, bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.kernels.correction import horner, prepare_coefficients
from ..core.dq import SATURATED
from ..core.kernels.pathway import CorrectionPlan
from ..core.kernels.readlevel import ReadLevelCoefficients


@dataclass(frozen=True)
class RebuiltReads:
    """The reads of one group as the read-level correction rebuilds them (float64, one per read)."""

    group: int
    read_numbers: np.ndarray  # 1-based reads averaged into the group
    raw: np.ndarray  # un-linearized from the count rate and shifted so their mean is the raw group
    corrected: np.ndarray  # each read linearized again; their mean, as float32, is the group's value
    rate: float  # counts per read, from the first and anchor groups
    anchor: int  # the group whose difference with the first sets the rate

    @property
    def value(self) -> np.float32:
        return np.float32(np.mean(self.corrected[:, np.newaxis], axis=0)[0])


def _classic_value(planes: list[np.ndarray], raw: np.float32, saturated: bool) -> np.float32:
    """One sample through the float32 polynomial; saturated samples keep their raw value."""
    if saturated:
        return raw
    out = np.empty(1, dtype=np.float32)
    with np.errstate(all="ignore"):
        horner(planes, np.array([raw], dtype=np.float32), out)
    return out[0]


def rebuilt_reads(
    prepared: ReadLevelCoefficients, x: int, y: int, raw: np.ndarray, groupdq: np.ndarray, group: int
) -> RebuiltReads | None:
    """The reads of ``group`` for pixel (x, y) of one integration; None when the group is saturated (kept raw)."""
    raw = np.asarray(raw, dtype=np.float32)
    saturated = (np.asarray(groupdq) & SATURATED) != 0
    if saturated[group]:
        return None
    ngroups = raw.shape[0]
    forward32 = [np.array([c], dtype=np.float32) for c in prepared.coeffs[:, y, x]]
    forward64 = [plane.astype(np.float64) for plane in forward32]
    inverse64 = [np.array([c], dtype=np.float64) for c in prepared.inverse[:, y, x]]
    anchor = max(ngroups - int(np.count_nonzero(saturated)) - 1, 2) - 1
    first = _classic_value(forward32, raw[0], bool(saturated[0]))
    last = _classic_value(forward32, raw[anchor], bool(saturated[anchor]))
    with np.errstate(all="ignore"):
        rate = np.float64(np.float32(last - first)) / (prepared.mean_reads[anchor] - prepared.mean_reads[0])
        reads = np.asarray(prepared.read_pattern[group])
        offsets = reads - prepared.mean_reads[0]
        lines = np.float64(first) + rate * offsets[:, np.newaxis]
        rebuilt = np.empty_like(lines)
        horner(inverse64, lines, rebuilt)
        shift = np.float64(raw[group]) - np.mean(rebuilt, axis=0)
        rebuilt += shift
        corrected = np.empty_like(rebuilt)
        horner(forward64, rebuilt, corrected)
    return RebuiltReads(group, reads, rebuilt[:, 0], corrected[:, 0], float(rate), anchor)


def classic_ramp(plan: CorrectionPlan, pixeldq: int, x: int, y: int, raw: np.ndarray, groupdq: np.ndarray) -> np.ndarray:
    """The classic correction of one pixel's (nints, ngroups) ramp with the same reference: what
    the pipeline would give it without INV_COEFFS."""
    prepared = prepare_coefficients(
        plan.coeffs[:, y : y + 1, x : x + 1], plan.ref_dq[y : y + 1, x : x + 1], np.array([[pixeldq]], np.uint32)
    )
    samples = np.asarray(raw, dtype=np.float32)[:, :, np.newaxis, np.newaxis]
    flags = np.asarray(groupdq, dtype=np.uint8)[:, :, np.newaxis, np.newaxis]
    out = np.empty(samples.shape, dtype=np.float32)
    for i in range(samples.shape[0]):
        prepared.correct_tile(samples, flags, out, i, slice(None), direct=True, cancel=None)
    return out[:, :, 0, 0]
