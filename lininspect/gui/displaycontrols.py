"""The display toolbar: what each panel shows and on which colour scale, kept across sessions.

Every choice (left and right view, colour map, stretch, limits, their lock, the NO_LIN_CORR
overlays) is written to the view state and followed from it, as the frame controls do, so a
script or a dialog button that sets the state moves the toolbar too. The toolbar's colour map,
stretch and limits set both panels at once and show the left panel's; the Scale tool sets
each panel's own. The settings also keep each panel's typed limits and the DQ browser's bits
(as "PLANE:NAME" words), which have no box here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from enum import Enum

from PyQt6.QtCore import QObject, QSettings, QSignalBlocker, Qt
from PyQt6.QtWidgets import QCheckBox, QComboBox, QLabel, QToolBar

from ..model.viewstate import DQ_PLANES, LINKABLE, PANELS, Colourmap, Limits, PanelSource, RightView, Stretch, ViewState

#: Saved settings: the key, and the view state field (an enum whose values are the menu labels) it keeps.
SAVED = (("mode", "right"),)
#: Each panel's saved display choices: the key after the panel's prefix, the PanelDisplay field and its enum.
SAVED_DISPLAY = (("colourmap", "colourmap", Colourmap), ("stretch", "stretch", Stretch), ("limits", "limits", Limits))
#: The toolbar's boxes that stand for both panels' display choice.
BOTH_PANELS = {"colourmap", "stretch", "limits"}


class DisplayControls(QObject):
    """Left and right views, colour map, stretch, limits (and their lock) and the NO_LIN_CORR overlays."""

    def __init__(
        self, view: ViewState, toolbar: QToolBar, shown_limits: Callable[[str], tuple[float, float] | None] = lambda _: None
    ) -> None:
        """``shown_limits(panel)`` is what the panel draws on now: "user" chosen here starts from it."""
        super().__init__(toolbar)
        self.view = view
        self._shown_limits = shown_limits
        self.toolbar = toolbar
        self.mode_box = enum_combo(RightView)
        self.left_box = enum_combo(PanelSource)
        self.left_box.setToolTip("What the left panel shows: the input, a correction with reference A or B, "
                                 "or a group minus the group before it")  # fmt: skip
        for box in (self.left_box, self.mode_box):  # the short labels of the group differences, spelled out
            for label, tip in GROUP_STEPS_TIPS.items():
                box.setItemData(box.findText(label), tip, Qt.ItemDataRole.ToolTipRole)
        self.colourmap_box = enum_combo(Colourmap)
        self.stretch_box = enum_combo(Stretch)
        self.limits_box = enum_combo(Limits)
        self.lock_limits = QCheckBox("lock")
        self.lock_limits.setToolTip("Keep the current colour limits while stepping through groups and integrations")
        self.overlay_left = QCheckBox("mask on input")
        self.overlay_right = QCheckBox("mask on right")
        #: Each combo box with its view state field and enum; each check box with its field.
        self._boxes = {"left": (self.left_box, PanelSource), "right": (self.mode_box, RightView),
                       "colourmap": (self.colourmap_box, Colourmap), "stretch": (self.stretch_box, Stretch),
                       "limits": (self.limits_box, Limits)}  # fmt: skip
        self._checks = {"lock_limits": self.lock_limits, "overlay_left": self.overlay_left, "overlay_right": self.overlay_right}
        for name, (box, choices) in self._boxes.items():
            box.currentTextChanged.connect(lambda text, name=name, choices=choices: self._choose(name, choices(text)))
        for name, check in self._checks.items():
            check.toggled.connect(lambda on, name=name: view.update(**{name: on}))
        for check in (self.overlay_left, self.overlay_right):
            check.setToolTip("Show NO_LIN_CORR pixels in cyan")
        for label, widget in (
            ("left:", self.left_box), ("  right:", self.mode_box), ("  colours:", self.colourmap_box),
            ("  stretch:", self.stretch_box), ("  limits:", self.limits_box), ("", self.lock_limits),
            ("  ", self.overlay_left), ("", self.overlay_right),
        ):  # fmt: skip
            if label:
                toolbar.addWidget(QLabel(label))
            toolbar.addWidget(widget)
        view.subscribe(self._follow)
        self._follow(set(self._boxes) | set(self._checks))

    def _choose(self, name: str, value: Enum) -> None:
        if value is not Limits.USER:
            self.view.update(**{name: value})
            return
        changes = {}
        for panel in PANELS:  # each panel keeps the limits it shows, now typed
            shown = self._shown_limits(panel) or self.view.display(panel).user_limits
            changes[f"{panel}_display"] = replace(self.view.display(panel), limits=Limits.USER, user_limits=shown)
        self.view.update(**changes)

    def _follow(self, changed: set[str]) -> None:
        if "left_display" in changed:
            changed = changed | BOTH_PANELS
        for name in changed & set(self._boxes):
            box = self._boxes[name][0]
            with QSignalBlocker(box):  # the state is already set; its subscribers redraw
                box.setCurrentText(getattr(self.view, name).value)
        for name in changed & set(self._checks):
            with QSignalBlocker(self._checks[name]):
                self._checks[name].setChecked(getattr(self.view, name))

    def restore(self, settings: QSettings) -> None:
        """The user's last choices, or the defaults for anything missing or unknown."""
        for key, name in SAVED:
            choices = self._boxes[name][1]
            value = settings.value(key)
            if value in {choice.value for choice in choices}:
                self.view.update(**{name: choices(value)})
        for panel in PANELS:
            prefix = "" if panel == "left" else "right_"
            typed = _limits(settings.value(f"{prefix}user_limits"))
            if typed is not None:
                self.view.update(**{f"{panel}_display": replace(self.view.display(panel), user_limits=typed)})
            for key, name, choices in SAVED_DISPLAY:
                # The left panel's keys are those of the single scale before panels had their own.
                value = settings.value(f"{prefix}{key}", settings.value(key))
                # "user" only with the typed limits it was left with (none were kept before they were saved).
                if value in {choice.value for choice in choices} and (choices(value) is not Limits.USER or typed is not None):
                    self.view.update(**{f"{panel}_display": replace(self.view.display(panel), **{name: choices(value)})})
        linked = settings.value("linked")
        if isinstance(linked, str | list):  # QSettings gives one saved name back as a str
            names = [linked] if isinstance(linked, str) else linked
            self.view.update(linked=frozenset(str(name) for name in names) & set(LINKABLE))
        bits = settings.value("dq_bits")
        if isinstance(bits, str):
            pairs = (word.partition(":")[::2] for word in bits.split())
            self.view.update(dq_bits=frozenset((plane, name) for plane, name in pairs if name in DQ_PLANES.get(plane, ())))

    def save(self, settings: QSettings) -> None:
        for key, name in SAVED:
            settings.setValue(key, getattr(self.view, name).value)
        for panel in PANELS:
            prefix = "" if panel == "left" else "right_"
            for key, name, _ in SAVED_DISPLAY:
                settings.setValue(f"{prefix}{key}", getattr(self.view.display(panel), name).value)
            settings.setValue(f"{prefix}user_limits", " ".join(repr(float(v)) for v in self.view.display(panel).user_limits))
        settings.setValue("linked", sorted(self.view.linked) or "")
        settings.setValue("dq_bits", " ".join(sorted(f"{plane}:{name}" for plane, name in self.view.dq_bits)))


def _limits(text: object) -> tuple[float, float] | None:
    """Typed limits as saved ("low high"), or None when missing or not two finite numbers, low first."""
    if not isinstance(text, str):
        return None
    try:
        low, high = (float(word) for word in text.split())
    except ValueError:  # not numbers, or not two of them
        return None
    return (low, high) if math.isfinite(low) and math.isfinite(high) and low < high else None


#: What each group-difference entry of the panel menus shows (Rampviz's "Difference" viewer).
GROUP_STEPS_TIPS = {
    PanelSource.INPUT_STEPS.value: "The input's displayed group minus the group before it",
    PanelSource.CORRECTED_A_STEPS.value: "Reference A's correction: the displayed group minus the group before it",
}


def enum_combo(choices: type[Enum]) -> QComboBox:
    """A box of an enum's labels; focus only by click, so the arrow keys keep stepping frames."""
    box = QComboBox()
    box.addItems([choice.value for choice in choices])
    box.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
    return box
