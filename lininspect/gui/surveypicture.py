"""The survey's PNG summaries, painted on a QImage like the comparison's (no window, any thread once Qt exists).

``survey.png``, the overview. Top: the stacked maps of the first detector (residual non-linearity,
factors; with B their A - B differences). Bottom: each exposure's residual non-linearity and factor
at the level against its start time (its place in the table when the file has no EXPSTART), and
the histogram of residuals. ``trends.png``: every per-exposure figure against the start time, each
beside its histogram. ``maps/KEY.png``: every stacked map of each detector.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QBrush, QColor, QImage, QPainter, QPen

from ..core.analysis.analysis import display_limits
from ..core.errors import LinInspectError
from ..core.survey.surveyreport import MAPS_FOLDER, read_stacked_map, stacked_map_names
from ..core.fits.atomic import atomic_path
from .comparisonfigure import BACKGROUND, PICTURE_SIZE, TEXT, centred_limits
from .comparisonpicture import GAP, LINE, ensure_gui_application, paint_map, paint_text

PICTURE_NAME = "survey.png"
POINT = QColor("#f08c2e")

#: Maps shown, in order of preference: (name in the maps file, title, centred colour scale).
_MAPS = (
    ("residual_diff_median", "Median residual non-linearity A \u2212 B (%)", True),
    ("residual_a_median", "Median residual non-linearity (%)", False),
    ("factor_last_diff_mean", "Mean factor at last unsaturated group A \u2212 B", True),
    ("factor_last_a_mean", "Mean factor at last unsaturated group", False),
    ("factor_level_diff_mean", "Mean factor at the level A \u2212 B", True),
    ("factor_level_a_mean", "Mean factor at the level", False),
)


TRENDS_NAME = "trends.png"

#: Each exposure's figures, trended against its start time and histogrammed: (column, title), A's, then
#: B's and the A - B differences when the survey has them.
TRENDED = (
    ("no_lin_corr", "NO_LIN_CORR pixels"),
    ("saturated_fraction", "Fraction of samples saturated"),
    ("factor_level_median", "Correction factor at the level, median"),
    ("factor_last_median", "Factor at the last unsaturated group, median"),
    ("residual_before_median", "Residual non-linearity before correction, median (%)"),
    ("residual_after_median", "Residual non-linearity after correction, median (%)"),
    ("residual_after_p95", "Residual non-linearity after correction, p95 (%)"),
    ("no_lin_corr_b", "NO_LIN_CORR pixels, B"),
    ("factor_level_median_b", "Correction factor at the level, median, B"),
    ("factor_last_median_b", "Factor at the last unsaturated group, median, B"),
    ("residual_after_median_b", "Residual non-linearity after correction, median, B (%)"),
    ("residual_after_p95_b", "Residual non-linearity after correction, p95, B (%)"),
    ("factor_level_diff_median", "Factor at the level A \u2212 B, median"),
    ("factor_last_diff_median", "Factor at the last unsaturated group A \u2212 B, median"),
    ("residual_after_diff_median", "Residual non-linearity A \u2212 B, median (%)"),
)

#: Height of one line of trends.png (two figures a line, each a trend and its histogram); of one line of maps.
_TREND_LINE, _MAP_LINE = 300, 420


def write_survey_picture(directory: str | Path, rows: list[dict[str, Any]], size: tuple[int, int] = PICTURE_SIZE) -> Path:
    """Paint the summary of the survey in ``directory`` to DIR/survey.png and return its path."""
    width, height = size
    return _write(Path(directory) / PICTURE_NAME, width, height,
                  lambda painter: _paint(painter, Path(directory), rows, width, height))


def trended_figures(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The figures of :data:`TRENDED` that the surveyed (not failed) exposures have."""
    good = [row for row in rows if not row.get("error")]
    return [(column, title) for column, title in TRENDED if any(column in row for row in good)]


def write_trends_picture(directory: str | Path, rows: list[dict[str, Any]], width: int = PICTURE_SIZE[0]) -> Path:
    """Paint each figure's trend against the exposure start time and its histogram to DIR/trends.png."""
    figures = trended_figures(rows)
    lines = max(1, math.ceil(len(figures) / 2))
    return _write(Path(directory) / TRENDS_NAME, width, LINE + lines * _TREND_LINE,
                  lambda painter: _paint_trends(painter, rows, figures, width))


