"""The comparison report's PNG, painted on a QImage so any thread can write it.

Qt widgets (and pyqtgraph's exporter, which renders one) belong to the GUI thread; a
QPainter on a QImage does not, so the app writes the report in a job and the command
line writes the same picture, pixel for pixel, without a window. It shows what the
app's :class:`~lininspect.gui.comparisonfigure.ComparisonFigure` shows: the factor maps,
their difference, the NO_LIN_CORR change, the histogram, the RMS difference and the counts.
"""

from __future__ import annotations

import math
import os
import threading
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QBrush, QColor, QFont, QGuiApplication, QImage, QPainter, QPen, QPolygonF

from ..core.analysis.analysis import display_limits
from ..core.analysis.comparison import ReferenceComparison
from ..core.errors import LinInspectError
from ..model.overview import overview
from .comparisonfigure import (
    BACKGROUND,
    CHANGE_COLOURS,
    PICTURE_SIZE,
    TEXT,
    centred_limits,
    comparison_counts,
    comparison_title,
)
from .pngfile import write_png

#: Heights of the title and counts lines, the gap around each panel and a colour bar's width.
LINE, GAP, BAR = 44, 18, 14
#: Room right of a colour bar for its numbers.
BAR_LABELS = 70
HISTOGRAM_FILL, HISTOGRAM_LINE = QColor(240, 140, 46, 160), QColor("#f08c2e")
#: The command line's offscreen QGuiApplication, kept for the life of the process.
_started: list[QGuiApplication] = []


def write_comparison_picture(comparison: ReferenceComparison, path: Path, size: tuple[int, int] = PICTURE_SIZE) -> None:
    """Paint the one-page summary and save it to ``path`` as a PNG (from any thread once Qt's GUI exists)."""
    ensure_gui_application()
    width, height = size
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(BACKGROUND))
    painter = QPainter(image)
    try:
        _paint(painter, comparison, width, height)
    finally:
        painter.end()
    write_png(image, path)


def ensure_gui_application() -> None:
    """Fonts need a QGuiApplication: the app has one; the command line gets an offscreen one here."""
    if QGuiApplication.instance() is not None:
        return
    if threading.current_thread() is not threading.main_thread():
        raise LinInspectError("the comparison picture needs Qt started in the main thread first")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _started.append(QGuiApplication([]))


def _paint(painter: QPainter, comparison: ReferenceComparison, width: int, height: int) -> None:
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    paint_text(painter, QRectF(0, 0, width, LINE), comparison_title(comparison), 17)
    paint_text(painter, QRectF(0, height - LINE, width, LINE), comparison_counts(comparison), 14)
    cell_width, cell_height = width / 3, (height - 2 * LINE) / 2

    def cell(row: int, col: int) -> QRectF:
        return QRectF(col * cell_width + GAP, LINE + row * cell_height + GAP, cell_width - 2 * GAP, cell_height - 2 * GAP)

    factors = np.concatenate([comparison.factor_a[comparison.both_correct], comparison.factor_b[comparison.both_correct]])
    shared = display_limits(factors, "99.5%")
    viridis, diverging = pg.colormap.get("viridis"), pg.colormap.get("CET-D1")
    difference = comparison.factor_difference
    change = pg.ColorMap([0.0, 0.5, 1.0], list(CHANGE_COLOURS))
    gained, lost = int(np.count_nonzero(comparison.gained)), int(np.count_nonzero(comparison.lost))
    paint_map(painter, cell(0, 0), "Factor corrected/raw, A", comparison.factor_a, shared, viridis)
    paint_map(painter, cell(0, 1), "Factor corrected/raw, B", comparison.factor_b, shared, viridis)
    paint_map(painter, cell(0, 2), "Factor B \u2212 A", difference, centred_limits(difference[comparison.both_correct]), diverging)
    paint_map(painter, cell(1, 0), f"NO_LIN_CORR gained {gained} (red), lost {lost} (blue)",
         comparison.no_lin_corr_change.astype(np.float32), (-1.0, 1.0), change, bar=False)  # fmt: skip
    _histogram(painter, cell(1, 1), comparison)
    paint_map(painter, cell(1, 2), "Line-fit residual RMS B \u2212 A (DN; negative: B straighter)",
         comparison.rms_difference, centred_limits(comparison.rms_difference), diverging)  # fmt: skip


