"""The Panner tool (DS9's): a panel's whole plane in a small view, with a rectangle on the area the main
view shows; dragging the rectangle, or clicking beside it, pans the panels (they are linked).

The plane is pooled to the panner's size by each block's most extreme value (``model.overview``),
so a single hot or dead pixel of a full frame still shows; the pooling is redone only when the
panel's plane changes, the colours when its scale does, and the rectangle alone follows the zoom.
A new plane reaches the panner in the event loop's next turn, after the panels are painted: pooling
a 2048 x 2048 plane (about 10 ms) is not added to the turn that shows a group step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QPointF, QRectF, Qt, QTimer

from ...model.overview import Overview, overview
from ..panels import IMAGES
from .smallview import SmallViewTool

if TYPE_CHECKING:
    from ..mainwindow import MainWindow
    from ..panels import ShownScale

#: The plane is pooled to at most this many blocks a side: about the panner's size on a screen.
POOLED_SIZE = 240
#: The rectangle of the visible area, in the colour of the panels' selection box.
FRAME_COLOUR = "#ffd400"


class PannerTool(SmallViewTool):
    """A panel's whole plane, pooled so single pixels stay, and the main view's area on it."""

    name = "panner"
    title = "Panner"
    shortcut = "Ctrl+Shift+P"

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window, pg.ViewBox(lockAspect=True, enableMenu=False), ["left", "right"],
                         "Whose plane the panner shows (both panels pan together)", "plane of the", "panel")  # fmt: skip
        self.panel_box = self.choice
        self.frame = pg.ROI((0, 0), (1, 1), pen=pg.mkPen(FRAME_COLOUR, width=2), movable=True, rotatable=False,
                            resizable=False, removable=False)  # fmt: skip
        self.frame.setZValue(10)
        self.frame.hide()
        self.box.addItem(self.frame, ignoreBounds=True)
        #: The pooled plane shown (for scripts and tests) and the values it was pooled from: pooled again when they change.
        self.overview: Overview | None = None
        self._pooled_from: np.ndarray | None = None
        #: Set while the rectangle follows the main view, so that moving it does not pan the view back.
        self._following = False
        self.frame.sigRegionChanged.connect(lambda _roi: self._dragged())
        self.graphics.scene().sigMouseClicked.connect(self._clicked)
        self.panel_box.currentTextChanged.connect(lambda _text: self.refresh())
        window.left.view.sigRangeChanged.connect(lambda *_: self._show_area() if self.running else None)
        #: Refreshes asked for while the panels redraw, done once in a later turn.
        self._refresh_later = QTimer(self.graphics, singleShot=True, interval=0)
        self._refresh_later.timeout.connect(lambda: self.refresh() if self.running else None)
        self.follow(lambda changed: self._refresh_later.start() if changed & IMAGES else None)
        window.jobs.imagesStale.connect(lambda: self._refresh_later.start() if self.running else None)

    def refresh(self) -> None:
        """The chosen panel's plane on its scale, pooled again only if the plane is another."""
        panel = self.panel_box.currentText()
        shown = self.window.panels.shown.get(panel)
        if self.session.exposure is None or shown is None:
            self.overview = self._pooled_from = None
            self.image.clear()
            self.image.hide()
            self.frame.hide()
            self.caption.setText("Open an exposure to pan over it" if self.session.exposure is None
                                 else f"The {panel} panel shows no scaled image here")  # fmt: skip
            return
        if self._pooled_from is not shown.values:
            self.overview, self._pooled_from = overview(shown.values, POOLED_SIZE), shown.values
        self._draw(shown)
        self._show_area()

    def _draw(self, shown: ShownScale) -> None:
        assert self.overview is not None
        pooled, factor = self.overview.pooled, self.overview.factor
        name = self.panel_box.currentText()
        self.draw_as_panel(pooled, shown, name)
        ny, nx = self.overview.shape
        self.image.setRect(QRectF(0, 0, pooled.shape[1] * factor, pooled.shape[0] * factor))
        self.image.show()
        self.box.setRange(xRange=(0, nx), yRange=(0, ny), padding=0.02)
        block = "every pixel" if factor == 1 else f"each block of {factor} x {factor} pixels its most extreme value"
        self.caption.setText(f"{name} panel, {nx} x {ny} pixels: {block}. Drag the rectangle or click to pan.")

    def _show_area(self) -> None:
        """The rectangle on what the main view shows now."""
        if self.overview is None:
            return
        (x0, x1), (y0, y1) = self.window.left.view.viewRange()
        self._following = True
        try:
            self.frame.setPos((x0, y0), update=False)
            self.frame.setSize((x1 - x0, y1 - y0))
        finally:
            self._following = False
        self.frame.show()

    def _dragged(self) -> None:
        """The rectangle moved by the user: the main view shows what it covers."""
        if self._following or self.overview is None:
            return
        x, y = self.frame.pos()
        (x0, _), (y0, _) = self.window.left.view.viewRange()
        self.window.left.view.translateBy(x=x - x0, y=y - y0)  # moved, never resized: the zoom stays

    def _clicked(self, event) -> None:  # type: ignore[no-untyped-def]
        """A click beside the rectangle centres the main view there."""
        if event.button() != Qt.MouseButton.LeftButton or self.overview is None or event.isAccepted():
            return
        point = self.box.mapSceneToView(event.scenePos())
        self.centre_on(point)

    def centre_on(self, point: QPointF) -> None:
        """The main view moved, at the same zoom, so that ``point`` (in array pixels) is in its middle."""
        (x0, x1), (y0, y1) = self.window.left.view.viewRange()
        self.window.left.view.translateBy(x=point.x() - (x0 + x1) / 2, y=point.y() - (y0 + y1) / 2)
