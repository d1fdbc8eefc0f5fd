"""Opening an exposure reads it in a job: the GUI thread keeps answering, Esc cancels, the newest opening wins."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
from guihelpers import assert_drawn_as_chosen, menu_action, shown_window, work_on_the_gui_thread
from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QFileDialog

from lininspect.core import dq
from lininspect.core.analysis import analysis
from lininspect.core.fits import exposure as exposure_module
from lininspect.core.fits.exposure import open_exposure
from lininspect.core.fits.product import correct_file
from lininspect.core.kernels import pathway
from lininspect.core.references import reference as reference_module
from lininspect.gui import settingsfile
from lininspect.model import session as session_module

#: Only detects a hang: the slowed read takes seconds, a GUI thread that waits on it misses every beat.
LATE_MS = 1000
WAIT_MS = 60000


def gated_reads(request, monkeypatch, slow: set[str]) -> threading.Event:  # type: ignore[no-untyped-def]
    """Reads of files named in ``slow`` wait until the returned event is set (at most 30 s); others read as before."""
    gate = threading.Event()
    real = exposure_module._open_held

    def held_back(held):  # type: ignore[no-untyped-def]
        if held.path.name in slow:
            gate.wait(30)
        return real(held)

    monkeypatch.setattr(exposure_module, "_open_held", held_back)
    request.addfinalizer(gate.set)  # no read outlives its test
    return gate


def copy_of(source: Path, target: Path) -> Path:
    target.write_bytes(source.read_bytes())
    return target


def test_the_gui_thread_keeps_answering_while_a_slow_file_opens(qtbot, small_files, tmp_path, monkeypatch, request) -> None:  # type: ignore[no-untyped-def]
    window = shown_window(qtbot, None, None)
    slow = copy_of(small_files.exposure, tmp_path / "slow.fits")
    gate = gated_reads(request, monkeypatch, {slow.name})
    beats: list[float] = []
    heartbeat = QTimer(window)
    heartbeat.timeout.connect(lambda: beats.append(time.monotonic()))
    heartbeat.start(20)
    threading.Timer(2.0, gate.set).start()  # the read takes two seconds
    window.actions.open_dropped([slow])  # drag-and-drop, as File ▸ Open and recent files do
    assert "opening slow.fits" in window.status.message_text
    qtbot.waitUntil(lambda: window.session.input_path == slow, timeout=WAIT_MS)
    heartbeat.stop()
    gaps = [later - earlier for earlier, later in zip(beats, beats[1:])]
    assert gaps and max(gaps) * 1000 < LATE_MS
    assert "slow.fits" in window.windowTitle()
    assert "opened slow.fits" in window.status.message_text
    window.close()


def test_esc_cancels_an_opening_and_the_shown_exposure_stays(qtbot, small_files, tmp_path, monkeypatch, request) -> None:  # type: ignore[no-untyped-def]
    window = shown_window(qtbot, small_files.exposure, None)
    slow = copy_of(small_files.exposure, tmp_path / "slow.fits")
    gate = gated_reads(request, monkeypatch, {slow.name})
    job = window.open_input(slow)
    cancel = menu_action(window, "Correction", "Cancel")
    assert cancel.shortcut().toString() == "Esc"
    cancel.trigger()
    assert job.cancelled
    assert window.status.message_text == "opening cancelled"
    gate.set()
    qtbot.wait(300)
    assert window.session.input_path == small_files.exposure
    assert window.windowTitle().endswith(small_files.exposure.name)
    window.close()


def test_the_newest_of_two_openings_wins(qtbot, small_files, tmp_path, monkeypatch, request) -> None:  # type: ignore[no-untyped-def]
    window = shown_window(qtbot, None, None)
    slow = copy_of(small_files.exposure, tmp_path / "slow.fits")
    newest = copy_of(small_files.exposure, tmp_path / "newest.fits")
    gate = gated_reads(request, monkeypatch, {slow.name})
    first = window.open_input(slow)
    second = window.open_input(newest)
    qtbot.waitUntil(lambda: second.done, timeout=WAIT_MS)
    gate.set()  # the older read now ends too, after the newer one
    qtbot.wait(300)
    assert first.cancelled
    assert window.session.input_path == newest
    assert window.windowTitle().endswith("newest.fits")
    window.close()


def test_a_reference_chosen_from_the_menu_is_read_without_stalling_the_window(qtbot, small_files, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    window = shown_window(qtbot, small_files.exposure, None)
    gate = threading.Event()
    real = reference_module._coefficient_planes

    def held_back(*args, **kwargs):  # type: ignore[no-untyped-def]
        gate.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(reference_module, "_coefficient_planes", held_back)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(small_files.reference), ""))
    beats: list[float] = []
    heartbeat = QTimer(window)
    heartbeat.timeout.connect(lambda: beats.append(time.monotonic()))
    heartbeat.start(20)
    reading = threading.Timer(2.0, gate.set)  # the read takes two seconds
    reading.start()
    try:
        menu_action(window, "File", "Choose reference...").trigger()
        assert window.status.message_text == f"reading reference {small_files.reference.name}..."
        qtbot.waitUntil(lambda: window.session.reference is not None, timeout=WAIT_MS)
    finally:
        gate.set()
    heartbeat.stop()
    gaps = [later - earlier for earlier, later in zip(beats, beats[1:])]
    assert gaps and max(gaps) * 1000 < LATE_MS
    assert window.session.reference.path == small_files.reference
    assert window.actions.run_action.isEnabled()
    window.close()


def test_a_reference_or_exposure_read_in_a_job_is_prepared_there_not_on_the_gui_thread(qtbot, small_files, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Preparing the coefficients, correcting the plane shown and finding the NO_LIN_CORR pixels took the GUI thread
    40-60 ms after every opening of a full frame; the job that reads the file now does them, and the window shows
    what it showed before."""
    window = shown_window(qtbot, small_files.exposure, None)
    correct_file(small_files.exposure, small_files.reference, tmp_path / "corrected.fits")
    expected = open_exposure(tmp_path / "corrected.fits").plane(0, window.group)
    work: dict[str, list[bool]] = {"prepare": [], "no_lin_corr": []}  # on the GUI thread, call by call
    real_prepare, real_no_lin_corr = pathway.CorrectionPlan.prepare, session_module.no_lin_corr_pixels

    def recorded_prepare(plan, pixeldq, ngroups):  # type: ignore[no-untyped-def]
        work["prepare"].append(threading.current_thread() is threading.main_thread())
        return real_prepare(plan, pixeldq, ngroups)

    def recorded_no_lin_corr(pixeldq):  # type: ignore[no-untyped-def]
        work["no_lin_corr"].append(threading.current_thread() is threading.main_thread())
        return real_no_lin_corr(pixeldq)

    monkeypatch.setattr(pathway.CorrectionPlan, "prepare", recorded_prepare)
    monkeypatch.setattr(session_module, "no_lin_corr_pixels", recorded_no_lin_corr)

    def shows_the_correction() -> None:
        low, high = analysis.display_limits(expected, window.display.limits_box.currentText())
        np.testing.assert_array_equal(window.right.image.image,
                                      analysis.stretch(expected, low, high, window.display.stretch_box.currentText()))  # fmt: skip
        flagged = int(np.count_nonzero(window.session.result_pixeldq() & dq.NO_LIN_CORR))
        assert flagged > 0 and window.inspector.flagged_box.specialValueText() == f"NO_LIN_CORR: {flagged} pixels"

    reading = window.open_reference_in_background(small_files.reference)
    qtbot.waitUntil(lambda: reading.done, timeout=WAIT_MS)
    assert window.session.reference is not None
    shows_the_correction()
    other = copy_of(small_files.exposure, tmp_path / "other.fits")
    opening = window.open_input(other)  # reference A stays loaded: its correction of the new file is readied too
    qtbot.waitUntil(lambda: opening.done, timeout=WAIT_MS)
    assert window.session.input_path == other
    shows_the_correction()
    assert work == {"prepare": [False, False], "no_lin_corr": [False, False]}
    window.close()


