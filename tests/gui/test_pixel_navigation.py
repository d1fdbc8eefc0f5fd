"""Pixel navigation and the pixel table, through the keys, the Go to box and the table's own controls."""

from __future__ import annotations

from guihelpers import hover, menu_action
from PyQt6.QtCore import QPoint, Qt
from smallfiles import NX, NY, SUBSTRT

from lininspect.core import dq
from lininspect.gui.mainwindow import MainWindow


def test_shift_arrows_move_the_pixel_and_plain_arrows_still_step_groups(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.select_pixel(5, 5)
    group = window.view.group
    qtbot.keyClick(window.left, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(window.left, Qt.Key.Key_Up, Qt.KeyboardModifier.ShiftModifier)
    assert window.pixel == (6, 6) and window.view.group == group
    qtbot.keyClick(window.left, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier)
    assert window.pixel == (0, 6)  # by 10, kept on the array
    qtbot.keyClick(window.left, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert window.pixel == (0, 5)
    assert window.inspector_dock.windowTitle().startswith("Pixel inspector") and "(0, 5)" in window.inspector_dock.windowTitle()
    qtbot.keyClick(window.left, Qt.Key.Key_Left)
    assert window.view.group == group - 1 and window.pixel == (0, 5)


def test_go_to_takes_array_or_detector_coordinates(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    menu_action(window, "View", "Go to pixel...").trigger()
    dialog = window.actions.go_to_dialog
    qtbot.waitUntil(dialog.isVisible)
    for box, text in ((dialog.x_box, "12"), (dialog.y_box, "30")):
        box.selectAll()
        qtbot.keyClicks(box, text)
    qtbot.mouseClick(dialog.go_button, Qt.MouseButton.LeftButton)
    assert window.pixel == (12, 30)
    dialog.system.setCurrentText("detector (1-based, SUBSTRT)")
    for box, value in ((dialog.x_box, SUBSTRT[0] + 3), (dialog.y_box, SUBSTRT[1] + 4)):
        box.selectAll()
        qtbot.keyClicks(box, str(value))
    qtbot.mouseClick(dialog.go_button, Qt.MouseButton.LeftButton)
    assert window.pixel == (3, 4)


def test_go_to_outside_the_exposure_is_a_dialog(window: MainWindow, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    told: list[str] = []
    monkeypatch.setattr(window.dialogs, "show_error", told.append)
    dialog = window.actions.go_to_dialog
    dialog.ask()
    dialog.x_box.setValue(NX)
    dialog.y_box.setValue(2)
    qtbot.mouseClick(dialog.go_button, Qt.MouseButton.LeftButton)
    assert told == [f"pixel ({NX}, 2) is outside the exposure"] and window.pixel is None


def _cells(tool) -> list[list[str]]:  # type: ignore[no-untyped-def]
    table = tool.table
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def test_the_pixel_table_shows_the_values_around_the_pixel_and_follows_the_cursor(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    menu_action(window, "Tools", "Pixel table").trigger()
    tool = window.tool_docks.tools["pixeltable"]
    qtbot.waitUntil(lambda: tool.running)
    session, i, g = window.session, window.view.integration, window.view.group
    window.select_pixel(7, 5)
    plane = session.input_plane(i, g)
    assert tool.table.rowCount() == tool.table.columnCount() == 5
    assert [tool.table.horizontalHeaderItem(c).text() for c in range(5)] == ["5", "6", "7", "8", "9"]
    assert [tool.table.verticalHeaderItem(r).text() for r in range(5)] == ["7", "6", "5", "4", "3"]  # y up
    assert _cells(tool) == [[f"{plane[y, x]:.6g}" for x in range(5, 10)] for y in range(7, 2, -1)]

    tool.size_box.setCurrentText("3 x 3")
    tool.quantity_box.setCurrentText("ratio")
    corrected = session.corrected_plane(i, g)
    assert _cells(tool)[1][1] == f"{plane[5, 7] / corrected[5, 7]:.5f}"
    tool.quantity_box.setCurrentText("GROUPDQ")
    groupdq = session.exposure.groupdq_plane(i, g)
    assert _cells(tool)[1][1] == str(int(groupdq[5, 7]))
    assert f"GROUPDQ {dq.describe(int(groupdq[5, 7]))}" in tool.details.text()
    assert f"input {plane[5, 7]:.6g}" in tool.details.text()

    window.step(1, 0)  # another integration: the table follows the frame
    assert tool.caption.text().endswith(f"integration 1, group {g}")

    qtbot.mouseClick(tool.follow_cursor, Qt.MouseButton.LeftButton, pos=QPoint(8, tool.follow_cursor.height() // 2))
    hover(qtbot, window, NX - 1, NY - 1)  # the top-right pixel, under the mouse
    qtbot.waitUntil(lambda: tool.shown is not None and tool.shown.centre == (NX - 1, NY - 1))
    assert tool.table.rowCount() == tool.table.columnCount() == 2  # cut at the corner
    assert window.pixel == (7, 5)  # hovering selects nothing