def write_maps_pictures(directory: str | Path, width: int = PICTURE_SIZE[0]) -> list[Path]:
    """Paint every stacked map of each detector (DIR/maps/KEY.fits) to DIR/maps/KEY.png; returns the paths.
    Each map is read when it is painted and let go after: the client holds one map, not a detector's all."""
    written = []
    for source in sorted((Path(directory) / MAPS_FOLDER).glob("*.fits")):
        names = stacked_map_names(source)
        lines = max(1, math.ceil(len(names) / 4))
        written.append(_write(source.with_suffix(".png"), width, LINE + lines * _MAP_LINE,
                              lambda painter, source=source, names=names: _paint_maps(painter, source, names, width)))
    return written


def _write(path: Path, width: int, height: int, paint: Callable[[QPainter], None]) -> Path:
    ensure_gui_application()
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(BACKGROUND))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        paint(painter)
    finally:
        painter.end()
    with atomic_path(path) as temporary:
        if not image.save(str(temporary), "PNG"):
            raise LinInspectError(f"{path}: the picture could not be written")
    return path


def _start_times(good: list[dict[str, Any]]) -> tuple[list[float], str]:
    """Each exposure's start (MJD), or its place in the table when one has none; and the axis's label."""
    times = [row.get("exp_start", math.nan) for row in good]
    if times and all(isinstance(t, float) and math.isfinite(t) for t in times):
        return [float(t) for t in times], "exposure start (MJD)"
    return [float(n) for n in range(len(good))], "exposure (table order)"


def _figure(row: dict[str, Any], column: str) -> float:
    value = row.get(column)
    return float(value) if isinstance(value, (int, float)) else math.nan


def _paint_trends(painter: QPainter, rows: list[dict[str, Any]], figures: list[tuple[str, str]], width: int) -> None:
    good = [row for row in rows if not row.get("error")]
    paint_text(painter, QRectF(0, 0, width, LINE), f"Figures of {len(good)} exposures against their start time", 17)
    x, x_label = _start_times(good)
    cell_width = width / 4
    for n, (column, title) in enumerate(figures):
        top = LINE + n // 2 * _TREND_LINE
        left = n % 2 * 2 * cell_width
        values = [_figure(row, column) for row in good]
        trend = QRectF(left + GAP, top + GAP, cell_width - 2 * GAP, _TREND_LINE - 2 * GAP)
        _scatter(painter, trend, title, x, values, x_label)
        _histogram(painter, trend.translated(cell_width, 0), "Histogram", values, column)


def _paint_maps(painter: QPainter, source: Path, names: list[str], width: int) -> None:
    paint_text(painter, QRectF(0, 0, width, LINE), f"Stacked maps of {source.stem}", 17)
    cell_width = width / 4
    for n, name in enumerate(names):
        box = QRectF(n % 4 * cell_width + GAP, LINE + n // 4 * _MAP_LINE + GAP, cell_width - 2 * GAP,
                     _MAP_LINE - 2 * GAP)
        _paint_stacked_map(painter, box, name.upper(), read_stacked_map(source, name), centred="_diff_" in name)


def _paint_stacked_map(painter: QPainter, box: QRectF, title: str, values: np.ndarray, *, centred: bool) -> None:
    """A stacked map: an A - B difference centred on zero in a diverging map, else its 99.5 % range in viridis."""
    limits = centred_limits(values) if centred else display_limits(values, "99.5%")
    paint_map(painter, box, title, values, limits, pg.colormap.get("CET-D1" if centred else "viridis"))