def paint_text(painter: QPainter, box: QRectF, text: str, pixels: int, align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignCenter) -> None:
    font = QFont()
    font.setPixelSize(pixels)
    painter.setFont(font)
    painter.setPen(QColor(TEXT))
    painter.drawText(box, int(align), text)


def paint_map(
    painter: QPainter, box: QRectF, title: str, values: np.ndarray, limits: tuple[float, float], colormap: pg.ColorMap,
    *, bar: bool = True,
) -> None:
    """One map, upright (row 0 at the bottom, as the app draws it), its aspect kept, with a colour bar.

    A map larger than its place is shrunk first as the panner shrinks a plane (each block its value
    farthest from the typical level): a hot pixel stays visible, and a full frame is coloured at a
    quarter of its pixels (0.25 s a map otherwise, the most of a survey's pictures)."""
    paint_text(painter, QRectF(box.left(), box.top(), box.width(), 24), title, 14)
    area = QRectF(box.left(), box.top() + 28, box.width() - (BAR + BAR_LABELS + 10 if bar else 0), box.height() - 28)
    ny, nx = values.shape
    scale = min(area.width() / nx, area.height() / ny)
    target = QRectF(area.left() + (area.width() - nx * scale) / 2, area.top() + (area.height() - ny * scale) / 2,
                    nx * scale, ny * scale)  # fmt: skip
    shrunk = overview(values, max(1, math.ceil(max(nx, ny) * scale)))
    blocks_y = shrunk.pooled.shape[0]
    # Flipped, the padding of the last blocks is at the top and the right: drawn from the map's own part only.
    covered = QRectF(0, blocks_y - ny / shrunk.factor, nx / shrunk.factor, ny / shrunk.factor)
    painter.drawImage(target, _coloured(np.flipud(shrunk.pooled), limits, colormap), covered)
    if bar:
        strip = QRectF(target.right() + 10, target.top(), BAR, target.height())
        ramp = np.linspace(limits[1], limits[0], max(int(strip.height()), 2), dtype=np.float32)[:, np.newaxis]
        painter.drawImage(strip, _coloured(ramp, limits, colormap))
        for fraction, value in ((0.0, limits[1]), (0.5, (limits[0] + limits[1]) / 2), (1.0, limits[0])):
            y = strip.top() + fraction * strip.height()
            paint_text(painter, QRectF(strip.right() + 4, y - 10, BAR_LABELS, 20), f"{value:.4g}", 12,
                  Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)  # fmt: skip


#: Values coloured at a time: the float64 temporaries of a full-frame map stay a few MB.
_COLOURED_CHUNK = 1 << 16


