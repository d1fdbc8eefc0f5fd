"""Tools in a window with nothing open say what to do; each panel's scale choices outlive the window."""

from __future__ import annotations

from pathlib import Path

from guihelpers import menu_action, shown_window
from PyQt6.QtCore import Qt

from lininspect.gui.app import application, open_window
from lininspect.model.viewstate import Colourmap, Stretch


def test_every_tool_in_an_empty_window_says_what_it_needs(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    application()
    window = open_window(None, None, None)
    qtbot.addWidget(window)
    window.show()
    told: list[str] = []
    monkeypatch.setattr(window.dialogs, "show_error", told.append)
    tools = window.tool_docks.tools
    for tool in tools.values():  # every registered tool, through its Tools menu entry
        menu_action(window, "Tools", tool.title).trigger()
    qtbot.waitUntil(lambda: all(tool.running for tool in tools.values()))
    assert tools["scale"].panels["left"].low_edit.text() == "" and not tools["scale"].panels["left"].low_line.isVisible()
    assert tools["pixeltable"].caption.text() == "Click a pixel (or tick “follow the cursor”)"
    assert tools["dqbrowser"].caption.text() == "Open an exposure to see its DQ"
    assert not tools["dqbrowser"].next_button.isEnabled()
    assert tools["magnifier"].caption.text() == "Open an exposure to magnify it"
    assert tools["panner"].caption.text() == "Open an exposure to pan over it"
    qtbot.mouseClick(tools["blink"].start_button, Qt.MouseButton.LeftButton)
    assert told == ["open an exposure to blink"] and not tools["blink"].blinking
    window.close()


def test_each_panels_colour_map_stretch_and_links_are_kept_for_the_next_start(qtbot, small_files, private_settings: Path) -> None:  # type: ignore[no-untyped-def]
    first = open_window(small_files.exposure, None, None)
    qtbot.addWidget(first)
    first.view.link("stretch", False)
    first.view.link("colourmap", False)
    first.view.set_display("right", stretch=Stretch.LOG, colourmap=Colourmap.GREY)
    first.close()
    second = open_window(None, None, None)
    qtbot.addWidget(second)
    assert (second.view.left_display.stretch, second.view.right_display.stretch) == (Stretch.LINEAR, Stretch.LOG)
    assert (second.view.left_display.colourmap, second.view.right_display.colourmap) == (Colourmap.INFERNO, Colourmap.GREY)
    assert second.display.stretch_box.currentText() == "linear"
    assert second.view.linked == frozenset({"limits"})  # the links as left, not the defaults
    second.close()


def test_every_tool_shown_at_once_fits_a_900_px_window(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    for tool in window.tool_docks.tools.values():
        menu_action(window, "Tools", tool.title).trigger()
    qtbot.waitUntil(lambda: all(tool.running for tool in window.tool_docks.tools.values()))
    assert window.minimumSizeHint().height() <= 900 and window.height() <= 900


def test_typed_limits_per_panel_and_the_dq_bits_are_kept_for_the_next_start(qtbot, small_files) -> None:  # type: ignore[no-untyped-def]
    first = shown_window(qtbot, small_files.exposure, small_files.reference)
    first.view.link("limits", False)  # each panel its own limits method
    scale = first.tool_docks.show("scale")
    qtbot.waitUntil(lambda: scale.running)
    right = scale.panels["right"]
    for edit, text in ((right.low_edit, "-12.5"), (right.high_edit, "3000")):
        edit.clear()
        qtbot.keyClicks(edit, text)
    qtbot.keyClick(right.high_edit, Qt.Key.Key_Return)
    browser = first.tool_docks.show("dqbrowser")
    qtbot.waitUntil(lambda: browser.running)
    browser.choose("PIXELDQ", "REFERENCE_PIXEL")
    browser.choose("GROUPDQ", "JUMP_DET")
    first.close()

    second = shown_window(qtbot, small_files.exposure, small_files.reference)
    scale, browser = second.tool_docks.show("scale"), second.tool_docks.show("dqbrowser")
    qtbot.waitUntil(lambda: scale.running and browser.running)
    right, left = scale.panels["right"], scale.panels["left"]
    assert (right.limits_box.currentText(), right.low_edit.text(), right.high_edit.text()) == ("user", "-12.5", "3000")
    assert second.panels.shown_limits("right") == (-12.5, 3000.0)
    assert left.limits_box.currentText() == "zscale"
    assert set(browser.chosen) == {("PIXELDQ", "REFERENCE_PIXEL"), ("GROUPDQ", "JUMP_DET")}
    assert browser.place.text() != "tick a bit to step through its pixels"  # the walk made for them
    second.close()


def test_saved_limits_and_bits_that_make_no_sense_are_left_out(qtbot, private_settings: Path) -> None:  # type: ignore[no-untyped-def]
    private_settings.write_text("[General]\nlimits=user\nuser_limits=5 1\nright_limits=user\nright_user_limits=nan 2\n"
                                "dq_bits=PIXELDQ:HOT GROUPDQ:HOT nonsense PIXELDQ:\n")  # fmt: skip
    window = open_window(None, None, None)
    qtbot.addWidget(window)
    assert window.view.left_display.limits.value == window.view.right_display.limits.value == "zscale"
    assert window.view.dq_bits == frozenset({("PIXELDQ", "HOT")})
    window.close()
