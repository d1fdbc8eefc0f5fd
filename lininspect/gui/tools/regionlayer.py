"""The Regions tool's drawing on one image panel: every region's outline and number, and, while drawing,
a catcher over the image that turns mouse drags and clicks into regions.

A drag that starts inside a region moves it; elsewhere it draws the chosen shape (a circle or
annulus from its centre, a box corner to corner); for a polygon each click is a vertex and a
double click closes it. Shapes, hit tests and moves are ``model.regionshapes``' and the
``regions`` package's; this module only maps the panel's coordinates and paints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QPainter, QPainterPath
from PyQt6.QtWidgets import QGraphicsPathItem

from ...model.regionfiles import shape_name
from ...model.regionshapes import dragged_region, moved, polygon
from ..imagepanel import ImagePanel

if TYPE_CHECKING:
    from regions import PixelRegion

#: DS9's region green; the selected one in yellow; what is being drawn dashed.
OUTLINE, SELECTED, DRAWING = "#00ff00", "#ffff00", "#ffffff"
#: Above the image, masks and overlays, below the pixel markers (10) and the box outline (20).
REGION_Z = 8
#: The panels draw pixel (x, y) over [x, x + 1): the regions' pixel centres are half a pixel in.
HALF = 0.5


def region_point(point: QPointF) -> tuple[float, float]:
    """A point of the panel's view as the regions package counts pixels."""
    return point.x() - HALF, point.y() - HALF


def outline_path(region: PixelRegion) -> QPainterPath:
    """``region``'s outline in the panel's view coordinates."""
    path = QPainterPath()
    name = shape_name(region)
    if name in ("circle", "annulus"):
        centre = QPointF(region.center.x + HALF, region.center.y + HALF)
        radii = (region.radius,) if name == "circle" else (region.inner_radius, region.outer_radius)
        for radius in radii:
            path.addEllipse(centre, float(radius), float(radius))
        return path
    corners = (region if name == "polygon" else region.to_polygon()).vertices
    xs, ys = np.asarray(corners.x, dtype=float), np.asarray(corners.y, dtype=float)
    path.moveTo(xs[0] + HALF, ys[0] + HALF)
    for x, y in zip(xs[1:], ys[1:], strict=True):
        path.lineTo(x + HALF, y + HALF)
    path.closeSubpath()
    return path


class DrawingCatcher(pg.GraphicsObject):
    """Over the whole image while drawing: takes left drags and clicks before the view pans or selects."""

    def __init__(self, layer: RegionLayer) -> None:
        super().__init__()
        self.layer = layer
        self._bounds = QRectF()

    def cover(self, shape: tuple[int, int] | None) -> None:
        self.prepareGeometryChange()
        self._bounds = QRectF() if shape is None else QRectF(-1e5, -1e5, 2e5 + shape[1], 2e5 + shape[0])

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, *args: object) -> None:
        """Nothing to paint: the catcher is only where the mouse goes."""

    def mouseDragEvent(self, ev) -> None:  # type: ignore[no-untyped-def]
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        self.layer.dragged(region_point(ev.buttonDownPos()), region_point(ev.pos()), started=ev.isStart(),
                           finished=ev.isFinish())  # fmt: skip

    def mouseClickEvent(self, ev) -> None:  # type: ignore[no-untyped-def]
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        ev.accept()
        self.layer.clicked(region_point(ev.pos()), double=ev.double())


