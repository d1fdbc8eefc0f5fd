"""The Scale tool: each panel's colour map, stretch and limits, a histogram of where its limits sit,
typed limits, and the links that share choices between the panels (DS9's Scale dialog and lock).

Dragging a limit line on a histogram or typing a number and Enter sets that panel's limits to
"user". Every choice is written to the view state; the panels draw from it, and this tool
redraws from what the panels drew (``Panels.shown``), so it never computes limits of its own.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QSignalBlocker
from PyQt6.QtGui import QDoubleValidator
from PyQt6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from ...core.analysis import analysis
from ...core.errors import LinInspectError
from ...model.viewstate import PANELS, Colourmap, Limits, Stretch
from ..displaycontrols import enum_combo
from ..panels import IMAGES
from .base import Tool

if TYPE_CHECKING:
    from ..mainwindow import MainWindow

#: The links offered, with their labels: PanelDisplay fields shared, and the left panel's very limits.
LINKS = (("colourmap", "same colour map"), ("stretch", "same stretch"), ("limits", "same limits method"),
         ("user_limits", "same typed limits"), ("scale", "right on the left panel's limits (lock scale)"),
         ("crosshair", "crosshair in both panels (lock crosshair)"))  # fmt: skip
#: Bars of the levels histogram.
HISTOGRAM_BINS = 128


class PanelScaleControls:
    """One panel's choices, its typed limits and its levels histogram with a line at each limit."""

    def __init__(self, tool: ScaleTool, panel: str) -> None:
        self.tool, self.panel = tool, panel
        self.box = QGroupBox(f"{panel.capitalize()} panel")
        form = QFormLayout(self.box)
        self.colourmap_box, self.stretch_box, self.limits_box = (enum_combo(choices) for choices in (Colourmap, Stretch, Limits))
        self.low_edit, self.high_edit = QLineEdit(), QLineEdit()
        for edit, what in ((self.low_edit, "lowest"), (self.high_edit, "highest")):
            edit.setValidator(QDoubleValidator())
            edit.setToolTip(f"The {what} value of the colour scale: type a number and Enter (limits become \"user\")")
            edit.returnPressed.connect(self._typed)
        #: Each limit control's own tooltip, given back when the scale is unlocked.
        self._tips = {widget: widget.toolTip() for widget in (self.limits_box, self.low_edit, self.high_edit)}
        typed = QHBoxLayout()
        typed.addWidget(self.low_edit)
        typed.addWidget(self.high_edit)
        form.addRow("colours", self.colourmap_box)
        form.addRow("stretch", self.stretch_box)
        form.addRow("limits", self.limits_box)
        form.addRow("min, max", typed)
        #: The levels histogram, built when the tool first shows (its plots were a tenth of the window's construction).
        self.histogram: pg.PlotWidget | None = None
        self._form = form
        for name, box, choices in (("colourmap", self.colourmap_box, Colourmap), ("stretch", self.stretch_box, Stretch),
                                   ("limits", self.limits_box, Limits)):  # fmt: skip
            box.currentTextChanged.connect(lambda text, name=name, choices=choices: self._choose(name, choices(text)))

    def _choose(self, name: str, value: object) -> None:
        if name == "limits" and value is Limits.USER:
            shown = self.tool.window.panels.shown.get(self.panel)
            if shown is not None:  # "user" starts from what the panel shows
                self.tool.set_user_limits(self.panel, shown.low, shown.high)
                return
        self.tool.view.set_display(self.panel, **{name: value})

    def _typed(self) -> None:
        self.tool.window.guard(lambda: self.tool.set_user_limits(self.panel, *_number_pair(self.low_edit.text(), self.high_edit.text())))

    def _dragged(self) -> None:
        low, high = sorted((float(self.low_line.value()), float(self.high_line.value())))
        self.tool.window.guard(lambda: self.tool.set_user_limits(self.panel, low, high))

    def _build_histogram(self) -> pg.PlotWidget:
        """The histogram with a line at each limit, below the choices."""
        self.histogram = pg.PlotWidget()
        self.histogram.setMinimumHeight(90)
        self.histogram.setMouseEnabled(False, False)
        self.histogram.hideButtons()
        self.histogram.getPlotItem().hideAxis("left")
        self.histogram.getPlotItem().setMenuEnabled(False)
        self.bars = pg.PlotDataItem(stepMode="center", fillLevel=0, brush=(120, 160, 220, 120), pen="#8fb3e8")
        self.histogram.addItem(self.bars)
        self.low_line, self.high_line = (pg.InfiniteLine(angle=90, movable=True, pen=pg.mkPen("#ffd400", width=2)) for _ in range(2))
        for line in (self.low_line, self.high_line):
            self.histogram.addItem(line)
            line.sigPositionChangeFinished.connect(lambda _line: self._dragged())
        self._form.addRow(self.histogram)
        return self.histogram

    def refresh(self) -> None:
        """The panel's choices, and the histogram and limits of what it draws now."""
        histogram = self.histogram if self.histogram is not None else self._build_histogram()
        display = self.tool.view.display(self.panel)
        for box, value in ((self.colourmap_box, display.colourmap), (self.stretch_box, display.stretch), (self.limits_box, display.limits)):
            with QSignalBlocker(box):
                box.setCurrentText(value.value)
        # The right panel on the left's limits (lock scale) has none of its own to set.
        own = not (self.panel == "right" and "scale" in self.tool.view.linked)
        for widget in (self.limits_box, self.low_edit, self.high_edit):
            widget.setEnabled(own)
            widget.setToolTip(self._tips[widget] if own else "Locked to the left panel's limits: untick “lock scale” to set them here")
        for line in (self.low_line, self.high_line):
            line.setMovable(own)
        shown = self.tool.window.panels.shown.get(self.panel)
        if shown is None:
            self.bars.setData([], [])
            for edit in (self.low_edit, self.high_edit):
                edit.clear()
            for line in (self.low_line, self.high_line):
                line.hide()
            return
        counts, edges = analysis.histogram(shown.values, shown.low, shown.high, HISTOGRAM_BINS)
        self.bars.setData(edges, counts)
        for edit, line, value in ((self.low_edit, self.low_line, shown.low), (self.high_edit, self.high_line, shown.high)):
            if not edit.hasFocus():
                edit.setText(f"{value:.6g}")
            with QSignalBlocker(line):
                line.setValue(value)
            line.show()
        histogram.setXRange(float(edges[0]), float(edges[-1]), padding=0)


