"""CRDS's choice of reference and the pipeline's missing steps for an exposure, off the GUI thread.

One lookup at a time runs in a job (worker.Job, on Qt's pool); a new start or
:meth:`ReferenceLookup.cancel` makes the old one's answer ignored and stops its preparation at
the next step. Progress arrives as one line per stage.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PyQt6.QtCore import QObject, pyqtSignal

from ..core.crdsref import GIVE_REFERENCE
from ..core.errors import CorrectionCancelled, LinInspectError
from ..core.resolve import ResolvedInput, resolve_input
from .worker import Job

#: The app's way around CRDS, in place of the command line's option.
CHOOSE_REFERENCE = "choose one with File ▸ Choose reference…"


def in_app_words(message: str) -> str:
    """A refusal worded for the command line, with the app's menu entry instead of --reference."""
    return message.replace(GIVE_REFERENCE, CHOOSE_REFERENCE)


class ReferenceLookup(QObject):
    """Resolves an exposure to (prepared ramp, reference) in a worker thread."""

    stepped = pyqtSignal(str)  # what is being done now
    preparing = pyqtSignal(str, int, int)  # a pipeline step before linearity: its name, number (from 1), how many
    resolved = pyqtSignal(object)  # ResolvedInput
    failed = pyqtSignal(str)
    cancelled = pyqtSignal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cancel: threading.Event | None = None

    @property
    def running(self) -> bool:
        return self._cancel is not None

    def start(self, path: Path, *, reference: Path | None = None, as_is: bool = False) -> None:
        """CRDS's reference (or ``reference``) and the missing steps' output for ``path``."""
        self.cancel()
        cancel = threading.Event()
        self._cancel = cancel

        def report(step: str, index: int, total: int) -> None:
            if step != "save":
                self.preparing.emit(step, index + 1, total)
            self.stepped.emit("saving the prepared ramp" if step == "save" else f"pipeline step {step} ({index + 1}/{total})")

        def job() -> ResolvedInput:
            self.stepped.emit("asking CRDS for the linearity reference" if reference is None else "opening the reference")
            return resolve_input(path, reference, as_is=as_is, progress=report, cancel=cancel)

        # A Job rather than superqt's create_worker, whose worker swaps the process-wide warnings
        # hook from its thread (see worker.Job.run); errors come back here, never re-raised.
        lookup: Job[ResolvedInput] = Job(lambda _progress, _cancel: job())
        lookup.returned.connect(lambda ready: self._finish(cancel, ready, None))
        lookup.errored.connect(lambda error: self._finish(cancel, None, error))
        lookup.start()

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self._cancel = None
            self.cancelled.emit()

    def _finish(self, cancel: threading.Event, ready: ResolvedInput | None, error: BaseException | None) -> None:
        if cancel.is_set():  # superseded or cancelled: its answer no longer matters
            return
        self._cancel = None
        if ready is not None:
            self.resolved.emit(ready)
        elif isinstance(error, CorrectionCancelled):
            self.cancelled.emit()
        elif isinstance(error, LinInspectError):
            self.failed.emit(in_app_words(str(error)))
        else:
            self.failed.emit(f"internal error: {type(error).__name__}: {error}")
