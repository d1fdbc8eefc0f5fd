"""The Magnifier tool (DS9's): the pixels around the cursor enlarged 2, 4, 8 or 16 times, on the colour
map, limits and stretch of the panel the cursor is over, the centre pixel framed.

The factor is screen pixels per detector pixel, not a multiple of the panel's zoom as in DS9:
at fit zoom a full frame is a third of a screen pixel per detector pixel, and a magnifier
relative to that would still lose single pixels. Off the images it shows the selected pixel of
the panel last under the cursor. The values are the panel's own (``Panels.shown``), cut in
``model.cutout``; nothing is computed here but the drawing.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pyqtgraph as pg
from PyQt6.QtCore import QRectF, Qt
from PyQt6.QtWidgets import QGraphicsRectItem

from ...model.cutout import Cutout, cutout
from ..panels import IMAGES
from .smallview import SmallViewTool

if TYPE_CHECKING:
    from ..mainwindow import MainWindow

#: Screen pixels per detector pixel the magnifier offers (DS9's 2x to 16x).
FACTORS = (2, 4, 8, 16)
#: The centre pixel's frame, as the panels' selected pixel.
CENTRE_COLOUR = "#ffffff"
#: Changes after which the magnifier is drawn again: the panels' images and the selected pixel.
FOLLOWED = IMAGES | {"pixel"}


class MagnifierTool(SmallViewTool):
    """The area around the cursor, enlarged, as the panel under it draws it."""

    name = "magnifier"
    title = "Magnifier"
    shortcut = "Ctrl+Shift+M"

    def __init__(self, window: MainWindow) -> None:
        box = pg.ViewBox(enableMenu=False)
        box.disableAutoRange()
        factors = [f"{factor}x" for factor in FACTORS]
        super().__init__(window, box, factors, "Screen pixels per detector pixel", "magnify")
        self.factor_box = self.choice
        self.factor_box.setCurrentText("4x")
        self.centre_frame = QGraphicsRectItem(0, 0, 1, 1)
        self.centre_frame.setPen(pg.mkPen(CENTRE_COLOUR, width=1, cosmetic=True))
        self.centre_frame.setZValue(10)
        self.box.addItem(self.centre_frame, ignoreBounds=True)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        #: The panel last under the cursor, and the pixel under it (None: the cursor is off the images).
        self.panel = "left"
        self._hovered: tuple[int, int] | None = None
        #: The cutout drawn, for scripts and tests; None while nothing is.
        self.shown: Cutout | None = None
        self.factor_box.currentTextChanged.connect(lambda _text: self.refresh())
        self.box.sigResized.connect(lambda *_: self.refresh() if self.running else None)
        for name, panel in (("left", window.left), ("right", window.right)):
            panel.pixelHovered.connect(lambda x, y, name=name: self._on_hover(name, x, y))
        self.follow(lambda changed: self.refresh() if changed & FOLLOWED else None)
        window.jobs.imagesStale.connect(lambda: self.refresh() if self.running else None)

    @property
    def factor(self) -> int:
        return int(self.factor_box.currentText().removesuffix("x"))

    def _on_hover(self, panel: str, x: int, y: int) -> None:
        hovered = None if x < 0 else (x, y)
        if (panel, hovered) == (self.panel, self._hovered):
            return  # the cursor moved within the same pixel
        self.panel, self._hovered = panel, hovered
        if self.running:
            self.refresh()

    def refresh(self) -> None:
        """The area around the hovered (else the selected) pixel, as the panel draws it now."""
        shown = self.window.panels.shown.get(self.panel)
        pixel = self._hovered or self.view.pixel
        if self.session.exposure is None:
            self._clear("Open an exposure to magnify it")
            return
        if shown is None:
            self._clear(f"The {self.panel} panel shows no scaled image here")
            return
        if pixel is None:
            self._clear("Move the cursor over an image, or click a pixel")
            return
        x, y = pixel
        factor = self.factor
        width, height = self.box.width(), self.box.height()
        half = math.ceil(max(width, height) / factor / 2) + 1
        cut = cutout(shown.values, x, y, half)
        self.draw_as_panel(cut.values, shown, self.panel)
        self.image.setRect(QRectF(cut.x0, cut.y0, cut.size, cut.size))
        self.image.show()
        self.centre_frame.setRect(QRectF(x, y, 1, 1))
        self.centre_frame.show()
        self.box.setRange(xRange=(x + 0.5 - width / factor / 2, x + 0.5 + width / factor / 2),
                          yRange=(y + 0.5 - height / factor / 2, y + 0.5 + height / factor / 2), padding=0)  # fmt: skip
        self.shown = cut
        value = float(cut.values[half, half])
        self.caption.setText(f"{self.panel} panel ({x}, {y}): {value:.6g} — {factor}x")

    def _clear(self, message: str) -> None:
        self.shown = None
        self.image.clear()
        self.image.hide()
        self.centre_frame.hide()
        self.caption.setText(message)
