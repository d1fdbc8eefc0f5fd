"""The window's background jobs: correction run, CRDS lookup, Verify, export, residual maps, the A/B comparison
and its report, read-level integrations (``integrationjobs``) and the next group read ahead (``readahead``).

One handle per kind of job, with the status bar's progress and Cancel. Results go back as
signals (the window redraws, the dialogs report), so the jobs know nothing of the widgets
that show them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PyQt6.QtCore import QObject, pyqtSignal

from ..core.analysis.comparison import ReferenceComparison
from ..core.analysis.comparisonreport import ReportFiles
from ..core.kernels.correction import CorrectionResult
from ..core.references.crdsref import GIVE_REFERENCE_B, crds_linearity_reference
from ..core.errors import LinInspectError
from ..core.fits.exposure import Exposure, open_exposure
from ..core.references.reference import LinearityReference, open_reference
from ..core.analysis.verify import Verification
from ..model.session import A, ReadiedCorrection, Session, readied_corrections
from ..model.readyimages import DisplayChoice, ReadyImage, ready_image
from ..model.viewstate import Limits, PanelSource, RightView, Stretch, ViewState
from .comparisonpicture import write_comparison_picture
from .crdslookup import ReferenceLookup, in_app_words
from .dialogs import verification_summary
from .integrationjobs import IntegrationJobs
from .readahead import ReadAhead
from .statusarea import StatusArea
from .worker import JOB_WARNINGS, Job, JobFunction, Result, cancel_job, running, start_job

#: An exposure read in a job, with the loaded references' corrections of it readied there too (by label), and
#: its plane shown first made ready to draw.
Opened = tuple[Exposure, dict[str, ReadiedCorrection], list[ReadyImage]]
#: A reference read in a job, with its correction of the exposure shown readied there too (None without one).
ReadReference = tuple[LinearityReference, ReadiedCorrection | None]


class Jobs(QObject):
    """Starts, cancels and reports the jobs that work on the session off the GUI thread."""

    resultChanged = pyqtSignal()  # a run started, ended or was undone: everything shown is stale
    imagesStale = pyqtSignal()  # a residual map, Verify's map or a preparation step changed a panel
    resolved = pyqtSignal(object)  # the lookup's ResolvedInput
    verified = pyqtSignal(object, str)  # Verification and its report
    compared = pyqtSignal(object)  # ReferenceComparison
    againstPicked = pyqtSignal(object)  # LinearityReference: B as a second CRDS context picks it
    failed = pyqtSignal(str)

    def __init__(self, session: Session, view: ViewState, status: StatusArea, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session, self.view, self.status = session, view, status
        self.correction: Job[CorrectionResult] | None = None
        self.verifying: Job[Verification] | None = None
        self.exporting: Job[Path] | None = None
        self.residual: Job[tuple[int, np.ndarray]] | None = None
        self.comparing: Job[ReferenceComparison] | None = None
        self.reporting: Job[ReportFiles] | None = None
        self.picking: Job[LinearityReference] | None = None
        #: Figures and movies (File ▸ Export figure…, Export movie…), each saying what it wrote.
        self.figure: Job[str] | None = None
        self.movie: Job[str] | None = None
        #: The exposure being read for the window (File ▸ Open, a drop, a recent file, a session, a survey row).
        self.opening: Job[Opened] | None = None
        #: The reference being read for the window (File ▸ Choose reference, a drop, a recent file).
        self.reading_reference: Job[ReadReference] | None = None
        self.integrations = IntegrationJobs(session, status, self._bar_taken, self._hide_progress, self)
        self.read_ahead = ReadAhead(session, view, self._display_choice, self)
        self.integrations.corrected.connect(self.imagesStale)
        self.integrations.failed.connect(self.failed)
        #: The finished result shown before a run started: a cancelled or failed run brings it back.
        self._before_run: CorrectionResult | None = None
        #: The last Verify of the opened product (its "Verify differences" map).
        self.verification: Verification | None = None
        #: Residual maps of the shown result, per integration, and the one being computed.
        self.residuals: dict[int, np.ndarray] = {}
        self._residual_pending: int | None = None
        #: While the pipeline's steps prepare the loaded raw ramp: which step, for the left panel's title.
        self.preparing: str | None = None
        #: A question put to the user that the lookup waits for ("" when none).
        self.question = ""
        self.lookup = ReferenceLookup(self)
        self.lookup.stepped.connect(lambda what: status.message(what + "..."))
        self.lookup.stepped.connect(lambda _: self.imagesStale.emit())  # the right panel says what it waits for
        self.lookup.preparing.connect(self._on_preparing)
        self.lookup.resolved.connect(self._on_lookup_resolved)
        self.lookup.failed.connect(self._on_lookup_failed)
        # A bound method, so the connection to the process-wide announcer ends with these jobs' window.
        JOB_WARNINGS.warned.connect(self._on_warning)

    def _on_warning(self, text: str) -> None:
        """A Python warning raised in a job: the status bar says it, the terminal never does."""
        self.status.message(text, 15000)

    @property
    def correcting(self) -> bool:
        return running(self.correction)

    @property
    def verifying_now(self) -> bool:
        return running(self.verifying)

    def handles(self) -> list[Job | None]:  # type: ignore[type-arg]
        """Every job this controller may have running, for stopping and for waiting on at close: those that
        show their progress, and the residual maps' and the integrations' (which show it their own way)."""
        return [*self._progress_jobs(), self.residual, self.read_ahead.job, *self.integrations.handles()]

    def _progress_jobs(self) -> tuple[Job | None, ...]:  # type: ignore[type-arg]
        """The jobs besides the integrations' that show their progress in the status bar."""
        return (self.correction, self.verifying, self.exporting, self.comparing, self.reporting, self.picking, self.figure,
                self.movie, self.opening, self.reading_reference)

    def _bar_taken(self) -> bool:
        return any(running(job) for job in self._progress_jobs())

    def stop(self) -> None:
        """A new file: what runs on the old ones is cancelled and its results never shown (files being
        opened are new ones: they carry on)."""
        for job in self.handles():
            if job is not self.opening and job is not self.reading_reference:
                cancel_job(job)
        self.integrations.cancel()
        self._before_run = None
        self.verification = None  # it compared the files loaded until now
        self._hide_progress()

    def forget_result(self) -> None:
        """Residual maps belong to one result: drop them, and stop one being computed."""
        cancel_job(self.residual)
        self.residuals.clear()
        self._residual_pending = None

    # --- opening an exposure -----------------------------------------------------------

    def open_in_background(self, path: Path, on_read: Callable[[Exposure, dict[str, ReadiedCorrection]], None]) -> Job[Opened]:
        """Read the exposure at ``path`` in a job (its header scan and its last group's plane, which the window
        shows first, and the loaded references' corrections of it, readied), then ``on_read`` on this thread.
        An opening still running is cancelled: the newest wins; Esc cancels too, and what was shown before stays."""
        references = dict(self.session.references)
        left, right = self._display_choice("left"), self._display_choice("right")

        def read(progress: object, cancel: object) -> Opened:
            exposure = open_exposure(path)
            shown = (0, exposure.ngroups - 1)
            plane = exposure.plane(*shown)  # read here and kept, not read again by the GUI thread's first paint
            images = [] if left is None else [ready_image(plane, left)]
            readied = readied_corrections(exposure, references, shown, right)
            return exposure, readied, images

        def opened(read: Opened) -> None:
            exposure, readied, images = read
            self._hide_progress()
            self.status.message(f"opened {path.name}", 5000)  # a note on the exposure may follow, and say more
            self.session.ready_images.keep(images + [ready.image for ready in readied.values() if ready.image is not None])
            on_read(exposure, readied)

        self.opening = self._start_with_bar(read, opened, f"opening {path.name}", replacing=self.opening)
        self.status.message(f"opening {path.name}...")
        return self.opening

    def read_reference_in_background(
        self, path: Path, on_read: Callable[[LinearityReference, ReadiedCorrection | None], None]
    ) -> Job[ReadReference]:
        """Read the reference at ``path`` in a job, with its correction of the exposure shown readied (as A; for
        the frame shown now), then ``on_read`` on this thread; the newest reading wins."""
        exposure, shown, right = self.session.exposure, (self.view.integration, self.view.group), self._display_choice("right")

        def read(progress: object, cancel: object) -> ReadReference:
            reference = open_reference(path)
            readied = {} if exposure is None else readied_corrections(exposure, {A: reference}, shown, right)
            return reference, readied.get(A)

        def opened(read: ReadReference) -> None:
            reference, readied = read
            self._hide_progress()
            self.status.message(f"read reference {path.name}", 5000)  # a note on the reference may follow
            if readied is not None and readied.image is not None:
                self.session.ready_images.keep([readied.image])
            on_read(reference, readied)

        self.reading_reference = self._start_with_bar(read, opened, f"reading {path.name}", replacing=self.reading_reference)
        self.status.message(f"reading reference {path.name}...")
        return self.reading_reference

    def _display_choice(self, panel: str) -> DisplayChoice | None:
        """How ``panel`` will draw the plane a job reads: its input (left) or corrected (right) plane with limits
        computed from the plane itself; None when it draws something else or takes typed or the left's limits."""
        view, display = self.view, self.view.display(panel)
        if panel == "left":
            drawn = view.left_hdu is None and view.left is PanelSource.INPUT
        else:
            drawn = view.right_hdu is None and view.right is RightView.CORRECTED and "scale" not in view.linked
        if not drawn or display.limits is Limits.USER:
            return None
        # Histogram equalisation is drawn through the colour map, on the linear image.
        return DisplayChoice(display.limits.value, "linear" if display.stretch is Stretch.HISTEQ else display.stretch.value)

    # --- the correction run -------------------------------------------------------------

    def run_correction(self) -> Job[CorrectionResult]:
        """Start correcting in a background job (cancelling a run in progress); return its handle."""
        job = self.session.correction_job()
        if not running(self.correction):
            self._before_run = self.session.result
        cancel_job(self.correction)
        self.session.result = None
        self.forget_result()
        self.correction = self._start_with_bar(job, self._on_corrected, "correcting %p%", on_failure=self._on_correction_failed)
        self.status.message("correcting...")
        self.resultChanged.emit()
        return self.correction

    def run_correction_now(self) -> None:
        """Correct in this thread; for snapshots and scripts that have no event loop to wait on."""
        self.stop()
        self.session.result = self.session.correction_job()(None, None)
        self.forget_result()
        self.resultChanged.emit()

    def _on_corrected(self, result: CorrectionResult) -> None:
        self.session.result, self._before_run = result, None
        self.forget_result()
        self._hide_progress()
        mask = self.session.no_lin_corr_mask()
        self.status.message(f"corrected: {0 if mask is None else int(mask.sum())} pixels NO_LIN_CORR", 8000)
        self.resultChanged.emit()

    def _on_correction_failed(self, message: str) -> None:
        self._hide_progress()
        self._restore_before_run()
        self.failed.emit(message)

    def _restore_before_run(self) -> None:
        self.session.result, self._before_run = self._before_run, None
        self.resultChanged.emit()

    def cancel_run(self) -> None:
        """Esc or Cancel: stop the correction, Verify, export, report, lookup or the shown integration's; what was
        shown before stays."""
        if running(self.correction):
            cancel_job(self.correction)
            self._restore_before_run()
            self.status.message("correction cancelled", 5000)
        for job, what in ((self.verifying, "verify"), (self.exporting, "export"), (self.comparing, "comparison"),
                          (self.reporting, "report"), (self.picking, "reference B lookup"),
                          (self.figure, "figure"), (self.movie, "movie"), (self.opening, "opening"),
                          (self.reading_reference, "reading the reference")):  # fmt: skip
            if running(job):
                cancel_job(job)
                self.status.message(f"{what} cancelled", 5000)
        if self.lookup.running:
            self.lookup.cancel()
            self._end_lookup("reference lookup cancelled")
        if self.integrations.running:
            integration = self.view.integration
            self.integrations.cancel(declined=integration)
            self.status.message(f"correction of integration {integration} cancelled", 5000)
            self.imagesStale.emit()
        self._hide_progress()

    # --- CRDS lookup and the pipeline's earlier steps -----------------------------------

    def resolve_in_background(
        self, path: Path, *, reference: Path | LinearityReference | None = None, as_is: bool = False
    ) -> None:
        """CRDS's reference (unless given) and the pipeline's missing steps, in a worker; then :attr:`resolved`."""
        self.stop()
        self.status.show_busy()
        self.lookup.start(Path(path), reference=Path(reference) if isinstance(reference, str) else reference,
                          as_is=as_is)  # fmt: skip
        self.imagesStale.emit()

    @property
    def waiting_for(self) -> str:
        """What the window waits for before reference A is known ("" for nothing), for the empty right panel:
        the lookup's stage, or the user's answer to :attr:`question`."""
        stage = self.lookup.stage if self.lookup.running else self.question
        return f"{stage[:1].upper()}{stage[1:]}…" if stage else ""

    def pick_against_in_background(self, source: Path, context: str) -> Job[LinearityReference]:
        """Reference B: what CRDS ``context`` picks for the user's file (it may download); then :attr:`againstPicked`."""

        def pick(progress: object, cancel: object) -> LinearityReference:
            return crds_linearity_reference(source, context=context, give=GIVE_REFERENCE_B)

        cancel_job(self.picking)
        self.picking = start_job(pick, self._on_against_picked, lambda message: self._on_job_failed(in_app_words(message)))
        self.status.show_busy()
        self.status.message(f"asking CRDS {context} for reference B...")
        return self.picking

    def _on_against_picked(self, reference: LinearityReference) -> None:
        self._hide_progress()
        self.againstPicked.emit(reference)

    def _on_preparing(self, step: str, number: int, total: int) -> None:
        """The raw ramp on the left is not yet the input to linearity: its title says so."""
        self.preparing = f"step {number}/{total} ({step})"
        self.imagesStale.emit()

    def stop_lookup(self) -> None:
        """Another file: the lookup for the old one stops, and its "preparing" title goes with it."""
        if self.lookup.running:
            self.lookup.cancel()
            self._end_lookup("")

    def _on_lookup_resolved(self, ready: object) -> None:
        self._end_lookup("")
        self.resolved.emit(ready)

    def _on_lookup_failed(self, message: str) -> None:
        self._end_lookup("")
        self.failed.emit(message)

    def _end_lookup(self, message: str) -> None:
        if self.preparing is not None:
            self.preparing = None
            self.imagesStale.emit()
        self._hide_progress()
        if message:
            self.status.message(message, 5000)

    # --- Verify, comparison, export, residual maps --------------------------------------

    def verify_product(self) -> Job[Verification]:
        """Compare the opened product with lininspect's correction, array by array, in a job."""
        self.verifying = self._start_with_bar(self.session.verify_job(), self._on_verified, "verifying %p%",
                                              replacing=self.verifying)
        return self.verifying

    def _on_verified(self, verification: Verification) -> None:
        self.verification = verification
        self._hide_progress()
        message = verification_summary(verification)
        self.status.message(message.splitlines()[0], 15000)
        self.imagesStale.emit()
        self.verified.emit(verification, message)

    def go_to_worst_difference(self) -> tuple[int, int]:
        """Show the frame of the largest difference Verify found and inspect its pixel; return it."""
        worst = None if self.verification is None else self.verification.worst
        if worst is None:
            raise LinInspectError("Verify found no difference to go to")
        view = self.view
        integration = view.integration if worst.integration is None else worst.integration
        group = view.group if worst.group is None else worst.group
        view.update(integration=integration, group=group, pixel=(worst.x, worst.y))
        return worst.x, worst.y

    def compare_in_background(self) -> Job[ReferenceComparison]:
        """The whole-detector comparison of references A and B, one streamed pass in a job."""
        self.comparing = self._start_with_bar(self.session.comparison_job(), self._on_compared, "comparing %p%",
                                             replacing=self.comparing)
        return self.comparing

    def _on_compared(self, comparison: ReferenceComparison) -> None:
        self._hide_progress()
        self.compared.emit(comparison)

    def export_to(self, path: Path, *, overwrite: bool = False) -> Path:
        """Write the in-memory correction here and now, as ``lininspect correct`` would (same bytes)."""
        return self.session.export_job(Path(path), overwrite=overwrite)(None, None)

    def export_in_background(self, path: Path, *, overwrite: bool = False) -> Job[Path]:
        """Write the in-memory correction in a job, with progress and cancel."""
        job = self.session.export_job(Path(path), overwrite=overwrite)
        self.exporting = self._start_with_bar(job, self._on_exported, "exporting %p%", replacing=self.exporting)
        return self.exporting

    def _on_exported(self, path: Path) -> None:
        self._hide_progress()
        self.status.message(f"wrote {path.name} (in {path.parent})", 8000)

    def export_report_in_background(
        self, comparison: ReferenceComparison, directory: Path, *, overwrite: bool = False
    ) -> Job[ReportFiles]:
        """The comparison report (FITS maps, ECSV tables, PNG) written in a job; a refusal is raised at once."""
        job = self.session.comparison_report_job(comparison, Path(directory), overwrite=overwrite,
                                                 draw_picture=write_comparison_picture)  # fmt: skip
        self.reporting = self._start_with_bar(job, self._on_report_written, "writing report %p%", replacing=self.reporting)
        return self.reporting

    def _on_report_written(self, files: ReportFiles) -> None:
        self._hide_progress()
        self.status.message(f"wrote {files.picture.name} and its maps and tables (in {files.picture.parent})", 8000)

    def figure_in_background(self, job: JobFunction[str]) -> Job[str]:
        """Write a recorded figure (``figurefile``) in a job with cancel; its result is what the status bar says.
        A figure asked for while another is written leaves that one to finish: each is a file of its own."""
        self.figure = self._start_with_bar(job, self._on_written, "writing figure")
        return self.figure

    def movie_in_background(self, job: JobFunction[str]) -> Job[str]:
        """Write a movie (``model.movie``) in a job, with progress and cancel; its result is what the status bar says."""
        self.movie = self._start_with_bar(job, self._on_written, "movie %p%", replacing=self.movie)
        return self.movie

    def _on_written(self, message: str) -> None:
        self._hide_progress()
        self.status.message(message, 10000)

    def correct_integration_now(self) -> None:
        """The shown integration's read-level corrections in this thread; for snapshots and scripts (no event loop)."""
        self.integrations.correct_now(self.view.integration)

    def residual_map(self, integration: int) -> np.ndarray | None:
        """The residual map of this integration if computed; else None, and it is computed (then :attr:`imagesStale`)."""
        rms = self.residuals.get(integration)
        if rms is not None or self._residual_pending == integration:
            return rms
        self._residual_pending = integration
        job = self.session.residual_job(integration)

        def residuals(progress, cancel):  # type: ignore[no-untyped-def]
            return integration, job(progress, cancel)

        cancel_job(self.residual)
        self.residual = start_job(residuals, self._on_residuals_done, self._on_residuals_failed)
        return None

    def _on_residuals_failed(self, message: str) -> None:
        self._residual_pending = None
        self.failed.emit(message)

    def _on_residuals_done(self, outcome: tuple[int, np.ndarray]) -> None:
        integration, rms = outcome
        self.residuals[integration] = rms
        self._residual_pending = None
        self.imagesStale.emit()

    def _start_with_bar(
        self, job: JobFunction[Result], on_result: Callable[[Result], None], label: str, *,
        replacing: Job[Result] | None = None, on_failure: Callable[[str], None] | None = None,
    ) -> Job[Result]:  # fmt: skip
        """Start ``job`` (cancelling the one it replaces), its progress on the status bar's bar labelled ``label``."""
        cancel_job(replacing)
        started = start_job(job, on_result, on_failure or self._on_job_failed, self.status.set_progress)
        self.status.show_progress(label)
        return started

    def _on_job_failed(self, message: str) -> None:
        self._hide_progress()
        self.failed.emit(message)

    def _hide_progress(self) -> None:
        """Hidden once no job that reports progress (or the lookup) runs any more."""
        if not (self.lookup.running or self._bar_taken() or self.integrations.running):
            self.status.hide_progress()
