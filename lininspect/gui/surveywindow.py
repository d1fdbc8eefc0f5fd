"""A survey opened in the app: its table (sortable, filterable) beside its stacked maps.

Activating a row opens that exposure in the main window at its worst pixel; clicking a map pixel
lists, in a job, the exposures with the largest residual there, and activating one opens it at
that pixel. The numbers all come from the survey's files (``model.surveyresults``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QSortFilterProxyModel, Qt, pyqtSignal
from PyQt6.QtGui import QStandardItem, QStandardItemModel
from PyQt6.QtWidgets import (
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..core.analysis.analysis import display_limits
from ..model.surveyresults import SurveyResults, largest_residuals_at
from .worker import Job, cancel_job, start_job

#: Columns shown first; the rest follow in the table's order.
_FIRST = ("file", "error", "no_lin_corr", "residual_after_median", "residual_after_p95", "factor_level_median",
          "factor_last_median", "saturated_fraction", "worker")


class SurveyWindow(QWidget):
    """The table and maps of one survey, in a window of its own beside the main window."""

    #: (exposure, reference or None, x, y): the main window opens it there.
    openRequested = pyqtSignal(object, object, int, int)

    def __init__(self, results: SurveyResults, message: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.results = results
        self._message = message
        self._listing: Job[list[tuple[int, float]]] | None = None
        self.setWindowTitle(f"lininspect survey — {results.directory.name} ({len(results.rows)} exposures)")
        self.columns = [name for name in _FIRST if name in results.columns] + \
            [name for name in results.columns if name not in _FIRST]
        self.model = QStandardItemModel(len(results.rows), len(self.columns), self)
        self.model.setHorizontalHeaderLabels(self.columns)
        for r, row in enumerate(results.rows):
            for c, name in enumerate(self.columns):
                self.model.setItem(r, c, _cell(row.get(name)))
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.filter = QLineEdit(placeholderText="Filter rows (any column contains...)")
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the table's order first
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.table.activated.connect(self._open_row)

        self.choice = QComboBox()
        for stack, maps in results.maps.items():
            for name in maps:
                self.choice.addItem(f"{stack}: {name}", (stack, name))
        self.plot = pg.GraphicsLayoutWidget()
        self.view_box = self.plot.addViewBox(lockAspect=True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.view_box.addItem(self.image)
        self.image.setColorMap(pg.colormap.get("viridis"))
        self.plot.scene().sigMouseClicked.connect(self._on_map_clicked)
        self.choice.currentIndexChanged.connect(self._show_map)
        self.at_pixel = QLabel("Click a map pixel: the exposures with the largest residual there")
        self.exposures = QListWidget()
        self.exposures.itemActivated.connect(self._open_listed)
        self._listed_pixel: tuple[int, int] | None = None

        left, right = QWidget(), QWidget()
        left_layout, right_layout = QVBoxLayout(left), QVBoxLayout(right)
        left_layout.addWidget(self.filter)
        left_layout.addWidget(self.table)
        for widget in (self.choice, self.plot, self.at_pixel, self.exposures):
            right_layout.addWidget(widget)
        right_layout.setStretch(1, 3)
        right_layout.setStretch(3, 1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        QVBoxLayout(self).addWidget(splitter)
        self.resize(1300, 800)
        self._show_map()

    @property
    def shown_map(self) -> tuple[str, str] | None:
        return self.choice.currentData()

    def _show_map(self) -> None:
        if self.shown_map is None:
            return
        stack, name = self.shown_map
        values = self.results.maps[stack][name]
        self.image.setImage(np.asarray(values, dtype=np.float32), levels=display_limits(values, "99.5%"))
        self.view_box.autoRange(padding=0.02)

    def _on_map_clicked(self, event) -> None:  # type: ignore[no-untyped-def]
        if self.shown_map is None or event.button() != Qt.MouseButton.LeftButton:
            return
        point = self.image.mapFromScene(event.scenePos())
        self.list_exposures_at(int(math.floor(point.x())), int(math.floor(point.y())))

    def list_exposures_at(self, x: int, y: int) -> None:
        """List, in a job, the exposures of the shown map's detector with the largest residual at (x, y)."""
        stack, name = self.shown_map
        ny, nx = self.results.maps[stack][name].shape
        if not (0 <= x < nx and 0 <= y < ny):
            return
        cancel_job(self._listing)
        self._listed_pixel = (x, y)
        self.at_pixel.setText(f"Reading the exposures' residuals at ({x}, {y})...")
        self._listing = start_job(
            lambda progress, cancel: largest_residuals_at(self.results, stack, name, x, y, cancel=cancel),
            lambda found: self._on_listed(x, y, found), self._on_failed)

    def _on_listed(self, x: int, y: int, found: list[tuple[int, float]]) -> None:
        self.exposures.clear()
        for index, residual in found:
            item = QListWidgetItem(f"{residual:.4g} %  {Path(str(self.results.rows[index]['file'])).name}")
            item.setData(Qt.ItemDataRole.UserRole, index)
            self.exposures.addItem(item)
        text = f"{len(found)} exposures with the largest residual at ({x}, {y})"
        self.at_pixel.setText(text + (" (double-click one to open it there)" if found else ""))
        self._message(f"Listed {text}")

    def _on_failed(self, message: str) -> None:
        self.at_pixel.setText(message)
        self._message(message)

    def _open_row(self, index) -> None:  # type: ignore[no-untyped-def]
        row = self.results.rows[int(self.proxy.mapToSource(index).row())]
        x, y = row.get("worst_x"), row.get("worst_y")
        self._request(row, *((x, y) if isinstance(x, int) and isinstance(y, int) and x >= 0 else (0, 0)))

    def _open_listed(self, item: QListWidgetItem) -> None:
        if self._listed_pixel is not None:
            self._request(self.results.rows[int(item.data(Qt.ItemDataRole.UserRole))], *self._listed_pixel)

    def _request(self, row: dict, x: int, y: int) -> None:
        reference = row.get("reference_file")
        self.openRequested.emit(Path(str(row["file"])), Path(reference) if reference else None, x, y)

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        cancel_job(self._listing)
        super().closeEvent(event)


def _cell(value: object) -> QStandardItem:
    """A table cell that sorts as its value does (numbers as numbers; empty for a masked value)."""
    item = QStandardItem()
    if value is None:
        item.setData("", Qt.ItemDataRole.DisplayRole)
    elif isinstance(value, float):
        item.setData(float(f"{value:.6g}") if math.isfinite(value) else value, Qt.ItemDataRole.DisplayRole)
    elif isinstance(value, (bool, int, str)):
        item.setData(value if not isinstance(value, bool) else str(value), Qt.ItemDataRole.DisplayRole)
    else:
        item.setData(str(value), Qt.ItemDataRole.DisplayRole)
    return item
