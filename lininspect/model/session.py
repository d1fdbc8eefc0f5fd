"""The loaded files without Qt: the exposure, references by label (A, B), a product, and what goes stale.

Images come one plane at a time from the memory-mapped exposure, ramps and boxes by
positioned reads; corrected views come from :mod:`.sources`, computed when shown. A run
of the whole correction (for Verify and export) is the one result kept in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..core.analysis import analysis
from ..core.analysis.comparison import ReferenceComparison, compare_references
from ..core.analysis.comparisonreport import ReportFiles, check_report_files, report_files, write_report
from ..core.kernels.correction import (
    CancelToken,
    CorrectionResult,
    ProgressCallback,
    uncorrected_reason,
)
from ..core.dq import NO_LIN_CORR, SATURATED
from ..core.errors import CorrectionCancelled, LinInspectError
from ..core.fits.exposure import Exposure, open_exposure
from ..core.kernels.pathway import CorrectionPlan, plan_correction
from ..core.references.preparation import Preparation, unrecorded_steps
from ..core.fits.product import correct_file
from ..core.kernels.readlevel import ReadLevelCoefficients
from ..core.references.reference import LinearityReference, check_same_detector, open_reference
from ..core.analysis.verify import Verification, compare_product
from .boxes import read_boxes
from .readlevelpixel import RebuiltReads, classic_ramp, rebuilt_reads
from .readyimages import DisplayChoice, ReadyImage, ReadyImages, ready_image
from .scan import CorrectedArray, scan_correction
from .sources import (
    CorrectionSource,
    GroupDifferenceSource,
    InputSource,
    ProductSource,
    ResultSource,
    Source,
    difference,
    ramp,
    ratio,
    unready_groups,
)

if TYPE_CHECKING:
    from .surveyresults import SurveyResults

#: The reference every single-reference view uses; the second one is compared against it.
A, B = "A", "B"
#: Views besides the panel choices: what "corrected" means now, and the product against our run.
CORRECTED, PRODUCT_MINUS_OURS = "corrected", "product − lininspect"

#: The group-difference views (g minus g−1) and the view each is the difference of.
STEPS_OF = {"g−(g−1)": "input", "A g−(g−1)": "corrected A"}

#: Pixels whose facts are kept: the inspector asks again for the clicked pixel and every pin on each refresh.
FACTS_KEPT = 32


@dataclass(frozen=True)
class NoLinCorrPixels:
    """The pixels a PIXELDQ leaves uncorrected (NO_LIN_CORR), as a mask and as (x, y) row by row: kept for
    that PIXELDQ, as the panels, the inspector and the status bar each ask (5-15 ms a time on a full frame)."""

    pixeldq: np.ndarray
    mask: np.ndarray
    pixels: np.ndarray


def no_lin_corr_pixels(pixeldq: np.ndarray) -> NoLinCorrPixels:
    """Where ``pixeldq`` has NO_LIN_CORR."""
    mask = (pixeldq & np.uint32(NO_LIN_CORR)) != 0
    return NoLinCorrPixels(pixeldq, mask, analysis.flagged_pixels(mask))


@dataclass(frozen=True)
class ReadiedCorrection:
    """A reference's correction of one exposure with the work of its first drawing done (see :func:`readied_corrections`)."""

    exposure: Exposure
    reference: LinearityReference
    source: CorrectionSource
    no_lin_corr: NoLinCorrPixels
    #: The corrected plane made ready to draw (classic path, when a display choice was given).
    image: ReadyImage | None


