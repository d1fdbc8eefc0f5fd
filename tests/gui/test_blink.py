"""Blink: the left panel alternates between two views at the set rate on one fixed scale, then comes back."""

from __future__ import annotations

import numpy as np
from guihelpers import menu_action
from PyQt6.QtCore import Qt

from lininspect.core.analysis import analysis
from lininspect.gui.mainwindow import MainWindow
from lininspect.model.viewstate import Limits, PanelSource

BLINK_MS = 20_000  # only detects a hang


def _blink(window: MainWindow, qtbot):  # type: ignore[no-untyped-def]
    menu_action(window, "Tools", "Blink").trigger()
    tool = window.tool_docks.tools["blink"]
    qtbot.waitUntil(lambda: tool.running)
    return tool


def test_blinking_input_and_corrected_on_the_inputs_scale(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    tool = _blink(window, qtbot)
    i, g = window.view.integration, window.view.group
    plane, corrected = window.session.input_plane(i, g), window.session.correction().plane(i, g)
    fixed = analysis.display_limits(plane, "zscale")
    tool.rate.setValue(100)
    qtbot.mouseClick(tool.start_button, Qt.MouseButton.LeftButton)
    assert tool.blinking and tool.start_button.text() == "Stop blinking"
    qtbot.waitUntil(lambda: window.left.title.text.startswith("corrected A"), timeout=BLINK_MS)
    assert tool.showing.text() == "showing: corrected A" and window.display.left_box.currentText() == "corrected A"
    np.testing.assert_array_equal(window.left.image.image, analysis.stretch(corrected, *fixed, "linear"))  # not its own scale
    qtbot.waitUntil(lambda: window.left.title.text.startswith("Input"), timeout=BLINK_MS)
    np.testing.assert_array_equal(window.left.image.image, analysis.stretch(plane, *fixed, "linear"))

    qtbot.mouseClick(tool.start_button, Qt.MouseButton.LeftButton)
    assert not tool.blinking
    assert window.view.left is PanelSource.INPUT and window.view.left_display.limits is Limits.ZSCALE


def test_blinking_two_groups_and_hiding_the_tool_stops_it(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    tool = _blink(window, qtbot)
    g = window.view.group
    tool.pair_box.setCurrentText("this group ↔ another group")
    tool.other_group.setValue(1)
    tool.rate.setValue(50)
    qtbot.mouseClick(tool.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.view.group == 1, timeout=BLINK_MS)
    assert window.frame.group_box.value() == 1 and tool.showing.text() == "showing: group 1"
    qtbot.waitUntil(lambda: window.view.group == g, timeout=BLINK_MS)
    menu_action(window, "Tools", "Blink").trigger()  # hidden: no blink goes on unseen
    qtbot.waitUntil(lambda: not tool.running)
    assert not tool.blinking and window.view.group == g


def test_blinking_a_and_b_without_b_is_a_dialog(window: MainWindow, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    told: list[str] = []
    monkeypatch.setattr(window.dialogs, "show_error", told.append)
    tool = _blink(window, qtbot)
    tool.pair_box.setCurrentText("corrected A ↔ corrected B")
    qtbot.mouseClick(tool.start_button, Qt.MouseButton.LeftButton)
    assert told == ["blinking corrected A ↔ corrected B needs reference B (File ▸ Compare with reference...)"]
    assert not tool.blinking


def test_play_and_a_blink_of_two_groups_stop_each_other_and_say_so(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    tool = _blink(window, qtbot)
    tool.pair_box.setCurrentText("this group ↔ another group")
    tool.other_group.setValue(3)
    tool.rate.setValue(5000)
    window.set_frame(0, 1)
    qtbot.mouseClick(tool.start_button, Qt.MouseButton.LeftButton)
    assert tool.blinking
    qtbot.keyClick(window.left, Qt.Key.Key_Space)  # Play
    assert window.frame.playing and not tool.blinking
    assert tool.start_button.text() == "Start blinking"
    assert window.status.message_text == "Blink stopped: Play drives the group now"

    qtbot.mouseClick(tool.start_button, Qt.MouseButton.LeftButton)  # a blink of two groups again: Play pauses
    assert tool.blinking and not window.frame.playing
    assert window.frame.play_action.text() == "▶ Play"
    assert window.status.message_text == "Play paused: the blink of two groups drives the group now"
    qtbot.mouseClick(tool.start_button, Qt.MouseButton.LeftButton)
