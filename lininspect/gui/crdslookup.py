"""CRDS's choice of reference and the pipeline's missing steps for an exposure, off the GUI thread.

One lookup at a time runs as a job of :mod:`.worker`, like every other job of the window; a new
start or :meth:`ReferenceLookup.cancel` makes the old one's answer and reports ignored and stops
its preparation at the next step. Progress arrives as one line per stage; a reference the user
named is announced once read, so it is kept when the preparation then fails.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject, pyqtSignal

from ..core.references.crdsref import GIVE_REFERENCE, GIVE_REFERENCE_B
from ..core.references.reference import LinearityReference, open_reference
from ..core.references.resolve import ResolvedInput, resolve_input
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
    opened = pyqtSignal(object)  # LinearityReference: the one the user named, read before any step runs
    resolved = pyqtSignal(object)  # ResolvedInput
    failed = pyqtSignal(str)
    #: (the job's cancel event, a public signal's emit with its arguments), from the worker to the GUI thread.
    _from_job = pyqtSignal(object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._job: Job[ResolvedInput] | None = None
        #: What the running lookup does now ("" when none runs): the right panel says it while it waits.
        self.stage = ""
        self._from_job.connect(self._relay)
        self.stepped.connect(self._set_stage)

    @property
    def running(self) -> bool:
        return running(self._job)

    def start(self, path: Path, *, reference: Path | LinearityReference | None = None, as_is: bool = False) -> None:
        """CRDS's reference (or ``reference``) and the missing steps' output for ``path``."""
        self.cancel()
        self.stage = _first_stage(reference)

        def job(progress: object, cancel: threading.Event) -> ResolvedInput:
            def tell(signal: Any, *arguments: object) -> None:
                self._from_job.emit(cancel, partial(signal.emit, *arguments))

            def report(step: str, index: int, total: int) -> None:
                if step != "save":
                    tell(self.preparing, step, index + 1, total)
                tell(self.stepped, "saving the prepared ramp" if step == "save" else f"pipeline step {step} ({index + 1}/{total})")

            tell(self.stepped, _first_stage(reference))
            chosen = reference
            if isinstance(reference, Path):
                chosen = open_reference(reference)
                tell(self.opened, chosen)
            return resolve_input(path, chosen, as_is=as_is, progress=report, cancel=cancel)

        self._job = start_job(job, self._on_resolved, self._on_failed)

    def cancel(self) -> None:
        """Stop the lookup at its next step; its answer and reports, if they still come, are dropped."""
        cancel_job(self._job)
        self._job = None
        self.stage = ""

    def _relay(self, cancel: threading.Event, emit: Callable[[], None]) -> None:
        """In the GUI thread: a report of the job passes unless the job was cancelled meanwhile
        (a new file must not get the old one's "preparing" title)."""
        if not cancel.is_set():
            emit()

    def _set_stage(self, stage: str) -> None:
        self.stage = stage

    def _on_resolved(self, ready: ResolvedInput) -> None:
        self.stage = ""
        self.resolved.emit(ready)

    def _on_failed(self, message: str) -> None:
        self.stage = ""
        self.failed.emit(in_app_words(message))


def _first_stage(reference: Path | LinearityReference | None) -> str:
    if reference is None:
        return "asking CRDS for the linearity reference"
    if isinstance(reference, Path):
        return f"loading reference {reference.name}"
    return f"checking {reference.path.name} against the exposure"