class ScaleTool(Tool):
    """Per-panel scale choices with histograms, typed limits and links between the panels."""

    name = "scale"
    title = "Scale"
    shortcut = "Ctrl+Shift+S"

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._widget = QWidget()
        column = QVBoxLayout(self._widget)
        self.panels = {panel: PanelScaleControls(self, panel) for panel in PANELS}
        for controls in self.panels.values():
            column.addWidget(controls.box)
        links = QGroupBox("Links between the panels")
        link_column = QVBoxLayout(links)
        self.links: dict[str, QCheckBox] = {}
        for name, label in LINKS:
            check = QCheckBox(label)
            check.toggled.connect(lambda on, name=name: self.view.link(name, on))
            link_column.addWidget(check)
            self.links[name] = check
        self.lock = QCheckBox("keep limits while stepping groups and integrations")
        self.lock.toggled.connect(lambda on: self.view.update(lock_limits=on))
        link_column.addWidget(self.lock)
        column.addWidget(links)
        column.addStretch(1)
        self.follow(lambda changed: self.refresh() if changed & (IMAGES | {"linked"}) else None)
        window.jobs.imagesStale.connect(lambda: self.refresh() if self.running else None)

    def widget(self) -> QWidget:
        return self._widget

    def set_user_limits(self, panel: str, low: float, high: float) -> None:
        """``panel`` drawn between ``low`` and ``high``; with the limits method linked, the other panel keeps
        what it shows now as its own typed limits, instead of taking this panel's numbers."""
        if not (np.isfinite(low) and np.isfinite(high) and high > low):
            raise LinInspectError(f"the colour scale's minimum ({low:g}) must be below its maximum ({high:g})")
        view = self.view
        other = "right" if panel == "left" else "left"
        changes = {f"{panel}_display": replace(view.display(panel), limits=Limits.USER, user_limits=(low, high))}
        if "user_limits" in view.linked:
            changes[f"{other}_display"] = replace(view.display(other), limits=Limits.USER, user_limits=(low, high))
        elif "limits" in view.linked:
            shown = self.window.panels.shown.get(other)
            kept = (shown.low, shown.high) if shown is not None else view.display(other).user_limits
            changes[f"{other}_display"] = replace(view.display(other), limits=Limits.USER, user_limits=kept)
        view.update(**changes)

    def refresh(self) -> None:
        for controls in self.panels.values():
            controls.refresh()
        for name, check in self.links.items():
            with QSignalBlocker(check):
                check.setChecked(name in self.view.linked)
        with QSignalBlocker(self.lock):
            self.lock.setChecked(self.view.lock_limits)


def _number_pair(low: str, high: str) -> tuple[float, float]:
    try:
        return float(low), float(high)
    except ValueError:
        raise LinInspectError(f"type two numbers for the colour scale, not {low!r} and {high!r}") from None