def test_the_plane_an_opening_job_read_is_drawn_without_reading_or_scaling_it_on_the_gui_thread(qtbot, small_files, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The job read the plane shown first, then the GUI thread read it again (12-33 ms on a 1 GB file) and computed
    its limits and stretch to draw it; the job now does all three, and the panel shows what it showed before."""
    window = shown_window(qtbot, None, None)
    path = copy_of(small_files.exposure, tmp_path / "fresh.fits")
    plane_size = int(np.prod(open_exposure(small_files.exposure).shape[2:]))
    on_gui_thread = work_on_the_gui_thread(monkeypatch, plane_size)
    opening = window.open_input(path)
    qtbot.waitUntil(lambda: opening.done, timeout=WAIT_MS)
    monkeypatch.undo()
    assert window.session.input_path == path
    assert_drawn_as_chosen(window, window.left, open_exposure(small_files.exposure).plane(0, window.group))
    assert on_gui_thread == []
    window.close()


def test_the_correction_a_reference_job_readied_is_drawn_without_scaling_it_on_the_gui_thread(qtbot, small_files, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The job that reads a reference corrects the plane shown and computes its limits and stretch; the panel looks
    them up by the plane itself, which the correction returned as a new view each time it was asked, so the GUI
    thread computed them again (5-8 ms on a full frame, in the turn that paints the image)."""
    window = shown_window(qtbot, None, None)
    opening = window.open_input(small_files.exposure)  # its plane made ready to draw in the job, as the reference's
    qtbot.waitUntil(lambda: opening.done, timeout=WAIT_MS)
    correct_file(small_files.exposure, small_files.reference, tmp_path / "corrected.fits")
    expected = open_exposure(tmp_path / "corrected.fits").plane(0, window.group)
    on_gui_thread = work_on_the_gui_thread(monkeypatch, expected.size)
    reading = window.open_reference_in_background(small_files.reference)
    qtbot.waitUntil(lambda: reading.done, timeout=WAIT_MS)
    monkeypatch.undo()
    assert_drawn_as_chosen(window, window.right, expected)
    assert on_gui_thread == []
    window.close()


def test_an_opened_file_joins_the_recent_files_on_disk_after_its_turn_not_in_it(qtbot, small_files, private_settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Writing the settings file waits for the disk (5-25 ms); QSettings did it in the turn after the recent files
    changed, the one that paints the file just opened. The file is written later in a turn of its own, or on closing."""
    monkeypatch.setattr(settingsfile, "SYNC_DELAY_MS", 60_000)  # later than this test looks
    window = shown_window(qtbot, None, None)
    opening = window.open_input(small_files.exposure)
    qtbot.waitUntil(lambda: opening.done, timeout=WAIT_MS)
    qtbot.wait(100)  # the turns that follow the opening, the paint included
    assert str(small_files.exposure.resolve()) in window.actions._recent()  # the menu has it already
    written = f"last_dir={small_files.exposure.resolve().parent}\n"  # the recent files are a binary variant
    assert written not in (private_settings.read_text() if private_settings.exists() else "")
    window.close()
    assert written in private_settings.read_text()


def test_a_reference_read_leaves_the_input_panel_and_its_colour_bar_as_drawn(qtbot, small_files, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A new reference changes the right panel only; the left one was given its image, colours and scale again, and
    pyqtgraph converted the whole frame again to paint it, in the turn that paints the corrected image."""
    window = shown_window(qtbot, None, None)
    opening = window.open_input(small_files.exposure)
    qtbot.waitUntil(lambda: opening.done, timeout=WAIT_MS)
    shown, ticks = window.left.image.image, window.left.colourbar.getAxis("right")._tickLevels
    given: list[str] = []
    for name, item in (("image", window.left.image), ("colour bar", window.left.colourbar._image)):
        real = item.setImage
        monkeypatch.setattr(item, "setImage", lambda *args, real=real, name=name, **kwargs: (given.append(name), real(*args, **kwargs))[1])
    reading = window.open_reference_in_background(small_files.reference)
    qtbot.waitUntil(lambda: reading.done, timeout=WAIT_MS)
    assert window.right.image.isVisible() and window.right.title.text.startswith("Corrected")
    assert given == []
    assert window.left.image.image is shown and window.left.image.isVisible()
    assert window.left.colourbar.getAxis("right")._tickLevels == ticks
    window.close()
