"""What the window shows, without Qt: the loaded files, the correction and per-pixel facts.

Images come one plane at a time and ramps one pixel at a time from the memory-mapped
exposure; only the corrected result lives in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core import analysis
from ..core.correction import (
    CancelToken,
    CorrectionResult,
    ProgressCallback,
    correct_arrays,
    evaluate,
    prepare_coefficients,
    uncorrected_reason,
)
from ..core.dq import NO_LIN_CORR, SATURATED
from ..core.errors import LinInspectError
from ..core.exposure import Exposure, open_exposure
from ..core.reference import LinearityReference, coefficients_for, open_reference


@dataclass(frozen=True)
class PixelFacts:
    """Everything the pixel inspector plots and prints for one pixel."""

    x: int
    y: int
    detector: tuple[int, int]
    raw: np.ndarray  # (nints, ngroups) float32
    corrected: np.ndarray | None
    groupdq: np.ndarray  # (nints, ngroups) uint8
    pixeldq: int  # input PIXELDQ
    result_pixeldq: int | None  # PIXELDQ after correction (run or product)
    coeffs: np.ndarray | None  # raw reference coefficients of this pixel
    prepared: np.ndarray | None  # the ones actually applied (identity when left alone)
    reason: str | None  # why the pixel is left uncorrected, None when corrected

    def curve(self, points: int = 200) -> tuple[np.ndarray, np.ndarray] | None:
        """The correction polynomial over the ramp's raw range, as the pipeline evaluates it."""
        finite = self.raw[np.isfinite(self.raw)]
        if self.prepared is None or finite.size == 0:
            return None
        low, high = float(finite.min()), float(finite.max())
        xs = np.linspace(low, high if high > low else low + 1, points, dtype=np.float32)
        return xs, evaluate(self.prepared, xs)


