"""The display toolbar: what each panel shows and on which colour scale, kept across sessions.

The choices the model names (left and right source, stretch, limits) are written to the view
state and followed from it; the window's own views (ratio, masks, comparisons), colours, the
lock and the mask overlays are the panels' business alone and announced by :attr:`changed`.
"""

from __future__ import annotations

from PyQt6.QtCore import QObject, QSettings, QSignalBlocker, Qt, pyqtSignal
from PyQt6.QtWidgets import QCheckBox, QComboBox, QLabel, QToolBar

from ..core import analysis
from ..model.viewstate import Limits, PanelSource, Stretch, ViewState

#: Right-panel views that compare an opened pipeline product with lininspect's correction.
COMPARISON_MODES = ("Product − lininspect", "Verify differences")
#: Views of the loaded references, corrected on demand (model.viewstate.PanelSource), either panel.
REFERENCE_VIEWS = tuple(view.value for view in PanelSource if view is not PanelSource.INPUT)
RIGHT_MODES = (
    "Corrected", "Ratio", "Difference", "NO_LIN_CORR mask", "Residual map", "Product − lininspect", "Verify differences",
    *REFERENCE_VIEWS,
)  # fmt: skip
LEFT_VIEWS = tuple(view.value for view in PanelSource)
COLOURMAPS = ("inferno", "viridis", "magma", "cividis", "CET-L1", "turbo")
#: zscale shows the sky's noise and faint sources; bright ones saturate, as astronomers expect.
DEFAULT_STRETCH, DEFAULT_LIMITS = "linear", "zscale"


class DisplayControls(QObject):
    """Left and right views, colour map, stretch, limits (and their lock) and the NO_LIN_CORR overlays."""

    #: A choice outside the view state changed (right-panel mode, colours, overlays); ``unlock``: limits to recompute.
    changed = pyqtSignal(bool)

    def __init__(self, view: ViewState, toolbar: QToolBar) -> None:
        super().__init__(toolbar)
        self.view = view
        self.toolbar = toolbar
        self.mode_box = _combo(RIGHT_MODES)
        self.left_box = _combo(LEFT_VIEWS)
        self.left_box.setToolTip("What the left panel shows: the input, or a correction with reference A or B")
        self.colourmap_box = _combo(COLOURMAPS)
        self.stretch_box = _combo(analysis.STRETCHES)
        self.limits_box = _combo(analysis.LIMITS)
        self.lock_limits = QCheckBox("lock")
        self.lock_limits.setToolTip("Keep the current colour limits while stepping through groups")
        self.overlay_left = QCheckBox("mask on input")
        self.overlay_right = QCheckBox("mask on right")
        self.left_box.currentTextChanged.connect(lambda text: view.update(left=PanelSource(text)))
        self.stretch_box.currentTextChanged.connect(lambda text: view.update(stretch=Stretch(text)))
        self.limits_box.currentTextChanged.connect(lambda text: view.update(limits=Limits(text)))
        self.mode_box.currentTextChanged.connect(self._on_mode_chosen)
        self.colourmap_box.currentTextChanged.connect(lambda _: self.changed.emit(False))
        self.lock_limits.toggled.connect(lambda _: self.changed.emit(True))
        for check in (self.overlay_left, self.overlay_right):
            check.setToolTip("Show NO_LIN_CORR pixels in cyan")
            check.toggled.connect(lambda _: self.changed.emit(False))
        for label, widget in (
            ("left:", self.left_box), ("  right:", self.mode_box), ("  colours:", self.colourmap_box),
            ("  stretch:", self.stretch_box), ("  limits:", self.limits_box), ("", self.lock_limits),
            ("  ", self.overlay_left), ("", self.overlay_right),
        ):  # fmt: skip
            if label:
                toolbar.addWidget(QLabel(label))
            toolbar.addWidget(widget)
        view.subscribe(self._follow)

    @property
    def mode(self) -> str:
        """The right panel's view: a reference view (as the view state's ``right``) or one of the window's own."""
        return self.mode_box.currentText()

    def _on_mode_chosen(self, mode: str) -> None:
        if mode in REFERENCE_VIEWS and PanelSource(mode) != self.view.right:
            self.view.update(right=PanelSource(mode))  # its subscribers redraw
        else:
            self.changed.emit(False)

    def _follow(self, changed: set[str]) -> None:
        view = self.view
        for name, box, value in (("left", self.left_box, view.left.value), ("right", self.mode_box, view.right.value),
                                 ("stretch", self.stretch_box, view.stretch.value),
                                 ("limits", self.limits_box, view.limits.value)):  # fmt: skip
            if name in changed:
                with QSignalBlocker(box):  # the state is already set; its subscribers redraw
                    box.setCurrentText(value)

    def restore(self, settings: QSettings) -> None:
        """The user's last choices, or the defaults for anything missing or unknown."""
        for key, box, default in (("colourmap", self.colourmap_box, COLOURMAPS[0]),
                                  ("stretch", self.stretch_box, DEFAULT_STRETCH),
                                  ("limits", self.limits_box, DEFAULT_LIMITS),
                                  ("mode", self.mode_box, RIGHT_MODES[0])):  # fmt: skip
            value = settings.value(key, default)
            box.setCurrentText(value if isinstance(value, str) and box.findText(value) >= 0 else default)

    def save(self, settings: QSettings) -> None:
        for key, box in (("colourmap", self.colourmap_box), ("stretch", self.stretch_box),
                         ("limits", self.limits_box), ("mode", self.mode_box)):  # fmt: skip
            settings.setValue(key, box.currentText())


def _combo(items: tuple[str, ...]) -> QComboBox:
    box = QComboBox()
    box.addItems(items)
    box.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
    return box
