"""What the window shows around a run: cancel, readout under a still cursor, a new input, a bad file, export."""

from __future__ import annotations

import threading

import numpy as np
from astropy.io import fits
from guihelpers import hover, open_and_wait
from PyQt6.QtCore import Qt, QThreadPool
from PyQt6.QtWidgets import QApplication, QMessageBox

from lininspect.core.errors import CorrectionCancelled
from lininspect.core.fits.product import correct_file
from lininspect.model import session as session_module
from lininspect.gui.app import launch
from lininspect.gui.mainwindow import MainWindow
from lininspect.model.opening import OpeningRequest

RUN_TIMEOUT_MS = 10000


def finish(qtbot, job) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: job.done, timeout=RUN_TIMEOUT_MS)


def stall_corrections(monkeypatch) -> threading.Event:  # type: ignore[no-untyped-def]
    """Corrections that wait for cancel; the returned event is set once one has started."""
    started = threading.Event()

    def stalled(*args, cancel, **kwargs):  # type: ignore[no-untyped-def]
        started.set()
        while not cancel.is_set():
            threading.Event().wait(0.005)
        raise CorrectionCancelled()

    monkeypatch.setattr(session_module, "scan_correction", stalled)
    return started


def test_cancel_brings_back_the_previous_result(qtbot, window: MainWindow, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    finish(qtbot, window.run_correction())
    previous = window.session.result
    shown = window.right.image.image.copy()
    title = window.right.title.text
    started = stall_corrections(monkeypatch)
    window.run_correction()
    assert started.wait(5)
    assert "Correcting..." in window.right.message.toPlainText() and not window.actions.export_action.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.session.result is previous
    assert window.actions.export_action.isEnabled()
    assert window.right.message.toPlainText() == "" and window.right.title.text == title
    np.testing.assert_array_equal(window.right.image.image, shown)
    assert not window.status.progress.isVisible() and "cancelled" in window.status.message_text


def test_readout_follows_the_group_under_a_still_cursor(qtbot, window: MainWindow, small_files) -> None:  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitActive(window)
    hover(qtbot, window, 12, 7)
    with fits.open(small_files.exposure) as hdul:
        ramp = hdul["SCI"].data[0, :, 7, 12].astype(np.float32)
    assert f"input {float(ramp[window.group]):.6g} DN" in window.status.readout.text()
    qtbot.keyClick(window.left, Qt.Key.Key_Left)
    assert window.group == 4
    assert f"input {float(ramp[4]):.6g} DN" in window.status.readout.text()
    window.frame.group_slider.setValue(1)
    assert f"input {float(ramp[1]):.6g} DN" in window.status.readout.text()


def test_a_new_input_clears_the_right_colour_bar_and_centres_its_hint(qtbot, window: MainWindow, tmp_path) -> None:  # type: ignore[no-untyped-def]
    finish(qtbot, window.run_correction())
    bar = window.right.colourbar.getAxis("right")
    assert bar.labelText == "DN"
    window.left.view.setRange(xRange=(30, 45), yRange=(25, 38), padding=0)  # zoomed into a corner
    other = tmp_path / "wide_lastframe.fits"
    rng = np.random.default_rng(3)
    sci = rng.uniform(100, 200, (1, 3, 120, 300)).astype(np.float32)
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(sci, name="SCI")]).writeto(other)
    open_and_wait(qtbot, window, other)
    assert window.session.reference is None  # 300 x 120 is not covered by the 50 x 40 reference
    assert not window.right.image.isVisible()
    assert bar.labelText == "" and not any(bar._tickLevels)  # noqa: SLF001 (pyqtgraph keeps set ticks here)
    message = window.right.message
    assert message.toPlainText() == "Open a linearity reference" and message.isVisible()
    assert window.right.view.viewRect().contains(message.pos())
    window.left.view.setRange(xRange=(0, 20), yRange=(0, 10), padding=0)
    assert window.right.view.viewRect().contains(message.pos())  # still centred after a zoom


def test_a_bad_file_on_the_command_line_opens_the_window_with_a_dialog(qtbot, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append(text))

    def run_until_refused(self) -> int:  # instead of running the app: until the file, read in a job, is refused
        qtbot.waitUntil(lambda: bool(shown), timeout=RUN_TIMEOUT_MS)
        QThreadPool.globalInstance().waitForDone()
        return 0

    monkeypatch.setattr(QApplication, "exec", run_until_refused)
    monkeypatch.setattr("sys.excepthook", None)
    bad = tmp_path / "bad.fits"
    bad.write_bytes(b"SIMPLE  = not really")
    assert launch(OpeningRequest(bad)) == 0
    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
    assert len(windows) == 1
    window = windows[0]
    qtbot.addWidget(window)
    assert shown and str(bad) in shown[0]
    assert window.session.exposure is None and "Open an exposure" in window.left.message.toPlainText()
    window.close()


def test_export_runs_in_a_job_and_cancel_leaves_no_file(qtbot, window: MainWindow, small_files, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    finish(qtbot, window.run_correction())
    target = tmp_path / "gui_linearity.fits"
    seen: list[int] = []
    window.status.progress.valueChanged.connect(seen.append)
    job = window.jobs.export_in_background(target)
    assert window.status.progress.isVisible() and window.status.progress.format() == "exporting %p%"
    finish(qtbot, job)
    assert seen[-1] == 100 and not window.status.progress.isVisible()
    assert f"wrote {target.name} (in {target.parent})" in window.status.message_text
    (tmp_path / "cli").mkdir()  # the same name elsewhere: a product records its own FILENAME
    correct_file(small_files.exposure, small_files.reference, tmp_path / "cli" / target.name)
    assert target.read_bytes() == (tmp_path / "cli" / target.name).read_bytes()

    release = threading.Event()
    real_export = session_module.correct_file

    def slow_export(*args, progress, cancel, **kwargs):  # type: ignore[no-untyped-def]
        def hold(done: int, total: int) -> None:
            release.wait(5)
            progress(done, total)

        return real_export(*args, progress=hold, cancel=cancel, **kwargs)

    monkeypatch.setattr(session_module, "correct_file", slow_export)
    second = tmp_path / "cancelled_linearity.fits"
    job = window.jobs.export_in_background(second)
    qtbot.mouseClick(window.status.cancel_button, Qt.MouseButton.LeftButton)
    release.set()
    QThreadPool.globalInstance().waitForDone()
    QApplication.processEvents()
    assert job.cancelled and "export cancelled" in window.status.message_text
    assert not list(tmp_path.glob("*cancelled*"))
