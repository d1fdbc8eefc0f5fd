"""The tools' docks: one per registered tool, started while shown, with a Tools menu entry each."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt6.QtGui import QKeySequence
from PyQt6.QtWidgets import QDockWidget, QFrame, QMenu, QScrollArea

from .tools import TOOLS, Tool

if TYPE_CHECKING:
    from .mainwindow import MainWindow


#: A shown tool's least height (its scroll bar takes the rest): nine tools shown at once fit a 900 px screen.
SCROLLED_MINIMUM = 40


class ToolDocks:
    """Builds every tool of ``TOOLS`` into a dock of ``window``, hidden until the user shows it."""

    def __init__(self, window: MainWindow, menu: QMenu) -> None:
        self.tools: dict[str, Tool] = {}
        self.docks: dict[str, QDockWidget] = {}
        for tool_class in TOOLS:
            tool = tool_class(window)
            dock = QDockWidget(tool.title, window)
            dock.setObjectName(f"tool-{tool.name}")
            # Scrolled: tools stacked in one dock area never make the window taller than the screen.
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setMinimumHeight(SCROLLED_MINIMUM)
            scroll.setWidget(tool.widget())
            dock.setWidget(scroll)
            window.addDockWidget(tool.area, dock)
            dock.hide()
            dock.visibilityChanged.connect(lambda shown, tool=tool: tool.start() if shown else tool.stop())
            toggle = dock.toggleViewAction()
            if tool.shortcut:
                toggle.setShortcut(QKeySequence(tool.shortcut))
            menu.addAction(toggle)
            self.tools[tool.name] = tool
            self.docks[tool.name] = dock

    def show(self, name: str) -> Tool:
        """Show (and so start) the tool ``name``; return it, for scripts and tests."""
        self.docks[name].show()
        self.docks[name].raise_()
        return self.tools[name]

    def close(self) -> None:
        for tool in self.tools.values():
            tool.close()
