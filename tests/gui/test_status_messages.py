"""The status bar's messages are on screen, readable, at the widths users have (issue 15, item 1).

What is read is what a user sees: the text a visible label of the status bar paints, and
its width, not the text the window was asked to show.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from astropy.io import fits
from guihelpers import READABLE_CHARACTERS, menu_action, open_and_wait, visible_status_texts
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QFileDialog, QMessageBox

from lininspect.core.errors import CorrectionCancelled
from lininspect.gui.mainwindow import MainWindow
from lininspect.model import session as session_module

WIDTHS = (1024, 1600)


def shows(window: MainWindow, start: str) -> bool:
    """Whether a visible label of the status bar paints a message beginning ``start`` (as much as fits)."""
    wanted = start[:READABLE_CHARACTERS]
    return any(text.startswith(wanted) for text in visible_status_texts(window))


def sized(qtbot, window: MainWindow, width: int) -> MainWindow:  # type: ignore[no-untyped-def]
    """The window at ``width`` px, with a long readout (the cursor over a pixel) taking its share of the bar."""
    window.resize(width, 800)
    qtbot.waitUntil(lambda: window.width() == width, timeout=10000)
    window.status.show_readout(3, 4)
    return window


@pytest.fixture(params=WIDTHS)
def narrow_or_wide(request, qtbot, window: MainWindow) -> MainWindow:  # type: ignore[no-untyped-def]
    return sized(qtbot, window, request.param)


def run_with_menu(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    menu_action(window, "Correction", "Run").trigger()
    qtbot.waitUntil(lambda: window.session.result is not None, timeout=30000)


def test_run_says_how_many_pixels_were_not_corrected(qtbot, narrow_or_wide: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window = narrow_or_wide
    run_with_menu(qtbot, window)
    mask = window.session.no_lin_corr_mask()
    assert mask is not None
    qtbot.waitUntil(lambda: shows(window, f"corrected: {int(mask.sum())} pixels NO_LIN_CORR"), timeout=10000)


def test_export_says_which_file_it_wrote(qtbot, narrow_or_wide: MainWindow, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = narrow_or_wide
    run_with_menu(qtbot, window)
    target = tmp_path / "a_rather_long_folder_name_as_real_ones_are" / "small_linearity.fits"
    target.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))
    menu_action(window, "File", "Export corrected...").trigger()
    qtbot.waitUntil(target.is_file, timeout=30000)
    qtbot.waitUntil(lambda: shows(window, "wrote small_linearity.fits"), timeout=10000)
    assert str(target.parent) in window.status.message_label.toolTip()  # the whole folder, for who hovers


def test_cancel_says_what_was_cancelled(qtbot, narrow_or_wide: MainWindow, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    window = narrow_or_wide
    started = threading.Event()

    def stalled(*args, cancel, **kwargs):  # type: ignore[no-untyped-def]
        started.set()
        while not cancel.is_set():
            threading.Event().wait(0.005)
        raise CorrectionCancelled()

    monkeypatch.setattr(session_module, "scan_correction", stalled)
    menu_action(window, "Correction", "Run").trigger()
    assert started.wait(10)
    qtbot.mouseClick(window.status.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shows(window, "correction cancelled"), timeout=10000)  # once laid out and painted


def test_an_input_that_drops_the_reference_says_why(qtbot, narrow_or_wide: MainWindow, small_files, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    window = narrow_or_wide
    other = tmp_path / "other_detector.fits"
    with fits.open(small_files.exposure) as hdus:
        hdus[0].header["DETECTOR"] = "MIRIFULONG"
        hdus.writeto(other)
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: pytest.fail(f"no dialog expected: {args[2]}"))
    open_and_wait(qtbot, window, other)
    assert window.session.reference is None
    qtbot.waitUntil(lambda: shows(window, "note: reference dropped"), timeout=10000)


def test_a_message_goes_after_its_time(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.status.message("short-lived", 2000)
    qtbot.waitUntil(lambda: shows(window, "short-lived"), timeout=10000)
    qtbot.waitUntil(lambda: not shows(window, "short-lived"), timeout=10000)


def test_a_longer_message_is_whole_the_moment_it_is_set(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """A message set in the same turn of the event loop that reads it (a job's last word, read by whoever
    waited for it) is painted whole, not elided to the room the shorter one before it had."""
    window.resize(1400, 800)
    qtbot.waitUntil(lambda: window.width() == 1400, timeout=10000)
    window.status.message("short")
    qtbot.waitUntil(lambda: shows(window, "short"), timeout=10000)
    longer = "session review.json restored (note: pixel (999, 999) is outside the exposure; the box is outside it)"
    window.status.message(longer)  # no event processed before the label is read
    assert longer in visible_status_texts(window)
