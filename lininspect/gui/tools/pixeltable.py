"""The Pixel table tool: the values around the selected pixel (or the one under the cursor), DS9-style.

One quantity at a time in a 3x3 to 9x9 grid laid out as the image is (y up), the centre pixel
framed, and below it every quantity of the centre pixel with its DQ flags by name. The numbers
come from ``model.pixeltable``; this module only lays them out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QBrush, QColor, QFont
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core import dq
from ...core.errors import LinInspectError
from ...model.pixeltable import FLAG_QUANTITIES, SIZES, PixelTable, pixel_table
from .base import Tool

if TYPE_CHECKING:
    from ..mainwindow import MainWindow

#: What the table can show, in the order of its menu; corrected B only once B is loaded.
QUANTITIES = ("input", "corrected A", "corrected B", "ratio", "PIXELDQ", "GROUPDQ")
#: The view state's fields after which the table is read again.
FOLLOWED = {"data_version", "frames", "integration", "group", "pixel"}
#: The keys that move around the exposure, said where the table is (they are the window's actions).
KEYS_HINT = "Shift+arrows move the pixel (Ctrl+Shift: by 10) · ←/→ group · PgUp/PgDn integration · Ctrl+G go to"
CENTRE_COLOUR = "#4a4f5a"
#: Enough for a 5 x 5 table without scrolling, when other tools share the dock area.
TABLE_MIN_HEIGHT = 170
#: Cell sizes: "-12345.6" and a 4-digit row number fit.
COLUMN_WIDTH, ROW_HEIGHT = 76, 22


class PixelTableTool(Tool):
    """Values of one quantity around the pixel, following the selected pixel or the cursor."""

    name = "pixeltable"
    title = "Pixel table"
    shortcut = "Ctrl+Shift+T"

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._widget = QWidget()
        column = QVBoxLayout(self._widget)
        choices = QHBoxLayout()
        self.size_box = QComboBox()
        self.size_box.addItems([f"{size} x {size}" for size in SIZES])
        self.size_box.setCurrentText("5 x 5")
        self.quantity_box = QComboBox()
        self.quantity_box.addItems(QUANTITIES)
        self.follow_cursor = QCheckBox("follow the cursor")
        self.follow_cursor.setToolTip("Show the pixel under the mouse; unticked, the selected (clicked) pixel")
        for widget in (self.size_box, self.quantity_box, self.follow_cursor):
            widget.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
            choices.addWidget(widget)
        self.caption = QLabel("")
        self.table = QTableWidget()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setMinimumHeight(TABLE_MIN_HEIGHT)
        # Fixed sections: fitting them to their contents on every refresh cost 27 ms a cursor move.
        for header, size in ((self.table.horizontalHeader(), COLUMN_WIDTH), (self.table.verticalHeader(), ROW_HEIGHT)):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            header.setDefaultSectionSize(size)
        self.details = QLabel("")
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setWordWrap(True)
        hint = QLabel(KEYS_HINT)
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #9a9a9a")
        column.addLayout(choices)
        column.addWidget(self.caption)
        column.addWidget(self.table, 1)
        column.addWidget(self.details)
        column.addWidget(hint)
        self._hovered: tuple[int, int] | None = None
        #: The table shown, for scripts and tests.
        self.shown: PixelTable | None = None
        for box in (self.size_box, self.quantity_box):
            box.currentTextChanged.connect(lambda _text: self.refresh())
        self.follow_cursor.toggled.connect(lambda _on: self.refresh())
        self.follow(lambda changed: self.refresh() if changed & FOLLOWED else None)
        window.jobs.imagesStale.connect(lambda: self.refresh() if self.running else None)  # an integration corrected
        for panel in (window.left, window.right):
            panel.pixelHovered.connect(self._on_hover)

    def widget(self) -> QWidget:
        return self._widget

    def _on_hover(self, x: int, y: int) -> None:
        self._hovered = None if x < 0 else (x, y)
        if self.running and self.follow_cursor.isChecked() and self._hovered is not None:
            self.refresh()

    @property
    def centre(self) -> tuple[int, int] | None:
        """The pixel the table is about: under the cursor when following it, else the selected one."""
        if self.follow_cursor.isChecked() and self._hovered is not None:
            return self._hovered
        return self.view.pixel

    def refresh(self) -> None:
        centre, session, view = self.centre, self.session, self.view
        if centre is None or not session.contains(*centre):
            self._clear("Click a pixel (or tick “follow the cursor”)")
            return
        size = int(self.size_box.currentText().split()[0])
        try:
            table = pixel_table(session, view.integration, view.group, centre, size)
        except LinInspectError as error:
            self._clear(str(error))
            return
        self.shown = table
        quantity = self.quantity_box.currentText()
        x, y = centre
        self.caption.setText(f"{quantity} around pixel ({x}, {y}) — integration {view.integration}, group {view.group}")
        block = table.blocks.get(quantity)
        if block is None:
            self.table.clear()
            self.table.setRowCount(0)
            self.table.setColumnCount(0)
            self.caption.setText(f"{quantity}: {table.missing.get(quantity, 'not loaded')}")
        else:
            self._fill(table, quantity)
        self.details.setText(self._describe(table))

    def _fill(self, table: PixelTable, quantity: str) -> None:
        """The cells rewritten in place (items are made once per table size, not per cursor move)."""
        rows = list(reversed(table.rows))  # y up, as in the image
        if (self.table.rowCount(), self.table.columnCount()) != (len(rows), len(table.columns)):
            self.table.clear()
            self.table.setRowCount(len(rows))
            self.table.setColumnCount(len(table.columns))
            for c in range(len(table.columns)):
                self.table.setHorizontalHeaderItem(c, QTableWidgetItem())
            for r in range(len(rows)):
                self.table.setVerticalHeaderItem(r, QTableWidgetItem())
                for c in range(len(table.columns)):
                    item = QTableWidgetItem()
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    self.table.setItem(r, c, item)
        for c, x in enumerate(table.columns):
            self.table.horizontalHeaderItem(c).setText(str(x))
        plain, centre = QBrush(), QBrush(QColor(CENTRE_COLOUR))
        for r, y in enumerate(rows):
            self.table.verticalHeaderItem(r).setText(str(y))
            for c, x in enumerate(table.columns):
                value = table.value(quantity, x, y)
                item = self.table.item(r, c)
                item.setText(_format(quantity, value))
                item.setToolTip(dq.describe(int(value)) if quantity in FLAG_QUANTITIES else "")
                here = (x, y) == table.centre
                item.setBackground(centre if here else plain)
                font = QFont(item.font())
                font.setBold(here)
                item.setFont(font)

    @staticmethod
    def _describe(table: PixelTable) -> str:
        """Every quantity of the centre pixel, flags by name."""
        x, y = table.centre
        parts = []
        for quantity in QUANTITIES:
            if quantity in table.blocks:
                value = table.value(quantity, x, y)
                text = dq.describe(int(value)) if quantity in FLAG_QUANTITIES else _format(quantity, value)
                parts.append(f"{quantity} {text}")
        return f"({x}, {y}): " + " · ".join(parts)

    def _clear(self, message: str) -> None:
        self.shown = None
        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        self.caption.setText(message)
        self.details.setText("")


def _format(quantity: str, value: float | int) -> str:
    if quantity in FLAG_QUANTITIES:
        return str(int(value))
    if quantity == "ratio":
        return f"{value:.5f}"
    return f"{value:.6g}"
