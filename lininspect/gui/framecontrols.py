"""The frame toolbar: integration and group spin boxes, the group slider and Play, bound to the view state.

They write the view state and follow it, so a script, a key or a Verify jump that sets the
frame moves them too. No guard against feedback is needed: setting a control to the state's
value writes that same value back, and the view state tells nobody of a change that is none.
Play is the same writing on a timer: group after group, on into the next integration (DS9's cube).
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtGui import QAction, QKeySequence
from PyQt6.QtWidgets import QDoubleSpinBox, QSlider, QSpinBox, QToolBar, QWidget

from ..model.playback import RATES, interval_ms, next_frame
from ..model.viewstate import ViewState

PLAY, PAUSE = "▶ Play", "⏸ Pause"


class FrameControls:
    """Which integration and group is shown, in a toolbar of its own."""

    def __init__(self, view: ViewState, toolbar: QToolBar, focus_after_typing: QWidget) -> None:
        self.view = view
        self.toolbar = toolbar
        self.integration_box = QSpinBox()
        self.integration_box.setPrefix("integration ")
        self.group_box = QSpinBox()
        self.group_box.setPrefix("group ")
        self.group_slider = QSlider(Qt.Orientation.Horizontal)
        self.group_slider.setMinimumWidth(140)
        self.group_slider.setMaximumWidth(220)
        for control in (self.integration_box, self.group_box, self.group_slider):
            control.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
            toolbar.addWidget(control)
        self.play_action = QAction(PLAY, toolbar)
        self.play_action.setCheckable(True)
        self.play_action.setShortcut(QKeySequence(Qt.Key.Key_Space.value))
        self.play_action.setToolTip("Play through the groups and integrations at the set rate (Space)")
        self.play_action.toggled.connect(self._play)
        toolbar.addAction(self.play_action)
        self.rate_box = QDoubleSpinBox()
        self.rate_box.setRange(*RATES)
        self.rate_box.setDecimals(1)
        self.rate_box.setValue(5.0)
        self.rate_box.setSuffix(" frames/s")
        self.rate_box.setToolTip("Play's rate")
        self.rate_box.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        toolbar.addWidget(self.rate_box)
        #: Whether the frame shown is still being made (a read-level integration in a job): the play holds on it.
        self.waiting: Callable[[], bool] = lambda: False
        self.timer = QTimer(toolbar)
        self.timer.timeout.connect(self._next)
        self.rate_box.valueChanged.connect(lambda rate: self.timer.setInterval(interval_ms(rate)))
        for box in (self.integration_box, self.group_box, self.rate_box):
            # After typing a number and Enter, the arrow keys step groups again, not the text cursor.
            box.editingFinished.connect(lambda: focus_after_typing.setFocus())
        self.integration_box.valueChanged.connect(lambda i: view.update(integration=i))
        self.group_box.valueChanged.connect(lambda g: view.update(group=g))
        self.group_slider.valueChanged.connect(lambda g: view.update(group=g))
        view.subscribe(self._follow)
        self._follow({"frames", "integration", "group"})

    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    def stop(self) -> None:
        """Pause: the window closes (its timer must not draw into panels being taken down)."""
        self.play_action.setChecked(False)

    def _play(self, on: bool) -> None:
        self.play_action.setText(PAUSE if on else PLAY)
        if on:
            self.timer.start(interval_ms(self.rate_box.value()))
        else:
            self.timer.stop()

    def _next(self) -> None:
        """The next frame, unless the one shown is not drawn yet: every frame of a play is seen."""
        if self.waiting():
            return
        view = self.view
        integration, group = next_frame(view.frames, view.integration, view.group)
        view.update(integration=integration, group=group)

    def _follow(self, changed: set[str]) -> None:
        view = self.view
        if "frames" in changed:
            nints, ngroups = view.frames
            self.play_action.setChecked(False)  # another exposure: it is not played unasked
            self.play_action.setEnabled(nints * ngroups > 1)  # a single frame has nothing to play
            self.integration_box.setRange(0, nints - 1)
            self.group_box.setRange(0, ngroups - 1)
            self.group_slider.setRange(0, ngroups - 1)
        if changed & {"frames", "integration"}:
            self.integration_box.setValue(view.integration)
        if changed & {"frames", "group"}:
            self.group_box.setValue(view.group)
            self.group_slider.setValue(view.group)
