"""A figure written as PNG, SVG or PDF at its size on paper: the copy laid out at screen scale, drawn at the DPI.

PNG through ``pngfile`` (a full disk is one plain line), SVG through ``svgexport`` (a page
of the figure's size, transforms baked in), PDF through Qt's PDF writer on a page of the
figure's size. Each appears whole or not at all (``atomic_path``).
"""

from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg
from PyQt6.QtCore import QMarginsF, QRectF, QSizeF
from PyQt6.QtGui import QImage, QPageLayout, QPageSize, QPainter, QPdfWriter
from PyQt6.QtWidgets import QGraphicsWidget

from .. import __version__
from ..core.errors import LinInspectError
from ..core.fits.atomic import atomic_path
from ..model.figurespec import LAYOUT_DPI, FigureSize, figure_format
from .pngfile import write_png
from .svgexport import SvgExporter

INCHES_PER_METRE = 1 / 0.0254


def lay_out(widget: pg.GraphicsLayoutWidget, size: FigureSize) -> QRectF:
    """Give the off-screen copy its size at screen scale and settle its layout; the scene rect to draw."""
    width, height = size.layout
    page = QRectF(0, 0, width, height)
    widget.resize(round(width), round(height))
    widget.setRange(page, padding=0)
    for _ in range(2):  # a settled axis width can move the view box once more
        _activate(widget.ci)
        for item in widget.scene().items():
            if isinstance(item, pg.ViewBox):
                item.updateViewRange()
                item.updateMatrix()
    return page


def _activate(item: QGraphicsWidget) -> None:
    """Lay out ``item`` and, inside it, every nested layout now (a plot's axes and view box are a layout
    of their own, otherwise laid out by the event loop, which an off-screen copy never reaches)."""
    layout = QGraphicsWidget.layout(item)  # pyqtgraph shadows the method with an attribute
    if layout is not None:
        layout.activate()
    for child in item.childItems():
        if isinstance(child, QGraphicsWidget):
            _activate(child)


def write_figure(widget: pg.GraphicsLayoutWidget, background: str, size: FigureSize, path: Path, title: str) -> None:
    """Draw the laid-out copy ``widget`` into ``path`` (its format by suffix) at ``size``."""
    size.check()
    kind = figure_format(path)
    source = lay_out(widget, size)
    exporter = SvgExporter(widget, background, title, source)
    with atomic_path(path) as temporary:
        if kind == "SVG":
            exporter.export(temporary)
        elif kind == "PNG":
            write_png(_raster(exporter, source, size), temporary)
        else:
            _write_pdf(exporter, source, size, temporary, title)
        if temporary.stat().st_size == 0:
            raise LinInspectError(f"{path}: could not write the figure")


def _raster(exporter: SvgExporter, source: QRectF, size: FigureSize) -> QImage:
    width, height = size.pixels
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    # Painted at screen DPI and scaled, so fonts given in points keep their size on paper: painted at
    # the file's DPI, Qt would enlarge them for it and the scale would enlarge them again.
    _set_dpi(image, LAYOUT_DPI)
    painter = QPainter(image)
    try:
        painter.scale(width / source.width(), height / source.height())
        exporter.paint(painter, QRectF(0, 0, source.width(), source.height()), source)
    finally:
        painter.end()
    _set_dpi(image, size.dpi)  # what the PNG records (its pHYs), for page layout programs
    return image


def _set_dpi(image: QImage, dpi: float) -> None:
    dots_per_metre = round(dpi * INCHES_PER_METRE)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)


def _write_pdf(exporter: SvgExporter, source: QRectF, size: FigureSize, path: Path, title: str) -> None:
    """One page of exactly the figure's size, no margins, vector curves and axes."""
    writer = QPdfWriter(str(path))
    writer.setTitle(title)
    writer.setCreator(f"lininspect {__version__}")
    writer.setResolution(round(LAYOUT_DPI))  # vector: the page is laid out as on screen, fonts in points
    writer.setPageLayout(QPageLayout(QPageSize(QSizeF(size.width_in, size.height_in), QPageSize.Unit.Inch),
                                     QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))  # fmt: skip
    painter = QPainter(writer)
    if not painter.isActive():
        raise LinInspectError(f"{path}: could not start the PDF")
    try:
        painter.scale(writer.width() / source.width(), writer.height() / source.height())
        exporter.paint(painter, QRectF(0, 0, source.width(), source.height()), source)
    finally:
        painter.end()
