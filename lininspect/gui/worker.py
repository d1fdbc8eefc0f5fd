"""Background jobs: a QRunnable on Qt's thread pool with progress and cancel.

A hand-written QThread runner froze the window: dropping the last reference to a
finished QThread waited in its destructor for a thread that itself waited for the GIL.
Pool threads are never destroyed from Python, so that cannot happen here. The runnable
is written here rather than taken from superqt (whose worker it was): importing superqt
imports every one of its widgets through qtpy, a quarter of a second of the app's start.

Each job is one handle: the caller gives it its own result, failure and progress
handlers, and cancels it through the handle. A cancelled job's reports are dropped in
the GUI thread, where cancelling happens too, so a stale result can never be shown.

A Python warning raised in a job is announced on ``JOB_WARNINGS`` (the window's status bar
shows it), never printed: :func:`route_warnings` sets this up once, in the GUI thread.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar, Generic, TypeVar

from PyQt6.QtCore import QObject, QRunnable, QThreadPool, pyqtSignal

from ..core.errors import CorrectionCancelled, LinInspectError

Result = TypeVar("Result")

#: ``job(progress, cancel)``: progress(done, total) may be called from the worker thread.
JobFunction = Callable[[Callable[[int, int], None], threading.Event], Result]

#: Qt's pool allows one thread per core (2 here); a correction, a count, a residual map and a
#: cancelled job still winding down must not queue behind each other.
QThreadPool.globalInstance().setMaxThreadCount(max(8, QThreadPool.globalInstance().maxThreadCount()))

#: How much nicer than the GUI a job's thread runs, and the threads it starts (they inherit
#: it). On two cores a correction's threads otherwise kept the GUI thread off the CPU for up
#: to ~70 ms at a time; niced, they still get every cycle the GUI thread leaves.
JOB_NICENESS = 10


def _lower_priority() -> None:
    """Nice the calling thread alone, JOB_NICENESS above the GUI (main) thread.

    Linux takes a thread id for PRIO_PROCESS (not POSIX, so Linux only); the main
    thread's id is the process id. Pool threads are reused, so the value is absolute
    rather than a step, and only ever raised, which needs no privilege.
    """
    if sys.platform.startswith("linux"):
        thread = threading.get_native_id()
        wanted = min(19, os.getpriority(os.PRIO_PROCESS, os.getpid()) + JOB_NICENESS)
        if os.getpriority(os.PRIO_PROCESS, thread) < wanted:
            os.setpriority(os.PRIO_PROCESS, thread, wanted)


def failure_message(error: BaseException) -> str:
    """The one line a dialog shows for a job's exception."""
    if isinstance(error, LinInspectError):
        return str(error)
    if isinstance(error, MemoryError):
        return "not enough memory for this exposure"
    if isinstance(error, OSError):
        where = f"{error.filename}: " if error.filename else ""
        return f"{where}{error.strerror or error}"
    return f"internal error: {type(error).__name__}: {error}"


class _Announcer(QObject):
    """Lives in the GUI thread: warnings from jobs reach its connections there."""

    warned = pyqtSignal(str)


#: ``warned(text)`` for each warning raised in a job not cancelled (``"warning: ..."``).
JOB_WARNINGS = _Announcer()

#: The job running on each pool thread (by thread id), for :func:`_route_warning`.
_jobs_by_thread: dict[int, Job[Any]] = {}


def route_warnings() -> None:
    """Every warning is let through (the command line ignores them all); those raised in a
    job go to JOB_WARNINGS, the others are dropped, so none reaches the terminal.

    Set once, in the GUI thread: ``warnings`` keeps one process-wide hook and filter list,
    and changing them from worker threads (as superqt's worker did) races.
    """
    warnings.simplefilter("always")
    warnings.showwarning = _route_warning


def _route_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: object = None,
    line: str | None = None,
) -> None:
    job = _jobs_by_thread.get(threading.get_ident())
    if job is not None:
        job.signals.warned.emit((message, category, filename, lineno, file, line))


def _announce_warning(showwarning_args: tuple[Any, ...]) -> None:
    text = str(showwarning_args[0]).strip().splitlines()
    JOB_WARNINGS.warned.emit("warning: " + (text[0] if text else "(no message)"))


class _Progress(QObject):
    """Made in the GUI thread, so reports emitted from the pool thread are queued to it."""

    progressed = pyqtSignal(int, int)


#: Seconds between a job's progress reports that reach the GUI thread (the first and the last always do).
PROGRESS_INTERVAL_S = 0.05


class _ThrottledProgress:
    """A job's ``progress(done, total)``, passed on to the GUI thread at most every PROGRESS_INTERVAL_S.

    A read-level integration reported each of its 512 tiles: 512 turns of the GUI thread's event
    loop in 0.6 s (70 ms of its time) for a bar that moves a few pixels. Called from several pool
    threads at once, a race lets an extra report through, which does no harm.
    """

    def __init__(self, emit: Callable[[int, int], None]) -> None:
        self._emit = emit
        self._last = -math.inf  # the first report always passes

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._last < PROGRESS_INTERVAL_S:
            return
        self._last = now
        self._emit(done, total)


class _JobSignals(QObject):
    """A job's reports, made in the GUI thread with the job (a QRunnable is no QObject), so
    what the pool thread emits is queued to the GUI thread."""

    returned = pyqtSignal(object)
    errored = pyqtSignal(object)
    finished = pyqtSignal()
    warned = pyqtSignal(tuple)
    #: The last report, with the job: its bookkeeping in :attr:`Job._started` may now let it go.
    released = pyqtSignal(object)


