"""Ctrl-C and SIGTERM (a terminal, ``timeout``, a session logging out) close the app as the user
would, settings saved and jobs stopped, and end it with 130 or 143, at any moment of its run.

Python runs a signal handler between any two bytecodes of the GUI thread: in the middle of a
pyqtgraph resize or paint, say. Closing the window there deleted the graphics items under the
method still running on them (a crash). So the handler does nothing; the signal number Python
writes to a wakeup socket wakes a notifier in Qt's event loop, and the window is closed from
there, between events. That loop may be a modal dialog's (a file refused at start-up): every
event loop is ended, so the dialog returns too.
"""

from __future__ import annotations

import signal
import socket
from types import FrameType
from typing import Self

from PyQt6.QtCore import QObject, QSocketNotifier
from PyQt6.QtWidgets import QApplication, QMainWindow

from ..interrupts import current_handlers, restore


class QuitOnSignals(QObject):
    """Installed for the app's run (a context manager); ``status`` is 130 or 143 once a signal came."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.status: int | None = None
        self._app = app
        self._receiver, self._sender = socket.socketpair()
        for end in (self._receiver, self._sender):
            end.setblocking(False)
        self._notifier = QSocketNotifier(self._receiver.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_wakeup)
        self._previous = current_handlers()

    def __enter__(self) -> Self:
        signal.set_wakeup_fd(self._sender.fileno())
        signal.signal(signal.SIGINT, _noted_on_the_socket)
        signal.signal(signal.SIGTERM, _noted_on_the_socket)
        return self

    def __exit__(self, *_: object) -> None:
        """The caller's handlers again (the command line's quiet exits while Python shuts down)."""
        signal.set_wakeup_fd(-1)
        restore(self._previous)
        self._notifier.setEnabled(False)
        self._receiver.close()
        self._sender.close()
        self.setParent(None)  # nothing of it outlives the run

    def _on_wakeup(self) -> None:
        try:
            numbers = self._receiver.recv(64)
        except OSError:  # nothing to read after all
            return
        for number in numbers:
            if number in (signal.SIGINT, signal.SIGTERM):
                self._quit(number)

    def _quit(self, signum: int) -> None:
        self.status = 128 + signum
        for widget in self._app.topLevelWidgets():
            if isinstance(widget, QMainWindow) and widget.isVisible():
                widget.close()
        self._app.exit(self.status)


def _noted_on_the_socket(signum: int, frame: FrameType | None) -> None:
    """Python's part of the signal: none (see the module's docstring)."""