def readied_corrections(
    exposure: Exposure, references: Mapping[str, LinearityReference], frame: tuple[int, int],
    choice: DisplayChoice | None = None,
) -> dict[str, ReadiedCorrection]:  # fmt: skip
    """Each reference's correction of ``exposure`` with its coefficients prepared and, on the classic path, the plane at
    ``frame`` (integration, group) corrected (and made ready to draw as ``choice`` says, if given): for the job that
    reads a file, so that the GUI thread only draws what it shows (there, preparing 5 x 1024 x 1032 coefficients
    took 15-30 ms, the plane 10 ms and the NO_LIN_CORR pixels 5-15 ms more).

    A reference that cannot correct the exposure is left out: the session refuses it as before, with its reason.
    """
    readied = {}
    for label, reference in references.items():
        try:
            source = _correction_source(exposure, reference, label)
        except LinInspectError:
            continue
        pixeldq = source.pixeldq()  # prepares the coefficients, here in the job
        assert pixeldq is not None  # preparing always gives one
        image = None
        if not source.plan.read_level:  # a read-level plane needs its whole integration: a job of its own
            corrected = source.plane(*frame)
            image = None if choice is None else ready_image(corrected, choice)
        readied[label] = ReadiedCorrection(exposure, reference, source, no_lin_corr_pixels(pixeldq), image)
    return readied


def _correction_source(exposure: Exposure, reference: LinearityReference, label: str) -> CorrectionSource:
    """The exposure corrected on demand with ``reference`` (raises LinInspectError when it cannot be)."""
    check_same_detector(exposure, reference)
    return CorrectionSource(exposure, plan_correction(exposure, reference), f"corrected with {label}")


def _ramp(box: np.ndarray | None, dtype: type, missing: tuple[int, ...] = ()) -> np.ndarray:
    """A one-pixel box as (nints, ngroups) of ``dtype``; zeros of shape ``missing`` when absent."""
    if box is None:
        return np.zeros(missing, dtype=dtype)
    return np.ascontiguousarray(box[:, :, 0, 0], dtype=dtype)


@dataclass(frozen=True)
class PendingIntegration:
    """An integration a view needs that reference ``label``'s read-level correction has not computed yet."""

    label: str
    integration: int
    source: CorrectionSource
    #: The groups on the screen, corrected first (a tenth of the work on ten groups); None: the whole integration.
    groups: range | None = None

    def job(self) -> Callable[[ProgressCallback | None, CancelToken | None], int]:
        """Its correction for a worker thread: kept in the source's cache when done; returns the integration."""

        def job(progress: ProgressCallback | None, cancel: CancelToken | None) -> int:
            if self.groups is None:
                self.source.correct_integration(self.integration, progress=progress, cancel=cancel)
            else:
                self.source.correct_groups(self.integration, self.groups, progress=progress, cancel=cancel)
            return self.integration

        return job


@dataclass(frozen=True)
class ReferenceFacts:
    """One reference's view of one pixel: its coefficients, correction and why it is left alone."""

    label: str
    origin: str  # the reference file's name
    corrected: np.ndarray | None  # (nints, ngroups) float32
    coeffs: np.ndarray | None  # raw reference coefficients of this pixel
    prepared: np.ndarray | None  # the ones actually applied (identity when left alone)
    reason: str | None  # why the pixel is left uncorrected, None when corrected
    path: str  # which correction the pipeline runs, and why
    classic: np.ndarray | None = None  # read-level path only: the classic correction, for comparison
    reads: tuple[RebuiltReads | None, ...] = ()  # read-level path only: each group's rebuilt reads (one integration)


@dataclass(frozen=True)
class PixelFacts:
    """Everything the pixel inspector plots and prints for one pixel.

    ``corrected``, ``coeffs``, ``prepared`` and ``reason`` are the shown correction's
    (the product's, else reference A's); ``references`` has one entry per loaded reference.
    """

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
    references: tuple[ReferenceFacts, ...] = ()


class _RowBlocks:
    """One integration's (ngroups, ny, nx) data read as ``[:, r0:r1]`` blocks, for row-by-row passes."""

    def __init__(self, shape: tuple[int, int, int], read: Callable[[int, int], np.ndarray | None]) -> None:
        self.shape, self._read = shape, read

    def __getitem__(self, key: tuple[slice, slice]) -> np.ndarray:
        rows = key[1]
        block = self._read(rows.start, rows.stop)
        assert block is not None
        return block[0]


