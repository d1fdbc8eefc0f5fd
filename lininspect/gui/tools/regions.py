"""The Regions tool: circles, annuli, boxes and polygons drawn on either panel or typed, listed, moved and
deleted; their statistics on each panel's displayed plane, their ramps DQ-aware, DS9 region files
and ECSV tables; "Send ramps (SAMP)" hands every region's ramps to the SAMP tool, which sends them to TOPCAT.

The regions live in the view state (so sessions keep them); their numbers come from
``model.regionmeasures``, their files from ``model.regionfiles``, shapes from
``model.regionshapes``: this module lays them out and owns the drawing on the panels.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QEvent, QObject, QSignalBlocker, Qt
from PyQt6.QtGui import QAction, QKeyEvent, QKeySequence
from PyQt6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core.analysis.regionstats import STATISTICS, PlaneStatistics
from ...core.errors import CorrectionCancelled, LinInspectError
from ...core.fits.outputs import check_output_path
from ...model.regionfiles import ramps_table, read_ds9, shape_name, statistics_table, write_ds9, write_table
from ...model.regionmeasures import RegionRamps, panel_statistics, ramps_reader
from ...model.rampstable import region_columns
from ...model.regionshapes import TYPED, describe, typed_region, typed_text
from ...model.viewstate import PANELS
from ..worker import Job, cancel_job, start_job
from .base import Tool
from .regionlayer import RegionLayer
from .samp import SampTool

if TYPE_CHECKING:
    from regions import PixelRegion

    from ..mainwindow import MainWindow

#: The view state's fields after which the statistics are taken again (the panels have redrawn by then).
FOLLOWED = {"data_version", "frames", "integration", "group", "left", "right", "left_hdu", "right_hdu", "left_display",
            "right_display", "regions"}  # fmt: skip
#: After these the ramps are read again (a group step changes no ramp).
RAMPS_FOLLOW = {"data_version", "frames", "integration", "regions"}
#: The statistics table's columns.
COLUMNS = ("region", "panel", "N", "mean", "median", "sigma", "flagged")
#: Each quantity's colour in the ramp plot, as the inspector colours input and corrected.
RAMP_COLOURS = {"input": "#bbbbbb", "corrected A": "#ffb000", "corrected B": "#40c4ff", "pipeline product": "#7cfc00"}
#: The individual pixels' ramps: faint, behind the region's.
FAINT_ALPHA = 60
NO_BACKGROUND = "no background"
REGION_FILTER = "DS9 region files (*.reg);;All files (*)"
ECSV_FILTER = "ECSV tables (*.ecsv);;All files (*)"
DRAW_HINT = "Drag on either image to draw (inside a region: move it); polygon: click vertices, double-click closes; Esc ends"


class RegionsTool(Tool):
    """Regions on the images: drawn or typed, measured on both panels, their ramps, DS9 files and ECSV."""

    name = "regions"
    title = "Regions"
    shortcut = "Ctrl+Shift+R"

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._widget = QWidget()
        column = QVBoxLayout(self._widget)
        making = QHBoxLayout()
        self.shape_box = QComboBox()
        self.shape_box.addItems(list(TYPED))
        self.draw_button = QPushButton("Draw")
        self.draw_button.setCheckable(True)
        #: Draw mode on and off from the keyboard (listed in Help); Esc also ends it.
        self.draw_action = QAction("Draw regions on the images (Esc ends)", window)
        self.draw_action.setCheckable(True)
        self.draw_action.setShortcut(QKeySequence("R"))
        window.addAction(self.draw_action)
        self.draw_action.toggled.connect(self.set_drawing)
        self.draw_button.toggled.connect(self.draw_action.setChecked)
        self.entry = QLineEdit()
        self.add_button, self.apply_button = QPushButton("Add"), QPushButton("Apply to selected")
        self.add_button.setToolTip("Add the typed region (array pixels, pixel centres at whole numbers)")
        self.apply_button.setToolTip("Move or resize the selected region to the typed numbers")
        for widget in (self.shape_box, self.draw_button):
            making.addWidget(widget)
        typing = QHBoxLayout()
        for widget in (self.entry, self.add_button, self.apply_button):
            typing.addWidget(widget)
        self.hint = QLabel("")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #9a9a9a")
        self.region_list = QListWidget()
        self.region_list.setMaximumHeight(110)
        files = QHBoxLayout()
        self.delete_button = QPushButton("Delete")
        self.load_button, self.save_button = QPushButton("Load DS9..."), QPushButton("Save DS9...")
        for widget in (self.delete_button, self.load_button, self.save_button):
            files.addWidget(widget)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(120)
        ramp_choices = QHBoxLayout()
        self.statistic_box = QComboBox()
        self.statistic_box.addItems(list(STATISTICS))
        self.background_box = QComboBox()
        self.individual_box = QSpinBox()
        self.individual_box.setRange(0, 50)
        self.individual_box.setValue(20)
        self.individual_box.setPrefix("pixels drawn: ")
        for widget in (self.statistic_box, self.background_box, self.individual_box):
            ramp_choices.addWidget(widget)
        self.ramp_caption = QLabel("")
        self.ramp_caption.setWordWrap(True)
        self.plot = pg.PlotWidget()
        self.plot.setMinimumHeight(180)
        self.plot.setLabel("bottom", "group")
        self.plot.setLabel("left", "DN")
        self.plot.addLegend(offset=(-5, 5))
        exports = QHBoxLayout()
        self.export_stats_button, self.export_ramps_button = QPushButton("Export statistics..."), QPushButton("Export ramps...")
        self.send_button = QPushButton("Send ramps (SAMP)")
        self.send_button.setToolTip("Every region's ramps (the statistic chosen, input and corrected) with the selected and "
                                    "pinned pixels' ramps, as one table to TOPCAT over SAMP")  # fmt: skip
        for widget in (self.export_stats_button, self.export_ramps_button, self.send_button):
            exports.addWidget(widget)
        column.addLayout(making)
        column.addLayout(typing)
        column.addWidget(self.hint)
        column.addWidget(self.region_list)
        column.addLayout(files)
        column.addWidget(self.table, 1)
        column.addLayout(ramp_choices)
        column.addWidget(self.ramp_caption)
        column.addWidget(self.plot, 1)
        column.addLayout(exports)
        for widget in (self.shape_box, self.statistic_box, self.background_box, self.individual_box):
            widget.setFocusPolicy(Qt.FocusPolicy.ClickFocus)

        #: The statistics shown, by (region index, panel), and the selected region's ramps: for scripts and tests.
        self.statistics: dict[tuple[int, str], PlaneStatistics] = {}
        self.ramps: RegionRamps | None = None
        self._ramps_job: Job[RegionRamps] | None = None
        #: The last export of the ramps (a job), for scripts and tests.
        self.export_job: Job[Path] | None = None
        #: The last reading of every region's ramps to send over SAMP (a job).
        self.send_job: Job[dict[str, np.ndarray]] | None = None
        self._drawing = False
        #: A polygon's vertices clicked so far.
        self.vertices: list[tuple[float, float]] = []
        self.layers = [RegionLayer(panel, self) for panel in (window.left, window.right)]
        self._escape = EscapeEnds(self)
        self.shape_box.currentTextChanged.connect(self._shape_changed)
        self.entry.returnPressed.connect(lambda: window.guard(self.add_typed))
        self.add_button.clicked.connect(lambda: window.guard(self.add_typed))
        self.apply_button.clicked.connect(lambda: window.guard(self.apply_typed))
        self.delete_button.clicked.connect(self.delete_selected)
        self.load_button.clicked.connect(self._ask_load)
        self.save_button.clicked.connect(self._ask_save)
        self.export_stats_button.clicked.connect(lambda: self._ask_export("statistics"))
        self.export_ramps_button.clicked.connect(lambda: self._ask_export("ramps"))
        self.send_button.clicked.connect(lambda: window.guard(self.send_ramps))
        self.region_list.currentRowChanged.connect(self._selection_changed)
        self.statistic_box.currentTextChanged.connect(lambda _text: self.refresh_ramps())
        self.background_box.currentIndexChanged.connect(lambda _index: self.refresh_ramps())
        self.individual_box.valueChanged.connect(lambda _value: self.refresh_ramps())
        self.follow(self._on_view)
        window.view.subscribe(self._outlines_follow)  # outlines are drawn whether the tool is shown or not
        window.jobs.imagesStale.connect(lambda: self.refresh() if self.running else None)  # an integration corrected
        self._shape_changed(self.shape)

    def widget(self) -> QWidget:
        return self._widget

    # --- the regions and the selection ------------------------------------------------------

    @property
    def shape(self) -> str:
        return self.shape_box.currentText()

    def regions(self) -> tuple[PixelRegion, ...]:
        return self.view.regions

    @property
    def selected(self) -> int | None:
        row = self.region_list.currentRow()
        return row if 0 <= row < len(self.regions()) else None

    def select(self, index: int) -> None:
        self.region_list.setCurrentRow(index)

    def add(self, region: PixelRegion) -> None:
        """A new region, selected."""
        self.view.update(regions=(*self.regions(), region))
        self.select(len(self.regions()) - 1)

    def replace(self, index: int, region: PixelRegion) -> None:
        """Region ``index`` moved or resized."""
        regions = list(self.regions())
        regions[index] = region
        self.view.update(regions=tuple(regions))
        self.select(index)

    def delete_selected(self) -> None:
        index = self.selected
        if index is not None:
            regions = list(self.regions())
            del regions[index]
            self.view.update(regions=tuple(regions))
            self.select(min(index, len(regions) - 1))

    def region_at(self, point: tuple[float, float]) -> int | None:
        """The last drawn region that holds ``point`` (the one on top), if any."""
        if not self.regions():
            return None
        from regions import PixCoord  # there are regions, so the package is in already

        where = PixCoord(*point)
        for index in reversed(range(len(self.regions()))):
            if bool(self.regions()[index].contains(where)):
                return index
        return None

    def add_typed(self) -> None:
        self.add(typed_region(self.shape, self.entry.text()))

    def apply_typed(self) -> None:
        index = self.selected
        if index is None:
            raise LinInspectError("select a region in the list to move or resize it")
        self.replace(index, typed_region(shape_name(self.regions()[index]), self.entry.text()))

    def _shape_changed(self, shape: str) -> None:
        self.entry.setPlaceholderText(TYPED[shape])
        self.vertices.clear()
        self._show_hint()

    def _selection_changed(self, _row: int) -> None:
        index = self.selected
        if index is not None:
            region = self.regions()[index]
            self.shape_box.setCurrentText(shape_name(region))  # its numbers typed again, as its shape takes them
            self.entry.setText(typed_text(region))
        self._draw_outlines()
        self.refresh_ramps()

    # --- drawing with the mouse ---------------------------------------------------------------

    @property
    def drawing(self) -> bool:
        return self._drawing

    def set_drawing(self, on: bool) -> None:
        """Draw mode: the mouse draws and moves regions on the images until Esc (or R, or the button)."""
        if on and not self.window.tool_docks.docks[self.name].isVisible():
            self.window.tool_docks.show(self.name)
        changed = on != self._drawing
        self._drawing = on
        with QSignalBlocker(self.draw_button):
            self.draw_button.setChecked(on)
        with QSignalBlocker(self.draw_action):
            self.draw_action.setChecked(on)
        self.vertices.clear()
        for layer in self.layers:
            layer.drawing(on)
        self._escape.watch(on)
        self._show_hint()
        if changed:
            self.window.status.message(DRAW_HINT if on else "Region drawing ended", 5000)

    def _show_hint(self) -> None:
        self.hint.setText(DRAW_HINT if self.drawing else f"Type {self.entry.placeholderText()} and press Add, or press Draw (R)")

    def stop(self) -> None:
        """Hidden: drawing ends with the tool (the outlines stay, as DS9's regions do)."""
        if self.drawing:
            self.set_drawing(False)
        super().stop()

    # --- what is shown -------------------------------------------------------------------------

    def _on_view(self, changed: set[str]) -> None:
        if changed & FOLLOWED:
            self.refresh_statistics()
        if changed & RAMPS_FOLLOW:
            self.refresh_ramps()

    def _outlines_follow(self, changed: set[str]) -> None:
        if "regions" in changed:
            self._list_regions()
            self._draw_outlines()
        if "data_version" in changed and self.drawing:
            for layer in self.layers:
                layer.drawing(True)  # a new exposure's size

    def _list_regions(self) -> None:
        row = self.region_list.currentRow()
        with QSignalBlocker(self.region_list):
            self.region_list.clear()
            for number, region in enumerate(self.regions(), start=1):
                self.region_list.addItem(f"{number}: {describe(region)}")
            self.region_list.setCurrentRow(min(row, len(self.regions()) - 1))
        with QSignalBlocker(self.background_box):
            chosen = self.background_box.currentText()
            self.background_box.clear()
            self.background_box.addItem(NO_BACKGROUND)
            for number, region in enumerate(self.regions(), start=1):
                if shape_name(region) == "annulus":
                    self.background_box.addItem(f"background: region {number}")
            self.background_box.setCurrentText(chosen)
        if self.region_list.currentRow() < 0 and self.regions():
            self.region_list.setCurrentRow(len(self.regions()) - 1)

    def _draw_outlines(self) -> None:
        for layer in self.layers:
            layer.show(self.regions(), self.selected)

    def refresh(self) -> None:
        self._show_hint()
        self.refresh_statistics()
        self.refresh_ramps()

    def refresh_statistics(self) -> None:
        """Each region's statistics on each panel's displayed plane (read from what the panels draw)."""
        self.statistics = {}
        session, view, panels = self.session, self.view, self.window.panels
        rows: list[list[str]] = []
        if session.exposure is not None:
            for index, region in enumerate(self.regions()):
                for panel in PANELS:
                    shown = panels.shown.get(panel)
                    if shown is None:
                        rows.append([str(index + 1), panel, "", "", "", "", "no image shown"])
                        continue
                    stats = panel_statistics(session, view.integration, view.group, shown.values, region)
                    self.statistics[(index, panel)] = stats
                    rows.append([str(index + 1), panel, str(stats.pixels), _number(stats.mean), _number(stats.median),
                                 _number(stats.sigma), _flags(stats)])  # fmt: skip
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                item = QTableWidgetItem(text)
                if c and c < len(COLUMNS) - 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if c == len(COLUMNS) - 1:
                    item.setToolTip(text)
                self.table.setItem(r, c, item)

    def background(self) -> PixelRegion | None:
        text = self.background_box.currentText()
        if not text.startswith("background: region "):
            return None
        index = int(text.rsplit(" ", 1)[1]) - 1
        return self.regions()[index] if index < len(self.regions()) else None

    def refresh_ramps(self) -> None:
        """The selected region's ramps, input and corrected, the chosen statistic over its usable samples,
        read in a job (a 10,000-pixel region of a full frame takes 0.2 s) and drawn when it is done."""
        cancel_job(self._ramps_job)
        self._ramps_job = None
        self.ramps = None
        self.plot.clear()
        index, session = self.selected, self.session
        if not self.running:
            return
        if index is None or session.exposure is None:
            self.ramp_caption.setText("Select a region to see its ramps")
            return
        region, background = self.regions()[index], self.background()
        try:
            read = ramps_reader(session, self.view.integration, self.statistic_box.currentText(),
                                individual=self.individual_box.value())  # fmt: skip
        except LinInspectError as error:
            self.ramp_caption.setText(str(error))
            return
        behind = None if background is region else background
        self.ramp_caption.setText(f"Reading region {index + 1}'s ramps...")
        self._ramps_job = start_job(lambda progress, cancel: read(region, behind),
                                    lambda ramps: self._show_ramps(index, ramps), self.ramp_caption.setText)  # fmt: skip

    def _show_ramps(self, index: int, ramps: RegionRamps) -> None:
        self.ramps = ramps
        groups = np.arange(len(next(iter(ramps.ramps.values())).values))
        for name, singles in ramps.individual.items():
            if not singles.shape[1]:
                continue
            colour = pg.mkColor(RAMP_COLOURS.get(name, "#ffffff"))
            colour.setAlpha(FAINT_ALPHA)
            # One item for all of a quantity's pixels, each ramp ended by a NaN: one item draws as fast as one line.
            xs = np.tile(np.append(groups, np.nan), singles.shape[1])
            ys = np.vstack([singles, np.full((1, singles.shape[1]), np.nan)]).T.ravel()
            self.plot.plot(xs, ys, pen=pg.mkPen(colour, width=1), connect="finite")
        for name, ramp in ramps.ramps.items():
            self.plot.plot(groups, ramp.values, pen=pg.mkPen(RAMP_COLOURS.get(name, "#ffffff"), width=2),
                           symbol="o", symbolSize=5, name=name, connect="finite")  # fmt: skip
        left_out = int(ramps.pixels * len(groups) - next(iter(ramps.ramps.values())).used.sum())
        less = f" less background (median of region {self.background_box.currentText().rsplit(' ', 1)[1]})" if ramps.background else ""
        self.ramp_caption.setText(f"Region {index + 1}: {ramps.statistic} of {ramps.pixels} pixels{less}, integration "
                                  f"{ramps.integration}; {left_out} samples left out (SATURATED, DO_NOT_USE)")  # fmt: skip
        self.window.status.message(f"region {index + 1}'s ramps read", 3000, routine=True)  # the caption says it too

    # --- files ---------------------------------------------------------------------------------

    def _protected(self) -> list[Path]:
        """The files loaded, which no region file or table may replace."""
        session = self.session
        named = [session.input_path, session.exposure.path if session.exposure is not None else None,
                 session.product.path if session.product is not None else None,
                 *(reference.path for reference in session.references.values())]  # fmt: skip
        return [Path(path) for path in named if path is not None]

    def load_file(self, path: Path) -> None:
        """Add the regions of a DS9 region file (what cannot be measured is left out, with a note)."""
        read = read_ds9(Path(path))
        self.view.update(regions=(*self.regions(), *read.regions))
        self.select(len(self.regions()) - 1)
        self.window.status.message(f"{len(read.regions)} regions read from {Path(path).name}"
                                   + (f" ({read.note})" if read.note else ""), 10000)  # fmt: skip

    def save_file(self, path: Path) -> None:
        if not self.regions():
            raise LinInspectError("no region to save: draw or type one first")
        write_ds9(self.regions(), Path(path), self._protected())
        self.window.status.message(f"{len(self.regions())} regions saved to {path}", 8000)

    def export(self, kind: str, path: Path) -> None:
        """The statistics shown (one row per region and panel) or every region's ramps, as an ECSV table."""
        if not self.regions():
            raise LinInspectError("no region to export: draw or type one first")
        if not self.running:
            self.window.tool_docks.show(self.name)
        view, session = self.view, self.session
        meta = {"exposure": str(session.input_path), "integration": view.integration, "group": view.group}
        if kind == "ramps":
            self._export_ramps(Path(path), meta)
            return
        shows = {panel: getattr(self.window, panel).title.text for panel in PANELS}
        rows = [(index + 1, self.regions()[index], panel, shows[panel], stats)
                for (index, panel), stats in sorted(self.statistics.items())]  # fmt: skip
        write_table(statistics_table(rows, meta), Path(path), self._protected())
        self.window.status.message(f"region statistics written to {path}", 8000)

    def _export_ramps(self, path: Path, meta: dict[str, object]) -> Job[Path]:
        """Every region's ramps read and written in a job (each region a read of its box); the status bar says when."""
        check_output_path(path, self._protected(), overwrite=True)  # refused at once, not when the job is done
        read = ramps_reader(self.session, self.view.integration, self.statistic_box.currentText(), individual=0)
        background, regions = self.background(), self.regions()
        protected = self._protected()

        def job(progress: Callable[[int, int], None], cancel: threading.Event) -> Path:
            ramps = []
            for number, region in enumerate(regions, start=1):
                if cancel.is_set():
                    raise CorrectionCancelled()
                ramps.append((number, region, read(region, None if background is region else background)))
                progress(number, len(regions))
            write_table(ramps_table(ramps, meta), path, protected)
            return path

        self.window.status.message(f"writing region ramps to {path}...")
        self.export_job = start_job(job, lambda written: self.window.status.message(f"region ramps written to {written}", 8000),
                                    self.window.dialogs.show_error)  # fmt: skip
        return self.export_job

    def send_ramps(self) -> Job[dict[str, np.ndarray]]:
        """Every region's ramps (the statistic and background chosen) read in a job, then handed to the SAMP
        tool, which sends them with the selected and pinned pixels' ramps as one table (connecting first)."""
        if not self.regions():
            raise LinInspectError("no region to send: draw or type one first")
        session, integration = self.session, self.view.integration
        exposure, statistic = session.exposure, self.statistic_box.currentText()
        read = ramps_reader(session, integration, statistic, individual=0)
        background, regions = self.background(), self.regions()
        samp = self.window.tool_docks.tools["samp"]
        assert isinstance(samp, SampTool)

        def job(progress: Callable[[int, int], None], cancel: threading.Event) -> dict[str, np.ndarray]:
            columns: dict[str, np.ndarray] = {}
            for number, region in enumerate(regions, start=1):
                if cancel.is_set():
                    raise CorrectionCancelled()
                columns.update(region_columns(number, read(region, None if background is region else background)))
                progress(number, len(regions))
            return columns

        def read_all(columns: dict[str, np.ndarray]) -> None:
            if session.exposure is not exposure or self.view.integration != integration:
                self.window.status.message("SAMP: the exposure or integration changed while the regions' ramps were "
                                           "read: send them again", 10000)  # fmt: skip
                return
            label = f"{len(regions)} region{'s' if len(regions) != 1 else ''} ({statistic})"
            self.window.guard(lambda: samp.send_ramps(extra=columns, label=label))

        cancel_job(self.send_job)
        self.window.status.message("reading the regions' ramps to send over SAMP...")
        self.send_job = start_job(job, read_all, self.window.dialogs.show_error)
        return self.send_job

    def _ask_load(self) -> None:
        window = self.window
        name, _ = QFileDialog.getOpenFileName(window, "Load DS9 regions", window.dialogs.start_dir(), REGION_FILTER)
        if name:
            window.guard(lambda: self.load_file(Path(name)))

    def _ask_save(self) -> None:
        window = self.window
        start = str(Path(window.dialogs.start_dir()) / "lininspect.reg")
        name, _ = QFileDialog.getSaveFileName(window, "Save DS9 regions", start, REGION_FILTER)
        if name:
            window.guard(lambda: self.save_file(Path(name)))

    def _ask_export(self, kind: str) -> None:
        window = self.window
        start = str(Path(window.dialogs.start_dir()) / f"regions_{kind}.ecsv")
        name, _ = QFileDialog.getSaveFileName(window, f"Export region {kind}", start, ECSV_FILTER)
        if name:
            window.guard(lambda: self.export(kind, Path(name)))

    def close(self) -> None:
        """The window closes: jobs cancelled, drawing ended, and the outlines leave the panels' scenes first."""
        cancel_job(self._ramps_job)
        cancel_job(self.export_job)
        cancel_job(self.send_job)
        self._escape.watch(False)
        self.window.view.unsubscribe(self._outlines_follow)
        super().close()
        for layer in self.layers:
            layer.close()
        self.layers.clear()  # a window closed twice removes nothing the second time


class EscapeEnds(QObject):
    """While drawing, Esc ends drawing (ahead of the window's Esc, which cancels a run)."""

    def __init__(self, tool: RegionsTool) -> None:
        super().__init__(tool.window)
        self.tool = tool
        self._watching = False

    def watch(self, on: bool) -> None:
        app = QApplication.instance()
        if app is None or on == self._watching:
            return
        self._watching = on
        if on:
            app.installEventFilter(self)
        else:
            app.removeEventFilter(self)

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:
        if (event is not None and event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_Escape):  # fmt: skip
            event.accept()
            self.tool.set_drawing(False)
            return True
        return False


def _number(value: float) -> str:
    return "—" if not np.isfinite(value) else f"{value:.6g}"


def _flags(stats: PlaneStatistics) -> str:
    """The region's flagged pixels by bit, PIXELDQ then GROUPDQ; "none" when no bit is set."""
    parts = [f"{name} {count}" + (" (G)" if plane == "GROUPDQ" else "")
             for plane, counts in stats.flagged.items() for name, count in counts.items()]  # fmt: skip
    return ", ".join(parts) or "none"
