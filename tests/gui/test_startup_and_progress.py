"""What the window says while its first files load, how its progress bar reads, and quitting at once
(issue 15, items 6 and 11)."""

from __future__ import annotations

import threading

from guihelpers import menu_action
from PyQt6.QtCore import Qt

from lininspect.gui import crdslookup
from lininspect.gui.app import show_window
from lininspect.gui.mainwindow import MainWindow
from lininspect.model import session as session_module
from lininspect.model.opening import OpeningRequest

JOB_MS = 60000


def test_the_right_panel_says_the_named_reference_is_loading(qtbot, small_files, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """``lininspect RAMP --reference REF``: until REF is read, not "Open a linearity reference"."""
    release = threading.Event()
    real = crdslookup.open_reference

    def slow(path):  # type: ignore[no-untyped-def]
        release.wait(30)
        return real(path)

    monkeypatch.setattr(crdslookup, "open_reference", slow)
    window = show_window(OpeningRequest(small_files.exposure, small_files.reference, resolve=True))
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.right.message.toPlainText() == f"Loading reference {small_files.reference.name}…",
                    timeout=JOB_MS)  # fmt: skip
    release.set()
    qtbot.waitUntil(lambda: window.session.result is not None, timeout=JOB_MS)
    assert window.right.message.toPlainText() == ""  # the corrected image replaced the words
    window.close()


def test_the_progress_text_fits_the_bar_on_one_line(qtbot, window: MainWindow, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    window.resize(1024, 800)
    started = threading.Event()

    def stalled(*args, progress, cancel, **kwargs):  # type: ignore[no-untyped-def]
        progress(100, 100)
        started.set()
        while not cancel.is_set():
            threading.Event().wait(0.005)
        raise session_module.CorrectionCancelled()

    monkeypatch.setattr(session_module, "scan_correction", stalled)
    menu_action(window, "Correction", "Run").trigger()
    assert started.wait(10)
    bar = window.status.progress
    qtbot.waitUntil(lambda: bar.text() == "correcting 100%", timeout=JOB_MS)
    # Fusion wraps the text once it is wider than the bar's inside (issue 15, item 11: two lines).
    assert bar.fontMetrics().horizontalAdvance(bar.text()) <= bar.contentsRect().width() - 8
    qtbot.mouseClick(window.status.cancel_button, Qt.MouseButton.LeftButton)


def test_ctrl_q_right_after_start_closes_the_window_at_once(qtbot, small_files, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Quit while the start-up lookup still reads the reference: the window is gone before its job is waited for."""
    from lininspect.gui import mainwindow

    release = threading.Event()
    real_open, real_wait = crdslookup.open_reference, mainwindow.wait_for_jobs

    def slow(path):  # type: ignore[no-untyped-def]
        release.wait(30)
        return real_open(path)

    visible_while_waiting: list[bool] = []

    def watched_wait(jobs):  # type: ignore[no-untyped-def]
        visible_while_waiting.append(window.isVisible())
        release.set()  # the job may end now
        real_wait(jobs)

    monkeypatch.setattr(crdslookup, "open_reference", slow)
    monkeypatch.setattr(mainwindow, "wait_for_jobs", watched_wait)
    window = show_window(OpeningRequest(small_files.exposure, small_files.reference, resolve=True))
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.jobs.lookup.running, timeout=30000)  # once the exposure is read, in a job
    with qtbot.waitActive(window):  # the key goes to the active window, as a user's does
        window.activateWindow()
    assert window.jobs.lookup.running
    qtbot.keyClick(window.left, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert visible_while_waiting == [False]
    assert not window.isVisible()


def test_the_window_is_on_the_screen_before_its_first_file_is_read(qtbot, small_files, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Issue 19, target 5: a cold start ends at the window's first paint, not after the demo is read and
    its correction started; the files come after (each a dialog if it fails, in front of the window)."""
    seen: list[tuple[bool, bool]] = []
    real = MainWindow.open_request

    def recording(self, request, **kwargs):  # type: ignore[no-untyped-def]
        handle = self.windowHandle()
        seen.append((handle is not None and handle.isExposed(), self.session.exposure is None))
        return real(self, request, **kwargs)

    monkeypatch.setattr(MainWindow, "open_request", recording)
    window = show_window(OpeningRequest(small_files.exposure, small_files.reference))
    qtbot.addWidget(window)
    assert seen == [(True, True)]  # exposed, and nothing read yet
    qtbot.waitUntil(lambda: window.session.exposure is not None, timeout=30000)  # read in a job
    assert window.session.exposure is not None and window.left.title.text.startswith("Input")
    window.close()
