"""Background jobs never freeze the window: many jobs finishing back to back, under load, and teardown."""

from __future__ import annotations

import faulthandler
import os
import threading
from collections.abc import Iterator

import numpy as np
import pytest
from guihelpers import answers_within, open_and_wait
from PyQt6.QtCore import QThreadPool
from PyQt6.QtWidgets import QApplication, QDialog

from lininspect.core.kernels.correction import correct_arrays
from lininspect.gui.mainwindow import MainWindow
from lininspect.gui.worker import JOB_NICENESS, start_job

TRIES = 50
#: A deadlocked GUI thread cannot fail a test by itself: dump the stacks and end the run instead.
WATCHDOG_S = 240
ANSWER_MS = 1000
JOB_MS = 20000


def answers_within_a_second(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The event loop runs a timer posted now within 1 s (it is not frozen)."""
    answers_within(qtbot, ANSWER_MS)


@pytest.fixture
def watchdog() -> Iterator[None]:
    faulthandler.dump_traceback_later(WATCHDOG_S, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture
def background_correction() -> Iterator[None]:
    """A core correction running over and over in another thread, as a second job would."""
    stop = threading.Event()
    rng = np.random.default_rng(1)
    sci = rng.uniform(0, 40000, (1, 8, 256, 256)).astype(np.float32)
    coeffs = np.zeros((4, 256, 256), dtype=np.float32)
    coeffs[1] = 1

    def keep_correcting() -> None:
        while not stop.is_set():
            correct_arrays(sci, None, None, coeffs, None)

    thread = threading.Thread(target=keep_correcting, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(30)


def open_summaries(qtbot, window: MainWindow, small_files) -> None:  # type: ignore[no-untyped-def]
    """File ▸ Open, Ctrl+R, File ▸ Exposure summary; each summary counts saturated groups in a job."""
    for _ in range(TRIES):
        open_and_wait(qtbot, window, small_files.exposure)
        window.run_correction()
        window.dialogs.show_summary()
        answers_within_a_second(qtbot)
        qtbot.waitUntil(lambda: "counting..." not in window.dialogs.summary_html(), timeout=JOB_MS)
        answers_within_a_second(qtbot)
        for dialog in window.findChildren(QDialog):
            dialog.close()
    qtbot.waitUntil(lambda: window.session.result is not None, timeout=JOB_MS)


def open_residual_maps(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """Ctrl+R, then the right panel's Residual map mode (a job), then back."""
    for _ in range(TRIES):
        window.run_correction()
        qtbot.waitUntil(lambda: window.session.result is not None, timeout=JOB_MS)
        window.display.mode_box.setCurrentText("Residual map")
        answers_within_a_second(qtbot)
        qtbot.waitUntil(lambda: window.right.title.text.startswith("Residual RMS"), timeout=JOB_MS)
        answers_within_a_second(qtbot)
        window.display.mode_box.setCurrentText("Corrected")


def test_summary_and_residual_map_back_to_back(qtbot, window: MainWindow, small_files, watchdog) -> None:  # type: ignore[no-untyped-def]
    open_summaries(qtbot, window, small_files)
    open_residual_maps(qtbot, window)


def test_summary_and_residual_map_while_a_correction_runs(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, small_files, watchdog, background_correction
) -> None:
    open_summaries(qtbot, window, small_files)
    open_residual_maps(qtbot, window)


def test_jobs_run_niced_report_progress_and_drop_what_is_cancelled(qtbot) -> None:  # type: ignore[no-untyped-def]
    wanted = min(19, os.getpriority(os.PRIO_PROCESS, os.getpid()) + JOB_NICENESS)
    results: list[int] = []
    progress: list[tuple[int, int]] = []

    def niceness(report, cancel):  # type: ignore[no-untyped-def]
        report(1, 2)
        report(2, 2)
        return os.getpriority(os.PRIO_PROCESS, 0)  # this thread's, on Linux

    for _ in range(6):  # pool threads are reused: the niceness must not keep growing
        job = start_job(niceness, results.append, pytest.fail, lambda d, t: progress.append((d, t)))
        qtbot.waitUntil(lambda: job.done, timeout=JOB_MS)
    assert results == [wanted] * 6 and progress[-2:] == [(1, 2), (2, 2)]

    release = threading.Event()
    dropped: list[object] = []
    job = start_job(lambda report, cancel: release.wait(5), dropped.append, dropped.append)
    job.cancel()
    release.set()
    QThreadPool.globalInstance().waitForDone()
    QApplication.processEvents()
    assert dropped == [] and job.done


def test_a_job_of_many_steps_reports_them_to_the_gui_thread_in_few_turns(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A read-level integration reported each of its 512 tiles: as many turns of the GUI thread's loop."""
    seen: list[tuple[int, int]] = []

    def many_tiles(report, cancel):  # type: ignore[no-untyped-def]
        for done in range(1, 513):
            report(done, 512)

    job = start_job(many_tiles, lambda result: None, pytest.fail, lambda d, t: seen.append((d, t)))
    qtbot.waitUntil(lambda: job.done, timeout=JOB_MS)
    QApplication.processEvents()
    assert seen[0] == (1, 512) and seen[-1] == (512, 512)
    assert len(seen) < 50
