"""Tools are docks the window builds from the registry: listed in the Tools menu, following the view only while shown."""

from __future__ import annotations

import pytest
from guihelpers import menu_action, shown_window
from PyQt6.QtWidgets import QLabel, QWidget

from lininspect.gui import tooldocks
from lininspect.gui.tools import Tool


class GroupEcho(Tool):
    """A tool that shows the displayed group, to watch a tool follow the view state."""

    name = "echo"
    title = "Group echo"
    shortcut = "Ctrl+Alt+E"

    def __init__(self, window) -> None:  # type: ignore[no-untyped-def]
        super().__init__(window)
        self.label = QLabel("")
        self.follow(lambda changed: self.refresh() if "group" in changed else None)

    def widget(self) -> QWidget:
        return self.label

    def refresh(self) -> None:
        self.label.setText(f"group {self.view.group}")


@pytest.fixture
def echo_window(qtbot, small_files, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(tooldocks, "TOOLS", (GroupEcho,))
    window = shown_window(qtbot, small_files.exposure, small_files.reference)
    yield window
    window.close()


def test_a_tool_follows_the_view_only_while_its_dock_is_shown(echo_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = echo_window
    toggle = menu_action(window, "Tools", "Group echo")
    assert toggle.shortcut().toString() == "Ctrl+Alt+E"
    tool = window.tool_docks.tools["echo"]
    assert not window.tool_docks.docks["echo"].isVisible() and not tool.running

    window.set_frame(0, 0)
    toggle.trigger()
    qtbot.waitUntil(lambda: tool.running)
    assert tool.label.text() == "group 0"
    window.step(0, 2)
    assert tool.label.text() == "group 2"

    toggle.trigger()  # hidden: it no longer follows
    qtbot.waitUntil(lambda: not tool.running)
    window.step(0, -1)
    assert tool.label.text() == "group 2"

    toggle.trigger()  # shown again: it catches up at once
    qtbot.waitUntil(lambda: tool.running)
    assert tool.label.text() == "group 1"
