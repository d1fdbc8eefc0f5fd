"""SVG export of a pyqtgraph scene through Qt's own SVG painter.

pyqtgraph 0.14's SVGExporter fails on the path syntax of Qt 6.11's generator, and painting
the scene straight into a QSvgGenerator goes wrong twice: the scene's bounding rect
(which includes infinite lines) makes a page kilometres wide, and scatter symbols come
out as cropped tiles of pyqtgraph's symbol atlas. Export mode (as pyqtgraph's own
exporters set it) makes items draw vector symbols; the page is the visible view.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyqtgraph as pg
import pyqtgraph.exporters
from PyQt6.QtCore import QBuffer, QByteArray, QIODevice, QRectF
from PyQt6.QtGui import QColor, QPainter
from PyQt6.QtSvg import QSvgGenerator

from ..core.analysis.svgflat import flatten_transforms

#: CSS pixels per inch: viewers then show the page at the size the plots had on screen.
SVG_DPI = 96


class SvgExporter(pyqtgraph.exporters.Exporter):
    """Writes what a GraphicsView shows as an SVG page of the same size in CSS pixels."""

    def __init__(self, view: pg.GraphicsView, background: str, title: str, source: QRectF | None = None) -> None:
        """``source``: the part of the scene to draw (by default what the view shows)."""
        super().__init__(view.scene())
        self.view, self.background, self.title, self.source = view, background, title, source

    def export(self, fileName: str | Path | None = None, toBytes: bool = False, copy: bool = False) -> None:  # noqa: N803 (pyqtgraph's names)
        source = self.source if self.source is not None else self.view.viewRect()
        page = QRectF(0, 0, source.width(), source.height())
        text = svg_document(lambda painter: self.paint(painter, page, source), page, self.title)
        Path(str(fileName)).write_text(text, encoding="utf-8")

    def paint(self, painter: QPainter, page: QRectF, source: QRectF) -> None:
        """Draw ``source`` of the scene into ``page`` of any paint device, on the background, in export mode."""
        painter.fillRect(page, QColor(self.background))
        self.setExportMode(True, {"antialias": True, "background": QColor(self.background), "painter": painter})
        try:
            self.getScene().render(painter, page, source)
        finally:
            self.setExportMode(False)


def svg_document(paint: Callable[[QPainter], None], page: QRectF, title: str) -> str:
    """What ``paint`` draws on a ``page`` of CSS pixels, as SVG text with its transforms baked in.

    Qt's SVG generator is a paint device of its own, usable off the GUI thread: a figure
    recorded there as a QPicture is replayed here in a job.
    """
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(page.size().toSize())
    generator.setViewBox(page)
    generator.setResolution(SVG_DPI)
    generator.setTitle(title)
    painter = QPainter(generator)
    try:
        paint(painter)
    finally:
        painter.end()
    return flatten_transforms(bytes(QByteArray(buffer.data())).decode("utf-8"))
