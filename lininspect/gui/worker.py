"""Background jobs on a QThread, with progress, cancel and a generation number.

Every start bumps the generation; a result that arrives for an older generation is
dropped, so a slow job finishing after a new load or a restart never shows stale data.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import QObject, QThread, pyqtSignal, pyqtSlot

from ..core.errors import CorrectionCancelled, LinInspectError

#: ``job(progress, cancel)``: progress(done, total) may be called from the worker thread.
JobFunction = Callable[[Callable[[int, int], None], threading.Event], Any]

#: How much nicer than the GUI a job's thread runs, and the threads it starts (they inherit
#: it). On two cores a correction's threads otherwise kept the GUI thread off the CPU for up
#: to ~70 ms at a time; niced, they still get every cycle the GUI thread leaves.
JOB_NICENESS = 10


def _lower_priority() -> None:
    """Nice the calling thread alone: Linux takes a thread id for PRIO_PROCESS (not POSIX, so Linux only).

    Relative to the current value, as only raising niceness needs no privilege.
    """
    if sys.platform.startswith("linux"):
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + JOB_NICENESS))


class _Worker(QObject):
    """Runs one job function in the thread it was moved to and reports by signals."""

    progressed = pyqtSignal(int, int, int)
    succeeded = pyqtSignal(int, object)
    failed = pyqtSignal(int, str)
    cancelled = pyqtSignal(int)
    done = pyqtSignal()

    def __init__(self, generation: int, function: JobFunction, cancel: threading.Event) -> None:
        super().__init__()
        self._generation = generation
        self._function = function
        self._cancel = cancel

    @pyqtSlot()
    def run(self) -> None:
        _lower_priority()
        try:
            result = self._function(self._report, self._cancel)
        except CorrectionCancelled:
            self.cancelled.emit(self._generation)
        except LinInspectError as error:
            self.failed.emit(self._generation, str(error))
        except MemoryError:
            self.failed.emit(self._generation, "not enough memory for this exposure")
        except Exception as error:  # a dialog beats a dead worker thread
            self.failed.emit(self._generation, f"internal error: {type(error).__name__}: {error}")
        else:
            if self._cancel.is_set():
                self.cancelled.emit(self._generation)
            else:
                self.succeeded.emit(self._generation, result)
        self.done.emit()

    def _report(self, done: int, total: int) -> None:
        self.progressed.emit(self._generation, done, total)


class JobRunner(QObject):
    """One job at a time: starting a new one cancels the old; only the current one reports.

    Signals carry no generation: stale reports are filtered here.
    """

    started = pyqtSignal()
    progressed = pyqtSignal(int, int)
    succeeded = pyqtSignal(object)
    failed = pyqtSignal(str)
    cancelled = pyqtSignal()
    finished = pyqtSignal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.generation = 0
        self._cancel = threading.Event()
        self._threads: list[tuple[QThread, _Worker]] = []
        self.running = False

    def start(self, function: JobFunction) -> int:
        """Cancel any running job and start ``function`` in a new thread; return its generation."""
        self.cancel()
        self.generation += 1
        self._cancel = threading.Event()
        thread = QThread()
        worker = _Worker(self.generation, function, self._cancel)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.done.connect(thread.quit)
        worker.progressed.connect(self._on_progress)
        worker.succeeded.connect(self._on_success)
        worker.failed.connect(self._on_failure)
        worker.cancelled.connect(self._on_cancel)
        thread.finished.connect(self._forget_finished)
        self._threads.append((thread, worker))
        self.running = True
        thread.start()
        self.started.emit()
        return self.generation

    def cancel(self) -> None:
        """Ask the current job to stop and forget it: nothing it reports is shown."""
        was_running, self.running = self.running, False
        self._cancel.set()
        self.generation += 1
        if was_running:
            self.cancelled.emit()
            self.finished.emit()

    def shutdown(self) -> None:
        """Cancel and wait for every thread, so none outlives the window."""
        self._cancel.set()
        self.generation += 1
        self.running = False
        for thread, _ in self._threads:
            thread.quit()
            thread.wait()
        self._threads.clear()

    def _current(self, generation: int) -> bool:
        return generation == self.generation

    def _settle(self, generation: int) -> bool:
        """True (and no longer running) when the report is the current job's last one."""
        if not self._current(generation):
            return False
        self.running = False
        return True

    def _on_progress(self, generation: int, done: int, total: int) -> None:
        if self._current(generation):
            self.progressed.emit(done, total)

    def _on_success(self, generation: int, result: object) -> None:
        if self._settle(generation):
            self.succeeded.emit(result)
            self.finished.emit()

    def _on_failure(self, generation: int, message: str) -> None:
        if self._settle(generation):
            self.failed.emit(message)
            self.finished.emit()

    def _on_cancel(self, generation: int) -> None:
        if self._settle(generation):
            self.cancelled.emit()
            self.finished.emit()

    def _forget_finished(self) -> None:
        self._threads = [(t, w) for t, w in self._threads if not t.isFinished()]
