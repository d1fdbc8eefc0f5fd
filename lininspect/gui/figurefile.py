"""A figure written as PNG, SVG or PDF at its size on paper: the copy laid out at screen scale, drawn at the DPI.

The scene can only be drawn on the GUI thread: it is drawn once there into a QPicture (a
record of the paint commands), which a job replays into the file's paint device, where the
slow part (compressing a full frame's image into a PDF or PNG) happens. PNG through
``pngfile`` (a full disk is one plain line), SVG through ``svgexport`` (a page of the
figure's size, transforms baked in), PDF through Qt's PDF writer on a page of the figure's
size. Each appears whole or not at all (``atomic_path``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pyqtgraph as pg
from PyQt6.QtCore import QMarginsF, QRectF, QSizeF
from PyQt6.QtGui import QImage, QPageLayout, QPageSize, QPainter, QPdfWriter, QPicture
from PyQt6.QtWidgets import QGraphicsWidget

from .. import __version__
from ..core.errors import CorrectionCancelled, LinInspectError
from ..core.fits.atomic import atomic_path
from ..model.figurespec import LAYOUT_DPI, FigureSize, figure_format
from .pngfile import write_png
from .svgexport import SvgExporter, svg_document
from .worker import JobFunction

INCHES_PER_METRE = 1 / 0.0254


def lay_out(widget: pg.GraphicsLayoutWidget, size: FigureSize) -> QRectF:
    """Give the off-screen copy its size at screen scale and settle its layout; the scene rect to draw."""
    width, height = size.layout
    page = QRectF(0, 0, width, height)
    widget.resize(round(width), round(height))
    widget.setRange(page, padding=0)
    scratch = QImage(8, 8, QImage.Format.Format_ARGB32)
    for _ in range(3):  # tick labels widen their axes, which narrows the views, which changes the ticks
        _activate(widget.ci)
        views = [item for item in widget.scene().items() if isinstance(item, pg.ViewBox)]
        for view in views:
            if any(view.autoRangeEnabled()):
                view.updateAutoRange()
            view.updateViewRange()
            view.updateMatrix()
        # An axis learns its labels' size only when it draws them: drawn once here, unseen, so the
        # layout leaves room for them (else a label such as "signal (DN)" sits on the numbers).
        painter = QPainter(scratch)
        try:
            for axis in (item for item in widget.scene().items() if isinstance(item, pg.AxisItem)):
                if axis.isVisible():
                    axis.generateDrawSpecs(painter)
        finally:
            painter.end()
    _activate(widget.ci)
    return page


def _thin(image: pg.ImageItem, view: pg.ViewBox, scale: float) -> None:
    """Keep of ``image`` what the figure can show: the part in view, every n-th pixel when a figure's dot
    covers n or more (as the screen shows a full frame). A full frame recorded whole took a second."""
    values = image.image
    if values is None:
        return
    rect = image.mapRectToParent(image.boundingRect())
    rows, columns = values.shape[:2]
    width, height = rect.width() / columns, rect.height() / rows  # data units per image pixel
    shown = view.viewRect().intersected(rect)
    if shown.isEmpty():
        return
    c0, c1 = max(0, int((shown.left() - rect.left()) // width)), min(columns, int(-(-(shown.right() - rect.left()) // width)))
    r0, r1 = max(0, int((shown.top() - rect.top()) // height)), min(rows, int(-(-(shown.bottom() - rect.top()) // height)))
    dots_across = view.boundingRect().width() * scale * (c1 - c0) * width / view.viewRect().width()
    step = max(1, int((c1 - c0) // max(dots_across, 1.0)))
    if step == 1 and (c0, r0, c1, r1) == (0, 0, columns, rows):
        return
    kept = values[r0:r1:step, c0:c1:step]
    image.setImage(kept, autoLevels=False)
    image.setRect(QRectF(rect.left() + c0 * width, rect.top() + r0 * height,
                         kept.shape[1] * step * width, kept.shape[0] * step * height))  # fmt: skip


def _activate(item: QGraphicsWidget) -> None:
    """Lay out ``item`` and, inside it, every nested layout now (a plot's axes and view box are a layout
    of their own, otherwise laid out by the event loop, which an off-screen copy never reaches)."""
    layout = QGraphicsWidget.layout(item)  # pyqtgraph shadows the method with an attribute
    if layout is not None:
        layout.activate()
    for child in item.childItems():
        if isinstance(child, QGraphicsWidget):
            _activate(child)


def record_figure(widget: pg.GraphicsLayoutWidget, background: str, size: FigureSize) -> QPicture:
    """Draw the off-screen copy ``widget``, laid out at ``size``, into a picture (on the GUI thread, where the
    scene lives); the picture is replayed into the file by :func:`figure_job`, off it."""
    size.check()
    source = lay_out(widget, size)
    for view in (item for item in widget.scene().items() if isinstance(item, pg.ViewBox)):
        for image in (item for item in view.addedItems if isinstance(item, pg.ImageItem)):
            _thin(image, view, size.dpi / LAYOUT_DPI)
    picture = QPicture()
    painter = QPainter(picture)
    try:
        SvgExporter(widget, background, "", source).paint(painter, QRectF(0, 0, source.width(), source.height()), source)
    finally:
        painter.end()
    return picture


def figure_job(picture: QPicture, size: FigureSize, path: Path, title: str) -> JobFunction[str]:
    """A job writing ``picture`` to ``path`` (its format by suffix) at ``size``: what the status bar then says."""
    kind = figure_format(path)

    def job(progress: Callable[[int, int], None], cancel: threading.Event) -> str:
        with atomic_path(path) as temporary:
            if kind == "SVG":
                page = QRectF(0, 0, *size.layout)
                temporary.write_text(svg_document(lambda painter: painter.drawPicture(0, 0, picture), page, title),
                                     encoding="utf-8")  # fmt: skip
            elif kind == "PNG":
                write_png(_raster(picture, size), temporary)
            else:
                _write_pdf(picture, size, temporary, title)
            if temporary.stat().st_size == 0:
                raise LinInspectError(f"{path}: could not write the figure")
            if cancel.is_set():
                raise CorrectionCancelled()
        if kind != "PNG":
            return f"wrote {path.name} ({size.width_in:.3g} x {size.height_in:.3g} in)"
        width, height = size.pixels
        return f"wrote {path.name} ({width} x {height} px at {size.dpi:g} DPI)"

    return job


def _raster(picture: QPicture, size: FigureSize) -> QImage:
    width, height = size.pixels
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    # Painted at screen DPI and scaled, so fonts given in points keep their size on paper: painted at
    # the file's DPI, Qt would enlarge them for it and the scale would enlarge them again.
    _set_dpi(image, LAYOUT_DPI)
    painter = QPainter(image)
    try:
        layout_width, layout_height = size.layout
        painter.scale(width / layout_width, height / layout_height)
        painter.drawPicture(0, 0, picture)
    finally:
        painter.end()
    _set_dpi(image, size.dpi)  # what the PNG records (its pHYs), for page layout programs
    return image


def _set_dpi(image: QImage, dpi: float) -> None:
    dots_per_metre = round(dpi * INCHES_PER_METRE)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)


def _write_pdf(picture: QPicture, size: FigureSize, path: Path, title: str) -> None:
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
        layout_width, layout_height = size.layout
        painter.scale(writer.width() / layout_width, writer.height() / layout_height)
        painter.drawPicture(0, 0, picture)
    finally:
        painter.end()
