"""Each panel is scaled from its own data (issue 15 item 4); a link shares a choice or the very limits."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from guihelpers import hover, menu_action
from PyQt6.QtCore import QPoint, Qt

from lininspect.core.analysis import analysis
from lininspect.gui.mainwindow import MainWindow
from lininspect.model.viewstate import Limits


def _ticks(panel) -> dict[float, float]:  # type: ignore[no-untyped-def]
    """The numbers on a panel's colour bar, as the user reads them, and where on the bar (0..1) each sits."""
    return {float(label): position for position, label in panel.colourbar.getAxis("right")._tickLevels[0]}


def test_the_corrected_panel_takes_its_limits_from_its_own_data(window: MainWindow) -> None:
    """Under zscale a correction a few per cent above the input gets its own limits, not the input's."""
    assert window.display.limits_box.currentText() == "zscale"
    window.set_frame(0, window.view.frames[1] - 1)
    i, g = window.view.integration, window.view.group
    plane, corrected = window.session.input_plane(i, g), window.session.corrected_plane(i, g)
    own, inputs = analysis.display_limits(corrected, "zscale"), analysis.display_limits(plane, "zscale")
    assert own[1] > inputs[1] * 1.01  # on the input's limits the correction's bright end would clip
    np.testing.assert_array_equal(window.right.image.image, analysis.stretch(corrected, *own, "linear"))
    np.testing.assert_array_equal(window.left.image.image, analysis.stretch(plane, *inputs, "linear"))
    for value, position in _ticks(window.right).items():  # the colour bar is the correction's own
        assert position == analysis.stretch(value, *own, "linear")


def _scale_tool(window: MainWindow, qtbot):  # type: ignore[no-untyped-def]
    """The Scale tool, shown from its Tools menu entry as a user shows it."""
    menu_action(window, "Tools", "Scale").trigger()
    tool = window.tool_docks.tools["scale"]
    qtbot.waitUntil(lambda: tool.running)
    return tool


def _type(qtbot, edit, text: str, *, enter: bool = True) -> None:  # type: ignore[no-untyped-def]
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    if enter:
        qtbot.keyClick(edit, Qt.Key.Key_Return)


