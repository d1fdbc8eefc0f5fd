"""What every tool of the window is: a dock that follows the session and the view state while it is shown.

The window knows tools only through this interface (as ginga knows its plugins through
``GingaPlugin``): it builds each tool's widget once, puts it in a dock, and starts the tool
when its dock is shown and stops it when hidden, so a hidden tool costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QWidget

if TYPE_CHECKING:
    from ..mainwindow import MainWindow


class Tool:
    """One tool: subclasses set the class attributes, build their widget and react to changes.

    ``name`` is the dock's object name (kept in saved window state), ``title`` its caption and
    menu text, ``shortcut`` the key that shows or hides it (listed in Help), ``area`` where the
    dock goes first. Subclasses call :meth:`follow` for each subscription in ``__init__``; the
    subscriptions are live only between :meth:`start` and :meth:`stop`.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    shortcut: ClassVar[str | None] = None
    area: ClassVar[Qt.DockWidgetArea] = Qt.DockWidgetArea.RightDockWidgetArea

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.session, self.view = window.session, window.view
        self.running = False
        self._followers: list[Callable[[set[str]], None]] = []

    def widget(self) -> QWidget:
        """The dock's content, built once."""
        raise NotImplementedError

    def follow(self, callback: Callable[[set[str]], None]) -> None:
        """Call ``callback`` with the names of the view state's changed fields while the tool runs."""
        self._followers.append(callback)

    def start(self) -> None:
        """Shown: subscribe and catch up with what changed while hidden."""
        if self.running:
            return
        self.running = True
        for callback in self._followers:
            self.view.subscribe(callback)
        self.refresh()

    def stop(self) -> None:
        """Hidden: stop following, so a hidden tool does no work."""
        if not self.running:
            return
        self.running = False
        for callback in self._followers:
            self.view.unsubscribe(callback)

    def refresh(self) -> None:
        """Show the current state from scratch (called on start)."""

    def close(self) -> None:
        """The window closes: release what the tool holds (threads, sockets)."""
        self.stop()
