"""A Python warning raised inside a background job reaches the status bar, never the terminal."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator

import pytest

from lininspect.gui.mainwindow import MainWindow
from lininspect.gui.worker import route_warnings, start_job

JOB_MS = 20000


@pytest.fixture
def app_warnings() -> Iterator[None]:
    """The warnings as the running app has them, undone afterwards."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # what the command line sets around everything it runs
        route_warnings()  # what the app sets on start
        yield


def warning_job(text: str):  # type: ignore[no-untyped-def]
    def job(report, cancel) -> str:  # type: ignore[no-untyped-def]
        warnings.warn(text, RuntimeWarning, stacklevel=1)
        return text

    return job


def test_a_warning_in_a_job_reaches_the_status_bar_not_stderr(qtbot, window: MainWindow, capfd, app_warnings) -> None:  # type: ignore[no-untyped-def]
    results: list[str] = []
    start_job(warning_job("the coefficients look odd"), results.append, pytest.fail)
    qtbot.waitUntil(lambda: bool(results), timeout=JOB_MS)
    qtbot.waitUntil(lambda: "the coefficients look odd" in window.status.message_text, timeout=JOB_MS)
    assert window.status.message_text == "warning: the coefficients look odd"
    captured = capfd.readouterr()
    assert "coefficients" not in captured.err + captured.out


def test_a_warning_of_the_gui_thread_stays_off_the_terminal(qtbot, window: MainWindow, capfd, app_warnings) -> None:  # type: ignore[no-untyped-def]
    warnings.warn("pyqtgraph's aside", RuntimeWarning, stacklevel=1)
    captured = capfd.readouterr()
    assert "aside" not in captured.err + captured.out
    assert "aside" not in window.status.message_text


def test_overlapping_jobs_leave_the_warning_route_in_place(qtbot, window: MainWindow, capfd, app_warnings) -> None:  # type: ignore[no-untyped-def]
    """superqt swapped ``warnings.showwarning`` process-wide around each job: a job started during
    another and ending after it put the first one's hook back, and later warnings went to a
    finished job."""
    route = warnings.showwarning
    started = {name: threading.Event() for name in "ab"}
    may_end = {name: threading.Event() for name in "ab"}
    done: list[str] = []

    def hold(name: str):  # type: ignore[no-untyped-def]
        def job(report, cancel) -> str:  # type: ignore[no-untyped-def]
            started[name].set()
            may_end[name].wait(JOB_MS / 1000)
            return name

        return job

    start_job(hold("a"), done.append, pytest.fail)
    qtbot.waitUntil(started["a"].is_set, timeout=JOB_MS)
    start_job(hold("b"), done.append, pytest.fail)
    qtbot.waitUntil(started["b"].is_set, timeout=JOB_MS)
    may_end["a"].set()
    qtbot.waitUntil(lambda: done == ["a"], timeout=JOB_MS)
    may_end["b"].set()
    qtbot.waitUntil(lambda: done == ["a", "b"], timeout=JOB_MS)
    assert warnings.showwarning is route

    start_job(warning_job("after two jobs"), done.append, pytest.fail)
    qtbot.waitUntil(lambda: window.status.message_text == "warning: after two jobs", timeout=JOB_MS)
    assert "after two jobs" not in capfd.readouterr().err