class Job(QRunnable, Generic[Result]):
    """One function run on the thread pool, with a cancel event the core polls."""

    #: Jobs handed to the pool and not yet released: Python keeps each wrapper alive while a pool thread runs it.
    _started: ClassVar[set[Job[Any]]] = set()

    def __init__(self, function: JobFunction[Result]) -> None:
        super().__init__()
        self.signals = _JobSignals()
        self._progress = _Progress()
        self._function = function
        self._cancel = threading.Event()
        self._finished_flag = threading.Event()
        self.signals.warned.connect(partial(_unless_cancelled, self._cancel, _announce_warning))

    def run(self) -> None:
        """Called by the pool thread: the work, then its result or failure, then the end.

        No ``warnings.catch_warnings`` around the work (superqt's worker had one): that swapped
        the process-wide ``warnings.showwarning`` from this thread, so a warning in the job went
        to a signal nobody heard, and two overlapping jobs left the finished one's hook in place
        for good. Here the job's thread is known to :func:`_route_warning`.
        """
        thread = threading.get_ident()
        _jobs_by_thread[thread] = self
        try:
            result = self.work()
        except Exception as error:  # noqa: BLE001 - every failure goes to the failure handler
            self.signals.errored.emit(error)
        else:
            if not self._cancel.is_set():
                self.signals.returned.emit(result)
        finally:
            del _jobs_by_thread[thread]
        self.signals.finished.emit()
        self.signals.released.emit(self)

    def start(self) -> None:
        """Into the pool now, not a timer tick later (as superqt's worker did from an event loop): a
        window closed in between found the pool idle, and the job then ran while Python shut down
        (a crash, on a signal just after a result)."""
        Job._started.add(self)
        self.signals.released.connect(Job._started.discard)
        QThreadPool.globalInstance().start(self)

    def work(self) -> Result:
        if self._cancel.is_set():  # cancelled before a pool thread was free
            raise CorrectionCancelled()
        _lower_priority()
        result = self._function(_ThrottledProgress(self._progress.progressed.emit), self._cancel)
        if self._cancel.is_set():
            raise CorrectionCancelled()
        return result

    def cancel(self) -> None:
        """Ask the job to stop; from now on nothing it reports reaches a handler."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def done(self) -> bool:
        """Finished or cancelled: its handlers will not be called any more."""
        return self._cancel.is_set() or self._finished_flag.is_set()

    def start_with(
        self,
        on_result: Callable[[Result], None],
        on_failure: Callable[[str], None],
        on_progress: Callable[[int, int], None] | None = None,
    ) -> Job[Result]:
        """Connect the handlers (each called in the GUI thread unless cancelled) and start."""
        # Marked done in the handler's own call, just before it runs: the handler sees no job of
        # its own still running, and nobody sees the job done with its handler still to come (a
        # connection of its own was a queued call of its own, and a wait could end in between).
        done = self._finished_flag
        self.signals.returned.connect(partial(_unless_cancelled, self._cancel, partial(_mark_then, done, on_result)))
        report_failure = partial(_mark_then, done, partial(_report_failure, on_failure))
        self.signals.errored.connect(partial(_unless_cancelled, self._cancel, report_failure))
        self.signals.finished.connect(partial(_mark, done))  # cancelled: no handler runs
        if on_progress is not None:
            self._progress.progressed.connect(partial(_unless_cancelled_progress, self._cancel, on_progress))
        self.start()
        return self


def start_job(
    function: JobFunction[Result],
    on_result: Callable[[Result], None],
    on_failure: Callable[[str], None],
    on_progress: Callable[[int, int], None] | None = None,
) -> Job[Result]:
    """Run ``function(progress, cancel)`` on the thread pool; return its handle."""
    return Job(function).start_with(on_result, on_failure, on_progress)


def cancel_job(job: Job[Any] | None) -> None:
    """Cancel a job handle that may be None or already done."""
    if job is not None:
        job.cancel()


#: How long closing the window waits for cancelled jobs: cancellable work stops within
#: milliseconds; this only bounds a job inside a call it cannot leave.
STOP_WAIT_MS = 1000


def wait_for_jobs(jobs: list[Job[Any] | None]) -> bool:
    """Cancel these jobs and wait, at most STOP_WAIT_MS, until the thread pool is idle; True if it is.

    The waits release the GIL, so a job still finishing its Python work can end. A job inside
    a call that knows nothing of cancelling (the CRDS lookup's first import of stdatamodels,
    asdf and scipy: 15-20 s on a loaded machine) is not waited for: its handlers never run,
    and the app's process ends without it (see ``app.launch``).
    """
    for job in jobs:
        cancel_job(job)
    return QThreadPool.globalInstance().waitForDone(STOP_WAIT_MS)


def _report_failure(on_failure: Callable[[str], None], error: BaseException) -> None:
    on_failure(failure_message(error))


def _mark(flag: threading.Event, *_: object) -> None:
    flag.set()


def _mark_then(flag: threading.Event, handler: Callable[[Any], None], value: Any) -> None:
    flag.set()
    handler(value)


def _unless_cancelled(cancelled: threading.Event, handler: Callable[[Any], None], value: Any) -> None:
    if not cancelled.is_set():
        handler(value)


def _unless_cancelled_progress(
    cancelled: threading.Event, handler: Callable[[int, int], None], done: int, total: int
) -> None:
    if not cancelled.is_set():
        handler(done, total)


def running(job: Job | None) -> bool:  # type: ignore[type-arg]
    """A job started and not yet finished."""
    return job is not None and not job.done
