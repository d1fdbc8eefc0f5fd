"""The Regions tool: regions drawn with the mouse or typed, their statistics and DQ-aware ramps as numpy
computes them, DS9 files read back by ``regions``, sessions, and a broken region file's dialog."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from guihelpers import menu_action, shown_window, visible_status_texts
from PyQt6.QtCore import QEvent, QPointF, Qt
from PyQt6.QtGui import QMouseEvent
from PyQt6.QtWidgets import QApplication, QFileDialog, QMessageBox
from regions import (
    CircleAnnulusPixelRegion,
    CirclePixelRegion,
    PixCoord,
    PolygonPixelRegion,
    RectanglePixelRegion,
    Regions,
)
from smallfiles import NGROUPS, NX, NY

from lininspect.core import dq
from lininspect.gui.mainwindow import MainWindow
from lininspect.gui.tools.regions import RegionsTool
from lininspect.gui.worker import running


def _tool(window: MainWindow, qtbot) -> RegionsTool:  # type: ignore[no-untyped-def]
    menu_action(window, "Tools", "Regions").trigger()
    tool = window.tool_docks.tools["regions"]
    qtbot.waitUntil(lambda: tool.running)
    assert isinstance(tool, RegionsTool)
    return tool


def _centres_inside(region, shape=(NY, NX)) -> np.ndarray:  # type: ignore[no-untyped-def]
    y, x = np.mgrid[: shape[0], : shape[1]]
    return np.asarray(region.contains(PixCoord(x.ravel(), y.ravel())), dtype=bool).reshape(shape)


def _type(qtbot, tool: RegionsTool, shape: str, text: str) -> None:  # type: ignore[no-untyped-def]
    tool.shape_box.setCurrentText(shape)
    tool.entry.clear()
    qtbot.keyClicks(tool.entry, text)
    qtbot.mouseClick(tool.add_button, Qt.MouseButton.LeftButton)


def _row(tool: RegionsTool, region: int, panel: str) -> list[str]:
    for r in range(tool.table.rowCount()):
        if tool.table.item(r, 0).text() == str(region) and tool.table.item(r, 1).text() == panel:
            return [tool.table.item(r, c).text() for c in range(tool.table.columnCount())]
    raise AssertionError(f"no row for region {region} on the {panel} panel")


def _mouse(qtbot, window: MainWindow, kind: QEvent.Type, x: float, y: float, button: Qt.MouseButton,  # type: ignore[no-untyped-def]
           buttons: Qt.MouseButton) -> None:  # fmt: skip
    """A real mouse event at view point (x, y) of the left panel (pixel (x, y) spans [x, x + 1))."""
    panel = window.left
    panel.view.updateMatrix()
    local = QPointF(panel.mapFromScene(panel.view.mapViewToScene(QPointF(x, y))))
    global_pos = QPointF(panel.viewport().mapToGlobal(local.toPoint()))
    event = QMouseEvent(kind, local, global_pos, button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(panel.viewport(), event)
    qtbot.wait(40)  # pyqtgraph takes at most one move a frame


def _drag(qtbot, window: MainWindow, start: tuple[float, float], end: tuple[float, float]) -> None:  # type: ignore[no-untyped-def]
    left = Qt.MouseButton.LeftButton
    _mouse(qtbot, window, QEvent.Type.MouseButtonPress, *start, left, left)
    for t in (0.25, 0.5, 0.75, 1.0):
        point = (start[0] + t * (end[0] - start[0]), start[1] + t * (end[1] - start[1]))
        _mouse(qtbot, window, QEvent.Type.MouseMove, *point, Qt.MouseButton.NoButton, left)
    _mouse(qtbot, window, QEvent.Type.MouseButtonRelease, *end, left, Qt.MouseButton.NoButton)


def _click(qtbot, window: MainWindow, x: float, y: float, *, double: bool = False) -> None:  # type: ignore[no-untyped-def]
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    _mouse(qtbot, window, QEvent.Type.MouseButtonPress, x, y, left, left)
    _mouse(qtbot, window, QEvent.Type.MouseButtonRelease, x, y, left, none)
    if double:
        _mouse(qtbot, window, QEvent.Type.MouseButtonDblClick, x, y, left, left)
        _mouse(qtbot, window, QEvent.Type.MouseButtonRelease, x, y, left, none)


def test_a_typed_region_shows_numpy_s_statistics_on_both_panels(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.set_frame(1, 4)
    tool = _tool(window, qtbot)
    _type(qtbot, tool, "circle", "21.5 11.5 4.2")
    assert tool.region_list.count() == 1 and tool.region_list.item(0).text() == "1: circle 21.5 11.5 4.2"
    inside = _centres_inside(CirclePixelRegion(PixCoord(21.5, 11.5), 4.2))
    session = window.session
    groupdq = session.exposure.groupdq_plane(1, 4)
    for panel, plane in (("left", session.input_plane(1, 4)), ("right", session.corrected_plane(1, 4))):
        values = plane[inside].astype(np.float64)
        row = _row(tool, 1, panel)
        assert row[2:6] == [str(inside.sum()), f"{values.mean():.6g}", f"{np.median(values):.6g}", f"{values.std():.6g}"]
        saturated = int(np.count_nonzero(inside & ((groupdq & dq.SATURATED) != 0)))
        assert saturated > 0 and row[6] == f"SATURATED {saturated} (G)"
    # Another group: the statistics follow the displayed plane.
    window.step(0, -2)
    values = session.input_plane(1, 2)[inside].astype(np.float64)
    assert _row(tool, 1, "left")[3] == f"{values.mean():.6g}"
    # A typing slip is a dialog's one line, and adds nothing.
    shown: list[str] = []
    qtbot_patch = pytest.MonkeyPatch()
    qtbot_patch.setattr(QMessageBox, "warning", lambda parent, title, message, *a: shown.append(message))
    _type(qtbot, tool, "annulus", "10 10 5 3")
    qtbot_patch.undo()
    assert shown == ["an annulus's inner radius must be smaller than its outer one"] and tool.region_list.count() == 1


def test_regions_drawn_with_the_mouse_are_added_moved_and_closed(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    tool = _tool(window, qtbot)
    window.left.view.setRange(xRange=(0, NX), yRange=(0, NY), padding=0)
    qtbot.keyClick(window.left, Qt.Key.Key_R)  # draw mode, from the keyboard
    assert tool.drawing and tool.layers[0].catcher.isVisible()
    # A circle: dragged from its centre out to its edge.
    _drag(qtbot, window, (20.5, 15.5), (28.5, 15.5))
    [circle] = window.view.regions
    assert isinstance(circle, CirclePixelRegion)
    assert (circle.center.x, circle.center.y) == pytest.approx((20.0, 15.0), abs=0.3) and circle.radius == pytest.approx(8, abs=0.5)
    assert window.pixel is None  # drawing selects no pixel
    # A box, corner to corner.
    tool.shape_box.setCurrentText("box")
    _drag(qtbot, window, (2.0, 2.0), (10.0, 6.0))
    box = window.view.regions[1]
    assert isinstance(box, RectanglePixelRegion) and (box.width, box.height) == pytest.approx((8, 4), abs=0.5)
    # Dragged from inside, the circle moves by the drag.
    _drag(qtbot, window, (20.5, 15.5), (30.5, 20.5))
    moved = window.view.regions[0]
    assert (moved.center.x - circle.center.x, moved.center.y - circle.center.y) == pytest.approx((10, 5), abs=0.3)
    assert moved.radius == circle.radius and tool.selected == 0
    # A polygon: clicked vertex by vertex, closed by a double click.
    tool.shape_box.setCurrentText("polygon")
    for x, y in ((3.5, 20.5), (12.5, 20.5)):
        _click(qtbot, window, x, y)
    _click(qtbot, window, 8.5, 30.5, double=True)
    polygon = window.view.regions[2]
    assert isinstance(polygon, PolygonPixelRegion)
    np.testing.assert_allclose(polygon.vertices.x, [3, 12, 8], atol=0.3)
    np.testing.assert_allclose(polygon.vertices.y, [20, 20, 30], atol=0.3)
    assert [tool.region_list.item(i).text()[:4] for i in range(3)] == ["1: c", "2: b", "3: p"]
    # Esc ends drawing (the run's Esc is not asked); the outlines stay, the statistics count each region's pixels.
    qtbot.keyClick(window.left, Qt.Key.Key_Escape)
    assert not tool.drawing and not tool.layers[0].catcher.isVisible() and not tool.draw_button.isChecked()
    assert len(tool.layers[1].items) == 3 and tool.layers[1].items[2][0].isVisible()
    assert [int(_row(tool, n, "left")[2]) for n in (1, 2, 3)] == [int(_centres_inside(r).sum()) for r in window.view.regions]
    # Delete takes the selected one away.
    tool.select(1)
    qtbot.mouseClick(tool.delete_button, Qt.MouseButton.LeftButton)
    assert len(window.view.regions) == 2 and len(tool.layers[0].items) == 2


def test_region_ramps_leave_out_flagged_samples_one_by_one(qtbot, small_files, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    exposure = tmp_path / "flags.fits"
    with fits.open(small_files.exposure) as hdul:
        groupdq = hdul["GROUPDQ"].data
        groupdq[0, 2, 30, 5] |= dq.DO_NOT_USE  # one sample of one pixel, besides the spot's saturation
        groupdq[0, 3:, 31, 6] |= dq.SATURATED
        hdul["GROUPDQ"].data = groupdq
        hdul.writeto(exposure)
        sci = hdul["SCI"].data[0].astype(np.float64)
        flags = groupdq[0]
    window = shown_window(qtbot, exposure, small_files.reference)
    try:
        tool = _tool(window, qtbot)
        _type(qtbot, tool, "box", "5.5 31 6 5")  # x 3..8, y 29..33
        _type(qtbot, tool, "annulus", "5.5 31 6 9")
        tool.select(0)
        tool.statistic_box.setCurrentText("max")
        qtbot.waitUntil(lambda: tool.ramps is not None, timeout=20000)
        inside = _centres_inside(RectanglePixelRegion(PixCoord(5.5, 31), 6, 5))
        ramps = tool.ramps
        assert ramps is not None and ramps.pixels == inside.sum() == 30
        for g in range(NGROUPS):
            keep = inside & ((flags[g] & (dq.SATURATED | dq.DO_NOT_USE)) == 0)
            assert ramps.ramps["input"].used[g] == keep.sum()
            expected = sci[g][keep].max() if keep.any() else np.nan
            np.testing.assert_array_equal(ramps.ramps["input"].values[g], expected)
        assert list(ramps.ramps["input"].used) == [0, 30, 29, 29, 29, 29]  # group 0 is DO_NOT_USE everywhere
        plotted = {item.name(): item.getData()[1] for item in tool.plot.getPlotItem().listDataItems() if item.name()}
        np.testing.assert_array_equal(plotted["input"], ramps.ramps["input"].values)
        assert set(plotted) == {"input", "corrected A"}
        faint = [item.getData()[1] for item in tool.plot.getPlotItem().listDataItems() if not item.name()]
        assert len(faint) == 2 and np.count_nonzero(np.isnan(faint[0])) >= 20  # 20 pixels behind each, NaN between
        np.testing.assert_array_equal(faint[0][: NGROUPS], ramps.individual["input"][:, 0])
        assert "30 pixels" in tool.ramp_caption.text() and "34 samples left out" in tool.ramp_caption.text()
        # The annulus's median per group taken off.
        tool.background_box.setCurrentText("background: region 2")
        qtbot.waitUntil(lambda: tool.ramps is not None, timeout=20000)
        ring = _centres_inside(CircleAnnulusPixelRegion(PixCoord(5.5, 31), 6, 9))
        for g in range(1, NGROUPS):
            keep, behind = inside & ((flags[g] & 3) == 0), ring & ((flags[g] & 3) == 0)
            assert tool.ramps.ramps["input"].values[g] == pytest.approx(sci[g][keep].max() - np.median(sci[g][behind]))
        assert "less background (median of region 2)" in tool.ramp_caption.text()
    finally:
        window.close()


def test_ds9_files_round_trip_with_equal_statistics(window: MainWindow, qtbot, small_files, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    tool = _tool(window, qtbot)
    _type(qtbot, tool, "circle", "12.3 20.6 5.5")
    _type(qtbot, tool, "box", "30 10 9 6 25")
    _type(qtbot, tool, "polygon", "2 2 12 3 6 11")
    path = tmp_path / "drawn.reg"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    qtbot.mouseClick(tool.save_button, Qt.MouseButton.LeftButton)
    assert "circle(13.30000000,21.60000000,5.50000000)" in path.read_text()  # DS9 counts pixels from 1
    for written, read in zip(window.view.regions, Regions.read(str(path), format="ds9"), strict=True):
        np.testing.assert_array_equal(_centres_inside(read), _centres_inside(written))
    before = {key: (s.pixels, s.mean, s.median, s.sigma) for key, s in tool.statistics.items()}
    other = shown_window(qtbot, small_files.exposure, small_files.reference)
    try:
        again = _tool(other, qtbot)
        monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
        qtbot.mouseClick(again.load_button, Qt.MouseButton.LeftButton)
        assert again.region_list.count() == 3
        assert {key: (s.pixels, s.mean, s.median, s.sigma) for key, s in again.statistics.items()} == before
    finally:
        other.close()


def test_statistics_and_ramps_export_as_ecsv(window: MainWindow, qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from astropy.table import Table

    tool = _tool(window, qtbot)
    _type(qtbot, tool, "circle", "10 10 3")
    path = tmp_path / "stats.ecsv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    qtbot.mouseClick(tool.export_stats_button, Qt.MouseButton.LeftButton)
    table = Table.read(path, format="ascii.ecsv")
    assert list(table["panel"]) == ["left", "right"]
    assert table["mean"][0] == pytest.approx(tool.statistics[(0, "left")].mean)
    path = tmp_path / "ramps.ecsv"
    qtbot.mouseClick(tool.export_ramps_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: f"region ramps written to {path}" in window.status.message_text, timeout=20000)
    qtbot.waitUntil(lambda: tool.ramps is not None, timeout=20000)
    table = Table.read(path, format="ascii.ecsv")
    np.testing.assert_array_equal(table["value"][table["quantity"] == "input"], tool.ramps.ramps["input"].values)


def test_a_session_keeps_the_regions(window: MainWindow, qtbot, small_files, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tool = _tool(window, qtbot)
    _type(qtbot, tool, "annulus", "20 15 3 6.5")
    _type(qtbot, tool, "polygon", "1 1 9 1 5 8")
    saved = window.view.regions
    window.save_session(tmp_path / "review.json")
    other = shown_window(qtbot, None, None)
    try:
        other.open_session(tmp_path / "review.json")
        qtbot.waitUntil(lambda: other.session.input_path is not None and other.sessions.restoring is None, timeout=30000)
        assert other.view.regions == saved
        again = _tool(other, qtbot)
        assert [again.region_list.item(i).text() for i in range(2)] == ["1: annulus 20 15 3 6.5",
                                                                        "2: polygon of 3 vertices around (5.0, 3.3)"]  # fmt: skip
        assert again.statistics[(0, "left")].pixels == int(_centres_inside(saved[0]).sum())
    finally:
        other.close()


def test_help_lists_the_tool_s_keys(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    from PyQt6.QtGui import QKeySequence

    menu_action(window, "Help", "Keyboard shortcuts").trigger()
    table = window.help.shortcuts_table
    rows = [tuple(table.item(r, c).text() for c in range(3)) for r in range(table.rowCount())]
    native = QKeySequence.SequenceFormat.NativeText
    assert (QKeySequence("Ctrl+Shift+R").toString(native), "Regions", "Tools") in rows
    assert (QKeySequence("R").toString(native), "Draw regions on the images (Esc ends)", "anywhere in the window") in rows


def test_the_app_starts_without_the_regions_package(small_files) -> None:  # type: ignore[no-untyped-def]
    """regions brings in astropy.coordinates and matplotlib (a second of the start): imported when regions are made."""
    import os
    import subprocess
    import sys

    code = ("import sys; from lininspect.gui.app import application, open_window; app = application(); "
            f"window = open_window({str(small_files.exposure)!r}, {str(small_files.reference)!r}, None); window.show(); "
            "window.tool_docks.show('regions'); app.processEvents(); print('regions' in sys.modules); window.close()")  # fmt: skip
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, check=False)
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr[-2000:]


def test_a_broken_region_file_is_a_dialog_of_one_line(window: MainWindow, qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    tool = _tool(window, qtbot)
    path = tmp_path / "broken.reg"
    path.write_text("# Region file format: DS9\nimage\ncircle(10,20\n")
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, message, *a: shown.append(message))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    qtbot.mouseClick(tool.load_button, Qt.MouseButton.LeftButton)
    assert len(shown) == 1 and shown[0].startswith(f"{path}: not a DS9 region file") and "\n" not in shown[0]
    assert window.view.regions == ()


def test_a_region_s_ramps_read_again_never_hide_a_note(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    """The tool's "ramps read" is routine (its caption says it too): on an idle bar it shows, but a note with
    time left, such as a restored session's, stays in the status bar for the user to read."""
    tool = _tool(window, qtbot)
    qtbot.waitUntil(lambda: not running(window.jobs.correction), timeout=20000)
    _type(qtbot, tool, "circle", "10 10 3")
    qtbot.waitUntil(lambda: tool.ramps is not None, timeout=20000)
    window.status.message("")  # an idle bar
    tool.statistic_box.setCurrentText("max")
    qtbot.waitUntil(lambda: tool.ramps is not None and tool.ramps.statistic == "max", timeout=20000)
    assert "region 1's ramps read" in visible_status_texts(window)
    note = "session review.json restored (note: pixel (999, 999) is outside the exposure)"
    window.status.message(note, 15000)
    tool.statistic_box.setCurrentText("median")  # read again in a job, done while the note shows
    qtbot.waitUntil(lambda: tool.ramps is not None and tool.ramps.statistic == "median", timeout=20000)
    assert tool.ramp_caption.text().startswith("Region 1: median of 25 pixels")
    assert note in visible_status_texts(window)
