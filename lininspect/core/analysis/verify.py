"""Verify a pipeline ``_linearity`` product against lininspect's correction of its input.

Every array the step writes or passes through is compared: SCI bit for bit (a NaN
equals any NaN), PIXELDQ, GROUPDQ and ZEROFRAME. The input is corrected as the pipeline
would (the classic or the read-level path, by the plan) and compared with the product as
it is read: one group at a time on the classic path, one integration at a time on the
read-level path (which needs every group of a pixel), never two copies of the exposure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..kernels.correction import CancelToken, ProgressCallback, correct_ramps, correct_zeroframe
from ..errors import CorrectionCancelled, LinInspectError
from ..fits.exposure import Exposure
from ..kernels.pathway import CorrectionPlan


@dataclass(frozen=True)
class Location:
    """A value's place: a pixel, and the integration and group when the array has them."""

    x: int
    y: int
    integration: int | None = None
    group: int | None = None


@dataclass
class ArrayComparison:
    """How one array of the product compares with lininspect's."""

    name: str
    compared: int = 0
    differing: int = 0
    #: Largest |product - lininspect| among differing values; inf where one side is NaN.
    largest: float = 0.0
    worst: Location | None = None
    #: For DQ arrays, every bit set in one and not the other somewhere.
    bits: int = 0

    def add(self, theirs: np.ndarray, ours: np.ndarray, where: np.ndarray, integration: int | None = None,
            group: int | None = None) -> None:  # fmt: skip
        """Compare one plane (ny, nx); count its differing values into ``where``."""
        differ = _differs(theirs, ours)
        self.compared += differ.size
        count = int(np.count_nonzero(differ))
        if count == 0:
            return
        self.differing += count
        where += differ
        size = np.full(differ.shape, -1.0)
        size[differ] = _distance(theirs[differ], ours[differ])
        worst = int(np.argmax(size))
        if self.worst is None or size.flat[worst] > self.largest:
            y, x = np.unravel_index(worst, differ.shape)
            self.largest = float(size.flat[worst])
            self.worst = Location(int(x), int(y), integration, group)
        if theirs.dtype.kind in "ui":
            self.bits |= int(np.bitwise_or.reduce(np.bitwise_xor(theirs, ours)[differ].astype(np.uint64)))


@dataclass
class Verification:
    """The comparison of a product with lininspect's correction, array by array."""

    product: Path
    arrays: list[ArrayComparison]
    #: (ny, nx): how many values differ at each pixel, over every array, integration and group.
    where: np.ndarray = field(repr=False)

    @property
    def identical(self) -> bool:
        return all(array.differing == 0 for array in self.arrays)

    @property
    def worst(self) -> Location | None:
        """Where the first differing array (SCI first) differs most."""
        return next((array.worst for array in self.arrays if array.worst is not None), None)


def compare_product(
    exposure: Exposure,
    plan: CorrectionPlan,
    product: Exposure,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Verification:
    """Correct ``exposure`` as ``lininspect correct`` does (by ``plan``) and compare ``product`` with it."""
    if product.shape != exposure.shape:
        raise LinInspectError(
            f"{product.path}: shape {product.shape} differs from the input's {exposure.shape}"
        )
    nints, ngroups, ny, nx = exposure.shape
    prepared = plan.prepare(exposure.pixeldq, ngroups)
    where = np.zeros((ny, nx), dtype=np.uint32)
    sci, groupdq = ArrayComparison("SCI"), ArrayComparison("GROUPDQ")
    no_flags = np.zeros((ny, nx), dtype=np.uint8)
    # Groups corrected together: all of an integration on the read-level path, else one.
    span = ngroups if plan.read_level else 1
    corrected = np.empty((1, span, ny, nx), dtype=np.float32)
    raw = np.empty((1, span, ny, nx), dtype=np.float32)
    flags = np.empty((1, span, ny, nx), dtype=np.uint8)
    our_sci, our_groupdq = exposure.streamed()
    their_sci, their_groupdq = product.streamed()
    for i in range(nints):
        for first in range(0, ngroups, span):
            if cancel is not None and cancel.is_set():
                raise CorrectionCancelled()
            for k in range(span):
                raw[0, k] = np.asarray(our_sci[i, first + k, :], dtype=np.float32)
                flags[0, k] = _flags(our_groupdq, i, first + k, no_flags)
            correct_ramps(raw, flags, prepared, corrected, cancel=cancel)
            for k in range(span):
                g = first + k
                sci.add(np.asarray(their_sci[i, g, :], dtype=np.float32), corrected[0, k], where, i, g)
                groupdq.add(_flags(their_groupdq, i, g, no_flags), flags[0, k], where, i, g)
            if progress is not None:
                progress(i * ngroups + first + span, nints * ngroups)
    pixeldq = ArrayComparison("PIXELDQ")
    pixeldq.add(product.pixeldq.astype(np.uint32), prepared.pixeldq, where)
    zeroframe = ArrayComparison("ZEROFRAME")
    if exposure.zeroframe is not None or product.zeroframe is not None:
        missing = np.zeros((nints, ny, nx), dtype=np.float32)  # an absent ZEROFRAME compares as zeros
        ours = missing if exposure.zeroframe is None else correct_zeroframe(exposure.zeroframe, prepared)
        theirs = missing if product.zeroframe is None else product.zeroframe.astype(np.float32)
        for i in range(nints):
            zeroframe.add(theirs[i], ours[i], where, i)
    return Verification(product.path, [sci, pixeldq, groupdq, zeroframe], where)


def _flags(groupdq: Any, integration: int, group: int, absent: np.ndarray) -> np.ndarray:
    """One GROUPDQ plane as uint8; an absent GROUPDQ reads as no flags, as the pipeline creates it."""
    return absent if groupdq is None else np.asarray(groupdq[integration, group, :], dtype=np.uint8)


def _differs(theirs: np.ndarray, ours: np.ndarray) -> np.ndarray:
    """Values whose stored bits differ; for floats any NaN equals any NaN."""
    if theirs.dtype.kind == "f":
        differ = theirs.view(np.uint32) != ours.view(np.uint32)
        differ &= ~(np.isnan(theirs) & np.isnan(ours))
        return differ
    return theirs != ours


def _distance(theirs: np.ndarray, ours: np.ndarray) -> np.ndarray:
    """|theirs - ours| in float64; inf where only one side is NaN."""
    with np.errstate(invalid="ignore", over="ignore"):
        distance = np.abs(theirs.astype(np.float64) - ours.astype(np.float64))
    distance[np.isnan(distance)] = np.inf
    return distance