def _paint(painter: QPainter, directory: Path, rows: list[dict[str, Any]], width: int, height: int) -> None:
    good = [row for row in rows if not row.get("error")]
    files = sorted((directory / MAPS_FOLDER).glob("*.fits"))
    names = stacked_map_names(files[0]) if files else []
    title = f"Survey of {len(rows)} exposures ({len(rows) - len(good)} failed)"
    if files:
        title += f"; maps of {files[0].stem}" + (f" (+{len(files) - 1} more detectors)" if len(files) > 1 else "")
    paint_text(painter, QRectF(0, 0, width, LINE), title, 17)
    cell_width, cell_height = width / 3, (height - LINE) / 2

    def cell(row: int, col: int) -> QRectF:
        return QRectF(col * cell_width + GAP, LINE + row * cell_height + GAP, cell_width - 2 * GAP,
                      cell_height - 2 * GAP)

    shown = [(name, text, centred) for name, text, centred in _MAPS if name in names][:3]
    for col, (name, text, centred) in enumerate(shown):
        _paint_stacked_map(painter, cell(0, col), text, read_stacked_map(files[0], name), centred=centred)
    x, x_label = _start_times(good)
    residual = [float(row.get("residual_after_median", math.nan)) for row in good]
    factor = [float(row.get("factor_level_median", math.nan)) for row in good]
    _scatter(painter, cell(1, 0), "Residual non-linearity after correction, median (%)", x, residual, x_label)
    _scatter(painter, cell(1, 1), "Correction factor at the level, median", x, factor, x_label)
    _histogram(painter, cell(1, 2), "Residual non-linearity per exposure (%)", residual, "residual (%)")


def _frame(painter: QPainter, box: QRectF, title: str) -> QRectF:
    paint_text(painter, QRectF(box.left(), box.top(), box.width(), 24), title, 14)
    frame = QRectF(box.left() + 70, box.top() + 28, box.width() - 80, box.height() - 72)
    painter.setPen(QPen(QColor(TEXT), 1))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(frame)
    return frame


def _limits(values: list[float]) -> tuple[float, float]:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return 0.0, 1.0
    low, high = min(finite), max(finite)
    pad = (high - low) * 0.05 or abs(low) * 0.01 or 1.0
    return low - pad, high + pad


def _axis_labels(painter: QPainter, frame: QRectF, xs: tuple[float, float], ys: tuple[float, float], x_label: str) -> None:
    left, right = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop
    below = QRectF(frame.left(), frame.bottom() + 4, frame.width(), 20)
    paint_text(painter, below, f"{xs[0]:.6g}", 12, left)
    paint_text(painter, below, f"{xs[1]:.6g}", 12, right)
    paint_text(painter, QRectF(frame.left(), frame.bottom() + 22, frame.width(), 20), x_label, 12)
    paint_text(painter, QRectF(frame.left() - 70, frame.top() - 2, 66, 20), f"{ys[1]:.4g}", 12, right)
    paint_text(painter, QRectF(frame.left() - 70, frame.bottom() - 16, 66, 20), f"{ys[0]:.4g}", 12, right)


def _scatter(painter: QPainter, box: QRectF, title: str, x: list[float], y: list[float], x_label: str) -> None:
    frame = _frame(painter, box, title)
    xs, ys = _limits(x), _limits(y)
    _axis_labels(painter, frame, xs, ys, x_label)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(POINT))
    for u, v in zip(x, y):
        if math.isfinite(u) and math.isfinite(v):
            px = frame.left() + (u - xs[0]) / (xs[1] - xs[0]) * frame.width()
            py = frame.bottom() - (v - ys[0]) / (ys[1] - ys[0]) * frame.height()
            painter.drawEllipse(QPointF(px, py), 3.5, 3.5)


def _histogram(painter: QPainter, box: QRectF, title: str, values: list[float], x_label: str) -> None:
    frame = _frame(painter, box, title)
    finite = np.array([v for v in values if math.isfinite(v)])
    low, high = _limits(list(finite))
    counts, edges = np.histogram(finite, bins=max(5, min(40, finite.size // 2 or 5)), range=(low, high))
    top = max(int(counts.max()) if counts.size else 0, 1)
    _axis_labels(painter, frame, (low, high), (0, top), x_label)
    painter.setPen(QPen(POINT, 1))
    painter.setBrush(QBrush(QColor(240, 140, 46, 160)))
    for count, start, stop in zip(counts, edges[:-1], edges[1:]):
        left = frame.left() + (start - low) / (high - low) * frame.width()
        bar_width = (stop - start) / (high - low) * frame.width()
        bar_height = count / top * frame.height()
        painter.drawRect(QRectF(left, frame.bottom() - bar_height, bar_width, bar_height))
