"""What the Magnifier and the Panner share: a small view of a panel's image in the panel's own
colours, under a row with one choice and above a caption."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyqtgraph as pg
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ...core.analysis import analysis
from .base import Tool

if TYPE_CHECKING:
    import numpy as np

    from ..mainwindow import MainWindow
    from ..panels import ShownScale

#: The view's least and largest sizes, in screen pixels (it grows with its dock).
MIN_VIEW_SIZE = 120
MAX_VIEW_SIZE = 260


class SmallViewTool(Tool):
    """A tool drawn as ``choice`` (a combo box between two words), ``graphics`` holding ``box`` with
    ``image`` in it, and ``caption``; the small views go on the left, apart from the column of
    the other tools (which fills a 900 px window)."""

    area = Qt.DockWidgetArea.LeftDockWidgetArea

    def __init__(
        self, window: MainWindow, box: pg.ViewBox, items: list[str], tooltip: str, before: str, after: str = ""
    ) -> None:
        super().__init__(window)
        self._widget = QWidget()
        choices = QHBoxLayout()
        self.choice = QComboBox()
        self.choice.addItems(items)
        self.choice.setToolTip(tooltip)
        self.choice.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # the arrow keys keep stepping groups
        choices.addWidget(QLabel(before))
        choices.addWidget(self.choice)
        if after:
            choices.addWidget(QLabel(after))
        choices.addStretch(1)
        self.graphics = pg.GraphicsView()
        # As large as the dock allows within these sizes: the column of docks beside the images stays narrow.
        self.graphics.setMinimumSize(MIN_VIEW_SIZE, MIN_VIEW_SIZE)
        self.graphics.setMaximumSize(MAX_VIEW_SIZE, MAX_VIEW_SIZE)
        self.graphics.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.graphics.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.box = box
        self.box.setMouseEnabled(False, False)
        self.graphics.setCentralItem(self.box)
        self.image = pg.ImageItem()
        self.box.addItem(self.image)
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        column = QVBoxLayout(self._widget)
        column.addLayout(choices)
        column.addWidget(self.graphics)
        column.addWidget(self.caption)
        column.addStretch(1)

    def widget(self) -> QWidget:
        return self._widget

    def draw_as_panel(self, values: np.ndarray, shown: ShownScale, panel: str) -> None:
        """``values`` on the scale and colour map of the ``panel`` ("left" or "right") they come from."""
        # A histogram-equalised panel is drawn linear through an equalised colour map, which the panel's image holds.
        kind = "linear" if shown.stretch == "histeq" else shown.stretch
        self.image.setImage(analysis.stretch(values, shown.low, shown.high, kind), levels=(0, 1), autoLevels=False)
        colourmap = (self.window.left if panel == "left" else self.window.right).image.getColorMap()
        if colourmap is not None:
            self.image.setColorMap(colourmap)