class RegionLayer:
    """Outlines of the regions on one panel, and the mouse's drawing there while the tool draws."""

    def __init__(self, panel: ImagePanel, tool: RegionMouse) -> None:
        self.panel, self.tool = panel, tool
        self.items: list[tuple[QGraphicsPathItem, pg.TextItem]] = []
        self.rubber = QGraphicsPathItem()
        self.rubber.setPen(pg.mkPen(DRAWING, width=1, style=Qt.PenStyle.DashLine, cosmetic=True))
        self.rubber.setZValue(REGION_Z + 1)
        self.rubber.hide()
        panel.view.addItem(self.rubber, ignoreBounds=True)
        self.catcher = DrawingCatcher(self)
        self.catcher.setZValue(REGION_Z + 2)
        self.catcher.hide()
        panel.view.addItem(self.catcher, ignoreBounds=True)
        #: While a region is dragged to a new place: its number and where the drag started.
        self._moving: tuple[int, PixelRegion] | None = None

    def show(self, regions: tuple[PixelRegion, ...], selected: int | None) -> None:
        """Draw every region, the selected one in its own colour, each with its number."""
        while len(self.items) > len(regions):
            for item in self.items.pop():
                self.panel.view.removeItem(item)
        while len(self.items) < len(regions):
            path, label = QGraphicsPathItem(), pg.TextItem("", anchor=(0.5, 1.0))  # above the outline
            for item in (path, label):
                item.setZValue(REGION_Z)
                self.panel.view.addItem(item, ignoreBounds=True)
            self.items.append((path, label))
        for number, (region, (path, label)) in enumerate(zip(regions, self.items, strict=True), start=1):
            colour = SELECTED if number - 1 == selected else OUTLINE
            path.setPen(pg.mkPen(colour, width=2 if colour == SELECTED else 1.5, cosmetic=True))
            path.setPath(outline_path(region))
            label.setText(str(number), color=colour)
            bounds = path.path().boundingRect()
            label.setPos(bounds.center().x(), bounds.bottom())  # the top edge: y is up (nested rings' numbers apart)

    def drawing(self, on: bool) -> None:
        """The catcher over the image while drawing; nothing of it otherwise."""
        self.catcher.cover(self.panel.shape if on else None)
        self.catcher.setVisible(on)
        self.rubber.hide()
        self._moving = None

    def dragged(self, start: tuple[float, float], end: tuple[float, float], *, started: bool, finished: bool) -> None:
        """A drag that starts inside a region moves it; elsewhere it draws the chosen shape (polygons are clicked)."""
        tool = self.tool
        if started:
            hit = tool.region_at(start)
            self._moving = None if hit is None else (hit, tool.regions()[hit])
        if self._moving is not None:
            number, original = self._moving
            region: PixelRegion | None = moved(original, end[0] - start[0], end[1] - start[1])
        else:
            region = dragged_region(tool.shape, start, end) if tool.shape != "polygon" else None
        self.rubber.setVisible(region is not None and not finished)
        if region is None:
            return
        self.rubber.setPath(outline_path(region))
        if finished and self._moving is not None:
            self._moving = None
            tool.replace(number, region)
        elif finished:
            tool.add(region)

    def clicked(self, point: tuple[float, float], *, double: bool) -> None:
        """A polygon's vertex (a double click closes it); with other shapes, a click selects the region under it."""
        tool = self.tool
        if tool.shape != "polygon":
            hit = tool.region_at(point)
            if hit is not None:
                tool.select(hit)
            return
        vertices = tool.vertices
        if not double:
            vertices.append(point)
        shape = polygon(vertices)
        if double and shape is not None:
            vertices.clear()
            self.rubber.hide()
            tool.add(shape)
            return
        path = QPainterPath()
        path.moveTo(vertices[0][0] + HALF, vertices[0][1] + HALF)
        for x, y in vertices[1:]:
            path.lineTo(x + HALF, y + HALF)
        self.rubber.setPath(path)
        self.rubber.show()

    def close(self) -> None:
        for item in [self.rubber, self.catcher, *(i for pair in self.items for i in pair)]:
            self.panel.view.removeItem(item)
        self.items.clear()


class RegionMouse(Protocol):
    """What the layer asks of the tool: the regions, the shape drawn, the polygon's vertices so far, and changes."""

    shape: str
    vertices: list[tuple[float, float]]

    def regions(self) -> tuple[PixelRegion, ...]: ...

    def region_at(self, point: tuple[float, float]) -> int | None: ...

    def add(self, region: PixelRegion) -> None: ...

    def replace(self, index: int, region: PixelRegion) -> None: ...

    def select(self, index: int) -> None: ...
