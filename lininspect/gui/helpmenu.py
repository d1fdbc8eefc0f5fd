"""The Help menu: the keyboard shortcuts, read from the window's own actions when asked (never a kept
list, so a new command or tool is listed the day it gets a key), the commands, and About."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt6.QtGui import QAction, QFontDatabase, QKeySequence
from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.versions import about

if TYPE_CHECKING:
    from .mainwindow import MainWindow

#: Where an action that is in no menu answers.
WINDOW_WIDE = "anywhere in the window"
#: What the mouse does on the image panels; the only text here not read from the actions.
MOUSE = ("Mouse on the images: click selects a pixel, Shift+click pins it, right-drag averages a box, "
         "wheel zooms, left-drag pans; the other panel follows. While drawing regions (R, Esc ends): drag from "
         "the centre for a circle or annulus, corner to corner for a box, click the corners of a polygon and "
         "double-click to close it; a drag inside a region moves it. In the panner, drag the rectangle or click "
         "to pan. On the ramp or ratio plot, a click at a sample shows that group.")  # fmt: skip


def shortcut_rows(window: QWidget, menu_bar_actions: list[QAction]) -> list[tuple[str, str, str]]:
    """(keys, what it does, where) for every action of ``window`` with a shortcut: menus first, in menu order."""
    rows: list[tuple[str, str, str]] = []
    listed: set[int] = set()

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu(), f"{path} ▸ {_plain(action.text())}")
            elif _keys(action):
                rows.append((_keys(action), _plain(action.text()), path))
                listed.add(id(action))

    for top in menu_bar_actions:
        if top.menu() is not None:
            walk(top.menu(), _plain(top.text()))
    for action in window.findChildren(QAction):
        if _keys(action) and id(action) not in listed:
            rows.append((_keys(action), _plain(action.text()), WINDOW_WIDE))
            listed.add(id(action))
    return rows


def _keys(action: QAction) -> str:
    return ", ".join(key.toString(QKeySequence.SequenceFormat.NativeText) for key in action.shortcuts() if not key.isEmpty())


def _plain(text: str) -> str:
    return text.replace("&", "")


class HelpMenu:
    """Help ▸ Keyboard shortcuts, Commands, About lininspect; each a window kept open beside the app."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.menu = window.menuBar().addMenu("&Help")
        self.shortcuts_dialog: QDialog | None = None
        self.commands_dialog: QDialog | None = None
        self.about_dialog: QDialog | None = None
        for text, slot, key in (("&Keyboard shortcuts", self.show_shortcuts, QKeySequence.StandardKey.HelpContents),
                                ("&Commands", self.show_commands, None), ("&About lininspect", self.show_about, None)):  # fmt: skip
            action = QAction(text, window)
            if key is not None:
                action.setShortcut(QKeySequence(key))
            action.triggered.connect(lambda _=False, slot=slot: slot())
            self.menu.addAction(action)

    def show_shortcuts(self) -> None:
        rows = shortcut_rows(self.window, self.window.menuBar().actions())
        table = QTableWidget(len(rows), 3)
        table.setHorizontalHeaderLabels(["Keys", "Does", "Where"])
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                table.setItem(r, c, QTableWidgetItem(text))
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        mouse = QLabel(MOUSE)
        mouse.setWordWrap(True)
        self.shortcuts_dialog = self._show(self.shortcuts_dialog, "Keyboard shortcuts", [table, mouse], (620, 640))
        self.shortcuts_table = table

    def show_commands(self) -> None:
        from ..cli import usage  # the command line's own text, read when asked

        text = QPlainTextEdit(usage())
        text.setReadOnly(True)
        text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.commands_dialog = self._show(self.commands_dialog, "Commands", [text], (900, 520))
        self.commands_text = text

    def show_about(self) -> None:
        lines = [f"<tr><td>{what}</td><td>&nbsp;&nbsp;{version}</td></tr>" for what, version in about()]
        label = QLabel("<p><b>lininspect</b>: JWST's detector linearity correction, bit for bit as the pipeline "
                       "computes it.</p><table>" + "".join(lines) + "</table>")  # fmt: skip
        self.about_dialog = self._show(self.about_dialog, "About lininspect", [label], (420, 320))
        self.about_label = label

    def _show(self, old: QDialog | None, title: str, widgets: list[QWidget], size: tuple[int, int]) -> QDialog:
        """A fresh non-modal window with ``widgets`` (what it lists is read now), replacing ``old``."""
        if old is not None:
            old.close()
            old.deleteLater()
        dialog = QDialog(self.window)
        dialog.setWindowTitle(title)
        column = QVBoxLayout(dialog)
        for widget in widgets:
            column.addWidget(widget)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(dialog.close)
        column.addWidget(buttons)
        dialog.resize(*size)
        dialog.show()
        return dialog