def _untick(qtbot, check) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=QPoint(8, check.height() // 2))


def test_the_scale_tool_sets_each_panel_shows_its_histogram_and_locks_the_scale(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    tool = _scale_tool(window, qtbot)
    left, right = tool.panels["left"], tool.panels["right"]
    i, g = window.view.integration, window.view.group
    plane, corrected = window.session.input_plane(i, g), window.session.corrected_plane(i, g)
    own = analysis.display_limits(corrected, "zscale")

    # The levels widget: the histogram of what the panel draws, a line at each limit, the limits as text.
    counts, edges = analysis.histogram(corrected, *own, 128)
    xs, ys = right.bars.getData()
    np.testing.assert_array_equal(ys, counts)
    assert (right.low_line.value(), right.high_line.value()) == own
    assert (float(right.low_edit.text()), float(right.high_edit.text())) == pytest.approx(own, rel=1e-5)

    # Stretch unlinked: the right panel alone goes to log.
    _untick(qtbot, tool.links["stretch"])
    assert "stretch" not in window.view.linked
    right.stretch_box.setCurrentText("log")
    np.testing.assert_array_equal(window.right.image.image, analysis.stretch(corrected, *own, "log"))
    inputs = analysis.display_limits(plane, "zscale")
    np.testing.assert_array_equal(window.left.image.image, analysis.stretch(plane, *inputs, "linear"))
    assert window.display.stretch_box.currentText() == "linear"  # the toolbar shows the left panel's

    # Typed limits on the left: it becomes "user"; the right keeps the limits it showed.
    _type(qtbot, left.low_edit, "1000", enter=False)
    _type(qtbot, left.high_edit, "20000")
    assert left.limits_box.currentText() == "user" and window.view.left_display.user_limits == (1000.0, 20000.0)
    np.testing.assert_array_equal(window.left.image.image, analysis.stretch(plane, 1000.0, 20000.0, "linear"))
    np.testing.assert_array_equal(window.right.image.image, analysis.stretch(corrected, *own, "log"))
    assert (left.low_line.value(), left.high_line.value()) == (1000.0, 20000.0)

    # Lock scale: the right panel on the left's very limits.
    _untick(qtbot, tool.links["scale"])
    np.testing.assert_array_equal(window.right.image.image, analysis.stretch(corrected, 1000.0, 20000.0, "log"))
    assert (right.low_edit.text(), right.high_edit.text()) == ("1000", "20000")
    assert not right.low_edit.isEnabled() and not right.limits_box.isEnabled() and not right.low_line.movable

    # A grey colour map, on the left only once unlinked.
    _untick(qtbot, tool.links["colourmap"])
    left.colourmap_box.setCurrentText("grey")
    assert window.left.image.getColorMap().name == "grey" and window.right.image.getColorMap().name == "inferno"


def test_typed_limits_the_wrong_way_round_are_a_dialog(window: MainWindow, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    told: list[str] = []
    monkeypatch.setattr(window.dialogs, "show_error", told.append)
    tool = _scale_tool(window, qtbot)
    before = window.left.image.image.copy()
    _type(qtbot, tool.panels["left"].low_edit, "500", enter=False)
    _type(qtbot, tool.panels["left"].high_edit, "100")
    assert told == ["the colour scale's minimum (500) must be below its maximum (100)"]
    np.testing.assert_array_equal(window.left.image.image, before)


def test_histogram_equalisation_log_and_squared_stretches_from_the_toolbar(window: MainWindow) -> None:
    i, g = window.view.integration, window.view.group
    plane = window.session.input_plane(i, g)
    limits = analysis.display_limits(plane, "zscale")
    window.display.stretch_box.setCurrentText("histeq")
    # Equalised through the colour map: the image stays linear, the map spreads the pixels evenly.
    linear = analysis.stretch(plane, *limits, "linear")
    np.testing.assert_array_equal(window.left.image.image, linear)
    shown_map, base = window.left.image.getColorMap(), pg.colormap.get("inferno")
    median = float(np.median(linear[(plane > limits[0]) & (plane < limits[1])]))
    seen, half = shown_map.map(median, mode="byte"), base.map(0.5, mode="byte")
    assert np.abs(np.asarray(seen, int) - np.asarray(half, int)).max() <= 12  # the median pixel gets the middle colour
    assert np.abs(np.asarray(base.map(median, mode="byte"), int) - np.asarray(half, int)).max() > 12  # unequalised it would not
    np.testing.assert_array_equal(window.left.colourbar._image.getColorMap().color, shown_map.color)

    window.display.stretch_box.setCurrentText("log")
    np.testing.assert_array_equal(window.left.image.image, analysis.stretch(plane, *limits, "log"))
    window.view.set_display("left", limits=Limits.USER, user_limits=(0.0, 60000.0))  # log packs the top ticks
    positions = sorted(_ticks(window.left).values())
    assert len(positions) >= 2 and min(np.diff(positions)) >= 0.04  # crowded ticks dropped, the rest legible
    window.view.update(limits=Limits.ZSCALE)
    window.display.stretch_box.setCurrentText("squared")
    np.testing.assert_array_equal(window.left.image.image, linear**2)


def test_a_lock_keeps_the_limits_across_integrations(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.set_frame(0, 2)
    kept = analysis.display_limits(window.session.input_plane(0, 2), "zscale")
    tool = _scale_tool(window, qtbot)
    _untick(qtbot, tool.lock)
    assert window.display.lock_limits.isChecked()
    qtbot.keyClick(window.left, Qt.Key.Key_PageDown)
    assert window.view.integration == 1
    plane = window.session.input_plane(1, 2)
    assert analysis.display_limits(plane, "zscale") != kept
    np.testing.assert_array_equal(window.left.image.image, analysis.stretch(plane, *kept, "linear"))


def test_a_locked_crosshair_marks_the_hovered_pixel_in_both_panels_with_each_value(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.activateWindow()
    tool = _scale_tool(window, qtbot)
    _untick(qtbot, tool.links["crosshair"])
    assert "crosshair" in window.view.linked
    hover(qtbot, window, 12, 7)
    i, g = window.view.integration, window.view.group
    left, right = window.panels.crosshairs["left"], window.panels.crosshairs["right"]
    assert left.text == f"(12, 7) {window.session.input_plane(i, g)[7, 12]:.6g}"
    assert right.text == f"(12, 7) {window.session.corrected_plane(i, g)[7, 12]:.6g}"
    assert [line.value() for line in right.lines] == [12.5, 7.5]
    window.step(0, -1)  # the values follow the frame under a still cursor
    assert right.text == f"(12, 7) {window.session.corrected_plane(i, g - 1)[7, 12]:.6g}"
    _untick(qtbot, tool.links["crosshair"])
    assert left.text == right.text == "" and window.view.crosshair is None


def test_user_limits_chosen_on_the_toolbar_start_from_what_each_panel_shows(window: MainWindow) -> None:
    before_left, before_right = window.left.image.image.copy(), window.right.image.image.copy()
    shown = window.panels.shown_limits("left"), window.panels.shown_limits("right")
    window.display.limits_box.setCurrentText("user")
    assert (window.view.left_display.user_limits, window.view.right_display.user_limits) == shown
    np.testing.assert_array_equal(window.left.image.image, before_left)  # nothing jumps to 0..1
    np.testing.assert_array_equal(window.right.image.image, before_right)


def test_linking_the_crosshair_keeps_locked_limits(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.set_frame(0, 2)
    window.view.update(lock_limits=True)
    kept = window.panels.shown_limits("left")
    window.set_frame(0, 4)
    window.view.link("crosshair", True)
    assert window.panels.shown_limits("left") == kept
    window.view.link("scale", True)  # a link that changes an image draws it again, still locked
    assert window.panels.shown_limits("right") == kept


def test_a_colour_map_change_keeps_locked_limits_and_a_new_method_does_not(window: MainWindow) -> None:
    window.set_frame(0, 2)
    window.view.update(lock_limits=True)
    kept = window.panels.shown_limits("left")
    window.set_frame(0, 4)
    window.display.colourmap_box.setCurrentText("grey")
    assert window.panels.shown_limits("left") == kept
    window.display.limits_box.setCurrentText("min-max")
    plane = window.session.input_plane(0, 4)
    assert window.panels.shown_limits("left") == (float(plane.min()), float(plane.max()))


def test_the_scale_tools_histograms_are_built_when_it_is_first_shown(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Issue 19, target 5: the two levels plots of a tool nobody has opened were a tenth of the first window's
    construction; they are built when the tool first shows, and then show the panel's histogram as before."""
    controls = window.tool_docks.tools["scale"].panels
    assert all(panel.histogram is None for panel in controls.values())
    _scale_tool(window, qtbot)
    for panel in controls.values():
        assert panel.histogram is not None
        qtbot.waitUntil(panel.histogram.isVisible)
        xs, ys = panel.bars.getData()
        assert xs is not None and ys is not None and ys.sum() > 0


def test_a_redraw_that_changes_nothing_leaves_the_panels_titles_and_axes_as_drawn(window: MainWindow, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Each redraw (a tool's new map, a new file in the other panel) set each panel's title and axis style again;
    pyqtgraph then laid the panel out again and generated its ticks again, and painted it once more."""
    qtbot.wait(200)  # painted: the axes hold their ticks
    axes = [panel.plot.getAxis(side) for panel in (window.left, window.right) for side in ("bottom", "left")]
    assert all(axis.picture is not None for axis in axes)
    relaid: list[str] = []
    for panel in (window.left, window.right):
        monkeypatch.setattr(panel.title, "updateGeometry", lambda text=panel.title.text: relaid.append(text))
    titles = [window.left.title.text, window.right.title.text]
    window.panels.redraw()
    assert [window.left.title.text, window.right.title.text] == titles
    assert relaid == []
    assert all(axis.picture is not None for axis in axes)
    assert all(axis.style["showValues"] for axis in axes)
