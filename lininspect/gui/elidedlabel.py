"""A one-line label that elides its text to the width it has, keeping the whole text.

Written here rather than taken from superqt (its ``QElidingLabel``, which this one follows):
importing superqt imports every one of its widgets through qtpy, a quarter of a second of the
app's start, for a status bar that needs only this.
"""

from __future__ import annotations

from PyQt6.QtCore import QPoint, QRect, QSize, Qt
from PyQt6.QtGui import QResizeEvent
from PyQt6.QtWidgets import QLabel

#: Kept free beside the elided text, so its ellipsis is never clipped.
ELLIPSIS_ROOM = 2


class ElidedLabel(QLabel):
    """``text()`` is the whole text; the label shows it elided (at its end unless told) to its width."""

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self._text = text
        self._mode = Qt.TextElideMode.ElideRight
        self._show_elided()

    def setElideMode(self, mode: Qt.TextElideMode) -> None:
        self._mode = mode
        self._show_elided()

    def text(self) -> str:
        return self._text

    def setText(self, text: str | None) -> None:
        self._text = text or ""
        self._show_elided()

    def resizeEvent(self, event: QResizeEvent | None) -> None:
        if event is not None:
            event.accept()
        self._show_elided()

    def minimumSizeHint(self) -> QSize:
        """An ellipsis' size: the least the text can be elided to."""
        flags = self.alignment().value | Qt.TextFlag.TextWordWrap.value
        shown = self.fontMetrics().boundingRect(QRect(QPoint(0, 0), self.size()), flags, "...")
        return QSize(shown.width(), shown.height())

    def _show_elided(self) -> None:
        room = self.width() - (ELLIPSIS_ROOM if self._mode != Qt.TextElideMode.ElideNone else 0)
        super().setText(self.fontMetrics().elidedText(self._text, self._mode, room))
