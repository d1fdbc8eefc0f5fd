"""What the window shows, without Qt: the loaded files, the correction and per-pixel facts.

Images come one plane at a time from the memory-mapped exposure, ramps and boxes by
positioned reads, and the correction streams the file; only the corrected result
lives in memory.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core import analysis, fitsfile
from ..core.correction import (
    CancelToken,
    CorrectionResult,
    ProgressCallback,
    correct_arrays,
    prepare_coefficients,
    uncorrected_reason,
)
from ..core.dq import NO_LIN_CORR, SATURATED
from ..core.errors import CorrectionCancelled, LinInspectError
from ..core.exposure import Exposure, open_exposure
from ..core.pathway import CorrectionPlan, plan_correction
from ..core.product import export_corrected
from ..core.reference import LinearityReference, check_same_detector, open_reference
from ..core.verify import Verification, compare_product

#: Positioned reads in flight for one ramp or box. A cold pixel of 4 x 250 groups is 2000
#: scattered small reads (SCI and GROUPDQ), which a disk serves many at a time: 123 ms with
#: one reader, 37 ms with 16, 30 ms with 32 (median of 20 cold pixels, tests/benchmarks/bench_gui.py).
READERS = 32
_READ_POOL = ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="lininspect-read")


def read_boxes(
    exposure: Exposure, names: tuple[str, ...], integrations: range, rows: tuple[int, int], columns: tuple[int, int]
) -> list[np.ndarray | None]:
    """``image[integrations, :, rows, columns]`` of each named 4-D image HDU, scaled (None if absent).

    Not through the memory map: there each group costs a page fault that reads ahead
    around it (8 MB on the benchmark machine), so a cold ramp read most of a 4 GB file
    (7.5 s). Positioned reads fetch only the pages needed, all images' reads in flight together.
    """
    (y0, y1), (x0, x1) = rows, columns
    with open(exposure.path, "rb") as stream:
        fd = stream.fileno()
        plans: list[tuple[fitsfile.HduInfo, np.dtype, int] | None] = []
        reads: list[tuple[int, int]] = []  # (offset, bytes)
        for name in names:
            info = fitsfile.find(exposure.hdus, name)
            if info is None or len(info.shape) != 4:
                plans.append(None)
                continue
            _, ngroups, ny, nx = info.shape
            dtype = fitsfile.PositionedReader(fd, info).dtype
            size = (x1 - x0) * dtype.itemsize
            starts = [
                info.data_offset + (((i * ngroups + g) * ny + y) * nx + x0) * dtype.itemsize
                for i in integrations for g in range(ngroups) for y in range(y0, y1)
            ]  # fmt: skip
            plans.append((info, dtype, len(starts) * size))
            reads += [(start, size) for start in starts]
        bounds = np.linspace(0, len(reads), min(READERS, len(reads)) + 1).astype(int)

        def read(first: int, stop: int) -> bytes:
            return b"".join(os.pread(fd, size, start) for start, size in reads[first:stop])

        stored = b"".join(_READ_POOL.map(read, bounds[:-1], bounds[1:]))
    if len(stored) != sum(size for _, size in reads):
        raise LinInspectError(f"{exposure.path}: file ended early")
    boxes: list[np.ndarray | None] = []
    position = 0
    for plan in plans:
        if plan is None:
            boxes.append(None)
            continue
        info, dtype, length = plan
        shape = (len(integrations), info.shape[1], y1 - y0, x1 - x0)
        values = np.frombuffer(stored, dtype=dtype, count=length // dtype.itemsize, offset=position).reshape(shape)
        boxes.append(fitsfile.StoredImage(values, info.header)[...])
        position += length
    return boxes


def _ramp(box: np.ndarray | None, dtype: type, missing: tuple[int, ...] = ()) -> np.ndarray:
    """A one-pixel box as (nints, ngroups) of ``dtype``; zeros of shape ``missing`` when absent."""
    if box is None:
        return np.zeros(missing, dtype=dtype)
    return np.ascontiguousarray(box[:, :, 0, 0], dtype=dtype)


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


class Session:
    """The loaded exposure, reference, optional pipeline product and the in-memory correction."""

    def __init__(self) -> None:
        self.exposure: Exposure | None = None
        self.reference: LinearityReference | None = None
        self.product: Exposure | None = None
        self.result: CorrectionResult | None = None
        self._plan: CorrectionPlan | None = None
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
        self.use_reference(open_reference(path))

    def use_reference(self, reference: LinearityReference) -> None:
        """An opened reference (CRDS's pick); refused as :meth:`open_reference` refuses."""
        if self.exposure is not None:
            check_same_detector(self.exposure, reference)
            plan_correction(self.exposure, reference)
        self.reference, self.result = reference, None
        self._forget_cut()

    def open_product(self, path: Path) -> None:
        """A pipeline ``_linearity`` file, shown on the right; it must match the input's shape.

        A correction of our own is kept beside it, for "product − lininspect" and Verify.
        """
        if self.exposure is None:
            raise LinInspectError("open the input exposure before its corrected product")
        product = open_exposure(path)
        if product.shape != self.exposure.shape:
            raise LinInspectError(
                f"{path}: shape {product.shape} differs from the input's {self.exposure.shape}"
            )
        self.product = product

    def _forget_cut(self) -> None:
        self._plan = None
        self._prepared_pixeldq = None

    @property
    def can_correct(self) -> bool:
        return self.exposure is not None and self.reference is not None

    def coefficients(self) -> tuple[np.ndarray, np.ndarray]:
        """The reference cut to the exposure (raises LinInspectError when it does not fit)."""
        plan = self.plan()
        return plan.coeffs, plan.ref_dq

    def plan(self) -> CorrectionPlan:
        """The reference cut and the pipeline's choice of correction for the loaded files."""
        if self.exposure is None or self.reference is None:
            raise LinInspectError("load an input exposure and a linearity reference first")
        if self._plan is None:
            check_same_detector(self.exposure, self.reference)
            self._plan = plan_correction(self.exposure, self.reference)
        return self._plan

    def correction_job(self) -> Callable[[ProgressCallback | None, CancelToken | None], CorrectionResult]:
        """The correction of what is loaded now, as ``lininspect correct`` computes it.

        The files are captured here, in the GUI thread, so loading another file while the
        job runs in a worker thread cannot change what it corrects. The exposure is streamed
        as ``lininspect correct`` does, not read through the memory map, whose pages would
        stay in this process (5 GB for a 4 GB exposure) beside the result it holds.
        """
        plan = self.plan()
        exposure = self.exposure
        assert exposure is not None

        def job(progress: ProgressCallback | None, cancel: CancelToken | None) -> CorrectionResult:
            with open(exposure.path, "rb") as stream:
                sci, groupdq = exposure.streamed(stream.fileno())
                return correct_arrays(sci, groupdq, exposure.pixeldq, plan.coeffs, plan.ref_dq,  # type: ignore[arg-type]
                                      exposure.zeroframe, inv_coeffs=plan.inv_coeffs, read_pattern=plan.read_pattern,
                                      progress=progress, cancel=cancel)  # fmt: skip

        return job

    # --- what the panels show -------------------------------------------------------------

    @property
    def has_corrected(self) -> bool:
        return self.result is not None or self.product is not None

    @property
    def shows_product(self) -> bool:
        """The right panel shows the pipeline product whenever one is open, even beside our run."""
        return self.product is not None

    def input_plane(self, integration: int, group: int) -> np.ndarray:
        assert self.exposure is not None
        return self.exposure.plane(integration, group)

    def corrected_plane(self, integration: int, group: int) -> np.ndarray | None:
        if self.product is not None:
            return self.product.plane(integration, group)
        if self.result is not None:
            return self.result.data[integration, group]
        return None

    def product_minus_ours(self, integration: int, group: int) -> np.ndarray | None:
        """The pipeline product minus lininspect's correction, once both exist."""
        if self.product is None or self.result is None:
            return None
        return self.product.plane(integration, group) - self.result.data[integration, group]

    def result_pixeldq(self) -> np.ndarray | None:
        """PIXELDQ after correction: of the product, of the run, or as preparing would set it."""
        if self.product is not None:
            return self.product.pixeldq
        if self.result is not None:
            return self.result.pixeldq
        if self.can_correct and self.exposure is not None:
            if self._prepared_pixeldq is None:
                self._prepared_pixeldq = self.plan().prepare(self.exposure.pixeldq, self.exposure.ngroups).pixeldq
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
        everything, here = range(exposure.nints), ((y, y + 1), (x, x + 1))
        raw, groupdq = read_boxes(exposure, ("SCI", "GROUPDQ"), everything, *here)
        corrected = None
        if self.product is not None:
            corrected = _ramp(read_boxes(self.product, ("SCI",), everything, *here)[0], np.float32)
        elif self.result is not None:
            corrected = np.array(self.result.data[:, :, y, x])
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
            raw=_ramp(raw, np.float32),
            corrected=corrected,
            groupdq=_ramp(groupdq, np.uint8, exposure.shape[:2]),
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
        box = (range(integration, integration + 1), (y0, y1), (x0, x1))
        raw, groupdq = read_boxes(exposure, ("SCI", "GROUPDQ"), *box)
        assert raw is not None
        groupdq = None if groupdq is None else groupdq[0]
        raw_mean, count = analysis.region_mean_ramp(raw[0], groupdq)
        if self.product is not None:
            corrected = read_boxes(self.product, ("SCI",), *box)[0][0]  # type: ignore[index]
        elif self.result is not None:
            corrected = self.result.data[integration, :, y0:y1, x0:x1]
        else:
            return raw_mean, None, count
        corrected_mean, _ = analysis.region_mean_ramp(corrected, groupdq)
        return raw_mean, corrected_mean, count

    def residual_job(self, integration: int) -> Callable[[ProgressCallback | None, CancelToken | None], np.ndarray]:
        """RMS of straight-line residuals of the corrected ramps of one integration, for a thread.

        A pipeline product's ramps are read in the thread too: for a 4 GB exposure they are 1 GB.
        """
        exposure, result, product = self.exposure, self.result, self.product
        if exposure is None or (result is None and product is None):
            raise LinInspectError("no corrected data yet: run the correction first")

        def job(progress: ProgressCallback | None, cancel: CancelToken | None) -> np.ndarray:
            if product is not None:
                ramps = np.asarray(product.sci[integration], dtype=np.float32)
            else:
                assert result is not None
                ramps = result.data[integration]
            groupdq = None if exposure.groupdq is None else np.asarray(exposure.groupdq[integration])
            return analysis.residual_rms_map(ramps, groupdq, cancel=cancel, progress=progress)

        return job

    def verify_job(self) -> Callable[[ProgressCallback | None, CancelToken | None], Verification]:
        """The opened product compared with a fresh correction, array by array, for a thread."""
        if self.product is None:
            raise LinInspectError("open a corrected (_linearity) file first")
        plan = self.plan()
        exposure, product = self.exposure, self.product
        assert exposure is not None

        def job(progress: ProgressCallback | None, cancel: CancelToken | None) -> Verification:
            return compare_product(exposure, plan, product, progress=progress, cancel=cancel)

        return job

    def export_job(self, output: Path, *, overwrite: bool) -> Callable[[ProgressCallback | None, CancelToken | None], Path]:
        """Writing the in-memory correction as ``lininspect correct`` would (same bytes), for a thread."""
        exposure, reference, result = self.exposure, self.reference, self.result
        if result is None or exposure is None or reference is None:
            raise LinInspectError("nothing to export: run the correction first (Ctrl+R)")

        def job(progress: ProgressCallback | None, cancel: CancelToken | None) -> Path:
            return export_corrected(exposure, reference, result, output, overwrite=overwrite, progress=progress,
                                    cancel=cancel)  # fmt: skip

        return job

    def saturated_job(self) -> Callable[[ProgressCallback | None, CancelToken | None], int]:
        """Saturated GROUPDQ samples in the whole exposure, for a thread: 1 GB read for a 4 GB exposure."""
        exposure = self.exposure
        if exposure is None:
            raise LinInspectError("no exposure loaded")

        def job(progress: ProgressCallback | None, cancel: CancelToken | None) -> int:
            if exposure.groupdq is None:
                return 0
            count = 0
            for i in range(exposure.nints):
                for g in range(exposure.ngroups):
                    if cancel is not None and cancel.is_set():
                        raise CorrectionCancelled()
                    count += int(np.count_nonzero(exposure.groupdq_plane(i, g) & SATURATED))
            return count

        return job

