"""The main window: Input | Corrected panels, controls, the pixel inspector and the run.

Public methods (open_input, run_correction, select_pixel, ...) raise LinInspectError so
scripts, tests and snapshots see problems; the menu and drop handlers wrap them and
show the one-line reason in a dialog instead, so the app carries on.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PyQt6 import sip
from PyQt6.QtCore import QByteArray, QRectF, QSettings, Qt
from PyQt6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence, QResizeEvent
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSlider,
    QSpinBox,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..core import analysis, dq, fitsfile
from ..core.correction import CorrectionResult
from ..core.errors import LinInspectError
from ..core.product import default_output_path
from ..core.reference import LinearityReference
from ..core.verify import Verification
from .imagepanel import ImagePanel
from .inspector import PIN_COLOURS, PixelInspector, RegionMean
from .crdslookup import ReferenceLookup
from ..model.session import Session
from .worker import Job, cancel_job, start_job, wait_for_jobs

#: Right-panel views that compare an opened pipeline product with lininspect's correction.
COMPARISON_MODES = ("Product − lininspect", "Verify differences")
RIGHT_MODES = (
    "Corrected", "Ratio", "Difference", "NO_LIN_CORR mask", "Residual map", "Product − lininspect", "Verify differences",
)  # fmt: skip
COLOURMAPS = ("inferno", "viridis", "magma", "cividis", "CET-L1", "turbo")
FITS_FILTER = "FITS files (*.fits *.fit *.fits.gz);;All files (*)"
MAX_RECENT = 8
#: zscale shows the sky's noise and faint sources; bright ones saturate, as astronomers expect.
DEFAULT_STRETCH, DEFAULT_LIMITS = "linear", "zscale"
CURSOR_COLOUR = "#ffffff"


class MainWindow(QMainWindow):
    """Shows one group plane of the input and of the corrected data, and one pixel in depth."""

    def __init__(self, settings: QSettings) -> None:
        super().__init__()
        self.settings = settings
        self.session = Session()
        self.integration = 0
        self.group = 0
        self.pixel: tuple[int, int] | None = None
        self.pins: list[tuple[int, int]] = []
        self._residuals: dict[int, np.ndarray] = {}
        self._residual_pending: int | None = None
        #: Saturated samples of the loaded exposure once counted, and the summaries waiting for them.
        self._saturated: int | None = None
        self._summaries: list[QTextBrowser] = []
        self._updating = False
        #: Colour limits in use per view ("input", or the right panel's mode), kept while locked.
        self._limits: dict[str, tuple[float, float]] = {}
        self.setWindowTitle("lininspect")
        self.setAcceptDrops(True)

        #: One handle per kind of background job; None or done when none runs.
        self.correction: Job[CorrectionResult] | None = None
        self.verifying: Job[Verification] | None = None
        self.exporting: Job[Path] | None = None
        self.residual: Job[tuple[int, np.ndarray]] | None = None
        self.counting: Job[int] | None = None
        #: The finished result shown before a run started: a cancelled or failed run brings it back.
        self._before_run: CorrectionResult | None = None
        #: The last Verify of the opened product (its "Verify differences" map).
        self.verification: Verification | None = None
        #: The pixel under a still cursor, so its readout follows frame changes.
        self._hovered: tuple[int, int] = (-1, -1)
        self.lookup = ReferenceLookup(self)
        self.lookup.stepped.connect(self._on_lookup_step)
        self.lookup.resolved.connect(self._on_lookup_resolved)
        self.lookup.failed.connect(self._on_lookup_failed)

        self.left = ImagePanel("Input")
        self.right = ImagePanel("Corrected")
        self.right.view.setXLink(self.left.view)
        self.right.view.setYLink(self.left.view)
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        row.addWidget(self.left)
        row.addWidget(self.right)
        self.setCentralWidget(central)
        for panel in (self.left, self.right):
            panel.pixelClicked.connect(self._on_pixel_clicked)
            panel.pixelHovered.connect(self.show_readout)
            panel.boxSelected.connect(self._on_box)

        self.inspector = PixelInspector()
        self.inspector.pinsCleared.connect(self.clear_pins)
        self.inspector.allIntegrationsToggled.connect(lambda _: self._refresh_inspector())
        self.inspector.captionChanged.connect(lambda text: self.inspector_dock.setWindowTitle(f"Pixel inspector — {text}"))
        self.inspector.flaggedChosen.connect(lambda x, y: self.guard(lambda: self.jump_to(x, y)))
        self.inspector_dock = QDockWidget("Pixel inspector", self)
        self.inspector_dock.setObjectName("inspector")
        self.inspector_dock.setWidget(self.inspector)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.inspector_dock)

        self._build_controls()
        self._build_status()
        self._build_menus()
        self._restore()
        self.refresh()

    # --- construction -----------------------------------------------------------------

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
        self.colourmap_box = _combo(COLOURMAPS)
        self.stretch_box = _combo(analysis.STRETCHES)
        self.limits_box = _combo(analysis.LIMITS)
        self.lock_limits = QCheckBox("lock")
        self.lock_limits.setToolTip("Keep the current colour limits while stepping through groups")
        self.lock_limits.toggled.connect(lambda _: self._unlock_limits())
        self.overlay_left = QCheckBox("mask on input")
        self.overlay_right = QCheckBox("mask on right")
        for box in (self.mode_box, self.colourmap_box, self.stretch_box):
            box.currentTextChanged.connect(lambda _: self.refresh_images())
        self.limits_box.currentTextChanged.connect(lambda _: self._unlock_limits())
        for check in (self.overlay_left, self.overlay_right):
            check.setToolTip("Show NO_LIN_CORR pixels in cyan")
            check.toggled.connect(lambda _: self.refresh_images())
        for toolbar, label, widget in (
            (frame_bar, "", self.integration_box),
            (frame_bar, "", self.group_box),
            (frame_bar, "", self.group_slider),
            (bar, "right:", self.mode_box),
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

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        """Wrap the display toolbar to a second row when both do not fit side by side.

        A QToolBar hides what does not fit behind a small arrow; at 1024 px the masks and
        limits would go there, unseen.
        """
        super().resizeEvent(event)
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
        self.reference_label = QLabel("")
        self.reference_label.setTextFormat(Qt.TextFormat.PlainText)
        status = self.statusBar()
        status.addWidget(self.readout, 1)
        status.addPermanentWidget(self.progress)
        status.addPermanentWidget(self.cancel_button)
        status.addPermanentWidget(self.reference_label)

    def _action(
        self, menu: QMenu | None, text: str, slot: Callable[[], object], shortcut: QKeySequence | str | int | None = None
    ) -> QAction:
        """A menu entry (or, without a menu, a window-wide shortcut) that calls ``slot``."""
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _=False: slot())
        if menu is not None:
            menu.addAction(action)
        else:
            self.addAction(action)
        return action

    def _build_menus(self) -> None:
        menus = self.menuBar()
        file = menus.addMenu("&File")
        self._action(file, "Open &input...", lambda: self._ask_open("input"), QKeySequence.StandardKey.Open)
        self._action(file, "Choose &reference...", lambda: self._ask_open("reference"))
        self._action(file, "Open &corrected (pipeline _linearity)...", lambda: self._ask_open("corrected"))
        self.recent_menu = file.addMenu("Recent files")
        file.addSeparator()
        self.export_action = self._action(file, "&Export corrected...", self._ask_export, QKeySequence.StandardKey.Save)
        file.addSeparator()
        self._action(file, "&Headers...", self.show_headers)
        self._action(file, "Exposure &summary...", self.show_summary)
        file.addSeparator()
        self._action(file, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        run = menus.addMenu("&Correction")
        self.run_action = self._action(run, "&Run", lambda: self.guard(self.run_correction), "Ctrl+R")
        self.cancel_action = self._action(run, "&Cancel", self.cancel_run, "Esc")
        self.verify_action = self._action(run, "&Verify corrected file", lambda: self.guard(self.verify_product))

        view = menus.addMenu("&View")
        view.addAction(self.inspector_dock.toggleViewAction())
        self._action(view, "Reset zoom", lambda: self.left.view.autoRange(padding=0.02), "Ctrl+0")
        inspector = menus.addMenu("&Inspector")
        self._action(inspector, "Export plots (PNG/SVG)...", self._ask_export_plots)
        self._action(inspector, "Export ramps (CSV)...", self._ask_export_csv)
        self._action(inspector, "Clear pins and box", self.clear_pins)
        self._action(None, "next group", lambda: self.step(0, 1), Qt.Key.Key_Right.value)
        self._action(None, "previous group", lambda: self.step(0, -1), Qt.Key.Key_Left.value)
        self._action(None, "next integration", lambda: self.step(1, 0), Qt.Key.Key_PageDown.value)
        self._action(None, "previous integration", lambda: self.step(-1, 0), Qt.Key.Key_PageUp.value)
        self._update_recent_menu()

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

    # --- loading ------------------------------------------------------------------------

    def open_input(self, path: Path) -> None:
        """Load a ramp exposure; forgets any correction and shows its last group of integration 0."""
        self._stop_jobs()
        dropped = self.session.open_input(Path(path))
        exposure = self.session.exposure
        assert exposure is not None
        self.integration, self.group = 0, exposure.ngroups - 1
        self.pixel, self.pins, self.inspector.region = None, [], None
        cancel_job(self.counting)  # it counts the previous exposure
        self._saturated, self._summaries = None, []
        self._forget_result()
        self._remember(path)
        self.setWindowTitle(f"lininspect — {exposure.path.name}")
        self._note(exposure.notes + ([dropped] if dropped else []))
        self.refresh()

    def open_reference(self, path: Path) -> None:
        """The user's reference: it overrides CRDS's (a lookup still running is dropped)."""
        self._stop_jobs()
        self.lookup.cancel()
        self.session.open_reference(Path(path))
        self._forget_result()
        self._remember(path)
        assert self.session.reference is not None
        self._note(self.session.reference.notes)
        self.refresh()

    def open_product(self, path: Path) -> None:
        """Show a pipeline ``_linearity`` product on the right instead of a run of ours."""
        self._stop_jobs()
        self.session.open_product(Path(path))
        self._forget_result()
        self._remember(path)
        self.refresh()

    def open_any(self, path: Path) -> None:
        """Open a file as what its content says: COEFFS is a reference, SCI a ramp to inspect."""
        kind = fitsfile.content_kind(fitsfile.scan(Path(path)))
        if kind == "reference":
            self.open_reference(path)
        elif kind == "exposure":
            self.open_input(path)
        else:
            raise LinInspectError(f"{path}: neither an exposure (SCI) nor a linearity reference (COEFFS)")

    def _forget_result(self) -> None:
        """Residual maps belong to one result: drop them, and stop one being computed."""
        cancel_job(self.residual)
        self._residuals.clear()
        self._residual_pending = None

    def _stop_jobs(self) -> None:
        """A new file: what runs on the old ones is cancelled and its results never shown."""
        for job in (self.correction, self.verifying, self.exporting, self.residual):
            cancel_job(job)
        self._before_run = None
        self.verification = None  # it compared the files loaded until now
        self._hide_progress()

    def _note(self, notes: list[str]) -> None:
        if notes:
            self.statusBar().showMessage("note: " + "; ".join(notes), 15000)

    # --- the correction ---------------------------------------------------------------

    def run_correction(self) -> Job[CorrectionResult]:
        """Start correcting in a background job (cancelling a run in progress); return its handle."""
        job = self.session.correction_job()
        if not _running(self.correction):
            self._before_run = self.session.result
        cancel_job(self.correction)
        self.session.result = None
        self._forget_result()
        self.correction = start_job(job, self._on_corrected, self._on_correction_failed, self._on_progress)
        self._show_progress("correcting %p%")
        self.statusBar().showMessage("correcting...")
        self.refresh()
        return self.correction

    def run_correction_now(self) -> None:
        """Correct in this thread; for snapshots and scripts that have no event loop to wait on."""
        self._stop_jobs()
        self.session.result = self.session.correction_job()(None, None)
        self._forget_result()
        self.refresh()

    def cancel_run(self) -> None:
        """Esc or Cancel: stop the correction, Verify or export; what was shown before stays."""
        if _running(self.correction):
            cancel_job(self.correction)
            self._restore_before_run()
            self.statusBar().showMessage("correction cancelled", 5000)
        for job, what in ((self.verifying, "verify"), (self.exporting, "export")):
            if _running(job):
                cancel_job(job)
                self.statusBar().showMessage(f"{what} cancelled", 5000)
        if self.lookup.running:
            self.lookup.cancel()
            self._end_lookup("reference lookup cancelled")
        self._hide_progress()

    # --- the reference from CRDS, and the pipeline's earlier steps ------------------------

    def resolve_in_background(self, path: Path, *, reference: Path | None = None, as_is: bool = False) -> None:
        """CRDS's reference (unless given) and the pipeline's missing steps, in a worker; then the correction."""
        self._stop_jobs()
        self.progress.setRange(0, 0)
        self.progress.setFormat("")
        self.progress.show()
        self.cancel_button.show()
        self.lookup.start(Path(path), reference=reference, as_is=as_is)

    def _on_lookup_step(self, what: str) -> None:
        self.statusBar().showMessage(what + "...")

    def _on_lookup_resolved(self, ready) -> None:  # type: ignore[no-untyped-def]
        self._end_lookup("")
        self.guard(lambda: self._use_resolved(ready))

    def _use_resolved(self, ready) -> None:  # type: ignore[no-untyped-def]
        exposure = self.session.exposure
        if exposure is None or exposure.path != ready.ramp:
            self.open_input(ready.ramp)  # the input to linearity, prepared by the pipeline's steps
        self.session.use_reference(ready.reference)
        self._forget_result()
        steps = ready.preparation.steps
        if steps:
            how = "cached" if ready.preparation.from_cache else "run"
            self._note([f"pipeline steps {', '.join(steps)} {how} before linearity"])
        if self.session.product is None:  # an opened pipeline product is shown, not replaced by a run
            self.run_correction()
        else:
            self.refresh()

    def _on_lookup_failed(self, message: str) -> None:
        self._end_lookup("")
        self._show_error(message)

    def _end_lookup(self, message: str) -> None:
        self.progress.setRange(0, 100)
        if not _running(self.correction):
            self._hide_progress()
        if message:
            self.statusBar().showMessage(message, 5000)

    def _restore_before_run(self) -> None:
        self.session.result, self._before_run = self._before_run, None
        self.refresh()

    def _on_corrected(self, result: CorrectionResult) -> None:
        self.session.result, self._before_run = result, None
        self._forget_result()
        self._hide_progress()
        self.statusBar().showMessage(f"corrected: {self._no_lin_corr_count()} pixels NO_LIN_CORR", 8000)
        self.refresh()

    def _on_correction_failed(self, message: str) -> None:
        self._hide_progress()
        self._restore_before_run()
        self._show_error(message)

    def verify_product(self) -> Job[Verification]:
        """Compare the opened product with lininspect's correction, array by array, in a job."""
        job = self.session.verify_job()
        cancel_job(self.verifying)
        self.verifying = start_job(job, self._on_verified, self._on_job_failed, self._on_progress)
        self._show_progress("verifying %p%")
        return self.verifying

    def _on_verified(self, verification: Verification) -> None:
        self.verification = verification
        self._hide_progress()
        message = verification_summary(verification)
        self.statusBar().showMessage(message.splitlines()[0], 15000)
        if self.mode_box.currentText() == "Verify differences":
            self.refresh_images()
        self._show_verification(verification, message)

    def _show_verification(self, verification: Verification, message: str) -> None:
        """The per-array report, with buttons to the map of differences and to the worst value.

        A plain dialog rather than a message box, which would close on the first button.
        """
        content = QWidget()
        layout = QVBoxLayout(content)
        text = QLabel(message)
        text.setTextFormat(Qt.TextFormat.PlainText)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(text)
        buttons = QHBoxLayout()
        actions: list[tuple[str, Callable[[], object]]] = []
        if not verification.identical:
            actions += [("Show differences", lambda: self.mode_box.setCurrentText("Verify differences")),
                        ("Go to worst pixel", lambda: self.guard(self.go_to_worst_difference))]  # fmt: skip
        for label, action in actions:
            button = QPushButton(label)
            button.clicked.connect(lambda _=False, action=action: action())
            buttons.addWidget(button)
        close = QPushButton("Close")
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.verify_report = _show_dialog(self, "Verify", content, (620, 200))
        self.verify_report_text = text
        close.clicked.connect(self.verify_report.close)

    def go_to_worst_difference(self) -> None:
        """Show the frame of the largest difference Verify found and inspect its pixel."""
        worst = None if self.verification is None else self.verification.worst
        if worst is None:
            raise LinInspectError("Verify found no difference to go to")
        integration = self.integration if worst.integration is None else worst.integration
        self.set_frame(integration, self.group if worst.group is None else worst.group)
        self.select_pixel(worst.x, worst.y)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setValue(int(100 * done / max(total, 1)))

    def _on_job_failed(self, message: str) -> None:
        self._hide_progress()
        self._show_error(message)

    def _show_progress(self, label: str) -> None:
        self.progress.setFormat(label)
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()

    def _hide_progress(self) -> None:
        """Hidden once no job that reports progress runs any more."""
        if not any(_running(job) for job in (self.correction, self.verifying, self.exporting)):
            self.progress.hide()
            self.cancel_button.hide()

    def export_to(self, path: Path, *, overwrite: bool = False) -> Path:
        """Write the in-memory correction here and now, as ``lininspect correct`` would (same bytes)."""
        return self.session.export_job(Path(path), overwrite=overwrite)(None, None)

    def export_in_background(self, path: Path, *, overwrite: bool = False) -> Job[Path]:
        """Write the in-memory correction in a job, with progress and cancel."""
        job = self.session.export_job(Path(path), overwrite=overwrite)
        cancel_job(self.exporting)
        self.exporting = start_job(job, self._on_exported, self._on_job_failed, self._on_progress)
        self._show_progress("exporting %p%")
        return self.exporting

    def _on_exported(self, path: Path) -> None:
        self._hide_progress()
        self.statusBar().showMessage(f"wrote {path}", 8000)

    # --- display ------------------------------------------------------------------------

    def set_frame(self, integration: int, group: int) -> None:
        """Show another integration/group (clamped to the exposure)."""
        exposure = self.session.exposure
        if exposure is None or self._updating:
            return
        integration = min(max(integration, 0), exposure.nints - 1)
        group = min(max(group, 0), exposure.ngroups - 1)
        if (integration, group) == (self.integration, self.group):
            return
        integration_changed = integration != self.integration
        self.integration, self.group = integration, group
        self._sync_controls()
        self.refresh_images()
        self.inspector.set_group(group)
        self.show_readout(*self._hovered)
        if integration_changed:
            self._refresh_inspector()

    def step(self, integrations: int, groups: int) -> None:
        self.set_frame(self.integration + integrations, self.group + groups)

    def refresh(self) -> None:
        self._limits.clear()  # new data: limits are recomputed, locked or not
        mask = self.session.no_lin_corr_mask()
        self.inspector.set_flagged(analysis.flagged_pixels(mask) if mask is not None else np.zeros((0, 2), int))
        self._sync_controls()
        self.refresh_images()
        self._refresh_inspector()
        self._update_actions()

    def _update_actions(self) -> None:
        session = self.session
        self.run_action.setEnabled(session.can_correct)
        self.export_action.setEnabled(session.result is not None)
        self.verify_action.setEnabled(session.product is not None and session.reference is not None)
        reference = session.reference
        # Always on screen: which reference corrects, and who chose it (CRDS: context, matched keys).
        self.reference_label.setText("no reference" if reference is None else f"reference: {_origin_text(reference)}")
        self.reference_label.setToolTip(str(reference.path) if reference is not None else "")

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
        self.inspector.integration = self.integration

    def refresh_images(self) -> None:
        """Redraw both panels with the shared colour scale, the right panel in its mode."""
        session = self.session
        colourmap = pg.colormap.get(self.colourmap_box.currentText())
        if session.exposure is None:
            hint = "Open an exposure: File ▸ Open input... or drop a FITS file here"
            self.left.set_image(None, colourmap, hint)
            self.right.set_image(None, colourmap, "")
            return
        i, g = self.integration, self.group
        stretch = self.stretch_box.currentText()
        plane = session.input_plane(i, g)
        low, high = self._limits_for("input", plane)
        self.left.set_image(analysis.stretch(plane, low, high, stretch), colourmap)
        self.left.title.setText(f"Input — integration {i}, group {g}")
        self.left.colourbar.configure(colourmap, low, high, stretch, "DN")
        self._refresh_right(colourmap, low, high, stretch)
        mask = session.no_lin_corr_mask() if (self.overlay_left.isChecked() or self.overlay_right.isChecked()) else None
        self.left.set_overlay(mask if self.overlay_left.isChecked() else None)
        self.right.set_overlay(mask if self.overlay_right.isChecked() else None)
        self._update_markers()

    def _refresh_right(self, colourmap: pg.ColorMap, low: float, high: float, stretch: str) -> None:
        session, panel = self.session, self.right
        i, g = self.integration, self.group
        mode = self.mode_box.currentText()
        source = " (pipeline product)" if session.shows_product else ""
        if mode in COMPARISON_MODES:
            self._refresh_comparison(mode, colourmap)
            return
        if mode == "NO_LIN_CORR mask":
            mask = session.no_lin_corr_mask()
            if mask is None:
                panel.set_image(None, colourmap, "Load a reference to see NO_LIN_CORR pixels")
                panel.title.setText("NO_LIN_CORR mask")
                return
            panel.set_mask(mask)
            panel.title.setText(f"NO_LIN_CORR mask — {int(mask.sum())} pixels")
            return
        corrected = session.corrected_plane(i, g)
        if corrected is None:
            hint = "Run the correction (Ctrl+R)" if session.can_correct else "Open a linearity reference"
            if _running(self.correction):
                hint = "Correcting..."
            panel.set_image(None, colourmap, hint)
            panel.title.setText(mode)
            return
        if mode == "Corrected":
            panel.set_image(analysis.stretch(corrected, low, high, stretch), colourmap)
            panel.colourbar.configure(colourmap, low, high, stretch, "DN")
            panel.title.setText(f"Corrected{source} — integration {i}, group {g}")
            return
        if mode == "Residual map":
            rms = self._residuals.get(i)
            if rms is None:
                self._start_residuals()
                panel.set_image(None, colourmap, "Computing residual map...")
                panel.title.setText(f"Residual map — integration {i}")
                return
            values, title, unit = rms, f"Residual RMS of straight-line fits — integration {i}", "RMS (DN)"
        elif mode == "Ratio":
            with np.errstate(invalid="ignore", divide="ignore"):
                values = session.input_plane(i, g) / corrected
            title, unit = f"Input / corrected — integration {i}, group {g}", "ratio"
        else:
            values = corrected - session.input_plane(i, g)
            title, unit = f"Corrected − input — integration {i}, group {g}", "DN"
        own_low, own_high = self._limits_for(mode, values)
        panel.set_image(analysis.stretch(values, own_low, own_high, stretch), colourmap)
        panel.colourbar.configure(colourmap, own_low, own_high, stretch, unit)
        panel.title.setText(title)

    def _limits_for(self, view: str, values: np.ndarray) -> tuple[float, float]:
        """The chosen limits of ``values``; while locked, the ones this view already had."""
        if not (self.lock_limits.isChecked() and view in self._limits):
            self._limits[view] = analysis.display_limits(values, self.limits_box.currentText())
        return self._limits[view]

    def _unlock_limits(self) -> None:
        self._limits.clear()
        self.refresh_images()

    def _refresh_comparison(self, mode: str, colourmap: pg.ColorMap) -> None:
        """The product against lininspect: their difference now, or where Verify found them to differ."""
        session, panel = self.session, self.right
        i, g = self.integration, self.group
        values = None
        if session.product is None:
            hint = "Open a pipeline product (File ▸ Open corrected...) to compare with"
        elif mode == "Verify differences":
            hint = "Verifying..." if _running(self.verifying) else "Correction ▸ Verify corrected file"
            if self.verification is not None:
                values = self.verification.where.astype(np.float32)
                title, unit = f"Verify differences — {int(np.count_nonzero(values))} pixels differ", "values differing"
        else:
            hint = "Correcting..." if _running(self.correction) else "Open a linearity reference to compare with"
            values = session.product_minus_ours(i, g)
            if values is None and session.can_correct and not _running(self.correction):
                self.guard(self.run_correction)  # refreshes again, showing "Correcting..."
                return
            title, unit = f"Product − lininspect — integration {i}, group {g}", "DN"
        if values is None:
            panel.set_image(None, colourmap, hint)
            panel.title.setText(mode)
            return
        finite = values[np.isfinite(values)]
        spread = float(np.abs(finite).max()) if finite.size else 0.0
        spread = spread or 1.0  # all equal: a scale of ±1 rather than none
        low, high = (0.0, spread) if mode == "Verify differences" else (-spread, spread)
        panel.set_image(analysis.stretch(values, low, high, "linear"), colourmap)
        panel.colourbar.configure(colourmap, low, high, "linear", unit)
        panel.title.setText(title)

    def _start_residuals(self) -> None:
        if self._residual_pending == self.integration:
            return
        self._residual_pending = self.integration
        job = self.session.residual_job(self.integration)
        integration = self.integration

        def residuals(progress, cancel):  # type: ignore[no-untyped-def]
            return integration, job(progress, cancel)

        cancel_job(self.residual)
        self.residual = start_job(residuals, self._on_residuals_done, self._on_residuals_failed)

    def _on_residuals_failed(self, message: str) -> None:
        self._residual_pending = None
        self._show_error(message)

    def _on_residuals_done(self, outcome: tuple[int, np.ndarray]) -> None:
        integration, rms = outcome
        self._residuals[integration] = rms
        self._residual_pending = None
        self.refresh_images()

    def _no_lin_corr_count(self) -> int:
        mask = self.session.no_lin_corr_mask()
        return 0 if mask is None else int(mask.sum())

    def _update_markers(self) -> None:
        points = [(x, y, PIN_COLOURS[n % len(PIN_COLOURS)]) for n, (x, y) in enumerate(self.pins)]
        if self.pixel is not None:
            points.append((*self.pixel, pg.mkColor(CURSOR_COLOUR)))
        for panel in (self.left, self.right):
            panel.set_markers(points)

    # --- pixels -------------------------------------------------------------------------

    def select_pixel(self, x: int, y: int, *, pin: bool = False) -> None:
        """Inspect pixel (x, y); with ``pin`` add it to the pinned pixels instead."""
        if not self.session.contains(x, y):
            raise LinInspectError(f"pixel ({x}, {y}) is outside the exposure")
        if pin:
            if (x, y) not in self.pins:
                self.pins.append((x, y))
        else:
            self.pixel = (x, y)
        self._refresh_inspector()
        self._update_markers()

    def jump_to(self, x: int, y: int) -> None:
        """Inspect (x, y) and bring it into view if the zoom has it outside."""
        self.select_pixel(x, y)
        (x0, x1), (y0, y1) = self.left.view.viewRange()
        if not (x0 <= x + 0.5 <= x1 and y0 <= y + 0.5 <= y1):
            self.left.view.translateBy(x=x + 0.5 - (x0 + x1) / 2, y=y + 0.5 - (y0 + y1) / 2)

    def clear_pins(self) -> None:
        self.pins = []
        self.inspector.region = None
        for panel in (self.left, self.right):
            panel.view.show_box(None)
        self._refresh_inspector()
        self._update_markers()

    def select_box(self, x0: int, y0: int, x1: int, y1: int) -> None:
        """Mean ramps of the box [x0, x1) x [y0, y1) over usable samples, in the inspector."""
        raw, corrected, count = self.session.region_means(self.integration, x0, y0, x1, y1)
        self.inspector.region = RegionMean(x0, y0, x1, y1, self.integration, raw, corrected, count)
        rect = QRectF(x0, y0, x1 - x0, y1 - y0)
        for panel in (self.left, self.right):
            panel.view.show_box(rect)
        self._refresh_inspector()

    def _on_pixel_clicked(self, x: int, y: int, shift: bool) -> None:
        self.guard(lambda: self.select_pixel(x, y, pin=shift))

    def _on_box(self, x0: int, y0: int, x1: int, y1: int) -> None:
        self.guard(lambda: self.select_box(x0, y0, x1, y1))

    def _refresh_inspector(self) -> None:
        session = self.session
        inspector = self.inspector
        inspector.integration, inspector.group = self.integration, self.group
        inspector.exposure_path = session.exposure.path if session.exposure is not None else None
        inspector.reference_path = session.reference.path if session.reference is not None else None
        inspector.facts = None if self.pixel is None or not session.contains(*self.pixel) else session.pixel(*self.pixel)
        inspector.pins = [
            (session.pixel(x, y), PIN_COLOURS[n % len(PIN_COLOURS)])
            for n, (x, y) in enumerate(self.pins)
            if session.contains(x, y)
        ]
        region = inspector.region
        if region is not None and session.exposure is not None:
            raw, corrected, count = session.region_means(self.integration, region.x0, region.y0, region.x1, region.y1)
            inspector.region = RegionMean(region.x0, region.y0, region.x1, region.y1, self.integration, raw, corrected, count)
        inspector.refresh()

    def show_readout(self, x: int, y: int) -> None:
        """Status-bar readout of the pixel under the cursor; kept for frame changes under a still cursor."""
        self._hovered = (x, y)
        self.readout.setText(self.readout_text(x, y))

    def readout_text(self, x: int, y: int) -> str:
        session = self.session
        exposure = session.exposure
        if exposure is None or not session.contains(x, y):
            return ""
        i, g = self.integration, self.group
        try:
            sx, sy = exposure.substrt()
            detector = f"detector ({x + sx}, {y + sy})"
        except LinInspectError:
            detector = "detector ?"
        value = float(exposure.sci[i, g, y, x])
        text = f"array ({x}, {y})  {detector}  input {value:.6g} DN"
        corrected_plane = session.corrected_plane(i, g)
        if corrected_plane is not None:
            corrected = float(corrected_plane[y, x])
            ratio = value / corrected if corrected != 0 else float("nan")
            text += f"  corrected {corrected:.6g} DN  ratio {ratio:.5f}"
        pixeldq = session.result_pixeldq()
        text += f"  PIXELDQ {dq.describe(int((pixeldq if pixeldq is not None else exposure.pixeldq)[y, x]))}"
        groupdq = 0 if exposure.groupdq is None else int(exposure.groupdq[i, g, y, x])
        return text + f"  GROUPDQ {dq.describe(groupdq)}"

    # --- dialogs ------------------------------------------------------------------------

    def guard(self, action: Callable[[], object]) -> None:
        """Run a user action; a LinInspectError or OSError becomes a dialog, not a crash."""
        try:
            action()
        except LinInspectError as error:
            self._show_error(str(error))
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            self._show_error(f"{where}{error.strerror or error}")

    def _show_error(self, message: str) -> None:
        self.statusBar().showMessage(message, 10000)
        QMessageBox.warning(self, "lininspect", message)

    def _start_dir(self) -> str:
        value = self.settings.value("last_dir", "")
        return value if isinstance(value, str) else ""

    def _ask_open(self, kind: str) -> None:
        title = {"input": "Open ramp exposure", "reference": "Open linearity reference",
                 "corrected": "Open pipeline _linearity product"}[kind]  # fmt: skip
        name, _ = QFileDialog.getOpenFileName(self, title, self._start_dir(), FITS_FILTER)
        if name:
            opener = {"input": self.open_input, "reference": self.open_reference, "corrected": self.open_product}[kind]
            self.guard(lambda: opener(Path(name)))

    def _ask_export(self) -> None:
        exposure = self.session.exposure
        if self.session.result is None or exposure is None:
            self._show_error("nothing to export: run the correction first (Ctrl+R)")
            return
        name, _ = QFileDialog.getSaveFileName(
            self, "Export corrected exposure", str(default_output_path(exposure.path)), FITS_FILTER
        )
        if name:
            # The dialog has already asked before replacing an existing file.
            self.guard(lambda: self.export_in_background(Path(name), overwrite=True))

    def _ask_export_plots(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export plots", self._export_path(".png"), "PNG (*.png);;SVG (*.svg)")
        if name:
            self.guard(lambda: self.inspector.export_plots(Path(name)))

    def _ask_export_csv(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export ramps", self._export_path(".csv"), "CSV (*.csv)")
        if name:
            self.guard(lambda: self.inspector.export_csv(Path(name)))

    def _export_path(self, suffix: str) -> str:
        """The inspector's default export name, in the folder last used."""
        return str(Path(self._start_dir()) / self.inspector.export_name(suffix))

    def show_headers(self) -> None:
        """Every header of the exposure and the reference, one tab each, read-only."""
        tabs = QTabWidget()
        sources = []
        if self.session.exposure is not None:
            sources += [(f"{info.name}", info.header) for info in self.session.exposure.hdus]
        if self.session.reference is not None:
            sources.append(("reference", self.session.reference.header))
        if not sources:
            self._show_error("no file loaded")
            return
        for name, header in sources:
            text = QPlainTextEdit(header.tostring(sep="\n").rstrip())
            text.setReadOnly(True)
            text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
            text.setStyleSheet("font-family: monospace;")
            tabs.addTab(text, name)
        _show_dialog(self, "Headers", tabs, (760, 600))

    def summary_html(self) -> str:
        """Instrument, readout, state of the correction and flag counts, as a table."""
        exposure = self.session.exposure
        if exposure is None:
            return "<p>No exposure loaded.</p>"
        header = exposure.header

        def key(name: str) -> str:
            return str(header.get(name, "—")).strip() or "—"

        reference = self.session.reference
        rows = [
            ("file", exposure.path.name),
            ("instrument", key("INSTRUME")),
            ("detector", key("DETECTOR")),
            ("subarray", f"{key('SUBARRAY')} (SUBSTRT {key('SUBSTRT1')}, {key('SUBSTRT2')})"),
            ("read pattern", key("READPATT")),
            ("nints × ngroups", f"{exposure.nints} × {exposure.ngroups} of {exposure.shape[3]} × {exposure.shape[2]}"),
            ("S_LINEAR", key("S_LINEAR")),
            ("reference", reference.path.name if reference is not None else "none"),
            ("reference origin", _origin_text(reference)),
            ("NO_LIN_CORR pixels", str(self._no_lin_corr_count()) if self.session.no_lin_corr_mask() is not None else "—"),
            ("saturated groups", "counting..." if self._saturated is None else str(self._saturated)),
        ]
        notes = exposure.notes + (reference.notes if reference is not None else [])
        rows += [("note", note) for note in notes]
        cells = "".join(f"<tr><td style='padding-right:12px'><b>{n}</b></td><td>{v}</td></tr>" for n, v in rows)
        return f"<table>{cells}</table>"

    def show_summary(self) -> None:
        """The summary at once; the saturated count follows from a thread (1.5 s for a cold 4 GB file)."""
        browser = QTextBrowser()
        browser.setHtml(self.summary_html())
        _show_dialog(self, "Exposure summary", browser, (520, 380))
        if self.session.exposure is None or self._saturated is not None:
            return
        self._summaries.append(browser)
        if not _running(self.counting):
            self.counting = start_job(self.session.saturated_job(), self._on_counted, self._show_error)

    def _on_counted(self, count: int) -> None:
        self._saturated = count
        for browser in self._summaries:
            if not sip.isdeleted(browser):  # its dialog may have been closed
                browser.setHtml(self.summary_html())
        self._summaries = []

    # --- recent files, drag and drop, closing --------------------------------------------

    def _remember(self, path: Path) -> None:
        path = Path(path).resolve()
        self.settings.setValue("last_dir", str(path.parent))
        recent = [p for p in self._recent() if p != str(path)]
        self.settings.setValue("recent", [str(path)] + recent[: MAX_RECENT - 1])
        self._update_recent_menu()

    def _recent(self) -> list[str]:
        value = self.settings.value("recent", [])
        if isinstance(value, str):
            return [value]
        return [str(v) for v in value] if isinstance(value, list) else []

    def _update_recent_menu(self) -> None:
        self.recent_menu.clear()
        for name in self._recent():
            action = self.recent_menu.addAction(name)
            action.triggered.connect(lambda _=False, name=name: self.guard(lambda: self.open_any(Path(name))))
        self.recent_menu.setEnabled(bool(self._recent()))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt's name)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        event.acceptProposedAction()
        self.open_dropped(paths)

    def open_dropped(self, paths: list[Path]) -> None:
        """Ramps become the input, references the reference, told apart by content."""
        for path in paths:
            self.guard(lambda path=path: self.open_any(path))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """Stop and wait for background threads, then empty the graphics scenes while all is alive.

        Leaving pyqtgraph items to die with their C++ scene calls Python overrides on
        half-destroyed objects (a crash on teardown), so the scenes are cleared here, in order.
        """
        self._save()
        self.lookup.cancel()  # its worker finishes on its own; the answer is dropped
        wait_for_jobs([self.correction, self.verifying, self.exporting, self.residual, self.counting])
        for view in (self.left, self.right, self.inspector.plots):
            view.close()
        super().closeEvent(event)


def _running(job: Job | None) -> bool:  # type: ignore[type-arg]
    return job is not None and not job.done


def verification_summary(verification: Verification) -> str:
    """Verify's report: a verdict line, then one line per array."""
    name = verification.product.name
    if verification.identical:
        head = f"{name}: identical to lininspect's correction (SCI bits, PIXELDQ, GROUPDQ, ZEROFRAME)"
    else:
        head = f"{name}: differs from lininspect's correction"
    lines = [head]
    for array in verification.arrays:
        if array.compared == 0:
            lines.append(f"{array.name}: not in either file")
            continue
        line = f"{array.name}: {array.differing} of {array.compared} values differ"
        if array.differing:
            # For flags, which bits differ says more than how far apart two flag words are.
            line += f", bits {dq.describe(array.bits)}" if array.bits else f", largest difference {array.largest:.6g}"
            worst = array.worst
            if worst is not None:
                where = f"pixel ({worst.x}, {worst.y})"
                if worst.integration is not None:
                    where += f" integration {worst.integration}"
                if worst.group is not None:
                    where += f" group {worst.group}"
                line += f" at {where}"
        lines.append(line)
    return "\n".join(lines)


def _combo(items: tuple[str, ...]) -> QComboBox:
    box = QComboBox()
    box.addItems(items)
    box.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
    return box


def _origin_text(reference: LinearityReference | None) -> str:
    """The reference's file and who chose it: CRDS (with its context and matched keys) or the user."""
    if reference is None:
        return "—"
    if reference.origin is None:
        return f"{reference.path.name} (chosen by you)"
    return reference.origin.describe()


def _show_dialog(parent: QWidget, title: str, content: QWidget, size: tuple[int, int]) -> QDialog:
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    layout = QVBoxLayout(dialog)
    layout.addWidget(content)
    dialog.resize(*size)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
