"""Which of the pipeline's two corrections an exposure gets, decided as jwst 3.0 decides it.

The read-level correction runs when the reference cut for the exposure carries INV_COEFFS,
the exposure averages several frames per group (NFRAMES > 1) and its metadata has no
``read_times``; everything else gets the classic correction. The metadata is the one the
pipeline reads (:mod:`.metadata`), so a value found only in the ASDF tree counts.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .correction import PreparedCoefficients, PreparedPerTile, prepare_coefficients
from ..errors import LinInspectError
from ..fits.exposure import Exposure
from .readlevel import ReadPattern, pipeline_read_pattern, prepare_read_level
from ..references.reference import (
    CoefficientSet,
    CoefficientsInFile,
    LinearityReference,
    coefficients_for,
    covers_exactly,
)
from .stripes import is_multistripe


@dataclass(frozen=True)
class CorrectionPlan:
    """The reference cut for one exposure, and the correction it gets with the reason why.

    The coefficient sets are arrays, or both still in the reference file (opened with
    ``coefficients_in_file``), where they are read and prepared a tile at a time.
    """

    coeffs: CoefficientSet
    ref_dq: np.ndarray
    inv_coeffs: CoefficientSet | None  # set only when the read-level correction runs
    read_pattern: ReadPattern | None
    reason: str  # one line for the user: which path and why
    #: ``coeffs`` and ``inv_coeffs`` are given up to :meth:`prepare`, which prepares them in place:
    #: nothing reads the raw values from this plan afterwards.
    consumed: bool = False

    @property
    def read_level(self) -> bool:
        return self.inv_coeffs is not None

    def prepare(self, pixeldq: np.ndarray | None, ngroups: int) -> PreparedCoefficients | PreparedPerTile:
        """Prepared coefficients whose tile kernel is the planned correction: prepared whole when the
        sets are arrays, a tile at a time from the file (the same preparation, of its rows) when not."""
        coeffs, inverse = self.coeffs, self.inv_coeffs
        if not isinstance(coeffs, CoefficientsInFile):
            assert not isinstance(inverse, CoefficientsInFile)
            return self._prepared(coeffs, inverse, self.ref_dq, pixeldq, ngroups, in_place=self.consumed)

        def prepare_rows(first: int, last: int) -> PreparedCoefficients:
            rows = slice(first, last)
            prepared = self._prepared(
                coeffs.rows(first, last), None if inverse is None else inverse.rows(first, last), self.ref_dq[rows],
                None if pixeldq is None else pixeldq[rows], ngroups, in_place=True,
            )
            return dataclasses.replace(prepared, first_row=first)

        return PreparedPerTile.after_first_pass(prepare_rows, *self.ref_dq.shape)

    def _prepared(
        self, coeffs: np.ndarray, inverse: np.ndarray | None, ref_dq: np.ndarray,
        pixeldq: np.ndarray | None, ngroups: int, *, in_place: bool,
    ) -> PreparedCoefficients:
        """The planned preparation of ``coeffs`` (and ``inverse``, for the read-level correction)."""
        if inverse is None or self.read_pattern is None:
            return prepare_coefficients(coeffs, ref_dq, pixeldq, in_place=in_place)
        return prepare_read_level(coeffs, inverse, ref_dq, pixeldq, self.read_pattern, ngroups, in_place=in_place)


def plan_correction(exposure: Exposure, reference: LinearityReference, *, consume: bool = False) -> CorrectionPlan:
    """Cut the reference for ``exposure`` and pick the correction as the pipeline's linearity step does.

    ``consume``: neither the reference's coefficients nor the plan's are read again once prepared,
    so :meth:`CorrectionPlan.prepare` prepares them where they are (they then hold the prepared values)
    instead of holding a second copy of each set: 168 MB for a full-frame read-level reference.
    """
    coeffs, ref_dq = coefficients_for(exposure, reference)

    def classic(reason: str) -> CorrectionPlan:
        return CorrectionPlan(coeffs, ref_dq, None, None, f"classic correction: {reason}", consume)

    if reference.inv_coeffs is None:
        return classic("the reference has no INV_COEFFS")
    if is_multistripe(exposure.metadata) and not covers_exactly(exposure, reference):
        return classic("the pipeline's multistripe cut of the reference carries no INV_COEFFS")
    metadata = exposure.metadata
    nframes = metadata.nframes
    if nframes is None:
        raise LinInspectError(
            f"{exposure.path}: NFRAMES missing (header and ASDF metadata); with INV_COEFFS in "
            f"{reference.path.name} the pipeline fails on it"
        )
    if nframes <= 1:
        return classic(f"NFRAMES = {nframes}, one frame per group")
    if metadata.has_read_times:
        return classic("the exposure's metadata has read_times, so the read pattern does not apply")
    ngroups = metadata.ngroups
    if exposure.ngroups < 2:
        raise LinInspectError(
            f"{exposure.path}: one group per integration; the pipeline's read-level correction "
            f"(INV_COEFFS, NFRAMES = {nframes}) fails on it with an IndexError"
        )
    if ngroups is None or ngroups < exposure.ngroups:
        raise LinInspectError(
            f"{exposure.path}: NGROUPS = {ngroups} but SCI has {exposure.ngroups} groups; the pipeline's "
            "read-level correction fails on it"
        )
    inverse_shape = reference.inv_coeffs.shape
    if len(inverse_shape) != 3 or inverse_shape[0] < 2 or inverse_shape[1:] != reference.coeffs.shape[1:]:
        raise LinInspectError(
            f"{reference.path}: INV_COEFFS has shape {inverse_shape}, COEFFS {reference.coeffs.shape}; the "
            "read-level correction needs at least 2 inverse coefficients over the same pixels"
        )
    inverse = coefficients_for(exposure, dataclasses.replace(reference, coeffs=reference.inv_coeffs))[0]
    return CorrectionPlan(
        coeffs,
        ref_dq,
        inverse,
        pipeline_read_pattern(exposure.ngroups, nframes),
        f"read-level correction: the reference has INV_COEFFS, NFRAMES = {nframes} and no read_times",
        consume,
    )
