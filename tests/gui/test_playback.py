"""Groups from the plots: Play (Space) through groups and integrations, a click on the ramp or ratio plot
shows that group, and either panel shows group g minus g−1."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.io import fits
from guihelpers import hover, menu_action, open_and_wait, shown_window
from PyQt6.QtCore import QPointF, Qt
from PyQt6.QtGui import QKeySequence

from lininspect.core.analysis import analysis
from lininspect.gui.mainwindow import MainWindow

PLAY_MS = 20_000  # only detects a hang


def test_space_plays_through_the_groups_into_the_next_integration_and_pauses(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    frame = window.frame
    nints, ngroups = window.view.frames
    assert nints > 1
    window.set_frame(0, 0)
    frame.rate_box.setValue(30.0)
    qtbot.keyClick(window.left, Qt.Key.Key_Space)
    assert frame.playing and frame.play_action.text() == "⏸ Pause"
    qtbot.waitUntil(lambda: window.view.group == 2, timeout=PLAY_MS)
    # The box and the panel show the frame played; on a busy machine the wait may first see group 2 of the
    # next integration (a frame comes every 33 ms), so the title is checked against the view's integration.
    assert frame.group_box.value() == 2
    assert window.left.title.text.endswith(f"integration {window.view.integration}, group 2")
    qtbot.waitUntil(lambda: window.view.integration == 1, timeout=PLAY_MS)  # on past the last group
    assert frame.integration_box.value() == 1
    qtbot.keyClick(window.left, Qt.Key.Key_Space)
    assert not frame.playing and frame.play_action.text() == "▶ Play"
    shown = (window.view.integration, window.view.group)
    qtbot.wait(200)  # six frames' time at 30 a second: none comes
    assert (window.view.integration, window.view.group) == shown
    assert menu_action(window, "View", "▶ Play").shortcut() == QKeySequence(Qt.Key.Key_Space.value)  # in Help too


def _click_plot(qtbot, window: MainWindow, plot, group: float, y: float) -> None:  # type: ignore[no-untyped-def]
    plots = window.inspector.plots
    scene = plot.vb.mapViewToScene(QPointF(group, y))
    qtbot.mouseClick(plots.viewport(), Qt.MouseButton.LeftButton, pos=plots.mapFromScene(scene))


def test_a_click_on_the_ramp_or_ratio_plot_shows_that_group(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.select_pixel(30, 20)
    qtbot.waitUntil(lambda: window.inspector.facts is not None and bool(window.inspector.curves.get("input")))
    inspector = window.inspector
    raw = inspector.facts.raw[0]
    _click_plot(qtbot, window, inspector.ramp_plot, 3.2, float(raw[3]))
    qtbot.waitUntil(lambda: window.view.group == 3)
    assert window.frame.group_box.value() == 3 and window.left.title.text.endswith("group 3")
    assert inspector.group_lines[0].value() == 3
    ratio = inspector.curves["ratio"][0].getData()[1]
    _click_plot(qtbot, window, inspector.ratio_plot, 1.0, float(ratio[1]))
    qtbot.waitUntil(lambda: window.view.group == 1)
    assert window.frame.group_box.value() == 1


def test_either_panel_shows_group_g_minus_the_group_before(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.set_frame(1, 4)
    now, before = (window.session.input_plane(1, g) for g in (4, 3))
    steps = now - before
    for box in (window.display.left_box, window.display.mode_box):  # the short labels, spelled out
        tip = box.itemData(box.findText("g−(g−1)"), Qt.ItemDataRole.ToolTipRole)
        assert tip == "The input's displayed group minus the group before it"
    window.display.left_box.setCurrentText("g−(g−1)")
    low, high = analysis.display_limits(steps, "zscale")
    np.testing.assert_array_equal(window.left.image.image, analysis.stretch(steps, low, high, "linear"))
    assert window.left.title.text.startswith("g−(g−1) — integration 1, group 4")

    corrected = window.session.correction()
    corrected_steps = corrected.plane(1, 4) - corrected.plane(1, 3)
    window.display.mode_box.setCurrentText("A g−(g−1)")
    qtbot.waitUntil(lambda: window.right.title.text.startswith("A g−(g−1)"))
    low, high = analysis.display_limits(corrected_steps, "zscale")
    np.testing.assert_array_equal(window.right.image.image, analysis.stretch(corrected_steps, low, high, "linear"))
    assert not np.array_equal(corrected_steps, steps)  # the corrected steps are the input's, bent

    hover(qtbot, window, 30, 20)  # the value under the cursor, as for the other difference maps
    qtbot.waitUntil(lambda: f"A g−(g−1) {float(corrected_steps[20, 30]):.6g} DN" in window.status.readout.text())
    menu_action(window, "View", "Go to worst pixel of the map").trigger()  # the largest step first
    flat = int(np.nanargmax(np.abs(corrected_steps)))
    assert window.view.pixel == (flat % corrected_steps.shape[1], flat // corrected_steps.shape[1])
    assert window.status.message_text.startswith("A g−(g−1): pixel 1 of")

    window.set_frame(1, 0)  # nothing before group 0: a hint rather than a blank panel
    assert window.left.message.textItem.toPlainText() == "Group 0 has no group before it: show group 1 or later"
    assert not window.left.image.isVisible() and window.left.title.text.endswith("integration 1, group 0")


def test_opening_an_exposure_of_another_size_stops_the_play(window: MainWindow, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    menu_action(window, "View", "▶ Play").trigger()
    assert window.frame.playing
    other = tmp_path / "other.fits"
    primary = fits.PrimaryHDU()
    primary.header.update(INSTRUME="MIRI", DETECTOR="MIRIMAGE", NINTS=1, NGROUPS=3)
    fits.HDUList([primary, fits.ImageHDU(np.ones((1, 3, 4, 4), np.float32), name="SCI")]).writeto(other)
    open_and_wait(qtbot, window, other)
    qtbot.waitUntil(lambda: window.view.frames == (1, 3))
    assert not window.frame.playing and window.frame.play_action.text() == "▶ Play"


def test_closing_the_window_while_it_plays_stops_the_play(qtbot, small_files) -> None:  # type: ignore[no-untyped-def]
    """The play's timer went on drawing into the closed window's panels ("wrapped C/C++ object of type ImageItem
    has been deleted" from the event loop, every frame)."""
    window = shown_window(qtbot, small_files.exposure, small_files.reference)
    window.frame.rate_box.setValue(30.0)
    window.frame.play_action.trigger()
    assert window.frame.playing
    window.close()
    assert not window.frame.playing
    qtbot.wait(200)  # six frames' time at 30 a second: none is drawn (pytest-qt fails on an exception in the loop)
