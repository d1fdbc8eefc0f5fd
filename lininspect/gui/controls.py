"""The window's toolbars, status bar and saved settings: building the controls and keeping them in step."""

from __future__ import annotations

from PyQt6.QtCore import QByteArray, Qt
from PyQt6.QtGui import QResizeEvent
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
)
from superqt import QElidingLabel

from ..core import analysis
from ..model.viewstate import Limits, PanelSource, Stretch

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
FITS_FILTER = "FITS files (*.fits *.fit *.fits.gz);;All files (*)"
MAX_RECENT = 8
#: zscale shows the sky's noise and faint sources; bright ones saturate, as astronomers expect.
DEFAULT_STRETCH, DEFAULT_LIMITS = "linear", "zscale"
CURSOR_COLOUR = "#ffffff"


class ControlsMixin:
    """Part of :class:`~lininspect.gui.mainwindow.MainWindow`; uses its widgets and session."""

    def _build_controls(self) -> None:
        """Two toolbars, frame and display; the second wraps to its own row when the window is narrow."""
        frame_bar = self.addToolBar("Frame")
        frame_bar.setObjectName("frame")
        frame_bar.setMovable(False)
        bar = self.display_bar = self.addToolBar("Display")
        bar.setObjectName("display")
        bar.setMovable(False)
        self.integration_box = QSpinBox()
        self.integration_box.setPrefix("integration ")
        self.group_box = QSpinBox()
        self.group_box.setPrefix("group ")
        self.group_slider = QSlider(Qt.Orientation.Horizontal)
        self.group_slider.setMinimumWidth(140)
        self.group_slider.setMaximumWidth(220)
        for control in (self.integration_box, self.group_box, self.group_slider):
            control.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        for box in (self.integration_box, self.group_box):
            # After typing a number and Enter, the arrow keys step groups again, not the text cursor.
            box.editingFinished.connect(lambda: self.left.setFocus())
        self.integration_box.valueChanged.connect(lambda i: self.set_frame(i, self.group))
        self.group_box.valueChanged.connect(lambda g: self.set_frame(self.integration, g))
        self.group_slider.valueChanged.connect(lambda g: self.set_frame(self.integration, g))
        self.mode_box = _combo(RIGHT_MODES)
        self.left_box = _combo(LEFT_VIEWS)
        self.left_box.setToolTip("What the left panel shows: the input, or a correction with reference A or B")
        self.colourmap_box = _combo(COLOURMAPS)
        self.stretch_box = _combo(analysis.STRETCHES)
        self.limits_box = _combo(analysis.LIMITS)
        self.lock_limits = QCheckBox("lock")
        self.lock_limits.setToolTip("Keep the current colour limits while stepping through groups")
        self.lock_limits.toggled.connect(lambda _: self._unlock_limits())
        self.overlay_left = QCheckBox("mask on input")
        self.overlay_right = QCheckBox("mask on right")
        # Choices the model names go to the view state, whose subscriber redraws; the rest redraw at once.
        self.left_box.currentTextChanged.connect(lambda text: self.view.update(left=PanelSource(text)))
        self.stretch_box.currentTextChanged.connect(lambda text: self.view.update(stretch=Stretch(text)))
        self.limits_box.currentTextChanged.connect(lambda text: self.view.update(limits=Limits(text)))
        self.mode_box.currentTextChanged.connect(self._on_mode_chosen)
        self.colourmap_box.currentTextChanged.connect(lambda _: self.refresh_images())
        self.limits_box.currentTextChanged.connect(lambda _: self._unlock_limits())
        for check in (self.overlay_left, self.overlay_right):
            check.setToolTip("Show NO_LIN_CORR pixels in cyan")
            check.toggled.connect(lambda _: self.refresh_images())
        for toolbar, label, widget in (
            (frame_bar, "", self.integration_box),
            (frame_bar, "", self.group_box),
            (frame_bar, "", self.group_slider),
            (bar, "left:", self.left_box),
            (bar, "  right:", self.mode_box),
            (bar, "  colours:", self.colourmap_box),
            (bar, "  stretch:", self.stretch_box),
            (bar, "  limits:", self.limits_box),
            (bar, "", self.lock_limits),
            (bar, "  ", self.overlay_left),
            (bar, "", self.overlay_right),
        ):
            if label:
                toolbar.addWidget(QLabel(label))
            toolbar.addWidget(widget)
        self.frame_bar = frame_bar

    def _on_mode_chosen(self, mode: str) -> None:
        """The right panel's choice: a source of the model (view state), or one of the window's own views."""
        if mode in REFERENCE_VIEWS:
            self.view.update(right=PanelSource(mode))
        self.refresh_images()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit_toolbars()

    def _fit_toolbars(self) -> None:
        """Wrap the display toolbar to a second row when both do not fit side by side.

        A QToolBar hides what does not fit behind a small arrow; at 1024 px the masks and
        limits would go there, unseen. Checked on resize and when the frame controls widen
        (an exposure with more groups) without one.
        """
        needed = self.frame_bar.sizeHint().width() + self.display_bar.sizeHint().width()
        wrap = needed > self.width()
        if wrap != self.toolBarBreak(self.display_bar):
            if wrap:
                self.insertToolBarBreak(self.display_bar)
            else:
                self.removeToolBarBreak(self.display_bar)

    def _build_status(self) -> None:
        self.readout = QLabel("")
        self.readout.setTextFormat(Qt.TextFormat.PlainText)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(180)
        self.progress.setFormat("correcting %p%")
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_run)
        self.cancel_button.hide()
        # The readout keeps its whole text; the reference line (a CRDS origin can be long) gives way,
        # elided in the middle, its full text in the tooltip.
        self.readout.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
        self.reference_label = QElidingLabel("")
        self.reference_label.setElideMode(Qt.TextElideMode.ElideMiddle)
        self.reference_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.reference_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        status = self.statusBar()
        status.addWidget(self.readout)
        status.addPermanentWidget(self.progress)
        status.addPermanentWidget(self.cancel_button)
        status.addPermanentWidget(self.reference_label, 1)

    def _restore(self) -> None:
        settings = self.settings
        choices = (
            ("colourmap", self.colourmap_box, COLOURMAPS[0]),
            ("stretch", self.stretch_box, DEFAULT_STRETCH),
            ("limits", self.limits_box, DEFAULT_LIMITS),
            ("mode", self.mode_box, RIGHT_MODES[0]),
        )
        for key, box, default in choices:
            value = settings.value(key, default)
            box.setCurrentText(value if isinstance(value, str) and box.findText(value) >= 0 else default)
        geometry = settings.value("geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = settings.value("state")
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def apply_default_layout(self) -> None:
        """Images get most of the height, the inspector the rest; for a first start and snapshots.

        On a short screen the inspector gets a larger share, so the ramp stays readable.
        """
        share = 0.36 if self.height() >= 900 else 0.46
        self.resizeDocks([self.inspector_dock], [int(self.height() * share)], Qt.Orientation.Vertical)

    def _save(self) -> None:
        settings = self.settings
        settings.setValue("colourmap", self.colourmap_box.currentText())
        settings.setValue("stretch", self.stretch_box.currentText())
        settings.setValue("limits", self.limits_box.currentText())
        settings.setValue("mode", self.mode_box.currentText())
        settings.setValue("geometry", self.saveGeometry())
        settings.setValue("state", self.saveState())
        settings.sync()

    def _sync_controls(self) -> None:
        exposure = self.session.exposure
        self._updating = True
        try:
            nints, ngroups = (exposure.nints, exposure.ngroups) if exposure is not None else (1, 1)
            self.integration_box.setRange(0, nints - 1)
            self.group_box.setRange(0, ngroups - 1)
            self.group_slider.setRange(0, ngroups - 1)
            self.integration_box.setValue(self.integration)
            self.group_box.setValue(self.group)
            self.group_slider.setValue(self.group)
        finally:
            self._updating = False
        self._fit_toolbars()
        self.inspector.integration = self.integration


def _combo(items: tuple[str, ...]) -> QComboBox:
    box = QComboBox()
    box.addItems(items)
    box.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
    return box
