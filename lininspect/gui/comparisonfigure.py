"""The app's figure of a reference comparison: maps, the NO_LIN_CORR change and the histogram.

Every number drawn comes from the core's ReferenceComparison. The report's PNG is painted
by :mod:`.comparisonpicture` from the same numbers, colours and labels, in any thread.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from ..core.analysis import display_limits
from ..core.comparison import ReferenceComparison

#: Size of the written picture in pixels.
PICTURE_SIZE = (1800, 1150)
BACKGROUND = "#1b1d21"
TEXT = "#c8c8c8"
#: Colours of the NO_LIN_CORR change map: lost (-1), unchanged (0), gained (+1).
CHANGE_COLOURS = ((70, 140, 255), (40, 42, 48), (255, 90, 60))


class ComparisonFigure(pg.GraphicsLayoutWidget):
    """The figure, with its images and histogram reachable by name (tests read what is drawn)."""

    def __init__(self, comparison: ReferenceComparison) -> None:
        pg.setConfigOptions(imageAxisOrder="row-major")  # numpy [y, x] upright, as everywhere in the app
        super().__init__()
        self.setBackground(BACKGROUND)
        self.images: dict[str, pg.ImageItem] = {}
        self.addLabel(comparison_title(comparison), row=0, col=0, colspan=3, color=TEXT, size="13pt")

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
        self._image("no_lin_corr_change", f"NO_LIN_CORR gained {gained} (red), lost {lost} (blue)",
                    comparison.no_lin_corr_change.astype(np.float32), (-1.0, 1.0), change, 2, 0, bar=False)
        self.histogram = self._histogram(comparison, 2, 1)
        self._image("rms_difference", "Line-fit residual RMS B \u2212 A (DN; negative: B straighter)",
                    comparison.rms_difference, centred_limits(comparison.rms_difference), diverging, 2, 2)
        self.addLabel(comparison_counts(comparison), row=3, col=0, colspan=3, color=TEXT, size="11pt")

    def _image(
        self, name: str, title: str, values: np.ndarray, limits: tuple[float, float], colormap: pg.ColorMap,
        row: int, col: int, *, bar: bool = True,
    ) -> None:
        plot = self.addPlot(row=row, col=col, title=title)
        plot.setAspectLocked(True)
        image = pg.ImageItem(np.asarray(values, dtype=np.float32))
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
            outside = f"; outside: {histogram.below} below, {histogram.above} above"
        plot = self.addPlot(row=row, col=col, title=f"Histogram of factor B \u2212 A{outside}")
        plot.setLabel("bottom", "factor B \u2212 A")
        plot.setLabel("left", "pixels")
        return plot.plot(histogram.edges, histogram.counts, stepMode="center", fillLevel=0,
                         brush=(240, 140, 46, 160), pen=pg.mkPen("#f08c2e"))


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