def _coloured(values: np.ndarray, limits: tuple[float, float], colormap: pg.ColorMap) -> QImage:
    """Values as colours between ``limits`` (clipped); NaN in the background colour.

    The colours are ``colormap.map(values, mode="byte")``'s for the clipping maps drawn here, computed
    with numpy's arithmetic (the same stop found, the same slope, the same truncation to bytes) for the
    channels of a chunk in turn: pyqtgraph's takes 0.15-0.27 s of CPU a full-frame map, this 0.05 s (a
    compiled loop took 0.025 s, but `lininspect survey`'s client never computes, and loading numba to
    colour its maps cost it 117 MB and 1.3 s of CPU).
    """
    low, high = limits
    positions, colours = colormap.getStops("byte")
    positions, colours = np.asarray(positions, dtype=np.float64), np.asarray(colours, dtype=np.float64)
    with np.errstate(all="ignore"):  # the slope of a zero-width segment is never used
        slopes = np.diff(colours, axis=0) / np.diff(positions)[:, np.newaxis]
    slopes = np.concatenate([slopes, np.zeros((1, colours.shape[1]))])  # beyond the last stop: its colour
    background = QColor(BACKGROUND)
    ny, nx = values.shape
    rgba = np.empty((ny * nx, colours.shape[1]), dtype=np.uint8)
    rows = max(1, _COLOURED_CHUNK // max(nx, 1))
    for top in range(0, ny, rows):
        out = rgba[top * nx:(top + rows) * nx]
        with np.errstate(all="ignore"):
            scaled = np.clip((np.asarray(values[top:top + rows], dtype=np.float64).ravel() - low)
                             / ((high - low) or 1.0), 0.0, 1.0)
        finite = np.isfinite(scaled)
        x = np.where(finite, scaled, 0.0)
        stop = _stop_at_or_left(positions, x)
        on_stop = (stop < 0) | (stop == positions.size - 1)
        stop = np.maximum(stop, 0)
        on_stop |= positions[stop] == x
        offset = x - positions[stop]
        for channel in range(colours.shape[1]):
            channel_colours = colours[:, channel]
            result = slopes[stop, channel] * offset + channel_colours[stop]
            result[on_stop] = channel_colours[stop[on_stop]]
            out[:, channel] = result  # truncated, as numpy's assignment casts
        out[~finite] = (background.red(), background.green(), background.blue(), 255)
    return QImage(rgba.data, nx, ny, 4 * nx, QImage.Format.Format_RGBA8888).copy()


def _stop_at_or_left(positions: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Per value the last stop at or left of it (-1 left of the first), as np.interp finds it: from where
    the value would sit among evenly spaced stops (a colour map's are), stepped right then left (once or
    not at all there): a fifth of np.searchsorted's time over a colour map's 256 stops."""
    last = positions.size - 1
    span = positions[last] - positions[0]
    guess = (x - positions[0]) / span * last if span > 0 else np.zeros_like(x)
    stop = np.clip(guess, 0.0, last).astype(np.intp)
    while True:
        right = stop < last
        right[right] = positions[stop[right] + 1] <= x[right]
        if not right.any():
            break
        stop += right
    while True:
        left = stop >= 0
        left[left] = positions[stop[left]] > x[left]
        if not left.any():
            return stop
        stop -= left


def _histogram(painter: QPainter, box: QRectF, comparison: ReferenceComparison) -> None:
    histogram = comparison.histogram
    outside = f"; outside: {histogram.below} below, {histogram.above} above" if histogram.below + histogram.above else ""
    paint_text(painter, QRectF(box.left(), box.top(), box.width(), 24), f"Histogram of factor B \u2212 A{outside}", 14)
    frame = QRectF(box.left() + 60, box.top() + 28, box.width() - 70, box.height() - 72)
    painter.setPen(QPen(QColor(TEXT), 1))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(frame)
    edges, counts = np.asarray(histogram.edges, dtype=np.float64), np.asarray(histogram.counts, dtype=np.float64)
    top = float(counts.max()) if counts.size and counts.max() > 0 else 1.0
    span = float(edges[-1] - edges[0]) if edges.size > 1 and edges[-1] > edges[0] else 1.0

    def point(x: float, count: float) -> QPointF:
        return QPointF(frame.left() + (x - edges[0]) / span * frame.width(), frame.bottom() - count / top * frame.height())

    outline = [point(edges[0], 0.0)]
    for n, count in enumerate(counts):
        outline += [point(edges[n], count), point(edges[n + 1], count)]
    outline.append(point(edges[-1], 0.0))
    painter.setPen(QPen(HISTOGRAM_LINE, 1.5))
    painter.setBrush(QBrush(HISTOGRAM_FILL))
    painter.drawPolygon(QPolygonF(outline))
    left, right = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop
    below = QRectF(frame.left(), frame.bottom() + 4, frame.width(), 20)
    paint_text(painter, below, f"{edges[0]:.4g}" if edges.size else "", 12, left)
    paint_text(painter, below, f"{edges[-1]:.4g}" if edges.size else "", 12, right)
    paint_text(painter, QRectF(frame.left(), frame.bottom() + 22, frame.width(), 20), "factor B \u2212 A", 12)
    paint_text(painter, QRectF(box.left(), frame.top() - 2, 56, 20), f"{top:.0f}", 12, right)
    paint_text(painter, QRectF(box.left(), frame.bottom() - 16, 56, 20), "0", 12, right)
    paint_text(painter, QRectF(box.left(), frame.center().y() - 10, 56, 20), "pixels", 12, right)
