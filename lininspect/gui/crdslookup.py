"""CRDS's choice of reference and the pipeline's missing steps for an exposure, off the GUI thread.

One lookup at a time runs as a job of :mod:`.worker`, like every other job of the window; a new
start or :meth:`ReferenceLookup.cancel` makes the old one's answer ignored and stops its
preparation at the next step. Progress arrives as one line per stage.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PyQt6.QtCore import QObject, pyqtSignal

from ..core.crdsref import GIVE_REFERENCE, GIVE_REFERENCE_B
from ..core.resolve import ResolvedInput, resolve_input
from .worker import Job, cancel_job, running, start_job

#: The app's way around CRDS, in place of the command line's option.
CHOOSE_REFERENCE = "choose one with File ▸ Choose reference…"
#: The same for reference B, picked under a second context.
CHOOSE_REFERENCE_B = "choose it with File ▸ Compare with reference…"


def in_app_words(message: str) -> str:
    """A refusal worded for the command line, with the app's menu entries instead of --reference, --against."""
    return message.replace(GIVE_REFERENCE, CHOOSE_REFERENCE).replace(GIVE_REFERENCE_B, CHOOSE_REFERENCE_B)


class ReferenceLookup(QObject):
    """Resolves an exposure to (prepared ramp, reference) in a worker thread."""

    stepped = pyqtSignal(str)  # what is being done now
    preparing = pyqtSignal(str, int, int)  # a pipeline step before linearity: its name, number (from 1), how many
    resolved = pyqtSignal(object)  # ResolvedInput
    failed = pyqtSignal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._job: Job[ResolvedInput] | None = None

    @property
    def running(self) -> bool:
        return running(self._job)

    def start(self, path: Path, *, reference: Path | None = None, as_is: bool = False) -> None:
        """CRDS's reference (or ``reference``) and the missing steps' output for ``path``."""
        self.cancel()

        def job(progress: object, cancel: threading.Event) -> ResolvedInput:
            def report(step: str, index: int, total: int) -> None:
                if step != "save":
                    self.preparing.emit(step, index + 1, total)
                self.stepped.emit("saving the prepared ramp" if step == "save" else f"pipeline step {step} ({index + 1}/{total})")

            self.stepped.emit("asking CRDS for the linearity reference" if reference is None else "opening the reference")
            return resolve_input(path, reference, as_is=as_is, progress=report, cancel=cancel)

        self._job = start_job(job, self.resolved.emit, lambda message: self.failed.emit(in_app_words(message)))

    def cancel(self) -> None:
        """Stop the lookup at its next step; its answer, if it still comes, is dropped."""
        cancel_job(self._job)
        self._job = None