class Session:
    """The loaded exposure, reference, optional pipeline product and the in-memory correction."""

    def __init__(self) -> None:
        self.exposure: Exposure | None = None
        self.reference: LinearityReference | None = None
        self.product: Exposure | None = None
        self.result: CorrectionResult | None = None
        self._cut: tuple[np.ndarray, np.ndarray] | None = None
        self._prepared_pixeldq: np.ndarray | None = None

    def open_input(self, path: Path) -> str | None:
        """Load a ramp; a loaded reference that cannot serve it is dropped, and the reason returned."""
        exposure = open_exposure(path)
        self.exposure, self.product, self.result = exposure, None, None
        self._forget_cut()
        if self.reference is None:
            return None
        try:
            self.coefficients()
        except LinInspectError as error:
            self.reference = None
            return f"reference dropped: {error}"
        return None

    def open_reference(self, path: Path) -> None:
        """Load a reference; refused (the old one kept) when it cannot correct the loaded input."""
        reference = open_reference(path)
        if self.exposure is not None:
            coefficients_for(self.exposure, reference)
        self.reference, self.result = reference, None
        self._forget_cut()

    def open_product(self, path: Path) -> None:
        """A pipeline ``_linearity`` file for the right panel; it must match the input's shape."""
        if self.exposure is None:
            raise LinInspectError("open the input exposure before its corrected product")
        product = open_exposure(path)
        if product.shape != self.exposure.shape:
            raise LinInspectError(
                f"{path}: shape {product.shape} differs from the input's {self.exposure.shape}"
            )
        self.product, self.result = product, None

    def _forget_cut(self) -> None:
        self._cut = None
        self._prepared_pixeldq = None

    @property
    def can_correct(self) -> bool:
        return self.exposure is not None and self.reference is not None

    def coefficients(self) -> tuple[np.ndarray, np.ndarray]:
        """The reference cut to the exposure (raises LinInspectError when it does not fit)."""
        if self.exposure is None or self.reference is None:
            raise LinInspectError("load an input exposure and a linearity reference first")
        if self._cut is None:
            self._cut = coefficients_for(self.exposure, self.reference)
        return self._cut

    def correction_job(self) -> Callable[[ProgressCallback | None, CancelToken | None], CorrectionResult]:
        """The correction of what is loaded now, as ``lininspect correct`` computes it.

        The files are captured here, in the GUI thread, so loading another file while the
        job runs in a worker thread cannot change what it corrects.
        """
        coeffs, ref_dq = self.coefficients()
        exposure = self.exposure
        assert exposure is not None

        def job(progress: ProgressCallback | None, cancel: CancelToken | None) -> CorrectionResult:
            return correct_arrays(
                exposure.sci, exposure.groupdq, exposure.pixeldq, coeffs, ref_dq, exposure.zeroframe,
                progress=progress, cancel=cancel,
            )  # fmt: skip

        return job

    # --- what the panels show -------------------------------------------------------------

    @property
    def has_corrected(self) -> bool:
        return self.result is not None or self.product is not None

    def input_plane(self, integration: int, group: int) -> np.ndarray:
        assert self.exposure is not None
        return self.exposure.plane(integration, group)

    def corrected_plane(self, integration: int, group: int) -> np.ndarray | None:
        if self.result is not None:
            return self.result.data[integration, group]
        if self.product is not None:
            return self.product.plane(integration, group)
        return None

    def corrected_ramps(self, integration: int) -> np.ndarray | None:
        """All groups of one integration of the corrected data, (ngroups, ny, nx)."""
        if self.result is not None:
            return self.result.data[integration]
        if self.product is not None:
            return np.asarray(self.product.sci[integration], dtype=np.float32)
        return None

    def result_pixeldq(self) -> np.ndarray | None:
        """PIXELDQ after correction: of the run, of the product, or as preparing would set it."""
        if self.result is not None:
            return self.result.pixeldq
        if self.product is not None:
            return self.product.pixeldq
        if self.can_correct and self.exposure is not None:
            if self._prepared_pixeldq is None:
                coeffs, ref_dq = self.coefficients()
                self._prepared_pixeldq = prepare_coefficients(coeffs, ref_dq, self.exposure.pixeldq).pixeldq
            return self._prepared_pixeldq
        return None

    def no_lin_corr_mask(self) -> np.ndarray | None:
        pixeldq = self.result_pixeldq()
        return None if pixeldq is None else (pixeldq & np.uint32(NO_LIN_CORR)) != 0

    def contains(self, x: int, y: int) -> bool:
        return self.exposure is not None and 0 <= y < self.exposure.shape[2] and 0 <= x < self.exposure.shape[3]

    def pixel(self, x: int, y: int) -> PixelFacts:
        """Facts for one pixel: reads only that pixel's ramp from the file."""
        exposure = self.exposure
        if exposure is None or not self.contains(x, y):
            raise LinInspectError(f"pixel ({x}, {y}) is outside the exposure")
        try:
            sx, sy = exposure.substrt()
        except LinInspectError:
            sx, sy = 1, 1
        corrected = None
        if self.result is not None:
            corrected = np.array(self.result.data[:, :, y, x])
        elif self.product is not None:
            corrected = self.product.ramp(y, x)
        result_dq = self.result_pixeldq()
        coeffs = prepared = None
        reason = None
        if self.can_correct:
            try:
                cut, ref_dq = self.coefficients()
            except LinInspectError:
                cut = None
            if cut is not None:
                coeffs = cut[:, y, x].copy()
                prepared = prepare_coefficients(
                    cut[:, y : y + 1, x : x + 1], ref_dq[y : y + 1, x : x + 1], exposure.pixeldq[y : y + 1, x : x + 1]
                ).coeffs[:, 0, 0]
                reason = uncorrected_reason(coeffs, int(ref_dq[y, x]))
        return PixelFacts(
            x=x,
            y=y,
            detector=(x + sx, y + sy),
            raw=exposure.ramp(y, x),
            corrected=corrected,
            groupdq=exposure.groupdq_ramp(y, x),
            pixeldq=int(exposure.pixeldq[y, x]),
            result_pixeldq=None if result_dq is None else int(result_dq[y, x]),
            coeffs=coeffs,
            prepared=prepared,
            reason=reason,
        )

    def region_means(
        self, integration: int, x0: int, y0: int, x1: int, y1: int
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """Mean input and corrected ramps of a box (inclusive-exclusive), with samples used per group."""
        exposure = self.exposure
        assert exposure is not None
        raw = np.asarray(exposure.sci[integration, :, y0:y1, x0:x1], dtype=np.float32)
        groupdq = None if exposure.groupdq is None else np.asarray(exposure.groupdq[integration, :, y0:y1, x0:x1])
        raw_mean, count = analysis.region_mean_ramp(raw, groupdq)
        corrected_mean = None
        if self.result is not None:
            corrected_mean, _ = analysis.region_mean_ramp(self.result.data[integration, :, y0:y1, x0:x1], groupdq)
        elif self.product is not None:
            block = np.asarray(self.product.sci[integration, :, y0:y1, x0:x1], dtype=np.float32)
            corrected_mean, _ = analysis.region_mean_ramp(block, groupdq)
        return raw_mean, corrected_mean, count

    def residual_job(self, integration: int) -> Callable[[ProgressCallback | None, CancelToken | None], np.ndarray]:
        """RMS of straight-line residuals of the corrected ramps of one integration, for a thread."""
        ramps = self.corrected_ramps(integration)
        exposure = self.exposure
        if ramps is None or exposure is None:
            raise LinInspectError("no corrected data yet: run the correction first")

        def job(progress: ProgressCallback | None, cancel: CancelToken | None) -> np.ndarray:
            groupdq = None if exposure.groupdq is None else np.asarray(exposure.groupdq[integration])
            return analysis.residual_rms_map(ramps, groupdq, cancel=cancel, progress=progress)

        return job

    def count_differences(self, result: CorrectionResult) -> int:
        """How many SCI values of the opened product differ from a fresh correction (NaN == NaN)."""
        assert self.product is not None
        differ = 0
        for i in range(self.product.nints):
            for g in range(self.product.ngroups):
                a, b = self.product.plane(i, g), result.data[i, g]
                differ += int(np.count_nonzero((a != b) & ~(np.isnan(a) & np.isnan(b))))
        return differ

    def saturated_count(self) -> int:
        """Saturated GROUPDQ samples in the whole exposure, read one plane at a time."""
        exposure = self.exposure
        if exposure is None or exposure.groupdq is None:
            return 0
        return sum(
            int(np.count_nonzero(exposure.groupdq_plane(i, g) & SATURATED))
            for i in range(exposure.nints)
            for g in range(exposure.ngroups)
        )

