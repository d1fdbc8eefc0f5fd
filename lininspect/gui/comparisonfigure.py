"""The app's figure of a reference comparison: maps, the NO_LIN_CORR change and the histogram.

Every number drawn comes from the core's ReferenceComparison. The report's PNG is painted
by :mod:`.comparisonpicture` from the same numbers, colours and labels, in any thread.
The maps zoom and pan together, say their value under the cursor (:attr:`ComparisonFigure.hovered`)
and offer a clicked pixel (:attr:`ComparisonFigure.pixelClicked`) to the window's inspector;
the difference maps are pooled to the zoom, so a single pixel that changed stays visible.
Titles are short, so three columns fit a small screen; the dialog says the rest in text.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QPointF, QRectF, Qt, pyqtSignal

from ..core.analysis.analysis import display_limits, pool_factor
from ..core.analysis.comparison import ReferenceComparison
from ..model.maps import extreme_pool

#: Size of the written picture in pixels.
PICTURE_SIZE = (1800, 1150)
BACKGROUND = "#1b1d21"
TEXT = "#c8c8c8"
#: Colours of the NO_LIN_CORR change map: lost (-1), unchanged (0), gained (+1).
CHANGE_COLOURS = ((70, 140, 255), (40, 42, 48), (255, 90, 60))


#: The maps whose isolated pixels matter, pooled to the zoom about "no change" (0).
POOLED = ("factor_difference", "no_lin_corr_change", "rms_difference")


class ComparisonFigure(pg.GraphicsLayoutWidget):
    """The figure, with its images and histogram reachable by name (tests read what is drawn)."""

    pixelClicked = pyqtSignal(int, int)  # x, y of a map's pixel clicked
    hovered = pyqtSignal(str)  # the map, pixel and value under the cursor ("" off the maps)

    def __init__(self, comparison: ReferenceComparison) -> None:
        pg.setConfigOptions(imageAxisOrder="row-major")  # numpy [y, x] upright, as everywhere in the app
        super().__init__()
        self.setBackground(BACKGROUND)
        self.images: dict[str, pg.ImageItem] = {}
        #: Each map's plot, title and values (as drawn unpooled), for the readout and the shared zoom.
        self.maps: dict[str, tuple[pg.PlotItem, str, np.ndarray]] = {}
        self._pool = 1

        factors = np.concatenate([comparison.factor_a[comparison.both_correct],
                                  comparison.factor_b[comparison.both_correct]])
        shared = display_limits(factors, "99.5%")
        viridis = pg.colormap.get("viridis")
        diverging = pg.colormap.get("CET-D1")
        self._image("factor_a", "Factor corrected/raw, A", comparison.factor_a, shared, viridis, 1, 0)
        self._image("factor_b", "Factor corrected/raw, B", comparison.factor_b, shared, viridis, 1, 1)
        difference = comparison.factor_difference
        self._image("factor_difference", "Factor B \u2212 A", difference,
                    centred_limits(difference[comparison.both_correct]), diverging, 1, 2)
        change = pg.ColorMap([0.0, 0.5, 1.0], list(CHANGE_COLOURS))
        gained, lost = int(np.count_nonzero(comparison.gained)), int(np.count_nonzero(comparison.lost))
        self._image("no_lin_corr_change", f"NO_LIN_CORR +{gained} red, \u2212{lost} blue",
                    comparison.no_lin_corr_change.astype(np.float32), (-1.0, 1.0), change, 2, 0, bar=False)
        self.histogram = self._histogram(comparison, 2, 1)
        self._image("rms_difference", "Residual RMS B \u2212 A (DN)",
                    comparison.rms_difference, centred_limits(comparison.rms_difference), diverging, 2, 2)
        # One zoom for all maps, led by the one the user zooms or pans. Not pyqtgraph's axis links: those
        # align views by their place on the screen, which for plots side by side shows different regions;
        # nor every range change, as plots of different shapes would widen each other at each resize.
        for plot, _, _ in self.maps.values():
            plot.vb.sigRangeChangedManually.connect(lambda *_, view=plot.vb: self.follow_zoom(view))
        first = self.maps["factor_a"][0].vb
        first.sigRangeChanged.connect(lambda *_: self._repool())
        first.sigResized.connect(lambda *_: self._repool())
        self.scene().sigMouseMoved.connect(self._on_move)
        self.scene().sigMouseClicked.connect(self._on_click)

    def _image(
        self, name: str, title: str, values: np.ndarray, limits: tuple[float, float], colormap: pg.ColorMap,
        row: int, col: int, *, bar: bool = True,
    ) -> None:
        plot = self.addPlot(row=row, col=col, title=title)
        plot.setAspectLocked(True)
        plot.setMinimumWidth(MAP_MIN_WIDTH)
        values = np.asarray(values, dtype=np.float32)
        self.maps[name] = (plot, title, values)
        image = pg.ImageItem(values)
        image.setColorMap(colormap)
        image.setLevels(limits)
        plot.addItem(image)
        if bar:
            colour_bar = pg.ColorBarItem(values=limits, colorMap=colormap, interactive=False, width=12)
            colour_bar.setImageItem(image, insert_in=plot)
        self.images[name] = image

    def _histogram(self, comparison: ReferenceComparison, row: int, col: int) -> pg.PlotDataItem:
        histogram = comparison.histogram
        outside = ""
        if histogram.below + histogram.above:
            outside = f"; outside the bins: {histogram.below} below, {histogram.above} above"
        plot = self.addPlot(row=row, col=col, title="Histogram of factor B \u2212 A")
        plot.setMinimumWidth(MAP_MIN_WIDTH)
        plot.setToolTip(f"factor B \u2212 A{outside}")
        plot.setLabel("bottom", "factor B \u2212 A")
        plot.setLabel("left", "pixels")
        return plot.plot(histogram.edges, histogram.counts, stepMode="center", fillLevel=0,
                         brush=(240, 140, 46, 160), pen=pg.mkPen("#f08c2e"))


    def map_at(self, scene_pos: QPointF) -> tuple[str, int, int] | None:
        """The map and its pixel (x, y) under a scene position, or None off the maps."""
        for name, (plot, _, values) in self.maps.items():
            if not plot.vb.sceneBoundingRect().contains(scene_pos):
                continue
            point = plot.vb.mapSceneToView(scene_pos)
            x, y = math.floor(point.x()), math.floor(point.y())
            if 0 <= y < values.shape[0] and 0 <= x < values.shape[1]:
                return name, x, y
        return None

    def readout(self, name: str, x: int, y: int) -> str:
        _, title, values = self.maps[name]
        return f"{title}: pixel ({x}, {y}) = {float(values[y, x]):.6g}"

    def _on_move(self, scene_pos: QPointF) -> None:
        found = self.map_at(scene_pos)
        self.hovered.emit("" if found is None else self.readout(*found))

    def _on_click(self, event) -> None:  # type: ignore[no-untyped-def]
        found = self.map_at(event.scenePos()) if event.button() == Qt.MouseButton.LeftButton else None
        if found is not None:
            self.pixelClicked.emit(found[1], found[2])

    def follow_zoom(self, source: pg.ViewBox) -> None:
        """Every other map shows the region ``source`` shows (each plot's own aspect may widen it)."""
        x_range, y_range = source.viewRange()
        for plot, _, _ in self.maps.values():
            if plot.vb is not source:
                plot.vb.setRange(xRange=x_range, yRange=y_range, padding=0)

    def _repool(self) -> None:
        """The zoom changed: the difference maps drawn again if another block size is needed."""
        plot = self.maps["factor_a"][0]
        factor = pool_factor(max(plot.vb.viewPixelSize()))
        if factor == self._pool:
            return
        self._pool = factor
        for name in POOLED:
            values = self.maps[name][2]
            pooled = extreme_pool(values, factor, 0.0)
            image = self.images[name]
            image.setImage(pooled, autoLevels=False)
            image.setRect(QRectF(0, 0, pooled.shape[1] * factor, pooled.shape[0] * factor))


#: The narrowest a map's plot gets: three columns and their colour bars fit an 800 px wide screen.
MAP_MIN_WIDTH = 180


def centred_limits(values: np.ndarray) -> tuple[float, float]:
    """Limits centred on 0 holding 99.5 % of the finite values, so the colour of 0 means "no change"."""
    low, high = display_limits(values, "99.5%")
    reach = max(abs(low), abs(high))
    return -reach, reach


def comparison_title(comparison: ReferenceComparison) -> str:
    level = "at each pixel's saturation level" if comparison.level is None else f"at {comparison.level:g} DN"
    return (f"{comparison.exposure.name}: A = {comparison.reference_a.name}, B = {comparison.reference_b.name}; "
            f"factors {level}")


def comparison_counts(comparison: ReferenceComparison) -> str:
    straighter_a, straighter_b = comparison.straighter_counts()
    return (f"NO_LIN_CORR pixels: A {int(np.count_nonzero(comparison.no_lin_corr_a))}, "
            f"B {int(np.count_nonzero(comparison.no_lin_corr_b))}. "
            f"Ramps straighter with A: {straighter_a} pixels, with B: {straighter_b} pixels. "
            f"A: {comparison.correction_a}. B: {comparison.correction_b}.")
