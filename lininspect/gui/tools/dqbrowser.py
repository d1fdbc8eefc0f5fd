"""The DQ browser tool: every PIXELDQ and GROUPDQ bit of the displayed group with its count and colour,
the chosen bits overlaid on either panel (pooled to the zoom so no flagged pixel vanishes), and
the next or previous flagged pixel, reference pixels skipped if wished.

Counts, masks, the walk and the overlay's pixels come from ``core.dqmaps``; this module lays
them out and owns one overlay image per panel, removed when the tool is hidden.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QRectF, QSignalBlocker, Qt
from PyQt6.QtGui import QBrush
from PyQt6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core.analysis import analysis
from ...core import dq
from ...core.analysis.dqmaps import FlaggedPixels, bit_counts, coloured_overlay, flag_mask
from .base import Tool

if TYPE_CHECKING:
    from ..imagepanel import ImagePanel
    from ..mainwindow import MainWindow

#: The two planes, as the table's count columns.
PLANES = ("PIXELDQ", "GROUPDQ")
#: GROUPDQ holds the first eight bits only.
GROUP_BITS = 8
#: The view state's fields after which counts and overlays are read again.
FOLLOWED = {"data_version", "frames", "integration", "group"}
#: Above the image (0) and the NO_LIN_CORR overlay (5), below the markers (10).
OVERLAY_Z = 6


def bit_colour(index: int) -> tuple[int, int, int, int]:
    """A distinct opaque colour for bit ``index``, the same in both planes and both panels."""
    colour = pg.intColor(index, hues=11, values=3, minValue=170)
    return colour.red(), colour.green(), colour.blue(), 255


class DqBrowserTool(Tool):
    """DQ bits by name with counts; chosen ones overlaid and stepped through."""

    name = "dqbrowser"
    title = "DQ browser"
    shortcut = "Ctrl+Shift+D"

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._widget = QWidget()
        column = QVBoxLayout(self._widget)
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        self.table = QTableWidget(len(dq.FLAGS), 3)
        self.table.setHorizontalHeaderLabels(["bit", *PLANES])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        #: (plane, bit name) -> its check box cell.
        self.cells: dict[tuple[str, str], QTableWidgetItem] = {}
        for row, name in enumerate(dq.FLAGS):
            label = QTableWidgetItem(f"{row:2d} {name}")
            label.setForeground(QBrush(pg.mkColor(bit_colour(row))))
            self.table.setItem(row, 0, label)
            for col, plane in enumerate(PLANES, start=1):
                if plane == "GROUPDQ" and row >= GROUP_BITS:
                    self.table.setItem(row, col, QTableWidgetItem(""))
                    continue
                cell = QTableWidgetItem("0")
                cell.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                cell.setCheckState(Qt.CheckState.Unchecked)
                cell.setToolTip(f"Tick to overlay and step through pixels with {name} in {plane}")
                self.table.setItem(row, col, cell)
                self.cells[(plane, name)] = cell
        self.table.itemChanged.connect(lambda _item: self._ticked())
        shown_on = QHBoxLayout()
        self.on_left, self.on_right = QCheckBox("on left panel"), QCheckBox("on right panel")
        self.skip_reference = QCheckBox("skip reference pixels")
        self.skip_reference.setChecked(True)
        self.skip_reference.setToolTip("Leave pixels with REFERENCE_PIXEL in PIXELDQ out of next/previous")
        for check in (self.on_left, self.on_right, self.skip_reference):
            check.toggled.connect(lambda _on: self._chosen_changed())
            shown_on.addWidget(check)
        steps = QHBoxLayout()
        self.previous_button, self.next_button = QPushButton("◀ Previous flagged"), QPushButton("Next flagged ▶")
        self.previous_button.clicked.connect(lambda: self.step(forward=False))
        self.next_button.clicked.connect(lambda: self.step(forward=True))
        self.place = QLabel("")
        for widget in (self.previous_button, self.next_button, self.place):
            steps.addWidget(widget)
        column.addWidget(self.caption)
        column.addWidget(self.table, 1)
        column.addLayout(shown_on)
        column.addLayout(steps)
        self.overlays: dict[str, pg.ImageItem] = {}
        self._pools: dict[str, int] = {}
        self._planes: tuple[np.ndarray, np.ndarray | None] | None = None
        #: PIXELDQ with the data version it was read at, its counts and whether it is after correction.
        self._pixeldq: tuple[int, np.ndarray, dict[str, int], bool] | None = None
        #: What the overlays and the walk were made from: the data version, and the frame if GROUPDQ bits are chosen.
        self._shows: tuple[int, tuple[int, int] | None] | None = None
        self._walk: FlaggedPixels | None = None
        for side, panel in (("left", window.left), ("right", window.right)):
            item = pg.ImageItem()
            item.setZValue(OVERLAY_Z)
            item.hide()
            panel.view.addItem(item)
            self.overlays[side] = item
            panel.view.sigRangeChanged.connect(lambda *_, side=side, panel=panel: self._repool(side, panel))
        self.follow(self._on_view)

    def widget(self) -> QWidget:
        return self._widget

    @property
    def chosen(self) -> list[tuple[str, str]]:
        """The ticked (plane, bit name) pairs, in table order."""
        return [key for key, cell in self.cells.items() if cell.checkState() == Qt.CheckState.Checked]

    def choose(self, plane: str, name: str, on: bool = True) -> None:
        """Tick or untick one bit of one plane (what a click on its cell does)."""
        self.cells[(plane, name)].setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def _ticked(self) -> None:
        """A cell ticked or unticked: the choice is view state (kept in sessions and settings), followed back here."""
        ticked = frozenset(key for key, cell in self.cells.items() if cell.checkState() == Qt.CheckState.Checked)
        self.view.update(dq_bits=ticked)

    def _show_bits(self) -> None:
        """The cells ticked as the view state says (a session or the settings may have set it)."""
        with QSignalBlocker(self.table):
            for key, cell in self.cells.items():
                cell.setCheckState(Qt.CheckState.Checked if key in self.view.dq_bits else Qt.CheckState.Unchecked)

    def _on_view(self, changed: set[str]) -> None:
        if "dq_bits" in changed:
            self._show_bits()
            self._shows = None  # other bits: the overlays and the walk are made again
        if changed & FOLLOWED:
            self.refresh()
        elif "dq_bits" in changed:
            self._chosen_changed()
        elif "pixel" in changed:
            self._show_place()

    def refresh(self) -> None:
        """Counts of the displayed group's planes, the overlays and the walk of the chosen bits."""
        session, view = self.session, self.view
        self._show_bits()
        exposure = session.exposure
        if exposure is None:
            self._planes = None
            self.caption.setText("Open an exposure to see its DQ")
            self._chosen_changed()
            return
        # PIXELDQ changes only with the data: on a group step only GROUPDQ is read and counted again.
        if self._pixeldq is None or self._pixeldq[0] != view.data_version:
            after = session.result_pixeldq()
            pixeldq = exposure.pixeldq if after is None else after
            self._pixeldq = (view.data_version, pixeldq, bit_counts(pixeldq), after is not None)
        _, pixeldq, pixel_counts, corrected = self._pixeldq
        groupdq = exposure.groupdq_plane(view.integration, view.group) if exposure.groupdq is not None else None
        self._planes = (pixeldq, groupdq)
        which = "after correction" if corrected else "of the input"
        self.caption.setText(f"PIXELDQ {which} · GROUPDQ of integration {view.integration}, group {view.group}")
        counts = {"PIXELDQ": pixel_counts, "GROUPDQ": bit_counts(groupdq) if groupdq is not None else {}}
        with QSignalBlocker(self.table):
            for (plane, name), cell in self.cells.items():
                cell.setText(str(counts[plane].get(name, 0)))
        if self._drawn_from() != self._shows:  # PIXELDQ bits alone: the same overlays and walk in every group
            self._chosen_changed()

    def _drawn_from(self) -> tuple[int, tuple[int, int] | None]:
        """What the overlays and the walk depend on: the data, and the frame once a GROUPDQ bit is chosen."""
        view = self.view
        return view.data_version, (view.integration, view.group) if self._bits()[1] else None

    def _chosen_changed(self) -> None:
        """Overlays and the walk follow the ticked bits, panels and the reference-pixel choice."""
        self._shows = self._drawn_from()
        self._walk = None
        if self._planes is not None and self.running:
            pixeldq, groupdq = self._planes
            skip = (np.asarray(pixeldq) & np.uint32(dq.FLAGS["REFERENCE_PIXEL"])) != 0 if self.skip_reference.isChecked() else None
            self._walk = FlaggedPixels(flag_mask(pixeldq, groupdq, *self._bits()), skip)
        for side, check in (("left", self.on_left), ("right", self.on_right)):
            self._pools.pop(side, None)
            panel = self.window.left if side == "left" else self.window.right
            if check.isChecked() and self._planes is not None and self.running and self.chosen:
                self._repool(side, panel)
            else:
                self.overlays[side].hide()
        self.previous_button.setEnabled(bool(self._walk))
        self.next_button.setEnabled(bool(self._walk))
        self._show_place()

    def _bits(self) -> tuple[int, int]:
        """The chosen bits as one PIXELDQ and one GROUPDQ bit mask."""
        masks = {"PIXELDQ": 0, "GROUPDQ": 0}
        for plane, name in self.chosen:
            masks[plane] |= dq.FLAGS[name]
        return masks["PIXELDQ"], masks["GROUPDQ"]

    def _layers(self) -> list[tuple[np.ndarray, tuple[int, int, int, int]]]:
        assert self._planes is not None
        pixeldq, groupdq = self._planes
        names = list(dq.FLAGS)
        layers = []
        for plane, name in self.chosen:
            bit = dq.FLAGS[name]
            values = pixeldq if plane == "PIXELDQ" else groupdq
            if values is not None:
                layers.append(((np.asarray(values).astype(np.uint32, copy=False) & np.uint32(bit)) != 0, bit_colour(names.index(name))))
        return layers

    def _repool(self, side: str, panel: ImagePanel) -> None:
        """Draw ``side``'s overlay pooled to the zoom, again only when the block size changes."""
        item = self.overlays.get(side)
        check = self.on_left if side == "left" else self.on_right
        if not (item is not None and self.running and check.isChecked() and self._planes is not None and self.chosen):
            return
        factor = analysis.pool_factor(max(panel.view.viewPixelSize()))
        if self._pools.get(side) == factor and item.isVisible():
            return
        self._pools[side] = factor
        rgba = coloured_overlay(self._layers(), factor)
        item.setImage(rgba, autoLevels=False, levels=(0, 255))
        item.setRect(QRectF(0, 0, rgba.shape[1] * factor, rgba.shape[0] * factor))
        item.show()

    def step(self, forward: bool = True) -> None:
        """Select and show the next (or previous) pixel with a chosen bit, in row order."""
        if not self._walk:
            return
        target = self._walk.step(self.view.pixel, forward)
        if target is not None:
            self.window.guard(lambda: self.window.jump_to(*target))

    def _show_place(self) -> None:
        if not self._walk:
            self.place.setText("tick a bit to step through its pixels" if not self.chosen else "no pixel flagged")
            return
        rank = self._walk.rank(self.view.pixel)
        where = f"{rank} of {len(self._walk)}" if rank is not None else f"{len(self._walk)} flagged"
        self.place.setText(where)

    def stop(self) -> None:
        """Hidden: the overlays go too, so what is drawn is always what the visible tool says."""
        if self.running:
            for item in self.overlays.values():
                item.hide()
            self._shows = None  # shown again: drawn again
        super().stop()

    def close(self) -> None:
        """The window closes: the overlays leave the panels' scenes before the scenes are emptied."""
        super().close()
        for side, item in self.overlays.items():
            (self.window.left if side == "left" else self.window.right).view.removeItem(item)
        self.overlays.clear()
