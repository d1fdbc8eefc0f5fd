"""The header viewer: every header of the loaded files, one tab each, searchable by keyword and value.

Ctrl+F goes to the search box; Enter or F3 selects the next matching card, Shift+F3 the previous
one, wrapping round; the label says which match of how many. What matches is decided in
model.headersearch; here the line is selected and scrolled to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QAction, QKeySequence, QTextCursor
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QTabWidget, QVBoxLayout, QWidget

from ..model.headersearch import HeaderText, header_text

if TYPE_CHECKING:  # imported where used: astropy.io.fits brings astropy.units, 0.4 s of the app's start
    from astropy.io import fits


class HeaderViewer(QWidget):
    """Tabs of read-only headers under a search row."""

    def __init__(self, headers: list[tuple[str, fits.Header]]) -> None:
        super().__init__()
        self.tabs = QTabWidget()
        self.shown: list[HeaderText] = []
        for name, header in headers:
            shown = header_text(header)
            text = QPlainTextEdit(shown.text)
            text.setReadOnly(True)
            text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
            text.setStyleSheet("font-family: monospace;")
            self.tabs.addTab(text, name)
            self.shown.append(shown)
        self.search = QLineEdit()
        self.search.setPlaceholderText("find a keyword or a value (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.previous_button = QPushButton("◀ Previous")
        self.next_button = QPushButton("Next ▶")
        self.count = QLabel("")
        row = QHBoxLayout()
        row.addWidget(self.search, 1)
        row.addWidget(self.previous_button)
        row.addWidget(self.next_button)
        row.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.tabs)
        #: The match selected in the current tab (an index into its matches), None before the first step.
        self.current: int | None = None
        self.find_action = self._action("Headers window: to the search box", self.focus_search, QKeySequence.StandardKey.Find)
        self.next_action = self._action("Headers window: next match", lambda: self.step(1), QKeySequence.StandardKey.FindNext)
        self.previous_action = self._action("Headers window: previous match", lambda: self.step(-1), QKeySequence.StandardKey.FindPrevious)
        self.search.textChanged.connect(lambda _text: self._restart())
        self.search.returnPressed.connect(lambda: self.step(1))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.previous_button.clicked.connect(lambda: self.step(-1))
        self.tabs.currentChanged.connect(lambda _index: self._restart())

    def _action(self, text: str, slot: object, key: QKeySequence.StandardKey) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(lambda _=False: slot())  # type: ignore[operator]
        self.addAction(action)
        return action

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def matches(self) -> list[int]:
        """The lines of the current tab's cards that match the search text."""
        index = self.tabs.currentIndex()
        return self.shown[index].matches(self.search.text()) if index >= 0 else []

    def _restart(self) -> None:
        """New text or another tab: the count afresh, the first match selected as the user types."""
        self.current = None
        self.step(1)

    def step(self, direction: int) -> None:
        """Select the next (1) or previous (-1) matching card, wrapping round."""
        matches = self.matches()
        if not matches:
            self.current = None
            self.count.setText("no match" if self.search.text().strip() else "")
            return
        self.current = 0 if self.current is None and direction > 0 else (
            len(matches) - 1 if self.current is None else (self.current + direction) % len(matches))
        self.count.setText(f"{self.current + 1} of {len(matches)}")
        self._select_line(matches[self.current])

    def _select_line(self, line: int) -> None:
        text = self.tabs.currentWidget()
        assert isinstance(text, QPlainTextEdit)
        cursor = QTextCursor(text.document().findBlockByNumber(line))
        cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
        text.setTextCursor(cursor)
        text.centerCursor()

    @property
    def selected_text(self) -> str:
        """The card line selected now in the current tab (what the user sees highlighted)."""
        text = self.tabs.currentWidget()
        return text.textCursor().selectedText() if isinstance(text, QPlainTextEdit) else ""
