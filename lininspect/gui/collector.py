"""Python's cycle collector, run by a timer on the GUI thread, its full passes while nobody waits.

Run in a job's thread (reading a box, say), a collection freed the pyqtgraph items of a closed
window while the GUI thread was processing their scene ("pure virtual method called"); so, as
pyqtgraph's ``GarbageCollector`` does, automatic collection is off and a timer collects on the GUI
thread. A full collection walks every object Python tracks: 40 ms once the window is up, 85 ms
once numba and astropy are loaded, more on a busy machine, and pyqtgraph's timer started one every
hundred seconds or so of activity, whatever the user was doing then (a click, an opening). The
young generations are collected as before; the full pass waits until no key or mouse event came
for a while, or until it has waited long enough that memory held by cyclic garbage matters more.
"""

from __future__ import annotations

import gc
import time

from PyQt6.QtCore import QEvent, QObject, QTimer
from PyQt6.QtWidgets import QApplication

#: What a user does: after one of these a full collection waits.
_INPUT = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
    QEvent.Type.MouseButtonDblClick, QEvent.Type.MouseMove, QEvent.Type.Wheel,
})


class CycleCollector(QObject):
    """Collects every ``interval_ms``: the young generations when due, the oldest when due and the user has been
    idle for ``idle_s`` (or it has been due for ``longest_wait_s``)."""

    def __init__(self, app: QApplication, *, interval_ms: int = 1000, idle_s: float = 3.0,
                 longest_wait_s: float = 120.0) -> None:
        super().__init__(app)
        self._idle_s = idle_s
        self._longest_wait_s = longest_wait_s
        self._last_input = time.monotonic()
        self._due_since: float | None = None
        self._thresholds = gc.get_threshold()
        gc.disable()
        app.installEventFilter(self)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start(interval_ms)

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:  # noqa: N802 - Qt's name
        if event is not None and event.type() in _INPUT:
            self._last_input = time.monotonic()
        return False

    def collect_due(self) -> None:
        young, middle, old = gc.get_count()
        if young > self._thresholds[0]:
            gc.collect(0)
            if middle > self._thresholds[1]:
                gc.collect(1)
        if old <= self._thresholds[2]:
            return
        now = time.monotonic()
        self._due_since = self._due_since if self._due_since is not None else now
        if now - self._last_input >= self._idle_s or now - self._due_since >= self._longest_wait_s:
            gc.collect(2)
            self._due_since = None
