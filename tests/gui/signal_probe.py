"""``python signal_probe.py MOMENT SIGNUM ARGS...``: the app (``lininspect ARGS...``) sends itself
SIGNUM at a chosen moment of its start-up, so a test can hit that moment every time.

MOMENT is ``dialog`` (from another thread, shortly after a warning dialog came up, as from
outside: the GUI thread is then in the dialog's event loop, in C++), ``drawing`` (inside pyqtgraph's first view-range update once the event loop runs, as
a resize or paint would be interrupted), ``job-N`` (from the thread pool, as the N-th background
job starts its work), ``stuck-N`` (as ``job-N``, after which that job never ends: a call that
knows nothing of cancelling, as a first import of stdatamodels is for 15-20 s under load) or ``result-N`` (just after the N-th job's result was handled in the GUI
thread). Signals delivered from inside Python code reach the handler at once, in the middle of
whatever the GUI thread is doing, as a signal from outside can.
"""

from __future__ import annotations

import os
import sys
import threading

from lininspect.interrupts import exit_at_once_on_signals

exit_at_once_on_signals()  # as lininspect's own __main__ does

import pyqtgraph as pg
from PyQt6.QtWidgets import QApplication, QMessageBox

from lininspect.cli import main
from lininspect.gui.worker import Job

moment, signum, arguments = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
kind, _, number = moment.partition("-")
jobs_started = 0
loop_running = False


def send() -> None:
    os.kill(os.getpid(), signum)


def run_loop(*_: object) -> int:
    global loop_running
    loop_running = True
    return original_exec()


def update_view_range(view: pg.ViewBox, *args: object, **kwargs: object) -> None:
    global loop_running
    if kind == "drawing" and loop_running:
        loop_running = False  # once
        send()
    original_update_view_range(view, *args, **kwargs)


def warning(*args: object) -> object:
    if kind == "dialog":
        threading.Timer(0.2, send).start()  # the dialog is up by then (a little later is as good)
    return original_warning(*args)


def start_with(job: Job, on_result, on_failure, on_progress=None):  # type: ignore[no-untyped-def]
    global jobs_started
    jobs_started += 1
    if jobs_started == int(number or 0):
        function = job._function

        def work(progress, cancel):  # type: ignore[no-untyped-def]
            if kind in ("job", "stuck"):
                send()
            if kind == "stuck":
                threading.Event().wait()  # forever, whatever cancel says
            return function(progress, cancel)

        def handle(result):  # type: ignore[no-untyped-def]
            on_result(result)
            if kind == "result":
                send()

        job._function = work
        return original_start_with(job, handle, on_failure, on_progress)
    return original_start_with(job, on_result, on_failure, on_progress)


original_exec, QApplication.exec = QApplication.exec, run_loop
original_update_view_range, pg.ViewBox.updateViewRange = pg.ViewBox.updateViewRange, update_view_range
original_warning, QMessageBox.warning = QMessageBox.warning, warning
original_start_with, Job.start_with = Job.start_with, start_with
sys.argv[1:] = arguments
sys.exit(main())
