"""The frame toolbar: integration and group spin boxes and the group slider, bound to the view state.

They write the view state and follow it, so a script, a key or a Verify jump that sets the
frame moves them too. No guard against feedback is needed: setting a control to the state's
value writes that same value back, and the view state tells nobody of a change that is none.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QSlider, QSpinBox, QToolBar, QWidget

from ..model.viewstate import ViewState


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
        for box in (self.integration_box, self.group_box):
            # After typing a number and Enter, the arrow keys step groups again, not the text cursor.
            box.editingFinished.connect(lambda: focus_after_typing.setFocus())
        self.integration_box.valueChanged.connect(lambda i: view.update(integration=i))
        self.group_box.valueChanged.connect(lambda g: view.update(group=g))
        self.group_slider.valueChanged.connect(lambda g: view.update(group=g))
        view.subscribe(self._follow)
        self._follow({"frames", "integration", "group"})

    def _follow(self, changed: set[str]) -> None:
        view = self.view
        if "frames" in changed:
            nints, ngroups = view.frames
            self.integration_box.setRange(0, nints - 1)
            self.group_box.setRange(0, ngroups - 1)
            self.group_slider.setRange(0, ngroups - 1)
        if changed & {"frames", "integration"}:
            self.integration_box.setValue(view.integration)
        if changed & {"frames", "group"}:
            self.group_box.setValue(view.group)
            self.group_slider.setValue(view.group)