class Session:
    """The loaded exposure, references by label, optional pipeline product and the last full run.

    Invalidation: a new exposure drops the product, the run and every plan (and a
    reference that cannot serve it); a new reference A drops the run and its own plan.
    """

    def __init__(self) -> None:
        self.exposure: Exposure | None = None
        #: The user's file the exposure stands for: itself, or the ``_uncal`` it was prepared from.
        self.input_path: Path | None = None
        #: What happened before linearity: steps the pipeline ran, or those with no record left unrun.
        self.preparation: Preparation | None = None
        self.references: dict[str, LinearityReference] = {}
        self.product: Exposure | None = None
        self.result: CorrectionResult | None = None
        self._sources: dict[str, CorrectionSource] = {}
        #: The NO_LIN_CORR pixels of the PIXELDQ asked for last (see :meth:`no_lin_corr_mask`).
        self._no_lin_corr: NoLinCorrPixels | None = None
        #: Planes the jobs that read files made ready to draw, for the panels.
        self.ready_images = ReadyImages()
        #: Facts by (x, y, integration), valid while the files and run in ``_facts_of`` stay the same objects.
        self._facts: dict[tuple[int, int, int], PixelFacts] = {}
        self._facts_of: tuple[object, ...] = ()
        #: The survey opened last (File ▸ Open survey…): its maps of the exposure's detector are HDU planes.
        self.survey: SurveyResults | None = None

    @property
    def reference(self) -> LinearityReference | None:
        """Reference A, the one corrected views, runs, Verify and export use."""
        return self.references.get(A)

    def open_input(self, path: Path, *, prepared_from: Path | None = None) -> str | None:
        """Load a ramp; a loaded reference that cannot serve it is dropped, and the reason returned.

        ``prepared_from``: the user's file whose pipeline steps made this ramp. When it is the one
        loaded, this is the same exposure, so a product opened for it stays.
        """
        return self.adopt_input(Path(path), open_exposure(path), prepared_from=prepared_from)

    def adopt_input(
        self, path: Path, exposure: Exposure, *, prepared_from: Path | None = None,
        readied: Mapping[str, ReadiedCorrection] | None = None,
    ) -> str | None:  # fmt: skip
        """As :meth:`open_input`, with the ramp at ``path`` already read (in a job, off the GUI thread), and
        the loaded references' corrections of it ``readied`` there too (those for other files are not used)."""
        same = prepared_from is not None and Path(prepared_from) == self.input_path
        product = self.product if same and self.product is not None and self.product.shape == exposure.shape else None
        self.exposure, self.product, self.result = exposure, product, None
        self.input_path = Path(prepared_from) if prepared_from is not None else Path(path)
        self.preparation = Preparation(self.input_path, Path(path), (), from_cache=False,
                                       unrecorded=_unrecorded(Path(path), exposure))  # fmt: skip
        self._sources.clear()
        self._use_readied(readied)
        notes = []
        for label in list(self.references):
            try:
                self.plan(label)
            except LinInspectError as error:
                del self.references[label]
                self._sources.pop(label, None)
                notes.append(f"reference {'' if label == A else label + ' '}dropped: {error}")
        return "; ".join(notes) or None

    def open_reference(self, path: Path, label: str = A) -> None:
        """Load a reference; refused (the old one kept) when it cannot correct the loaded input."""
        self.use_reference(open_reference(path), label)

    def use_reference(
        self, reference: LinearityReference, label: str = A, *, readied: ReadiedCorrection | None = None
    ) -> None:
        """An opened reference (CRDS's pick); refused as :meth:`open_reference` refuses.

        Reference B must also be for the same detector as reference A. ``readied``: its correction
        of the exposure, prepared in the job that read it (unused if that was another exposure).
        """
        plan = None
        if self.exposure is not None:
            check_same_detector(self.exposure, reference)
            plan = plan_correction(self.exposure, reference)
        if label != A and self.reference is not None:
            check_same_detector(self.reference, reference)
        self.references[label] = reference
        self._sources.pop(label, None)
        if plan is not None and self.exposure is not None:
            self._sources[label] = CorrectionSource(self.exposure, plan, f"corrected with {label}")
            self._use_readied({} if readied is None else {label: readied})
        if label == A:
            self.result = None

    def _use_readied(self, readied: Mapping[str, ReadiedCorrection] | None) -> None:
        """Take the corrections readied in a job that are of the loaded exposure by the loaded references."""
        for label, ready in (readied or {}).items():
            if ready.exposure is self.exposure and self.references.get(label) is ready.reference:
                self._sources[label] = ready.source
                if label == A:  # the one whose NO_LIN_CORR pixels the panels, the inspector and the status bar show
                    self._no_lin_corr = ready.no_lin_corr

    def drop_reference(self, label: str) -> None:
        self.references.pop(label, None)
        self._sources.pop(label, None)

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

    @property
    def can_correct(self) -> bool:
        return self.exposure is not None and self.reference is not None

    @property
    def can_compare(self) -> bool:
        return self.can_correct and B in self.references

    def coefficients(self) -> tuple[np.ndarray, np.ndarray]:
        """The reference cut to the exposure (raises LinInspectError when it does not fit)."""
        plan = self.plan()
        return plan.coeffs, plan.ref_dq

    def plan(self, label: str = A) -> CorrectionPlan:
        """The reference cut and the pipeline's choice of correction for the loaded files."""
        return self.correction(label).plan

    def correction(self, label: str = A) -> CorrectionSource:
        """The exposure corrected on demand with reference ``label``."""
        if self.exposure is None or label not in self.references:
            what = "a linearity reference" if label == A else f"reference {label}"
            raise LinInspectError(f"load an input exposure and {what} first")
        if label not in self._sources:
            self._sources[label] = _correction_source(self.exposure, self.references[label], label)
        return self._sources[label]

    def correction_job(self) -> Callable[[ProgressCallback | None, CancelToken | None], CorrectionResult]:
        """The correction of what is loaded now, as ``lininspect correct`` computes it.

        The files are captured here, in the GUI thread, so loading another file while the
        job runs in a worker thread cannot change what it corrects. The exposure is streamed
        as ``lininspect correct`` does and nothing of its size is kept (:mod:`.scan`).
        """
        source = self.correction()
        source.exposure.check_unchanged()

        def job(progress: ProgressCallback | None, cancel: CancelToken | None) -> CorrectionResult:
            return scan_correction(source, progress=progress, cancel=cancel)

        return job

    # --- what the panels show -------------------------------------------------------------

    @property
    def shows_product(self) -> bool:
        """The right panel shows the pipeline product whenever one is open, even beside our run."""
        return self.product is not None

    def input_source(self) -> Source:
        assert self.exposure is not None
        return InputSource(self.exposure)

    def corrected_source(self) -> Source | None:
        """What "corrected" means now: the product if open, else the run, else reference A on demand."""
        if self.product is not None:
            return ProductSource(self.product)
        if self.result is not None:
            return self._run_source(self.result)
        if self.can_correct:
            try:
                return self.correction()
            except LinInspectError:
                return None
        return None

    @staticmethod
    def _run_source(result: CorrectionResult) -> Source:
        """A run's samples: reference A's on-demand correction, asked directly, or the arrays held."""
        return result.data.source if isinstance(result.data, CorrectedArray) else ResultSource(result)

    def source(self, view: str) -> Source | None:
        """The data of one panel choice (:class:`~lininspect.model.viewstate.PanelSource` values)."""
        if self.exposure is None:
            return None
        if view == "input":
            return self.input_source()
        if view in STEPS_OF:
            steps_of = self.source(STEPS_OF[view])
            return None if steps_of is None else GroupDifferenceSource(steps_of)
        labels = {"corrected A": (A,), "corrected B": (B,), "A − B": (A, B), "A / B": (A, B)}[view]
        if any(label not in self.references for label in labels):
            return None
        sources = [self.correction(label) for label in labels]
        if len(sources) == 1:
            return sources[0]
        return difference(*sources) if view == "A − B" else ratio(*sources)

    def input_plane(self, integration: int, group: int) -> np.ndarray:
        return self.input_source().plane(integration, group)

    def corrected_plane(self, integration: int, group: int) -> np.ndarray | None:
        source = self.corrected_source()
        return None if source is None else source.plane(integration, group)

    def product_minus_ours(self, integration: int, group: int) -> np.ndarray | None:
        """The pipeline product minus lininspect's correction, once both exist."""
        source = self._product_minus_ours_source()
        return None if source is None else source.plane(integration, group)

    def _product_minus_ours_source(self) -> Source | None:
        if self.product is None or self.result is None:
            return None
        return difference(ProductSource(self.product), self._run_source(self.result))

    def unready(self, integration: int, view: str, group: int | None = None) -> list[PendingIntegration]:
        """What ``view`` (a panel choice, CORRECTED or PRODUCT_MINUS_OURS) still needs corrected to show ``integration``.

        Only the read-level path ever needs anything (a whole integration, seconds on a large
        exposure): the app shows a placeholder and runs :meth:`PendingIntegration.job` in a
        worker instead of asking for the plane, so its GUI thread never waits. With ``group``,
        a correction that lacks that group's plane is asked for it first (``groups``); once
        it has it, for the rest (``groups`` None), which the view need not wait for.
        """
        if view == CORRECTED:
            source = self.corrected_source()
        elif view == PRODUCT_MINUS_OURS:
            source = self._product_minus_ours_source()
        else:
            source = self.source(view)
        labels = {id(correction): label for label, correction in self._sources.items()}  # a run is A's
        pending = []
        for correction, groups in unready_groups(source, integration, 0 if group is None else group):
            first = None if group is None or correction.has_groups(integration, groups) else groups
            pending.append(PendingIntegration(labels.get(id(correction), A), integration, correction, first))
        return pending

    def correct_integration_now(self, integration: int) -> None:
        """Every loaded reference's correction of ``integration``, in this thread (snapshots, scripts)."""
        for correction in list(self._sources.values()):
            if not correction.ready(integration):
                correction.correct_integration(integration)

    def result_pixeldq(self) -> np.ndarray | None:
        """PIXELDQ after correction: of the product, of the run, or as preparing would set it."""
        source = self.corrected_source()
        if source is not None:
            return source.pixeldq()
        if self.can_correct:
            return self.correction().pixeldq()
        return None

    def no_lin_corr_mask(self) -> np.ndarray | None:
        """Where :meth:`result_pixeldq` has NO_LIN_CORR (the caller's to read, not to change)."""
        found = self._no_lin_corr_of_result()
        return None if found is None else found.mask

    def no_lin_corr_pixels(self) -> np.ndarray:
        """(x, y) of every NO_LIN_CORR pixel of :meth:`result_pixeldq`, row by row; none without it."""
        found = self._no_lin_corr_of_result()
        return np.zeros((0, 2), int) if found is None else found.pixels

    def _no_lin_corr_of_result(self) -> NoLinCorrPixels | None:
        pixeldq = self.result_pixeldq()
        if pixeldq is None:
            return None
        if self._no_lin_corr is None or self._no_lin_corr.pixeldq is not pixeldq:
            self._no_lin_corr = no_lin_corr_pixels(pixeldq)
        return self._no_lin_corr

    def contains(self, x: int, y: int) -> bool:
        return self.exposure is not None and 0 <= y < self.exposure.shape[2] and 0 <= x < self.exposure.shape[3]

    def pixel(self, x: int, y: int, integration: int = 0) -> PixelFacts:
        """Facts for one pixel: reads only that pixel's ramp from the file, corrects only it.

        Kept while nothing they come from changes: a click refreshes the pins too, and
        reading each pin's ramp again cost a cold click 18 ms a pin.
        """
        if self.exposure is None or not self.contains(x, y):
            raise LinInspectError(f"pixel ({x}, {y}) is outside the exposure")
        loaded = self._loaded()
        if len(loaded) != len(self._facts_of) or any(now is not then for now, then in zip(loaded, self._facts_of)):
            self._facts, self._facts_of = {}, loaded
        key = (x, y, integration)
        if key not in self._facts:
            if len(self._facts) == FACTS_KEPT:
                del self._facts[next(iter(self._facts))]  # the oldest
            self._facts[key] = self._pixel(x, y, integration)
        return self._facts[key]

    def _loaded(self) -> tuple[object, ...]:
        """What pixel facts come from, compared by identity: the exposure, product, run and references."""
        return (self.exposure, self.product, self.result, *(item for pair in sorted(self.references.items()) for item in pair))

    def _pixel(self, x: int, y: int, integration: int) -> PixelFacts:
        exposure = self.exposure
        assert exposure is not None
        try:
            sx, sy = exposure.substrt()
        except LinInspectError:
            sx, sy = 1, 1
        everything, here = range(exposure.nints), ((y, y + 1), (x, x + 1))
        raw, groupdq = read_boxes(exposure, ("SCI", "GROUPDQ"), everything, *here)
        ramps: dict[int, np.ndarray] = {}  # each source's ramp once, corrected from the samples just read

        def corrected_ramp(source: Source) -> np.ndarray:
            if id(source) not in ramps:
                if isinstance(source, CorrectionSource):
                    ramps[id(source)] = source.correct_box(raw, groupdq, *here)[:, :, 0, 0]  # type: ignore[arg-type]
                else:
                    ramps[id(source)] = ramp(source, exposure.nints, x, y)
            return ramps[id(source)]

        shown = self.corrected_source()
        corrected = None if shown is None else corrected_ramp(shown)
        result_dq = self.result_pixeldq()
        assert raw is not None
        facts_of = partial(self._reference_facts, x=x, y=y, corrected_ramp=corrected_ramp, raw=raw[:, :, 0, 0],
                           groupdq=_ramp(groupdq, np.uint8, exposure.shape[:2]), integration=integration)  # fmt: skip
        references = tuple(facts_of(label) for label in sorted(self.references))
        first = references[0] if references and references[0].label == A else None
        return PixelFacts(
            x=x,
            y=y,
            detector=(x + sx, y + sy),
            raw=_ramp(raw, np.float32),
            corrected=corrected,
            groupdq=_ramp(groupdq, np.uint8, exposure.shape[:2]),
            pixeldq=int(exposure.pixeldq[y, x]),
            result_pixeldq=None if result_dq is None else int(result_dq[y, x]),
            coeffs=None if first is None else first.coeffs,
            prepared=None if first is None else first.prepared,
            reason=None if first is None else first.reason,
            references=references,
        )

    def _reference_facts(
        self, label: str, *, x: int, y: int, corrected_ramp: Callable[[Source], np.ndarray], raw: np.ndarray,
        groupdq: np.ndarray, integration: int,
    ) -> ReferenceFacts:
        """One reference's coefficients, correction and verdict for one pixel (blank when it cannot serve)."""
        reference = self.references[label]
        exposure = self.exposure
        assert exposure is not None
        try:
            source = self.correction(label)
        except LinInspectError as error:
            return ReferenceFacts(label, reference.path.name, None, None, None, str(error), "")
        plan = source.plan
        coeffs = plan.coeffs[:, y, x].copy()
        prepared = source.prepared.coeffs[:, y, x].copy()
        reason = uncorrected_reason(coeffs, int(plan.ref_dq[y, x]))
        corrected = corrected_ramp(source)
        classic, reads = None, ()
        if isinstance(source.prepared, ReadLevelCoefficients):
            pixeldq = int(exposure.pixeldq[y, x])
            classic = classic_ramp(plan, pixeldq, x, y, raw, groupdq)
            i = min(integration, exposure.nints - 1)
            reads = tuple(rebuilt_reads(source.prepared, x, y, raw[i], groupdq[i], g) for g in range(exposure.ngroups))
        return ReferenceFacts(label, reference.path.name, corrected, coeffs, prepared, reason, plan.reason, classic, reads)

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
        source = self.corrected_source()
        if source is None:
            return raw_mean, None, count
        corrected_mean, _ = analysis.region_mean_ramp(source.box(*box)[0], groupdq)
        return raw_mean, corrected_mean, count

    def residual_job(self, integration: int) -> Callable[[ProgressCallback | None, CancelToken | None], np.ndarray]:
        """RMS of straight-line residuals of the corrected ramps of one integration, for a thread.

        The ramps are read (and corrected) a block of rows at a time in the thread, so the
        pass holds a few tens of MB however large the exposure.
        """
        exposure, source = self.exposure, self.corrected_source()
        if exposure is None or source is None:
            raise LinInspectError("no corrected data yet: run the correction first")
        _, ngroups, ny, nx = exposure.shape

        def rows_of(read: Callable[[range, tuple[int, int], tuple[int, int]], np.ndarray | None]) -> _RowBlocks:
            return _RowBlocks((ngroups, ny, nx), lambda r0, r1: read(range(integration, integration + 1), (r0, r1), (0, nx)))

        def groupdq_box(integrations: range, rows: tuple[int, int], columns: tuple[int, int]) -> np.ndarray | None:
            return read_boxes(exposure, ("GROUPDQ",), integrations, rows, columns)[0]

        def job(progress: ProgressCallback | None, cancel: CancelToken | None) -> np.ndarray:
            groupdq = None if exposure.groupdq is None else rows_of(groupdq_box)
            return analysis.residual_rms_map(rows_of(source.box), groupdq, cancel=cancel, progress=progress)  # type: ignore[arg-type]

        return job

    def comparison_job(self) -> Callable[[ProgressCallback | None, CancelToken | None], ReferenceComparison]:
        """References A and B compared over the whole detector (core.comparison), for a thread."""
        if not self.can_compare:
            raise LinInspectError("load an exposure, reference A and a reference B to compare with")
        exposure, first, second, source = self.exposure, self.references[A], self.references[B], self.input_path
        assert exposure is not None

        def job(progress: ProgressCallback | None, cancel: CancelToken | None) -> ReferenceComparison:
            return compare_references(exposure, first, second, progress=progress, cancel=cancel, source=source)

        return job

    def comparison_report_job(
        self, comparison: ReferenceComparison, directory: Path, *, overwrite: bool,
        draw_picture: Callable[[ReferenceComparison, Path], None],
    ) -> Callable[[ProgressCallback | None, CancelToken | None], ReportFiles]:
        """The files ``lininspect compare-references`` writes, for a thread; refusals (an input or an
        existing file in the way) are raised here, at once."""
        if self.exposure is None:
            raise LinInspectError("no exposure loaded")
        source = self.input_path or self.exposure.path  # the user's file names the report, as on the command line
        files = report_files(directory, source)
        check_report_files(files, [self.exposure.path, source, *(r.path for r in self.references.values())],
                           overwrite=overwrite)  # fmt: skip

        def job(progress: ProgressCallback | None, cancel: CancelToken | None) -> ReportFiles:
            write_report(comparison, files, overwrite=overwrite, draw_picture=draw_picture, progress=progress, cancel=cancel)
            return files

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
        """The run written as ``lininspect correct`` writes it, streamed by the same code (same bytes), for a thread."""
        exposure, reference, result = self.exposure, self.reference, self.result
        if result is None or exposure is None or reference is None:
            raise LinInspectError("nothing to export: run the correction first (Ctrl+R)")
        exposure.check_unchanged()

        history = self.preparation.history() if self.preparation is not None else []

        def job(progress: ProgressCallback | None, cancel: CancelToken | None) -> Path:
            return correct_file(exposure, reference, output, overwrite=overwrite, progress=progress,
                                cancel=cancel, history=history).output  # fmt: skip

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


def _unrecorded(path: Path, exposure: Exposure) -> tuple[str, ...]:
    """The earlier steps the opened ramp has no record of; none named when its keywords cannot say
    (the preparation, if asked for, refuses such a file in its own words)."""
    try:
        return unrecorded_steps(path, exposure.header)
    except LinInspectError:
        return ()
