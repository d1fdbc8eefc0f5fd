"""One image panel: a ViewBox with an ImageItem, pixel axes, a colour bar and markers.

Built on ImageItem + ViewBox rather than ImageView, whose view registry crashes on
teardown. Images are row-major with y up, so array row 0 is at the bottom and the
origin is lower-left; the aspect is locked so pixels stay square.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QPointF, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QPen
from PyQt6.QtWidgets import QGraphicsRectItem

from ..core.analysis import analysis
from ..model import maps
from .viewtext import ViewText

#: Dark plots to match the window; set before any item is made.
BACKGROUND = "#1b1d21"
pg.setConfigOptions(imageAxisOrder="row-major", antialias=True, background=BACKGROUND, foreground="#c8c8c8")

#: Colours in an image's lookup table (as pyqtgraph's ImageItem.setColorMap makes it).
LUT_SIZE = 256
#: A colour map's name and lookup table.
Colours = tuple[str | None, np.ndarray]
#: NO_LIN_CORR pixels in the overlay: opaque cyan, a colour none of the colour maps but turbo
#: uses; see-through magenta was lost on inferno's purples where pooled blocks are 2 px wide.
OVERLAY_RGBA = (0, 255, 255, 255)
#: The NO_LIN_CORR mask view: corrected pixels dark grey, NO_LIN_CORR ones magenta.
MASK_COLOURS = ("#3a3d44", "#ff00c8")
MASK_LABELS = ("corrected", "NO_LIN_CORR")


class SelectViewBox(pg.ViewBox):
    """A ViewBox where a right-button drag selects a box of pixels instead of zooming."""

    boxSelected = pyqtSignal(QRectF)

    def __init__(self) -> None:
        super().__init__(lockAspect=True, enableMenu=False)
        self._box = QGraphicsRectItem()
        self._box.setPen(pg.mkPen("#ffd400", width=2, style=Qt.PenStyle.DashLine, cosmetic=True))
        self._box.setZValue(20)
        self._box.hide()
        self.addItem(self._box, ignoreBounds=True)

    def mouseDragEvent(self, ev, axis=None) -> None:  # type: ignore[no-untyped-def]
        if ev.button() != Qt.MouseButton.RightButton:
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        rect = QRectF(self.mapToView(ev.buttonDownPos()), self.mapToView(ev.pos())).normalized()
        self.show_box(rect)
        if ev.isFinish():
            self.boxSelected.emit(rect)

    @property
    def box_shown(self) -> QRectF | None:
        """The outlined box, if any (what the view state's box is drawn as)."""
        return self._box.rect() if self._box.isVisible() else None

    def show_box(self, rect: QRectF | None) -> None:
        if rect is None:
            self._box.hide()
        else:
            self._box.setRect(rect)
            self._box.show()


class ColourBar(pg.PlotItem):
    """A vertical colour bar whose axis is labelled in data values through the stretch."""

    def __init__(self) -> None:
        super().__init__(enableMenu=False)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        for side in ("left", "bottom"):
            self.hideAxis(side)
        self.showAxis("right")
        self._set_axis_width(AXIS_WIDTH)
        self._image = pg.ImageItem(_RAMP)
        self._image.setRect(QRectF(0, 0, 1, 1))
        self._image.setLevels((0, 1))
        self.addItem(self._image)
        self.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
        #: The scale drawn by :meth:`configure` (colours, low, high, stretch, unit), else None.
        self._shown: tuple[Colours, float, float, str, str] | None = None

    def configure(self, colormap: pg.ColorMap, low: float, high: float, kind: str, unit: str) -> None:
        colours = _colours(colormap)
        shown, self._shown = self._shown, None
        if shown is not None and shown[1:] == (low, high, kind, unit) and _same_colours(shown[0], colours):
            self._shown = shown  # as drawn: its ramp and ticks would be drawn again for nothing
            return
        self._set_axis_width(AXIS_WIDTH)
        self._image.setImage(_RAMP, levels=(0, 1), autoLevels=False)
        self._image.setRect(QRectF(0, 0, 1, 1))
        self._image.setColorMap(colormap)
        self._image.show()
        values = analysis.nice_ticks(low, high)
        positions = analysis.stretch(np.array(values), low, high, kind)
        ticks: list[tuple[float, str]] = []
        for position, value in zip(positions, values, strict=True):
            # A stretch that crowds ticks together (log near the top) keeps those that stay legible.
            if not ticks or float(position) - ticks[-1][0] >= MIN_TICK_GAP:
                ticks.append((float(position), _format(value)))
        axis = self.getAxis("right")
        axis.setTicks([ticks, []])
        axis.setLabel(unit)
        self._shown = (colours, low, high, kind, unit)

    def configure_classes(self, colormap: pg.ColorMap, labels: tuple[str, ...]) -> None:
        """A legend of len(labels) coloured blocks, for an image of classes 0, 1, ... (not a scale)."""
        self._shown = None
        count = len(labels)
        self._set_axis_width(CLASS_AXIS_WIDTH)  # "NO_LIN_CORR" is wider than any number
        self._image.setImage(np.arange(count, dtype=np.float32).reshape(count, 1), levels=(0, count - 1),
                             autoLevels=False)  # fmt: skip
        self._image.setColorMap(colormap)
        self._image.setRect(QRectF(0, 0, 1, 1))
        self._image.show()
        axis = self.getAxis("right")
        axis.setTicks([[((n + 0.5) / count, label) for n, label in enumerate(labels)], []])
        axis.setLabel("")

    def clear(self) -> None:
        """No image, no scale: an empty panel must not keep another exposure's values."""
        self._shown = None
        self._image.hide()
        axis = self.getAxis("right")
        axis.setTicks([[], []])
        axis.setLabel("")

    def _set_axis_width(self, width: int) -> None:
        self.getAxis("right").setWidth(width)
        self.setMaximumWidth(width + BAR_WIDTH)


#: Closest two colour bar ticks may sit, as a fraction of the bar's height.
MIN_TICK_GAP = 0.04
#: Colour bar sizes: the bar itself, its axis with numbers, its axis with class names.
BAR_WIDTH, AXIS_WIDTH, CLASS_AXIS_WIDTH = 32, 72, 100
#: The colour bar's image: 0..1 bottom to top.
_RAMP = np.linspace(0, 1, 256, dtype=np.float32).reshape(256, 1)


def _colours(colormap: pg.ColorMap) -> Colours:
    """What a colour map draws with, to compare with what was drawn: its name and lookup table."""
    return colormap.name, colormap.getLookupTable(nPts=LUT_SIZE)


def _same_colours(one: Colours, other: Colours) -> bool:
    return one[0] == other[0] and np.array_equal(one[1], other[1])


def _format(value: float) -> str:
    return f"{value:.6g}"


class Title(pg.LabelItem):
    """A panel's title: set again to the same text, it leaves the panel's layout alone (pyqtgraph's label
    asks for a new layout, and the panel is painted again, at every redraw)."""

    def setText(self, text: str, **args: object) -> None:  # pyqtgraph's name
        if text != getattr(self, "text", None) or args:  # set first by the constructor
            super().setText(text, **args)


class ImagePanel(pg.GraphicsLayoutWidget):
    """Shows one image already mapped to 0..1 by the shared colour scale."""

    pixelClicked = pyqtSignal(int, int, bool)  # x, y, shift held
    pixelHovered = pyqtSignal(int, int)  # x, y; (-1, -1) when off the image
    boxSelected = pyqtSignal(int, int, int, int)  # x0, y0, x1, y1 (end exclusive), clipped

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title = Title(title, size="11pt", color="#e8e8e8")
        self.ci.addItem(self.title, row=0, col=0, colspan=2)
        self.view = SelectViewBox()
        self.plot = pg.PlotItem(viewBox=self.view)
        self.plot.setLabel("bottom", "x (array column)")
        self.plot.setLabel("left", "y (array row)")
        self.plot.hideButtons()
        for side in ("bottom", "left"):
            axis = self.plot.getAxis(side)
            axis.enableAutoSIPrefix(False)  # array pixels, never "(x0.001)"
            # The room of the numbers is kept while there are none (see _show_values).
            axis.setStyle(autoReduceTextSpace=False)
        self._values_shown = True
        self.ci.addItem(self.plot, row=1, col=0)
        self.colourbar = ColourBar()
        self.ci.addItem(self.colourbar, row=1, col=1)
        self.image = pg.ImageItem()
        self.image.setLevels((0, 1))
        self.view.addItem(self.image)
        self.overlay = pg.ImageItem()
        self.overlay.setZValue(5)
        self.view.addItem(self.overlay)
        self.markers = pg.ScatterPlotItem(pxMode=True, size=16, brush=None)
        self.markers.setZValue(10)
        self.view.addItem(self.markers, ignoreBounds=True)
        self.message = ViewText("", color="#bbbbbb", anchor=(0.5, 0.5))
        self.message.setZValue(15)
        self.view.addItem(self.message, ignoreBounds=True)
        self._shape: tuple[int, int] | None = None
        #: The image drawn as it was given to :meth:`set_image` (not pooled) and its colours, else None.
        self._drawn: tuple[np.ndarray, Colours] | None = None
        #: Masks drawn pooled to the zoom (see analysis.max_pool), kept whole to re-pool on zoom.
        self._overlay_mask: np.ndarray | None = None
        self._image_mask: np.ndarray | None = None
        #: A map drawn pooled (see set_image's ``pool_about``): its display values and the value blocks pool about.
        self._image_map: tuple[np.ndarray, float] | None = None
        self._pool = 1
        self.view.sigRangeChanged.connect(lambda *_: self._repool())
        self.view.sigResized.connect(lambda *_: self._repool())
        self.scene().sigMouseClicked.connect(self._on_click)
        self.scene().sigMouseMoved.connect(self._on_move)
        self.view.boxSelected.connect(self._on_box)
        self.view.sigRangeChanged.connect(self._centre_message)
        # Empty until an image comes: the unit square, no numbers (pyqtgraph's default range
        # showed x from -1.29 to 1.29 and y in thousandths). The first image autoranges.
        self.view.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
        self._show_values(False)

    @property
    def shape(self) -> tuple[int, int] | None:
        return self._shape

    @property
    def pool(self) -> int:
        """The block size masks and maps are drawn pooled by at the current zoom (1: every pixel)."""
        return self._pool

    def set_image(
        self, display: np.ndarray | None, colormap: pg.ColorMap, message: str = "", *, pool_about: float | None = None
    ) -> None:
        """Show ``display`` (values 0..1) or, when None, an empty panel with ``message``.

        ``pool_about``: ``display`` is a map whose isolated values matter; it is drawn pooled to
        the zoom, each block showing its value farthest from this one (the map's "nothing here").
        """
        self._image_mask = None
        self._image_map = None
        drawn, self._drawn = self._drawn, None
        if display is None:
            self.image.clear()
            self.image.hide()
            self.colourbar.clear()
        elif pool_about is None:
            colours = _colours(colormap)
            # The same image in the same colours (the other panel's file or reference changed): pyqtgraph would
            # convert it again to paint it, a full frame's work in the turn that paints the new one.
            if drawn is None or drawn[0] is not display or not _same_colours(drawn[1], colours):
                self.image.setImage(display, levels=(0, 1), autoLevels=False)
                self.image.setRect(QRectF(0, 0, display.shape[1], display.shape[0]))
                self.image.setColorMap(colormap)
                self.image.show()
                self._set_shape(display.shape)
            self._drawn = (display, colours)
        else:
            self.image.setColorMap(colormap)
            self.image.show()
            self._set_shape(display.shape)
            self._image_map = (np.asarray(display), pool_about)
            self._draw_map(self._pool_now())
        self._show_values(display is not None)
        self.message.setText(message)
        self._centre_message()

    def _show_values(self, shown: bool) -> None:
        """Numbers on the pixel axes only while there is an image to measure, their room kept without them.

        Hidden by pyqtgraph's ``showValues``, the axes gave their room back: the view grew by 35 x 20
        pixels when the panel emptied (a reference dropped, a file opened before its reference) and
        shrank when the image came, each time moving the linked panel's range and painting both again
        in the turn that shows a file. Without ticks, and never narrowing, the axes keep their size.
        """
        if shown == self._values_shown:  # setting ticks again would make the axis generate them again
            return
        self._values_shown = shown
        for side in ("bottom", "left"):
            self.plot.getAxis(side).setTicks(None if shown else [[], []])

    def _centre_message(self) -> None:
        """The hint sits in the middle of what the view shows, wherever the (linked) view has moved."""
        self.message.setPos(self.view.viewRect().center())

    def set_mask(self, mask: np.ndarray) -> None:
        """Show a boolean mask in two colours, with a two-entry legend; pooled so no pixel vanishes."""
        colours = pg.ColorMap([0.0, 1.0], [pg.mkColor(c) for c in MASK_COLOURS])
        self.image.setColorMap(colours)
        self.colourbar.configure_classes(colours, MASK_LABELS)
        self._image_mask = np.asarray(mask, dtype=bool)
        self._image_map = None
        self._drawn = None
        self._set_shape(self._image_mask.shape)
        self.message.setText("")
        self.image.show()
        self._show_values(True)
        self._draw_pooled(self.image, self._image_mask, self._pool_now())

    def set_overlay(self, mask: np.ndarray | None) -> None:
        """Mark the mask's pixels in cyan over the image, pooled so none vanishes at low zoom."""
        self._overlay_mask = None if mask is None else np.asarray(mask, dtype=bool)
        if self._overlay_mask is None:
            self.overlay.clear()
            self.overlay.hide()
            return
        self._draw_pooled(self.overlay, self._overlay_mask, self._pool_now())
        self.overlay.show()

    def _set_shape(self, shape: tuple[int, ...]) -> None:
        if shape != self._shape:
            self._shape = (int(shape[0]), int(shape[1]))
            self.view.autoRange(padding=0.02)

    def _pool_now(self) -> int:
        """Pixels per screen pixel at the current zoom, as a pooling block size."""
        self._pool = analysis.pool_factor(max(self.view.viewPixelSize()))
        return self._pool

    def _repool(self) -> None:
        """Zoom changed: redraw the masks if a different block size is now needed."""
        if self._overlay_mask is None and self._image_mask is None and self._image_map is None:
            return
        before = self._pool
        if self._pool_now() == before:
            return
        if self._overlay_mask is not None:
            self._draw_pooled(self.overlay, self._overlay_mask, self._pool)
        if self._image_mask is not None:
            self._draw_pooled(self.image, self._image_mask, self._pool)
        if self._image_map is not None:
            self._draw_map(self._pool)

    def _draw_map(self, factor: int) -> None:
        """Draw the map shrunk by ``factor``, each block its most extreme value, over the area of the whole map."""
        assert self._image_map is not None
        display, centre = self._image_map
        pooled = maps.extreme_pool(display, factor, centre)
        self.image.setImage(pooled, levels=(0, 1), autoLevels=False)
        self.image.setRect(QRectF(0, 0, pooled.shape[1] * factor, pooled.shape[0] * factor))

    def _draw_pooled(self, item: pg.ImageItem, mask: np.ndarray, factor: int) -> None:
        """Draw ``mask`` shrunk by ``factor`` over the area of the whole mask."""
        pooled = analysis.max_pool(mask, factor)
        if item is self.overlay:
            rgba = np.zeros(pooled.shape + (4,), dtype=np.uint8)
            rgba[pooled] = OVERLAY_RGBA
            item.setImage(rgba, autoLevels=False, levels=(0, 255))
        else:
            item.setImage(pooled.astype(np.float32), autoLevels=False, levels=(0, 1))
        item.setRect(QRectF(0, 0, pooled.shape[1] * factor, pooled.shape[0] * factor))

    def set_markers(self, points: list[tuple[int, int, QColor]]) -> None:
        """Circle the given pixels, each in its colour."""
        self.markers.setData(
            [{"pos": (x + 0.5, y + 0.5), "pen": QPen(colour, 2), "symbol": "o"} for x, y, colour in points]
        )

    def image_point(self, scene_pos: QPointF) -> tuple[int, int] | None:
        """Array (x, y) under a scene position, or None off the image."""
        if self._shape is None or not self.view.sceneBoundingRect().contains(scene_pos):
            return None
        point = self.view.mapSceneToView(scene_pos)  # view units are array pixels, whatever the image's pooling
        x, y = math.floor(point.x()), math.floor(point.y())
        if 0 <= x < self._shape[1] and 0 <= y < self._shape[0]:
            return x, y
        return None

    def _on_click(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.button() != Qt.MouseButton.LeftButton or event.isAccepted():  # taken by an item (a region being drawn)
            return
        point = self.image_point(event.scenePos())
        if point is not None:
            shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self.pixelClicked.emit(point[0], point[1], shift)

    def _on_move(self, scene_pos: QPointF) -> None:
        point = self.image_point(scene_pos)
        self.pixelHovered.emit(*(point if point is not None else (-1, -1)))

    def _on_box(self, rect: QRectF) -> None:
        if self._shape is None:
            return
        ny, nx = self._shape
        x0, y0 = max(0, math.floor(rect.left())), max(0, math.floor(rect.top()))
        x1, y1 = min(nx, math.ceil(rect.right())), min(ny, math.ceil(rect.bottom()))
        if x1 > x0 and y1 > y0:
            self.boxSelected.emit(x0, y0, x1, y1)
