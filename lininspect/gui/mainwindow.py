"""The main window: Input | Corrected panels, controls, the pixel inspector and the run.

Public methods (open_input, run_correction, select_pixel, ...) raise LinInspectError so
scripts, tests and snapshots see problems; the menu and drop handlers wrap them and
show the one-line reason in a dialog instead, so the app carries on.

The window is wiring: its parts live beside it, one responsibility each (``controls``,
``menus``, ``jobs``, ``rendering``, ``dialogs``), and what it shows comes from
:mod:`lininspect.model`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PyQt6.QtCore import QRectF, QSettings, Qt
from PyQt6.QtGui import QCloseEvent
from PyQt6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QMainWindow,
    QTextBrowser,
    QWidget,
)

from ..core import analysis, fitsfile
from ..core.comparison import ReferenceComparison
from ..core.correction import CorrectionResult
from ..core.errors import LinInspectError
from ..core.verify import Verification
from ..model.session import B, Session
from ..model.viewstate import ViewState
from .controls import ControlsMixin
from .crdslookup import ReferenceLookup
from .dialogs import DialogsMixin, origin_text
from .imagepanel import ImagePanel
from .inspector import PIN_COLOURS, PixelInspector, RegionMean
from .jobs import JobsMixin
from .menus import MenusMixin
from .rendering import RenderingMixin
from .worker import JOB_WARNINGS, Job, cancel_job, wait_for_jobs


class MainWindow(ControlsMixin, MenusMixin, JobsMixin, RenderingMixin, DialogsMixin, QMainWindow):
    """Shows one group plane of the input and of the corrected data, and one pixel in depth."""

    def __init__(self, settings: QSettings) -> None:
        super().__init__()
        self.settings = settings
        self.session = Session()
        #: Frame, selection and display choices (model.viewstate); the controls write it, the panels follow it.
        self.view = ViewState()
        self.view.subscribe(self._on_view_changed)
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
        JOB_WARNINGS.warned.connect(self._show_job_warning)

        #: One handle per kind of background job; None or done when none runs.
        self.correction: Job[CorrectionResult] | None = None
        self.verifying: Job[Verification] | None = None
        self.exporting: Job[Path] | None = None
        self.residual: Job[tuple[int, np.ndarray]] | None = None
        self.counting: Job[int] | None = None
        self.comparing: Job[ReferenceComparison] | None = None
        #: Reference B given on the command line, opened once the lookup has chosen A.
        self.against_after_lookup: Path | None = None
        #: The finished result shown before a run started: a cancelled or failed run brings it back.
        self._before_run: CorrectionResult | None = None
        #: The last Verify of the opened product (its "Verify differences" map).
        self.verification: Verification | None = None
        #: The pixel under a still cursor, so its readout follows frame changes.
        self._hovered: tuple[int, int] = (-1, -1)
        self.lookup = ReferenceLookup(self)
        self.lookup.stepped.connect(self._on_lookup_step)
        self.lookup.preparing.connect(self._on_preparing)
        #: While the pipeline's steps prepare the loaded raw ramp: which step, for the left panel's title.
        self.preparing: str | None = None
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

    # --- loading ------------------------------------------------------------------------

    # --- the view state: the window's frame and selection live in the model -----------------

    @property
    def integration(self) -> int:
        return self.view.integration

    @integration.setter
    def integration(self, value: int) -> None:
        self.view.update(integration=value)

    @property
    def group(self) -> int:
        return self.view.group

    @group.setter
    def group(self, value: int) -> None:
        self.view.update(group=value)

    @property
    def pixel(self) -> tuple[int, int] | None:
        return self.view.pixel

    @pixel.setter
    def pixel(self, value: tuple[int, int] | None) -> None:
        self.view.update(pixel=value)

    @property
    def pins(self) -> list[tuple[int, int]]:
        return list(self.view.pins)

    @pins.setter
    def pins(self, value: list[tuple[int, int]]) -> None:
        self.view.update(pins=tuple(value))

    def _on_view_changed(self, changed: set[str]) -> None:
        """What the panels show or how changed: redraw them (frame and selection have their own paths)."""
        if changed & {"left", "right", "stretch"}:
            self.refresh_images()

    def open_input(self, path: Path, *, prepared_from: Path | None = None) -> None:
        """Load a ramp exposure; forgets any correction and shows its last group of integration 0.

        ``prepared_from``: the user's ``_uncal`` this ramp was prepared from; it names the
        window, the plots and the export, and keeps a product opened for it.
        """
        self._stop_jobs()
        dropped = self.session.open_input(Path(path), prepared_from=prepared_from)
        exposure, source = self.session.exposure, self.session.input_path
        assert exposure is not None and source is not None
        self.integration, self.group = 0, exposure.ngroups - 1
        self.pixel, self.pins, self.inspector.region = None, [], None
        cancel_job(self.counting)  # it counts the previous exposure
        self._saturated, self._summaries = None, []
        self._forget_result()
        self._remember(source)
        self.setWindowTitle(f"lininspect — {source.name}")
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

    def open_against(self, path: Path) -> None:
        """Reference B, compared with A: the panels can show its correction, A − B and A / B."""
        if self.session.reference is None:
            raise LinInspectError("choose reference A first (File ▸ Choose reference...), then one to compare with")
        self.session.open_reference(Path(path), B)
        self._remember(path)
        self._note(self.session.references[B].notes)
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

    def _show_job_warning(self, text: str) -> None:
        self.statusBar().showMessage(text, 15000)

    def _note(self, notes: list[str]) -> None:
        if notes:
            self.statusBar().showMessage("note: " + "; ".join(notes), 15000)

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
        self.compare_action.setEnabled(session.can_compare)
        reference = session.reference
        # Always on screen: which reference corrects, and who chose it (CRDS: context, matched keys).
        text = "no reference" if reference is None else f"reference: {origin_text(reference)}"
        if B in session.references:
            text += f"  against B: {session.references[B].path.name}"
        self.reference_label.setText(text)
        self.reference_label.setToolTip(f"{text}\n{reference.path}" if reference is not None else "")

    # --- pixels -------------------------------------------------------------------------

    def select_pixel(self, x: int, y: int, *, pin: bool = False) -> None:
        """Inspect pixel (x, y); with ``pin`` add it to the pinned pixels instead."""
        if not self.session.contains(x, y):
            raise LinInspectError(f"pixel ({x}, {y}) is outside the exposure")
        if pin:
            if (x, y) not in self.pins:
                self.pins = [*self.pins, (x, y)]
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
        inspector.exposure_path = session.input_path if session.exposure is not None else None
        inspector.reference_path = session.reference.path if session.reference is not None else None
        here = self.pixel
        inspector.facts = None if here is None or not session.contains(*here) else session.pixel(*here, self.integration)
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

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """Stop and wait for background threads, then empty the graphics scenes while all is alive.

        Leaving pyqtgraph items to die with their C++ scene calls Python overrides on
        half-destroyed objects (a crash on teardown), so the scenes are cleared here, in order.
        """
        self._save()
        self.lookup.cancel()  # its worker finishes on its own; the answer is dropped
        wait_for_jobs([self.correction, self.verifying, self.exporting, self.residual, self.counting, self.comparing,
                       *self.integration_job_handles()])
        for view in (self.left, self.right, self.inspector.plots):
            view.close()
        super().closeEvent(event)










