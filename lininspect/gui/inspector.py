"""The pixel inspector: ramps, ratio, correction curve, line-fit residuals and a text card."""

from __future__ import annotations

import csv
import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QColor, QPainter, QPen
from PyQt6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..core import analysis, dq
from ..core.atomic import atomic_path
from ..core.correction import evaluate
from ..core.errors import LinInspectError
from .imagepanel import BACKGROUND
from .session import PixelFacts
from .svgexport import SvgExporter

INPUT_COLOUR = QColor("#4c9be8")
CORRECTED_COLOUR = QColor("#f08c2e")
REGION_COLOUR = QColor("#ffd400")
#: Pinned pixels cycle through these (distinct from input/corrected colours).
PIN_COLOURS = [QColor(c) for c in ("#2ca02c", "#d62728", "#9467bd", "#17becf", "#e377c2", "#bcbd22", "#8c564b")]
#: GROUPDQ flags marked on the ramp: bit, label, symbol, colour.
FLAG_MARKS = [
    (dq.SATURATED, "SATURATED", "t", "#ff4040"),
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

    def __init__(self, orientation: str) -> None:
        super().__init__(orientation)
        self._solid: dict[tuple[int, int], QPen] = {}

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


class ReusedItems:
    """The data items of one plot, refilled on every refresh rather than made anew.

    Making a PlotDataItem and adding it to a plot costs ~2 ms (pyqtgraph refits it three
    times as it joins the view), and a click redraws about ten: a fifth of its 100 ms. The
    legend is rebuilt only when its entries change. Items left over hold no data and no
    name, so ``listDataItems`` shows only what is drawn.
    """

    def __init__(self, plot: pg.PlotItem) -> None:
        self.plot = plot
        self.items: list[pg.PlotDataItem] = []
        self.used = self.shown = 0
        self.legend: list[tuple[pg.PlotDataItem, str]] = []
        self._named: list[tuple[pg.PlotDataItem, str]] = []

    def begin(self) -> None:
        self.used = 0
        self._named = []

    def plot_data(self, x: np.ndarray, y: np.ndarray, *, name: str | None = None, **style: object) -> pg.PlotDataItem:
        """Like ``PlotItem.plot``: the series with this style (and legend entry, if named)."""
        if self.used == len(self.items):
            item = pg.PlotDataItem()
            self.plot.addItem(item)
            self.items.append(item)
        item = self.items[self.used]
        self.used += 1
        item.setData(x, y, name=name, **(_DEFAULT_STYLE | style))
        item.show()
        if name:
            self._named.append((item, name))
        return item

    def end(self) -> None:
        """Empty and hide the items this refresh did not use; bring the legend up to date."""
        for item in self.items[self.used : self.shown]:
            item.setData([], [], name=None)
            item.hide()
        self.shown = self.used
        legend = self.plot.legend
        if legend is not None and self._named != self.legend:
            legend.clear()
            for item, name in self._named:
                legend.addItem(item, name)
            self.legend = self._named


def _plot(layout: pg.GraphicsLayoutWidget, col: int, title: str, x: str, y: str) -> pg.PlotItem:
    axes = {side: SolidGridAxis(side) for side in ("left", "bottom")}
    plot = layout.addPlot(row=0, col=col, title=title, axisItems=axes)
    for axis in axes.values():
        axis.setZValue(SolidGridAxis.Z_BEHIND_VIEW)
    plot.setLabel("bottom", x)
    plot.setLabel("left", y)
    for side in ("left", "bottom"):  # a ratio of 0.991 reads as such, not as "991 (x0.001)"
        plot.getAxis(side).enableAutoSIPrefix(False)
    plot.showGrid(x=True, y=True, alpha=0.25)
    return plot


class PixelInspector(QWidget):
    """Plots and facts for the clicked pixel, pinned pixels and a selected region."""

    pinsCleared = pyqtSignal()
    allIntegrationsToggled = pyqtSignal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.facts: PixelFacts | None = None
        self.pins: list[tuple[PixelFacts, QColor]] = []
        self.region: RegionMean | None = None
        self.integration = 0

        self.plots = pg.GraphicsLayoutWidget()
        self.ramp_plot = _plot(self.plots, 0, "Ramp", "group", "signal (DN)")
        self.ramp_plot.addLegend(offset=(8, 8), labelTextSize="8pt")
        self.ratio_plot = _plot(self.plots, 1, "Input / corrected", "group", "ratio")
        self.curve_plot = _plot(self.plots, 2, "Correction curve", "raw (DN)", "corrected (DN)")
        self.residual_plot = _plot(self.plots, 3, "Straight-line residuals", "group", "residual (DN)")
        self.residual_plot.addLegend(offset=(8, 8), labelTextSize="8pt")
        self.zero_line = self.residual_plot.addLine(y=0.0, pen=pg.mkPen("#888888", style=Qt.PenStyle.DashLine))
        self._ramp, self._ratio, self._curve, self._residual = (
            ReusedItems(plot) for plot in (self.ramp_plot, self.ratio_plot, self.curve_plot, self.residual_plot)
        )
        #: Curves by role, for tests and CSV: "input", "corrected", each a list (one per integration).
        self.curves: dict[str, list[pg.PlotDataItem]] = {}

        self.all_integrations = QCheckBox("All integrations")
        self.all_integrations.toggled.connect(self.allIntegrationsToggled)
        self.pin_list = QListWidget()
        self.pin_list.setMaximumHeight(90)
        clear = QPushButton("Clear pins")
        clear.clicked.connect(self.pinsCleared)
        self.card = QTextBrowser()
        self.card.setOpenLinks(False)

        side = QWidget()
        side.setMinimumWidth(260)
        column = QVBoxLayout(side)
        column.setContentsMargins(4, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.all_integrations)
        row.addStretch(1)
        row.addWidget(clear)
        column.addLayout(row)
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
        self.refresh()

    def integrations(self, nints: int) -> list[int]:
        return list(range(nints)) if self.all_integrations.isChecked() else [self.integration]

    # --- drawing ------------------------------------------------------------------------

    def refresh(self) -> None:
        """Redraw every plot and the card from the current facts, pins and region."""
        pools = (self._ramp, self._ratio, self._curve, self._residual)
        for pool in pools:
            pool.begin()
        self.curves = {"input": [], "corrected": []}
        facts = self.facts
        if facts is not None:
            self._draw_pixel(facts)
        self.zero_line.setVisible(facts is not None)
        for pin, colour in self.pins:
            self._draw_pin(pin, colour)
        if self.region is not None:
            self._draw_region(self.region)
        for pool in pools:
            pool.end()
            # Fit the range now: left to the next paint, the fit makes pyqtgraph paint it twice.
            pool.plot.vb.updateAutoRange()
        self.card.setHtml(self._card_html())
        self.pin_list.clear()
        for pin, colour in self.pins:
            item = QListWidgetItem(f"● pixel ({pin.x}, {pin.y})")
            item.setForeground(colour)
            self.pin_list.addItem(item)

    def _draw_pixel(self, facts: PixelFacts) -> None:
        groups = np.arange(facts.raw.shape[1])
        integrations = self.integrations(facts.raw.shape[0])
        for n, i in enumerate(integrations):
            label = n == 0
            suffix = f" (int {i})" if len(integrations) > 1 and label else ""
            raw, corrected, gdq = facts.raw[i], None if facts.corrected is None else facts.corrected[i], facts.groupdq[i]
            self.curves["input"].append(
                self._ramp.plot_data(groups, raw, pen=pg.mkPen(INPUT_COLOUR, width=2), symbol="o", symbolSize=6,
                                     symbolBrush=INPUT_COLOUR, symbolPen=None, name=("input" + suffix) if label else None)
            )  # fmt: skip
            if corrected is not None:
                self.curves["corrected"].append(
                    self._ramp.plot_data(groups, corrected, pen=pg.mkPen(CORRECTED_COLOUR, width=2), symbol="o",
                                         symbolSize=6, symbolBrush=CORRECTED_COLOUR, symbolPen=None,
                                         name="corrected" if label else None)
                )  # fmt: skip
                with np.errstate(invalid="ignore", divide="ignore"):
                    ratio = raw.astype(np.float64) / corrected
                self._ratio.plot_data(groups, ratio, pen=pg.mkPen(CORRECTED_COLOUR, width=2), symbol="o", symbolSize=5)
            for bit, name, symbol, colour in FLAG_MARKS:
                flagged = (gdq & bit) != 0
                if flagged.any():
                    series = corrected if corrected is not None else raw
                    self._ramp.plot_data(groups[flagged], series[flagged], pen=None, symbol=symbol, symbolSize=13,
                                         symbolBrush=colour, symbolPen=pg.mkPen("#000000"),
                                         name=name if label else None)  # fmt: skip
            for series, colour, name in ((raw, INPUT_COLOUR, "input"), (corrected, CORRECTED_COLOUR, "corrected")):
                if series is None:
                    continue
                residuals = analysis.line_fit_residuals(series, analysis.usable(series, gdq))
                if np.isfinite(residuals).any():  # fewer than 3 usable groups: nothing to show
                    self._residual.plot_data(groups, residuals, pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=5,
                                             symbolBrush=colour, name=name if label else None)  # fmt: skip
        curve = facts.curve()
        if curve is not None:
            xs, ys = curve
            self._curve.plot_data(xs, xs, pen=pg.mkPen("#888888", style=Qt.PenStyle.DashLine))
            self._curve.plot_data(xs, ys, pen=pg.mkPen(CORRECTED_COLOUR, width=2))
            raw = facts.raw[integrations].ravel()
            assert facts.prepared is not None
            # The samples as corrected: saturated ones sit on the identity line, kept raw.
            out = evaluate(facts.prepared, raw) if facts.corrected is None else facts.corrected[integrations].ravel()
            self._curve.plot_data(raw, out, pen=None, symbol="o", symbolSize=6, symbolBrush=INPUT_COLOUR,
                                  symbolPen=None)  # fmt: skip

    def _draw_pin(self, pin: PixelFacts, colour: QColor) -> None:
        groups = np.arange(pin.raw.shape[1])
        i = self.integration
        name = f"({pin.x}, {pin.y})"
        if pin.corrected is not None:
            self._ramp.plot_data(groups, pin.corrected[i], pen=pg.mkPen(colour, width=2), name=name)
            self._ramp.plot_data(groups, pin.raw[i], pen=pg.mkPen(colour, width=1, style=Qt.PenStyle.DashLine))
            with np.errstate(invalid="ignore", divide="ignore"):
                self._ratio.plot_data(groups, pin.raw[i].astype(np.float64) / pin.corrected[i], pen=pg.mkPen(colour))
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
            parts.append(_pixel_card(facts))
        if self.region is not None:
            r = self.region
            parts.append(
                f"<p><b>Box</b> x {r.x0}–{r.x1 - 1}, y {r.y0}–{r.y1 - 1} (integration {r.integration}): "
                f"{(r.x1 - r.x0) * (r.y1 - r.y0)} pixels; usable samples per group: "
                f"{', '.join(str(int(c)) for c in r.count)}</p>"
            )
        return "".join(parts)

    # --- export -------------------------------------------------------------------------

    def export_plots(self, path: Path) -> None:
        """The four plots as one PNG or SVG, by the file's extension."""
        suffix = path.suffix.lower()
        if suffix not in (".png", ".svg"):
            raise LinInspectError(f"{path}: plots export as .png or .svg")
        with atomic_path(path) as temporary:
            if suffix == ".png":
                pyqtgraph.exporters.ImageExporter(self.plots.scene()).export(str(temporary))
            else:
                SvgExporter(self.plots, BACKGROUND, "lininspect pixel inspector").export(temporary)
            if temporary.stat().st_size == 0:
                raise LinInspectError(f"{path}: could not write the plots")

    def export_csv(self, path: Path) -> None:
        """The inspected and pinned pixels' ramps, one row per sample."""
        pixels = ([self.facts] if self.facts is not None else []) + [pin for pin, _ in self.pins]
        if not pixels:
            raise LinInspectError("no pixel to export: click a pixel first")
        with atomic_path(path) as temporary, open(temporary, "w", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(["x", "y", "integration", "group", "input_DN", "corrected_DN", "groupdq"])
            for facts in pixels:
                nints, ngroups = facts.raw.shape
                for i in range(nints):
                    for g in range(ngroups):
                        corrected = "" if facts.corrected is None else repr(float(facts.corrected[i, g]))
                        writer.writerow([facts.x, facts.y, i, g, repr(float(facts.raw[i, g])), corrected,
                                         int(facts.groupdq[i, g])])  # fmt: skip


def _pixel_card(facts: PixelFacts) -> str:
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
    cells = "".join(
        f"<tr><td style='color:#9aa0a6;padding-right:8px'>{name}</td><td>{value if name == 'linearity' else html.escape(value)}</td></tr>"
        for name, value in rows
    )
    return f"<table>{cells}</table>"
