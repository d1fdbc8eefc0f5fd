"""The Blink tool: the left panel alternates between two sources (input and corrected A, A and B) or two
groups at a set rate, on one fixed colour scale so that what changes between them is what the eye sees.

A blink is only view state changing on a timer: the left panel's source (or the group), and for
its duration the left panel's limits typed to what it showed when the blink began. Stopping puts
every field it touched back.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QComboBox, QFormLayout, QLabel, QPushButton, QSpinBox, QWidget

from ...core.errors import LinInspectError
from ...model.viewstate import Limits, PanelSource
from .base import Tool

if TYPE_CHECKING:
    from ..mainwindow import MainWindow

#: What can be blinked, as the menu says it, and the two left-panel sources (None: two groups).
PAIRS: dict[str, tuple[PanelSource, PanelSource] | None] = {
    "input ↔ corrected A": (PanelSource.INPUT, PanelSource.CORRECTED_A),
    "corrected A ↔ corrected B": (PanelSource.CORRECTED_A, PanelSource.CORRECTED_B),
    "this group ↔ another group": None,
}


class BlinkTool(Tool):
    """Alternate the left panel between two views at a rate, on a fixed scale."""

    name = "blink"
    title = "Blink"
    shortcut = "Ctrl+Shift+B"

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._widget = QWidget()
        form = QFormLayout(self._widget)
        self.pair_box = QComboBox()
        self.pair_box.addItems(list(PAIRS))
        self.other_group = QSpinBox()
        self.other_group.setPrefix("group ")
        self.other_group.setToolTip("The group blinked against the displayed one")
        self.rate = QSpinBox()
        self.rate.setRange(50, 5000)
        self.rate.setSingleStep(50)
        self.rate.setValue(500)
        self.rate.setSuffix(" ms")
        self.start_button = QPushButton("Start blinking")
        self.start_button.clicked.connect(lambda: self.window.guard(self.toggle))
        self.showing = QLabel("")
        form.addRow("blink", self.pair_box)
        form.addRow("against", self.other_group)
        form.addRow("every", self.rate)
        form.addRow(self.start_button)
        form.addRow(self.showing)
        self.timer = QTimer(self._widget)
        self.timer.timeout.connect(self._tick)
        self.rate.valueChanged.connect(self.timer.setInterval)
        #: The view state fields as they were before the blink, put back when it stops.
        self._before: dict[str, object] | None = None
        #: The field blinked ("left" or "group"), its two values and which one is shown.
        self._field = "left"
        self._frames: tuple[object, object] = (None, None)
        self._phase = 0
        self.follow(lambda changed: self._fit_groups() if "frames" in changed else None)
        window.frame.play_action.toggled.connect(self._on_play)

    def widget(self) -> QWidget:
        return self._widget

    @property
    def blinking(self) -> bool:
        return self.timer.isActive()

    def refresh(self) -> None:
        self._fit_groups()

    def _fit_groups(self) -> None:
        self.other_group.setRange(0, self.view.frames[1] - 1)

    def toggle(self) -> None:
        if self.blinking:
            self.stop_blinking()
        else:
            self.start_blinking()

    def start_blinking(self) -> None:
        """Begin on the first of the pair, the left panel's limits fixed at what it shows now."""
        view, session = self.view, self.session
        if session.exposure is None:
            raise LinInspectError("open an exposure to blink")
        pair = PAIRS[self.pair_box.currentText()]
        if pair is not None and any(session.source(source.value) is None for source in pair):
            needs = "reference B (File ▸ Compare with reference...)" if PanelSource.CORRECTED_B in pair else "a reference"
            raise LinInspectError(f"blinking {self.pair_box.currentText()} needs {needs}")
        if pair is None:
            if self.window.frame.playing:  # Play and this blink would both drive the group
                self.window.frame.play_action.setChecked(False)
                self.window.status.message("Play paused: the blink of two groups drives the group now", 8000)
            self._frames, field = (view.group, self.other_group.value()), "group"
        else:
            self._frames, field = pair, "left"
        self._before = {field: getattr(view, field), "left_display": view.left_display}
        shown = self.window.panels.shown.get("left")
        fixed = {}
        if shown is not None and view.left_display.limits is not Limits.USER:
            fixed = {"left_display": replace(view.left_display, limits=Limits.USER, user_limits=(shown.low, shown.high))}
        self._field, self._phase = field, 0
        view.update(**{field: self._frames[0]}, **fixed)
        self.timer.start(self.rate.value())
        self.start_button.setText("Stop blinking")
        self._say()

    def _on_play(self, playing: bool) -> None:
        """Play started during a blink of two groups: both would drive the group, so the blink gives way."""
        if playing and self.blinking and self._field == "group":
            self.stop_blinking()
            self.window.status.message("Blink stopped: Play drives the group now", 8000)

    def _tick(self) -> None:
        self._phase = 1 - self._phase
        self.view.update(**{self._field: self._frames[self._phase]})
        self._say()

    def _say(self) -> None:
        shown = self._frames[self._phase]
        what = f"group {shown}" if self._field == "group" else getattr(shown, "value", str(shown))
        self.showing.setText(f"showing: {what}")

    def stop_blinking(self) -> None:
        """Back to what was shown before the blink, with its own limits."""
        self.timer.stop()
        self.start_button.setText("Start blinking")
        self.showing.setText("")
        if self._before is not None:
            before, self._before = self._before, None
            self.view.update(**before)

    def stop(self) -> None:
        """Hidden: a blink does not go on unseen."""
        if self.blinking:
            self.stop_blinking()
        super().stop()
