"""The window's background jobs: correction run, CRDS lookup, Verify, export, residual map and read-level
integrations, with progress and cancel."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from ..core.comparison import ReferenceComparison
from ..core.comparisonreport import ReportFiles
from ..core.correction import CorrectionResult
from ..core.errors import LinInspectError
from ..core.verify import Verification
from ..model.session import PendingIntegration
from .comparisonpicture import write_comparison_picture
from .dialogs import verification_summary
from .worker import Job, cancel_job, running, start_job


@dataclass
class IntegrationJob:
    """One read-level integration being corrected for the panels, and how far it has got."""

    pending: PendingIntegration
    job: Job[int] | None = None
    done: int = 0
    total: int = 1

    def serves(self, pending: PendingIntegration) -> bool:
        return self.pending.source is pending.source and self.pending.integration == pending.integration


class JobsMixin:
    """Part of :class:`~lininspect.gui.mainwindow.MainWindow`; uses its widgets and session."""

    #: Read-level integrations being corrected for the panels (one job per reference at most); the
    #: ones the panels asked for in the refresh under way; and the integration whose correction the
    #: user cancelled (or that failed): not started again until another integration has been shown.
    _integration_jobs: tuple[IntegrationJob, ...] = ()
    _wanted_integrations: tuple[PendingIntegration, ...] = ()
    _declined_integration: int | None = None
    #: The comparison report being written, if any.
    reporting: Job[ReportFiles] | None = None

    def _stop_jobs(self) -> None:
        """A new file: what runs on the old ones is cancelled and its results never shown."""
        for job in (self.correction, self.verifying, self.exporting, self.residual, self.comparing):
            cancel_job(job)
        self._cancel_integration_jobs()
        self._declined_integration = None
        self._before_run = None
        self.verification = None  # it compared the files loaded until now
        self._hide_progress()

    def run_correction(self) -> Job[CorrectionResult]:
        """Start correcting in a background job (cancelling a run in progress); return its handle."""
        job = self.session.correction_job()
        if not running(self.correction):
            self._before_run = self.session.result
        cancel_job(self.correction)
        self.session.result = None
        self._forget_result()
        self.correction = start_job(job, self._on_corrected, self._on_correction_failed, self._on_progress)
        self._show_progress("correcting %p%")
        self.statusBar().showMessage("correcting...")
        self.refresh()
        return self.correction

    def run_correction_now(self) -> None:
        """Correct in this thread; for snapshots and scripts that have no event loop to wait on."""
        self._stop_jobs()
        self.session.result = self.session.correction_job()(None, None)
        self._forget_result()
        self.refresh()

    def cancel_run(self) -> None:
        """Esc or Cancel: stop the correction, Verify, export or the shown integration's; what was shown before stays."""
        correcting_integration = any(running(job) for job in self.integration_job_handles())
        if running(self.correction):
            cancel_job(self.correction)
            self._restore_before_run()
            self.statusBar().showMessage("correction cancelled", 5000)
        for job, what in ((self.verifying, "verify"), (self.exporting, "export"), (self.comparing, "comparison"),
                          (self.reporting, "report")):
            if running(job):
                cancel_job(job)
                self.statusBar().showMessage(f"{what} cancelled", 5000)
        if self.lookup.running:
            self.lookup.cancel()
            self._end_lookup("reference lookup cancelled")
        if correcting_integration:
            self._cancel_integration_jobs()
            self._declined_integration = self.integration
            self.statusBar().showMessage(f"correction of integration {self.integration} cancelled", 5000)
            self.refresh_images()
        self._hide_progress()

    def resolve_in_background(self, path: Path, *, reference: Path | None = None, as_is: bool = False) -> None:
        """CRDS's reference (unless given) and the pipeline's missing steps, in a worker; then the correction."""
        self._stop_jobs()
        self.progress.setRange(0, 0)
        self.progress.setFormat("")
        self.progress.show()
        self.cancel_button.show()
        self.lookup.start(Path(path), reference=reference, as_is=as_is)

    def _on_lookup_step(self, what: str) -> None:
        self.statusBar().showMessage(what + "...")

    def _on_preparing(self, step: str, number: int, total: int) -> None:
        """The raw ramp on the left is not yet the input to linearity: its title says so."""
        self.preparing = f"step {number}/{total} ({step})"
        self.refresh_images()

    def _on_lookup_resolved(self, ready) -> None:  # type: ignore[no-untyped-def]
        self._end_lookup("")
        self.guard(lambda: self._use_resolved(ready))

    def _use_resolved(self, ready) -> None:  # type: ignore[no-untyped-def]
        exposure = self.session.exposure
        if exposure is None or exposure.path != ready.ramp:
            self.open_input(ready.ramp, prepared_from=ready.source)  # the input to linearity, from the pipeline's steps
        self.session.use_reference(ready.reference)
        self._forget_result()
        against, self.against_after_lookup = self.against_after_lookup, None
        if against is not None:
            self.guard(lambda: self.open_against(against))
        steps = ready.preparation.steps
        if steps:
            how = "cached" if ready.preparation.from_cache else "run"
            self._note([f"pipeline steps {', '.join(steps)} {how} before linearity"])
        if self.session.product is None:  # an opened pipeline product is shown, not replaced by a run
            self.run_correction()
        else:
            self.refresh()

    def _on_lookup_failed(self, message: str) -> None:
        self._end_lookup("")
        self._show_error(message)

    def _end_lookup(self, message: str) -> None:
        if self.preparing is not None:
            self.preparing = None
            self.refresh_images()
        self.progress.setRange(0, 100)
        if not running(self.correction):
            self._hide_progress()
        if message:
            self.statusBar().showMessage(message, 5000)

    def _restore_before_run(self) -> None:
        self.session.result, self._before_run = self._before_run, None
        self.refresh()

    def _on_corrected(self, result: CorrectionResult) -> None:
        self.session.result, self._before_run = result, None
        self._forget_result()
        self._hide_progress()
        self.statusBar().showMessage(f"corrected: {self._no_lin_corr_count()} pixels NO_LIN_CORR", 8000)
        self.refresh()

    def _on_correction_failed(self, message: str) -> None:
        self._hide_progress()
        self._restore_before_run()
        self._show_error(message)

    def verify_product(self) -> Job[Verification]:
        """Compare the opened product with lininspect's correction, array by array, in a job."""
        job = self.session.verify_job()
        cancel_job(self.verifying)
        self.verifying = start_job(job, self._on_verified, self._on_job_failed, self._on_progress)
        self._show_progress("verifying %p%")
        return self.verifying

    def _on_verified(self, verification: Verification) -> None:
        self.verification = verification
        self._hide_progress()
        message = verification_summary(verification)
        self.statusBar().showMessage(message.splitlines()[0], 15000)
        if self.mode_box.currentText() == "Verify differences":
            self.refresh_images()
        self._show_verification(verification, message)

    def go_to_worst_difference(self) -> None:
        """Show the frame of the largest difference Verify found and inspect its pixel."""
        worst = None if self.verification is None else self.verification.worst
        if worst is None:
            raise LinInspectError("Verify found no difference to go to")
        integration = self.integration if worst.integration is None else worst.integration
        self.set_frame(integration, self.group if worst.group is None else worst.group)
        self.select_pixel(worst.x, worst.y)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setValue(int(100 * done / max(total, 1)))

    def _on_job_failed(self, message: str) -> None:
        self._hide_progress()
        self._show_error(message)

    def _show_progress(self, label: str) -> None:
        self.progress.setFormat(label)
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()

    def _progress_jobs(self) -> tuple[Job | None, ...]:  # type: ignore[type-arg]
        """The jobs besides the integrations' that show their progress in the status bar."""
        return self.correction, self.verifying, self.exporting, self.comparing, self.reporting

    def _hide_progress(self) -> None:
        """Hidden once no job that reports progress runs any more."""
        if not any(running(job) for job in (*self._progress_jobs(), *self.integration_job_handles())):
            self.progress.hide()
            self.cancel_button.hide()

    def compare_in_background(self) -> Job[ReferenceComparison]:
        """The whole-detector comparison of references A and B, one streamed pass in a job."""
        job = self.session.comparison_job()
        cancel_job(self.comparing)
        self.comparing = start_job(job, self._on_compared, self._on_job_failed, self._on_progress)
        self._show_progress("comparing %p%")
        return self.comparing

    def _on_compared(self, comparison: ReferenceComparison) -> None:
        self._hide_progress()
        self.show_comparison(comparison)

    def export_to(self, path: Path, *, overwrite: bool = False) -> Path:
        """Write the in-memory correction here and now, as ``lininspect correct`` would (same bytes)."""
        return self.session.export_job(Path(path), overwrite=overwrite)(None, None)

    def export_in_background(self, path: Path, *, overwrite: bool = False) -> Job[Path]:
        """Write the in-memory correction in a job, with progress and cancel."""
        job = self.session.export_job(Path(path), overwrite=overwrite)
        cancel_job(self.exporting)
        self.exporting = start_job(job, self._on_exported, self._on_job_failed, self._on_progress)
        self._show_progress("exporting %p%")
        return self.exporting

    def _on_exported(self, path: Path) -> None:
        self._hide_progress()
        self.statusBar().showMessage(f"wrote {path}", 8000)

    def export_report_in_background(
        self, comparison: ReferenceComparison, directory: Path, *, overwrite: bool = False
    ) -> Job[ReportFiles]:
        """The comparison report (FITS maps, ECSV tables, PNG) written in a job; a refusal is raised at once."""
        job = self.session.comparison_report_job(comparison, directory, overwrite=overwrite,
                                                 draw_picture=write_comparison_picture)  # fmt: skip
        cancel_job(self.reporting)
        self.reporting = start_job(job, self._on_report_written, self._on_job_failed, self._on_progress)
        self._show_progress("writing report %p%")
        return self.reporting

    def _on_report_written(self, files: ReportFiles) -> None:
        self._hide_progress()
        self.statusBar().showMessage(f"wrote {files.picture} and its maps and tables", 8000)

    def _start_residuals(self) -> None:
        if self._residual_pending == self.integration:
            return
        self._residual_pending = self.integration
        job = self.session.residual_job(self.integration)
        integration = self.integration

        def residuals(progress, cancel):  # type: ignore[no-untyped-def]
            return integration, job(progress, cancel)

        cancel_job(self.residual)
        self.residual = start_job(residuals, self._on_residuals_done, self._on_residuals_failed)

    def _on_residuals_failed(self, message: str) -> None:
        self._residual_pending = None
        self._show_error(message)

    def _on_residuals_done(self, outcome: tuple[int, np.ndarray]) -> None:
        integration, rms = outcome
        self._residuals[integration] = rms
        self._residual_pending = None
        self.refresh_images()

    # --- read-level integrations: corrected in jobs while the panels show a placeholder ---------

    def integration_job_handles(self) -> list[Job[int] | None]:
        return [record.job for record in self._integration_jobs]

    def _begin_integration_requests(self) -> None:
        """A refresh starts: the panels say again what they need; another integration lifts a cancel."""
        self._wanted_integrations = ()
        if self._declined_integration != self.integration:
            self._declined_integration = None

    def _request_integrations(self, pending: list[PendingIntegration]) -> bool:
        """Correct these in jobs (unless already under way); False when the user cancelled this integration."""
        self._wanted_integrations += tuple(pending)
        if self._declined_integration == self.integration:
            return False
        for wanted in pending:
            if any(record.serves(wanted) and running(record.job) for record in self._integration_jobs):
                continue
            record = IntegrationJob(wanted)
            record.job = start_job(wanted.job(), self._on_integration_corrected,
                                   partial(self._on_integration_failed, wanted.integration),
                                   partial(self._on_integration_progress, record))  # fmt: skip
            self._integration_jobs = (*[r for r in self._integration_jobs if running(r.job)], record)
            if not any(running(job) for job in self._progress_jobs()):
                self._show_progress("correcting integration %p%")
        return True

    def _end_integration_requests(self) -> None:
        """A refresh ends: a job no panel asked for (another integration now, another view) is cancelled."""
        for record in self._integration_jobs:
            if not any(record.serves(wanted) for wanted in self._wanted_integrations):
                cancel_job(record.job)
        self._integration_jobs = tuple(record for record in self._integration_jobs if running(record.job))
        self._hide_progress()

    def _cancel_integration_jobs(self) -> None:
        for record in self._integration_jobs:
            cancel_job(record.job)
        self._integration_jobs = ()

    def _on_integration_progress(self, record: IntegrationJob, done: int, total: int) -> None:
        record.done, record.total = done, total
        if any(running(job) for job in self._progress_jobs()):
            return  # theirs has the bar
        records = [r for r in self._integration_jobs if running(r.job)]
        fraction = sum(r.done / max(r.total, 1) for r in records) / max(len(records), 1)
        self.progress.setValue(int(100 * fraction))

    def _on_integration_corrected(self, integration: int) -> None:
        """Its planes are ready: redraw (a panel now on another integration just asks again)."""
        self.refresh_images()
        self.show_readout(*self._hovered)

    def _on_integration_failed(self, integration: int, message: str) -> None:
        self._declined_integration = integration
        self.refresh_images()
        self._show_error(message)

    def correct_integration_now(self) -> None:
        """The shown integration's read-level corrections in this thread; for snapshots and scripts (no event loop)."""
        self._cancel_integration_jobs()
        self.session.correct_integration_now(self.integration)
        self.refresh_images()
        self.show_readout(*self._hovered)
