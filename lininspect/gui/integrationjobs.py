"""Read-level integrations corrected in jobs while the panels show a placeholder.

The read-level path corrects a whole integration at once (seconds on a large exposure), so a
panel that needs one asks for it during a redraw and shows a placeholder until a first job has
corrected the group on the screen; a second then corrects the rest, behind the drawn group.
Each redraw says again what it needs, and a job no panel asked for any more (another
integration, another view) is cancelled. An integration the user cancelled, or that failed, is not started again
until another integration has been shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from PyQt6.QtCore import QObject, pyqtSignal

from ..model.session import PendingIntegration, Session
from .statusarea import StatusArea
from .worker import Job, cancel_job, running, start_job


@dataclass
class IntegrationJob:
    """One read-level integration being corrected for the panels, and how far it has got."""

    pending: PendingIntegration
    job: Job[int] | None = None
    done: int = 0
    total: int = 1

    def serves(self, pending: PendingIntegration) -> bool:
        """The same correction and integration, and these groups or all of them (a whole integration serves any)."""
        same = self.pending.source is pending.source and self.pending.integration == pending.integration
        return same and (self.pending.groups is None or self.pending.groups == pending.groups)


class IntegrationJobs(QObject):
    """The read-level integrations being corrected (one job per reference at most), asked for by redraws."""

    corrected = pyqtSignal()  # an integration's planes are ready: the panels redraw (and ask again)
    failed = pyqtSignal(str)

    def __init__(
        self, session: Session, status: StatusArea, bar_taken: Callable[[], bool], release_bar: Callable[[], None],
        parent: QObject,
    ) -> None:  # fmt: skip
        """``bar_taken``: another job shows its progress; ``release_bar``: hide the bar unless a job still needs it."""
        super().__init__(parent)
        self.session, self.status, self.bar_taken, self.release_bar = session, status, bar_taken, release_bar
        self._records: tuple[IntegrationJob, ...] = ()
        self._wanted: tuple[PendingIntegration, ...] = ()
        #: The integration whose correction the user cancelled (or that failed).
        self.declined: int | None = None

    def handles(self) -> list[Job[int] | None]:
        return [record.job for record in self._records]

    @property
    def running(self) -> bool:
        return any(running(job) for job in self.handles())

    def begin_requests(self, integration: int) -> None:
        """A redraw starts: the panels say again what they need; another integration lifts a cancel."""
        self._wanted = ()
        if self.declined != integration:
            self.declined = None

    def request(self, pending: list[PendingIntegration], integration: int) -> bool:
        """Correct these in jobs (unless already under way); False when the user cancelled this integration."""
        self._wanted += tuple(pending)
        if self.declined == integration:
            return False
        for wanted in pending:
            if any(record.serves(wanted) and running(record.job) for record in self._records):
                continue
            record = IntegrationJob(wanted)
            record.job = start_job(wanted.job(), lambda _: self.corrected.emit(), partial(self._on_failed, wanted.integration),
                                   partial(self._on_progress, record))  # fmt: skip
            self._records = (*[r for r in self._records if running(r.job)], record)
            if not self.bar_taken():
                self.status.show_progress("correcting integration %p%")
        return True

    def end_requests(self) -> None:
        """A redraw ends: a job no panel asked for is cancelled."""
        for record in self._records:
            if not any(record.serves(wanted) for wanted in self._wanted):
                cancel_job(record.job)
        self._records = tuple(record for record in self._records if running(record.job))
        self.release_bar()

    def cancel(self, declined: int | None = None) -> None:
        """Stop them all; ``declined``: the integration not to start again until another is shown."""
        for record in self._records:
            cancel_job(record.job)
        self._records = ()
        self.declined = declined

    def correct_now(self, integration: int) -> None:
        """This integration's read-level corrections in this thread; for snapshots and scripts (no event loop)."""
        self.cancel()
        self.session.correct_integration_now(integration)
        self.corrected.emit()

    def _on_progress(self, record: IntegrationJob, done: int, total: int) -> None:
        record.done, record.total = done, total
        if self.bar_taken():
            return  # another job's progress has the bar
        records = [r for r in self._records if running(r.job)]
        self.status.set_progress(sum(r.done / max(r.total, 1) for r in records), max(len(records), 1))

    def _on_failed(self, integration: int, message: str) -> None:
        self.declined = integration
        self.corrected.emit()  # the panels show why they have no image
        self.failed.emit(message)
