"""The pixel inspector: ramps, ratio, correction curve, line-fit residuals and a text card."""

from __future__ import annotations

import csv
import html
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters
from pyqtgraph.GraphicsScene.mouseEvents import MouseClickEvent
from PyQt6.QtCore import QSignalBlocker, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QPainter, QPen
from PyQt6.QtWidgets import (
    QCheckBox,
    QGraphicsItem,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStyle,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from .. import __version__
from ..core.analysis import analysis
from ..core import dq
from ..core.fits.atomic import atomic_path
from ..core.kernels.correction import evaluate
from ..core.errors import LinInspectError
from ..model.session import PixelFacts, ReferenceFacts
from ..model.summaries import per_group_counts
from .imagepanel import BACKGROUND
from .svgexport import SvgExporter
from .viewtext import ViewText

INPUT_COLOUR = QColor("#4c9be8")
CORRECTED_COLOUR = QColor("#f08c2e")
REGION_COLOUR = QColor("#ffd400")
SATURATED_COLOUR = "#ff4040"
#: Corrections with references A and B when both are loaded: distinct from input blue and each other.
REFERENCE_COLOURS = {"A": QColor("#f08c2e"), "B": QColor("#b05ce8")}
#: The read-level path opened up: the classic correction beside it, and the reads it rebuilt.
CLASSIC_COLOUR, READS_COLOUR = QColor("#3cc8a0"), QColor("#e8e070")
GROUP_LINE_COLOUR = "#e0e0e0"
#: The narrowest a plot gets (axes included) before the inspector scrolls no further.
PLOT_MIN_WIDTH = 120
#: Height of the caption row of exported plots.
CAPTION_HEIGHT = 24
#: Entries per row of the legend under the plots.
LEGEND_COLUMNS = 6
#: "All integrations" colours each integration from this map, early to late.
INTEGRATION_COLOURMAP = "plasma"
#: Pinned pixels cycle through these (distinct from input/corrected colours).
PIN_COLOURS = [QColor(c) for c in ("#2ca02c", "#d62728", "#9467bd", "#17becf", "#e377c2", "#bcbd22", "#8c564b")]
#: GROUPDQ flags marked on the ramp: bit, label, symbol, colour.
FLAG_MARKS = [
    (dq.SATURATED, "SATURATED", "t", SATURATED_COLOUR),
    (dq.DO_NOT_USE, "DO_NOT_USE", "x", "#d0d0d0"),
    (dq.JUMP_DET, "JUMP_DET", "star", "#ffd400"),
]


@dataclass(frozen=True)
class RegionMean:
    """Mean ramps of a box over usable samples, and the samples used per group."""

    x0: int
    y0: int
    x1: int
    y1: int
    integration: int
    raw: np.ndarray
    corrected: np.ndarray | None
    count: np.ndarray


class SolidGridAxis(pg.AxisItem):
    """An axis whose grid lines are solid, pre-mixed with the background, and lie behind the curves.

    pyqtgraph draws grid lines translucent, and Qt's raster engine blends each translucent
    line through its thread pool: on two cores repainting the four plots took ~25 ms of
    every pixel click, against ~1 ms for the same lines solid. Under the curves (rather than
    over them, faint) they look the same.
    """

    #: Below the ViewBox (z = -100), so the solid grid never hides a curve; set once the
    #: PlotItem has placed the axis (it sets z = 0.5 then).
    Z_BEHIND_VIEW = -150

    #: Screen pixels per label on a bottom axis: "40000" needs ~35, and labels must not touch.
    PIXELS_PER_INTEGER_TICK = 36
    PIXELS_PER_TICK = 64

    def __init__(self, orientation: str, *, integers: bool = False) -> None:
        super().__init__(orientation)
        # The labels' space only grows: fitted to each pixel's labels, the axis changed width on
        # most clicks, and the relayout that followed the paint painted the four plots again.
        self.setStyle(autoReduceTextSpace=False)
        self._solid: dict[tuple[int, int], QPen] = {}
        self.integers = integers

    def tickValues(self, minVal: float, maxVal: float, size: float):  # type: ignore[no-untyped-def]  # noqa: N802, N803 (pyqtgraph's names)
        """Bottom axes: round values spaced so their labels never overlap; on group axes whole groups only.

        pyqtgraph picks about log(width) ticks whatever the labels' width, which on a
        narrow plot runs "20000" into "40000".
        """
        if self.orientation != "bottom":
            return super().tickValues(minVal, maxVal, size)
        if self.integers:
            ticks = analysis.integer_ticks(minVal, maxVal, int(size // self.PIXELS_PER_INTEGER_TICK))
        else:
            ticks = analysis.nice_ticks(minVal, maxVal, max(2, int(size // self.PIXELS_PER_TICK)))
        step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
        return [(step, ticks)]

    def generateDrawSpecs(self, p: QPainter):  # type: ignore[no-untyped-def]  # noqa: N802 (pyqtgraph's name)
        specs = super().generateDrawSpecs(p)
        if specs is None:
            return None
        axis, ticks, texts = specs
        return axis, [(self._solid_pen(pen), start, end) for pen, start, end in ticks], texts

    def _solid_pen(self, pen: QPen) -> QPen:
        colour = pen.color()
        key = (colour.rgba(), pen.width())
        if key not in self._solid:
            alpha, ground = colour.alphaF(), QColor(BACKGROUND)
            solid = QPen(pen)
            solid.setColor(QColor.fromRgbF(
                alpha * colour.redF() + (1 - alpha) * ground.redF(),
                alpha * colour.greenF() + (1 - alpha) * ground.greenF(),
                alpha * colour.blueF() + (1 - alpha) * ground.blueF(),
            ))  # fmt: skip
            self._solid[key] = solid
        return self._solid[key]


#: pyqtgraph's own defaults for every style a refill may set, so none lingers from a previous use.
_DEFAULT_STYLE: dict[str, object] = {"pen": (200, 200, 200), "symbol": None, "symbolSize": 10,
                                     "symbolPen": (200, 200, 200), "symbolBrush": (50, 50, 150)}  # fmt: skip


class SeriesItem(pg.PlotDataItem):
    """A PlotDataItem that redraws for a new vertical range only when pyqtgraph would clip it.

    pyqtgraph clips series reaching millions of view heights off screen (Qt draws such
    lines wrongly) and, to keep that clip current, rebuilds every item, symbols included,
    whenever a plot's vertical range changes: once more after each click's range fit, a
    third of the inspector's refresh. A series shorter than the clip threshold, in the
    range it was drawn for and in the new one, is drawn whole either way.
    """

    #: The vertical extent of the view last announced, which the series was drawn for.
    _seen_height: float | None = None

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # Kept as pixmaps between changes: a group step moves the group marker across every
        # series, and Qt then repaints what lies under it; stroking the ramps again (antialiased)
        # was half of a step's time on the GUI thread.
        self._cache_drawings(True)

    def _cache_drawings(self, cached: bool) -> None:
        mode = QGraphicsItem.CacheMode.DeviceCoordinateCache if cached else QGraphicsItem.CacheMode.NoCache
        for part in (self.curve, self.scatter):
            part.setCacheMode(mode)

    def setExportMode(self, export: bool, opts: dict | None = None) -> bool:  # noqa: N802 (pyqtgraph's name)
        """An export draws the series afresh, as vectors in an SVG, not the kept pixmaps."""
        self._cache_drawings(not export)
        return super().setExportMode(export, opts)

    def viewRangeChanged(self, vb=None, ranges=None, changed=None) -> None:  # type: ignore[no-untyped-def]  # noqa: N802 (pyqtgraph's name)
        if changed is not None and changed[1] and ranges is not None:
            height = ranges[1][1] - ranges[1][0]
            if not self._may_clip(self._seen_height) and not self._may_clip(height):
                changed = [changed[0], False]
            self._seen_height = height
        super().viewRangeChanged(vb, ranges, changed)

    def _may_clip(self, view_height: float | None) -> bool:
        """pyqtgraph's own test for clipping (PlotDataItem._getDisplayDataset); True when unknown."""
        limit, data = self.opts["dynamicRangeLimit"], self.dataRect()
        if limit is None or data is None:
            return False
        if view_height is None or not view_height > 0:
            return True
        return bool(data.height() > 2 * self.opts["dynamicRangeHyst"] * limit * view_height)


class ReusedItems:
    """The data items of one plot, refilled on every refresh rather than made anew.

    Making a PlotDataItem and adding it to a plot costs ~2 ms (pyqtgraph refits it three
    times as it joins the view), and a click redraws about ten: a fifth of its 100 ms.
    Named items are collected for the shared legend. Items left over hold no data and no
    name, so ``listDataItems`` shows only what is drawn.
    """

    def __init__(self, plot: pg.PlotItem) -> None:
        self.plot = plot
        self.items: list[pg.PlotDataItem] = []
        self.used = self.shown = 0
        self.named: list[tuple[pg.PlotDataItem, str]] = []

    def begin(self) -> None:
        self.used = 0
        self.named = []

    def plot_data(self, x: np.ndarray, y: np.ndarray, *, name: str | None = None, **style: object) -> pg.PlotDataItem:
        """Like ``PlotItem.plot``: the series with this style (and legend entry, if named)."""
        if self.used == len(self.items):
            item = SeriesItem()
            self.plot.addItem(item)
            self.items.append(item)
        item = self.items[self.used]
        self.used += 1
        if "connect" not in style:
            # Decided here: pyqtgraph's "auto" draws a series as separate segments until its
            # bounds are known, and only a redraw (which SeriesItem saves) joins them into
            # one line, which strokes several times faster (8 against 17 ms for a ramp's residuals).
            style["connect"] = "all" if np.isfinite(x).all() and np.isfinite(y).all() else "finite"
        item.setData(x, y, name=name, **(_DEFAULT_STYLE | style))
        item.show()
        if name:
            self.named.append((item, name))
        return item

    def end(self) -> None:
        """Empty and hide the items this refresh did not use."""
        for item in self.items[self.used : self.shown]:
            item.setData([], [], name=None)
            item.hide()
        self.shown = self.used


class PlotTitle(pg.LabelItem):
    """A title that may be clipped: a LabelItem insists on its text's width, and on a narrow
    screen "Straight-line residuals" then pushed its plot over the next one."""

    def updateMin(self) -> None:  # noqa: N802 (pyqtgraph's name)
        super().updateMin()
        self.setMinimumWidth(0)


def _fit(view: pg.ViewBox) -> None:
    """Fit the view's range to its items now, and settle it.

    Left to the paint, the fit changes the view's transform there, and with it the data
    extent of the symbols (sized in screen pixels), which makes pyqtgraph fit again and
    paint the plots a second or third time. Two rounds here usually settle it.
    """
    for _ in range(3):
        before = view.viewRange()
        view.updateAutoRange()
        view.updateMatrix()
        if view.viewRange() == before:
            return


def _plot(layout: pg.GraphicsLayoutWidget, col: int, title: str, x: str, y: str) -> pg.PlotItem:
    layout.addItem(PlotTitle(title, size="11pt"), row=1, col=col)
    axes = {side: SolidGridAxis(side, integers=side == "bottom" and x == "group") for side in ("left", "bottom")}
    plot = layout.addPlot(row=2, col=col, axisItems=axes)
    for axis in axes.values():
        axis.setZValue(SolidGridAxis.Z_BEHIND_VIEW)
    plot.setLabel("bottom", x)
    plot.setLabel("left", y)
    for side in ("left", "bottom"):  # a ratio of 0.991 reads as such, not as "991 (x0.001)"
        plot.getAxis(side).enableAutoSIPrefix(False)
    plot.showGrid(x=True, y=True, alpha=0.25)
    # Equal shares of the width.
    plot.setMinimumWidth(PLOT_MIN_WIDTH)
    plot.setPreferredWidth(PLOT_MIN_WIDTH * 2)
    return plot


class PixelInspector(QWidget):
    """Plots and facts for the clicked pixel, pinned pixels and a selected region."""

    pinsCleared = pyqtSignal()
    allIntegrationsToggled = pyqtSignal(bool)
    flaggedChosen = pyqtSignal(int, int)  # x, y of a NO_LIN_CORR pixel picked from the list
    captionChanged = pyqtSignal(str)  # what the plots show, for the dock's title
    groupClicked = pyqtSignal(int)  # a group picked on the ramp or ratio plot, to show in the panels

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.facts: PixelFacts | None = None
        self.pins: list[tuple[PixelFacts, QColor]] = []
        self.region: RegionMean | None = None
        self.integration = 0
        self.group = 0
        #: What the plots come from, for their caption, export names and the CSV's provenance.
        self.exposure_path: Path | None = None
        self.reference_path: Path | None = None
        self._flagged = np.zeros((0, 2), dtype=np.intp)

        self.plots = pg.GraphicsLayoutWidget()
        # Empty on screen (the dock's title says it, in less height); filled while exporting.
        self.caption = self.plots.addLabel("", row=0, col=0, colspan=4, size="9pt", color="#c8c8c8")
        self.ramp_plot = _plot(self.plots, 0, "Ramp", "group", "signal (DN)")
        self.ratio_plot = _plot(self.plots, 1, "Input / corrected", "group", "ratio")
        self.curve_plot = _plot(self.plots, 2, "Correction curve", "raw (DN)", "corrected (DN)")
        self.residual_plot = _plot(self.plots, 3, "Straight-line residuals", "group", "residual (DN)")
        # One legend below the plots for all of them: inside a plot it covers the data.
        self.legend = pg.LegendItem(colCount=LEGEND_COLUMNS, labelTextSize="8pt", verSpacing=-6)
        self.plots.addItem(self.legend, row=3, col=0, colspan=4)
        for col in range(4):
            self.plots.ci.layout.setColumnStretchFactor(col, 1)
        self._legend_entries: list[tuple[pg.PlotDataItem, str]] = []
        self._show_caption("")
        self.zero_line = self.residual_plot.addLine(y=0.0, pen=pg.mkPen("#888888", style=Qt.PenStyle.DashLine))
        self.group_lines = []
        for plot in (self.ramp_plot, self.ratio_plot, self.residual_plot):
            line = pg.InfiniteLine(angle=90, pen=pg.mkPen(GROUP_LINE_COLOUR, width=1, style=Qt.PenStyle.DotLine))
            plot.addItem(line, ignoreBounds=True)
            self.group_lines.append(line)
        self.plots.scene().sigMouseClicked.connect(self._on_plot_click)
        self.residual_note = ViewText("", color="#bbbbbb", anchor=(0.5, 0.5))
        self.residual_plot.addItem(self.residual_note, ignoreBounds=True)
        self._ramp, self._ratio, self._curve, self._residual = (
            ReusedItems(plot) for plot in (self.ramp_plot, self.ratio_plot, self.curve_plot, self.residual_plot)
        )
        #: Curves by role, for tests: "input", "corrected", "ratio", "input residual",
        #: "corrected residual" (one per integration drawn) and "curve".
        self.curves: dict[str, list[pg.PlotDataItem]] = {}

        self.all_integrations = QCheckBox("All integrations")
        self.all_integrations.toggled.connect(self.allIntegrationsToggled)
        self.pin_list = QListWidget()
        self.pin_list.setMaximumHeight(90)
        clear = QPushButton("Clear pins")
        clear.clicked.connect(self.pinsCleared)
        self.flagged_box = QSpinBox()
        self.flagged_box.setSpecialValueText("NO_LIN_CORR pixels: pick one")
        self.flagged_box.setToolTip("Step through the NO_LIN_CORR pixels; each is inspected in turn")
        self.flagged_box.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.flagged_box.valueChanged.connect(self._on_flagged)
        # The app's style sheet left the text field 13 px for a 14 px line (NO_LIN_CORR's
        # underscores were cut off): room for the field's whole line inside the frame.
        frame = self.flagged_box.style().pixelMetric(QStyle.PixelMetric.PM_SpinBoxFrameWidth, None, self.flagged_box)
        self.flagged_box.setMinimumHeight(self.flagged_box.lineEdit().sizeHint().height() + 2 * frame)
        self.card = QTextBrowser()
        self.card.setOpenLinks(False)

        side = QWidget()
        side.setMinimumWidth(240)
        column = QVBoxLayout(side)
        column.setContentsMargins(4, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.all_integrations)
        row.addStretch(1)
        row.addWidget(clear)
        column.addLayout(row)
        column.addWidget(self.flagged_box)
        column.addWidget(self.pin_list)
        column.addWidget(self.card, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.plots)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(splitter)
        self.set_flagged(self._flagged)
        self.refresh()

    def integrations(self, nints: int) -> list[int]:
        return list(range(nints)) if self.all_integrations.isChecked() else [self.integration]

    # --- NO_LIN_CORR list -----------------------------------------------------------------

    def set_flagged(self, pixels: np.ndarray) -> None:
        """The NO_LIN_CORR pixels, (n, 2) of x, y, offered one by one."""
        self._flagged = pixels
        self.flagged_box.blockSignals(True)
        self.flagged_box.setRange(0, len(pixels))
        self.flagged_box.setValue(0)
        self.flagged_box.setPrefix("NO_LIN_CORR ")
        self.flagged_box.setSuffix(f" of {len(pixels)}")
        self.flagged_box.setSpecialValueText(
            f"NO_LIN_CORR: {len(pixels)} pixels" if len(pixels) else "no NO_LIN_CORR pixels"
        )
        self.flagged_box.setEnabled(len(pixels) > 0)
        self.flagged_box.blockSignals(False)

    def follow_pixel(self, pixel: tuple[int, int] | None) -> None:
        """Show where the inspected pixel sits among the NO_LIN_CORR pixels, or no number when it is not one."""
        hits = np.flatnonzero((self._flagged[:, 0] == pixel[0]) & (self._flagged[:, 1] == pixel[1])) if pixel else []
        number = int(hits[0]) + 1 if len(hits) else 0
        if number != self.flagged_box.value():
            with QSignalBlocker(self.flagged_box):  # the pixel is already inspected
                self.flagged_box.setValue(number)

    def forget_ranges(self) -> None:
        """A new exposure: empty plots show no range of the last one, and each plot fits its next data afresh."""
        for plot in (self.ramp_plot, self.ratio_plot, self.curve_plot, self.residual_plot):
            plot.vb.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
            plot.vb.enableAutoRange()

    def _on_flagged(self, number: int) -> None:
        if 1 <= number <= len(self._flagged):
            x, y = self._flagged[number - 1]
            self.flaggedChosen.emit(int(x), int(y))

    def _on_plot_click(self, event: MouseClickEvent) -> None:
        """A left click on a sample of the ramp or ratio plot (anywhere in its group's column) shows that group."""
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        ngroups = self._ngroups()
        for plot in (self.ramp_plot, self.ratio_plot):
            if plot.vb.sceneBoundingRect().contains(event.scenePos()):
                group = round(plot.vb.mapSceneToView(event.scenePos()).x())
                if 0 <= group < ngroups:
                    event.accept()
                    self.groupClicked.emit(group)
                return

    def _ngroups(self) -> int:
        """The groups of the ramps plotted now, 0 when none is."""
        if self.facts is not None:
            return int(self.facts.raw.shape[1])
        return int(self.region.raw.shape[-1]) if self.region is not None else 0

    # --- drawing ------------------------------------------------------------------------

    def set_group(self, group: int) -> None:
        """Move the displayed-group marker; cheap, for every group step."""
        self.group = group
        for line in self.group_lines:
            line.setValue(group)
        if self.facts is not None and any(r.reads for r in self.facts.references):
            self.card.setHtml(self._card_html())  # the displayed group's rebuilt reads

    def refresh(self) -> None:
        """Redraw every plot and the card from the current facts, pins and region."""
        pools = (self._ramp, self._ratio, self._curve, self._residual)
        for pool in pools:
            pool.begin()
        self.curves = {role: [] for role in ("input", "corrected", "ratio", "input residual", "corrected residual", "curve")}
        facts = self.facts
        note = ""
        if facts is not None:
            note = self._draw_pixel(facts)
        self.zero_line.setVisible(facts is not None)
        for pin, colour in self.pins:
            self._draw_pin(pin, colour)
        if self.region is not None:
            self._draw_region(self.region)
        for pool in pools:
            pool.end()
        self._update_legend([entry for pool in pools for entry in pool.named])
        for pool in pools:  # in the plots' final size, the legend laid out
            _fit(pool.plot.vb)
        anything = facts is not None or bool(self.pins) or self.region is not None
        for line in self.group_lines:
            line.setVisible(anything)
        self.set_group(self.group)
        self.residual_note.setText(note)
        if note:
            (x0, x1), (y0, y1) = self.residual_plot.vb.viewRange()
            self.residual_note.setPos((x0 + x1) / 2, (y0 + y1) / 2)
        self.captionChanged.emit(self.caption_text())
        self.card.setHtml(self._card_html())
        self.pin_list.clear()
        for pin, colour in self.pins:
            item = QListWidgetItem(f"● pixel ({pin.x}, {pin.y})")
            item.setForeground(colour)
            self.pin_list.addItem(item)

    def _update_legend(self, entries: list[tuple[pg.PlotDataItem, str]]) -> None:
        """Rebuild the shared legend only when its entries change (a rebuild costs a relayout)."""
        if entries == self._legend_entries:
            return
        self.legend.clear()
        for item, name in entries:
            self.legend.addItem(item, name)
        self._legend_entries = entries
        self.plots.ci.layout.activate()  # now: left to the paint, the new layout paints the plots again

    def caption_text(self) -> str:
        """File, pixel and integration: the plots say what they show, on screen and exported."""
        parts = [self.exposure_path.name if self.exposure_path is not None else "no exposure"]
        if self.facts is not None:
            parts.append(f"pixel ({self.facts.x}, {self.facts.y})")
            nints = self.facts.raw.shape[0]
            parts.append("all integrations" if len(self.integrations(nints)) > 1 else f"integration {self.integration}")
        if self.pins:
            parts.append("pins " + ", ".join(f"({pin.x}, {pin.y})" for pin, _ in self.pins))
        if self.region is not None:
            r = self.region
            parts.append(f"box x {r.x0}–{r.x1 - 1}, y {r.y0}–{r.y1 - 1}")
        if self.reference_path is not None:
            parts.append(f"reference {self.reference_path.name}")
        return "  ·  ".join(parts)

    def _draw_pixel(self, facts: PixelFacts) -> str:
        """Plot one pixel's ramps; return what the residual plot should say when it is blank."""
        groups = np.arange(facts.raw.shape[1])
        integrations = self.integrations(facts.raw.shape[0])
        several = len(integrations) > 1
        colours = _integration_colours(len(integrations)) if several else []
        if several and facts.corrected is not None:
            # Dashed means input: one entry says so, the colours name the integrations.
            self._ramp.plot_data([], [], pen=pg.mkPen("#c8c8c8", width=1.5, style=Qt.PenStyle.DashLine),
                                 name="input (dashed)")  # fmt: skip
        flags_named: set[str] = set()
        usable_counts: list[int] = []
        for n, i in enumerate(integrations):
            raw, corrected, gdq = facts.raw[i], None if facts.corrected is None else facts.corrected[i], facts.groupdq[i]
            if several:
                input_colour = corrected_colour = colours[n]
                input_name, corrected_name = (None, f"int {i}") if corrected is not None else (f"int {i}", None)
                input_style = Qt.PenStyle.DashLine if corrected is not None else Qt.PenStyle.SolidLine
            else:
                input_colour, corrected_colour = INPUT_COLOUR, CORRECTED_COLOUR
                input_name, corrected_name, input_style = "input", "corrected", Qt.PenStyle.SolidLine
            self.curves["input"].append(
                self._ramp.plot_data(groups, raw, pen=pg.mkPen(input_colour, width=2, style=input_style), symbol="o",
                                     symbolSize=6, symbolBrush=input_colour, symbolPen=None, name=input_name)
            )  # fmt: skip
            saturated = (gdq & dq.SATURATED) != 0
            if corrected is not None:
                self.curves["corrected"].append(
                    self._ramp.plot_data(groups, corrected, pen=pg.mkPen(corrected_colour, width=2), symbol="o",
                                         symbolSize=6, symbolBrush=corrected_colour, symbolPen=None,
                                         name=corrected_name)
                )  # fmt: skip
                # Saturated samples keep their raw value: the line breaks there, a mark says why.
                self.curves["ratio"].append(
                    self._ratio.plot_data(groups, analysis.ramp_ratio(raw, corrected, gdq), connect="finite",
                                          pen=pg.mkPen(corrected_colour, width=2), symbol="o", symbolSize=5,
                                          symbolBrush=corrected_colour, symbolPen=None)
                )  # fmt: skip
                if saturated.any():
                    self._ratio.plot_data(groups[saturated], np.ones(int(saturated.sum())), pen=None, symbol="t",
                                          symbolSize=11, symbolBrush=None, symbolPen=pg.mkPen(SATURATED_COLOUR, width=2))  # fmt: skip
            for bit, name, symbol, colour in FLAG_MARKS:
                flagged = (gdq & bit) != 0
                if flagged.any():
                    series = corrected if corrected is not None else raw
                    self._ramp.plot_data(groups[flagged], series[flagged], pen=None, symbol=symbol, symbolSize=13,
                                         symbolBrush=colour, symbolPen=pg.mkPen("#000000"),
                                         name=None if name in flags_named else name)  # fmt: skip
                    flags_named.add(name)
            for series, role, colour in ((raw, "input", input_colour), (corrected, "corrected", corrected_colour)):
                if series is None:
                    continue
                residuals = analysis.line_fit_residuals(series, analysis.usable(series, gdq))
                usable_counts.append(analysis.usable_count(series, gdq))
                if not np.isfinite(residuals).any():
                    continue
                # Input dashed with open circles under corrected solid with dots: both stay visible.
                style = ({"pen": pg.mkPen(colour, width=1.5, style=Qt.PenStyle.DashLine), "symbol": "o",
                          "symbolSize": 9, "symbolBrush": None, "symbolPen": pg.mkPen(colour, width=1.5)}
                         if role == "input" else
                         {"pen": pg.mkPen(colour, width=2), "symbol": "o", "symbolSize": 5, "symbolBrush": colour,
                          "symbolPen": None})  # fmt: skip
                name = None if several or n > 0 else f"{role} residual"
                self.curves[f"{role} residual"].append(self._residual.plot_data(groups, residuals, name=name, **style))
        if facts.prepared is not None:
            xs, ys = analysis.correction_curve(facts.prepared, facts.raw[integrations])
            self._curve.plot_data(xs, xs, pen=pg.mkPen("#888888", style=Qt.PenStyle.DashLine))
            self.curves["curve"].append(self._curve.plot_data(xs, ys, pen=pg.mkPen(CORRECTED_COLOUR, width=2)))
            raw = facts.raw[integrations].ravel()
            # The samples as corrected: saturated ones sit on the identity line, kept raw.
            out = evaluate(facts.prepared, raw) if facts.corrected is None else facts.corrected[integrations].ravel()
            self._curve.plot_data(raw, out, pen=None, symbol="o", symbolSize=6, symbolBrush=INPUT_COLOUR,
                                  symbolPen=None)  # fmt: skip
        if len(facts.references) > 1:
            self._draw_references(facts, groups)
        for reference in facts.references[:1]:
            if reference.classic is not None:
                self._draw_read_level(reference, facts, groups)
        if self.curves["input residual"] or self.curves["corrected residual"]:
            return ""
        return (f"No line fit: it needs {analysis.MIN_FIT_GROUPS} usable groups\n"
                f"(unflagged, finite); this ramp has {max(usable_counts)}")  # fmt: skip

    def _draw_references(self, facts: PixelFacts, groups: np.ndarray) -> None:
        """Each reference's correction of the displayed integration: ramp, ratio, residuals, curve."""
        i = self.integration
        raw, gdq = facts.raw[i], facts.groupdq[i]
        for reference in facts.references:
            if reference.corrected is None or reference.prepared is None:
                continue
            label, colour = reference.label, REFERENCE_COLOURS.get(reference.label, CORRECTED_COLOUR)
            corrected = reference.corrected[i]
            pen = pg.mkPen(colour, width=2, style=Qt.PenStyle.DotLine)
            curves = self.curves.setdefault(f"corrected {label}", [])
            curves.append(self._ramp.plot_data(groups, corrected, pen=pen, symbol="s", symbolSize=5, symbolBrush=colour,
                                               symbolPen=None, name=f"corrected with {label}"))  # fmt: skip
            self.curves.setdefault(f"ratio {label}", []).append(
                self._ratio.plot_data(groups, analysis.ramp_ratio(raw, corrected, gdq), connect="finite", pen=pen)
            )
            residuals = analysis.line_fit_residuals(corrected, analysis.usable(corrected, gdq))
            if np.isfinite(residuals).any():
                self.curves.setdefault(f"residual {label}", []).append(
                    self._residual.plot_data(groups, residuals, pen=pen, name=f"residual {label}")
                )
            xs, ys = analysis.correction_curve(reference.prepared, facts.raw)
            self.curves.setdefault(f"curve {label}", []).append(
                self._curve.plot_data(xs, ys, pen=pen, name=f"curve {label}")
            )

    def _draw_read_level(self, reference: ReferenceFacts, facts: PixelFacts, groups: np.ndarray) -> None:
        """A read-level pixel: the classic correction beside it, and every group's rebuilt reads."""
        i = self.integration
        assert reference.classic is not None
        pen = pg.mkPen(CLASSIC_COLOUR, width=1.5, style=Qt.PenStyle.DashDotLine)
        self.curves["classic"] = [self._ramp.plot_data(groups, reference.classic[i], pen=pen, name="classic correction")]
        self.curves["classic ratio"] = [self._ratio.plot_data(
            groups, analysis.ramp_ratio(facts.raw[i], reference.classic[i], facts.groupdq[i]), connect="finite", pen=pen
        )]  # fmt: skip
        xs, ys = [], []
        for reads in reference.reads:
            if reads is not None:
                count = len(reads.corrected)
                xs += [reads.group + (k - (count - 1) / 2) / (count + 1) for k in range(count)]
                ys += list(reads.corrected)
        if xs:
            self.curves["reads"] = [self._ramp.plot_data(np.array(xs), np.array(ys), pen=None, symbol="d", symbolSize=5,
                                                         symbolBrush=READS_COLOUR, symbolPen=None,
                                                         name="rebuilt reads, corrected")]  # fmt: skip

    def _draw_pin(self, pin: PixelFacts, colour: QColor) -> None:
        groups = np.arange(pin.raw.shape[1])
        i = self.integration
        name = f"({pin.x}, {pin.y})"
        if pin.corrected is not None:
            self._ramp.plot_data(groups, pin.corrected[i], pen=pg.mkPen(colour, width=2), name=name)
            self._ramp.plot_data(groups, pin.raw[i], pen=pg.mkPen(colour, width=1, style=Qt.PenStyle.DashLine))
            self._ratio.plot_data(groups, analysis.ramp_ratio(pin.raw[i], pin.corrected[i], pin.groupdq[i]),
                                  connect="finite", pen=pg.mkPen(colour))  # fmt: skip
        else:
            self._ramp.plot_data(groups, pin.raw[i], pen=pg.mkPen(colour, width=2), name=name)

    def _draw_region(self, region: RegionMean) -> None:
        groups = np.arange(region.raw.size)
        pen = pg.mkPen(REGION_COLOUR, width=2, style=Qt.PenStyle.DashDotLine)
        self._ramp.plot_data(groups, region.raw, pen=pen, name="box mean (input)")
        if region.corrected is not None:
            self._ramp.plot_data(groups, region.corrected, pen=pg.mkPen(REGION_COLOUR, width=2), name="box mean")

    def _card_html(self) -> str:
        parts: list[str] = []
        facts = self.facts
        if facts is None:
            parts.append("<p>Click a pixel to inspect it; shift-click pins more; right-drag a box "
                         "for its mean ramp.</p>")  # fmt: skip
        else:
            parts.append(_pixel_card(facts, self.group))
        if self.region is not None:
            r = self.region
            parts.append(
                f"<p><b>Box</b> x {r.x0}–{r.x1 - 1}, y {r.y0}–{r.y1 - 1} (integration {r.integration}): "
                f"{(r.x1 - r.x0) * (r.y1 - r.y0)} pixels; usable samples per group: {per_group_counts(r.count)}</p>"
            )
        return "".join(parts)

    # --- export -------------------------------------------------------------------------

    def export_plots(self, path: Path) -> None:
        """The four plots as one PNG or SVG, by the file's extension."""
        suffix = path.suffix.lower()
        if suffix not in (".png", ".svg"):
            raise LinInspectError(f"{path}: plots export as .png or .svg")
        self._show_caption(self.caption_text())
        try:
            with atomic_path(path) as temporary:
                if suffix == ".png":
                    pyqtgraph.exporters.ImageExporter(self.plots.scene()).export(str(temporary))
                else:
                    SvgExporter(self.plots, BACKGROUND, self.caption_text()).export(temporary)
                if temporary.stat().st_size == 0:
                    raise LinInspectError(f"{path}: could not write the plots")
        finally:
            self._show_caption("")

    def _show_caption(self, text: str) -> None:
        """Set the caption row (no height when empty) and lay the plots out again now, before anything renders them."""
        self.caption.setText(text)
        self.plots.ci.layout.setRowMaximumHeight(0, CAPTION_HEIGHT if text else 0)
        self.plots.ci.layout.activate()

    def export_name(self, suffix: str) -> str:
        """A default file name saying what is exported: ``<exposure>_x123_y456.png``."""
        stem = self.exposure_path.stem if self.exposure_path is not None else "lininspect"
        if self.facts is None:
            return f"{stem}_plots{suffix}"
        return f"{stem}_x{self.facts.x}_y{self.facts.y}{suffix}"

    def export_csv(self, path: Path) -> None:
        """The inspected and pinned pixels' ramps, one row per sample, after ``#`` lines of provenance."""
        pixels = ([self.facts] if self.facts is not None else []) + [pin for pin, _ in self.pins]
        if not pixels:
            raise LinInspectError("no pixel to export: click a pixel first")
        provenance = [
            # Absolute, as R_LINEAR records a reference: the CSV is read far from the folder the app started in.
            ("file", os.path.abspath(self.exposure_path) if self.exposure_path is not None else "none"),
            ("reference", os.path.abspath(self.reference_path) if self.reference_path is not None else "none"),
            ("pixels (x, y)", "; ".join(f"({facts.x}, {facts.y})" for facts in pixels)),
            ("lininspect version", __version__),
        ]
        with atomic_path(path) as temporary, open(temporary, "w", newline="") as stream:
            for name, value in provenance:
                stream.write(f"# {name}: {value}\n")
            writer = csv.writer(stream)
            writer.writerow(["x", "y", "integration", "group", "input_DN", "corrected_DN", "groupdq"])
            for facts in pixels:
                nints, ngroups = facts.raw.shape
                for i in range(nints):
                    for g in range(ngroups):
                        corrected = "" if facts.corrected is None else repr(float(facts.corrected[i, g]))
                        writer.writerow([facts.x, facts.y, i, g, repr(float(facts.raw[i, g])), corrected,
                                         int(facts.groupdq[i, g])])  # fmt: skip


def _integration_colours(count: int) -> list[QColor]:
    """Distinct colours, in order, for ``count`` integrations drawn together."""
    colourmap = pg.colormap.get(INTEGRATION_COLOURMAP)
    return [colourmap.map(0.25 + 0.7 * n / max(count - 1, 1), mode="qcolor") for n in range(count)]


def _pixel_card(facts: PixelFacts, group: int) -> str:
    rows = [
        ("array x, y", f"{facts.x}, {facts.y}"),
        ("detector x, y", f"{facts.detector[0]}, {facts.detector[1]}"),
        ("input PIXELDQ", dq.describe(facts.pixeldq)),
    ]
    if facts.result_pixeldq is not None:
        rows.append(("PIXELDQ after", dq.describe(facts.result_pixeldq)))
    if facts.coeffs is not None:
        rows += [(f"c{j}", f"{c:.7g}") for j, c in enumerate(facts.coeffs)]
    saturated = int(np.count_nonzero(facts.groupdq & dq.SATURATED))
    if facts.coeffs is None:
        verdict = "no reference loaded"
    elif facts.reason is not None:
        verdict = f"<span style='color:#ff6060'>left alone</span>: {html.escape(facts.reason)}"
    else:
        verdict = "<span style='color:#60d060'>corrected</span>"
    if saturated:
        verdict += f"; {saturated} saturated sample(s), all integrations, keep their raw value"
    rows.append(("linearity", verdict))
    if len(facts.references) > 1:
        rows += [(f"reference {r.label}", _reference_verdict(r)) for r in facts.references]
    elif facts.references and facts.references[0].path:
        rows.append(("path", facts.references[0].path))
    rows += _read_level_rows(facts, group)
    cells = "".join(
        f"<tr><td style='color:#9aa0a6;padding-right:8px'>{name}</td><td>{value if name == 'linearity' or name.startswith('reference ') else html.escape(value)}</td></tr>"
        for name, value in rows
    )
    return f"<table>{cells}</table>"


def _read_level_rows(facts: PixelFacts, group: int) -> list[tuple[str, str]]:
    """For a read-level pixel: the displayed group's rebuilt reads, and how far classic lies from it."""
    rows: list[tuple[str, str]] = []
    for reference in facts.references[:1]:
        if reference.classic is None or not 0 <= group < len(reference.reads):
            continue
        reads = reference.reads[group]
        if reads is None:
            rows.append((f"reads, group {group}", "saturated: the group keeps its raw value"))
            continue
        numbers = ", ".join(str(int(n)) for n in reads.read_numbers)
        rows.append((f"reads, group {group}", f"{numbers}: rate {reads.rate:.6g} DN/read from groups 0 and {reads.anchor}"))
        rows.append(("rebuilt raw", ", ".join(f"{v:.6g}" for v in reads.raw)))
        rows.append(("corrected", ", ".join(f"{v:.6g}" for v in reads.corrected) + f"; mean {float(reads.value):.7g}"))
    return rows


def _reference_verdict(reference: ReferenceFacts) -> str:
    """One reference's word on the pixel: corrected or left alone and why, and by which path."""
    name = html.escape(reference.origin)
    if reference.reason is not None:
        return f"{name}: <span style='color:#ff6060'>left alone</span>: {html.escape(reference.reason)}"
    return f"{name}: <span style='color:#60d060'>corrected</span> ({html.escape(reference.path)})"
