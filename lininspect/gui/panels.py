"""The two image panels, drawn from the session as the view state and the display choices say.

They subscribe to the view state: the frame, the sources and the scale redraw the images,
the pixel and pins move the markers, the box moves the outline. What is drawn is decided
from the view state alone, never read back from the toolbar's widgets. What only the window knows
(a run under way, Verify's map, residual maps) comes from the jobs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QRectF
from PyQt6.QtWidgets import QHBoxLayout, QWidget

from ..core import analysis
from ..model.maps import ShownMap
from ..model.session import CORRECTED, PRODUCT_MINUS_OURS, Session
from ..model.viewstate import PanelSource, RightView, ViewState, symmetric_limits
from .imagepanel import ImagePanel
from .inspector import PIN_COLOURS
from .jobs import Jobs

CURSOR_COLOUR = "#ffffff"
#: What redraws which part of the panels.
IMAGES = {"data_version", "frames", "integration", "group", "left", "right", "colourmap", "stretch", "limits", "lock_limits",
          "overlay_left", "overlay_right"}  # fmt: skip
MARKERS, OUTLINE = {"pixel", "pins"}, {"box"}


class Panels:
    """Input (or a chosen source) on the left, the right panel in its mode; zoom and pan shared."""

    def __init__(
        self, session: Session, view: ViewState, jobs: Jobs, guard: Callable[[Callable[[], object]], None]
    ) -> None:
        self.session, self.view, self.jobs, self.guard = session, view, jobs, guard
        self.left = ImagePanel("Input")
        self.right = ImagePanel("Corrected")
        self.right.view.setXLink(self.left.view)
        self.right.view.setYLink(self.left.view)
        self.widget = QWidget()
        row = QHBoxLayout(self.widget)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        row.addWidget(self.left)
        row.addWidget(self.right)
        #: Colour limits in use per view ("input", or the right panel's mode), kept while locked.
        self._limits: dict[str, tuple[float, float]] = {}
        #: The map the right panel shows (differences, residuals, NO_LIN_CORR), for the readout and stepping; else None.
        self.shown_map: ShownMap | None = None
        view.subscribe(self._follow)

    def _follow(self, changed: set[str]) -> None:
        if changed & {"data_version", "limits", "lock_limits"}:
            self._limits.clear()  # new data, new limits or a new lock: recomputed (and kept from now on if locked)
        if changed & IMAGES:
            self.redraw()
        elif changed & MARKERS:
            self._update_markers()
        if changed & OUTLINE:
            box = self.view.box
            rect = None if box is None else QRectF(box[0], box[1], box[2] - box[0], box[3] - box[1])
            for panel in (self.left, self.right):
                panel.view.show_box(rect)

    def redraw(self) -> None:
        """Both panels with the shared colour scale, the right panel in its mode."""
        session, view = self.session, self.view
        colourmap = pg.colormap.get(view.colourmap.value)
        self.shown_map = None
        if session.exposure is None:
            hint = "Open an exposure: File ▸ Open input... or drop a FITS file here"
            self.left.set_image(None, colourmap, hint)
            self.right.set_image(None, colourmap, "")
            return
        i, g = view.integration, view.group
        stretch = view.stretch.value
        self.jobs.integrations.begin_requests(i)
        plane = session.input_plane(i, g)
        low, high = self._limits_for("input", plane)
        if view.left is PanelSource.INPUT:
            self.left.set_image(analysis.stretch(plane, low, high, stretch), colourmap)
            preparing = self.jobs.preparing
            what = "Input" if preparing is None else f"Raw (_uncal) — preparing: {preparing}"
            self.left.title.setText(f"{what} — integration {i}, group {g}")
            self.left.colourbar.configure(colourmap, low, high, stretch, "DN")
        else:
            self._draw_reference_view(self.left, view.left, colourmap, (low, high), stretch)
        self._draw_right(colourmap, low, high, stretch)
        mask = session.no_lin_corr_mask() if (view.overlay_left or view.overlay_right) else None
        self.left.set_overlay(mask if view.overlay_left else None)
        # The NO_LIN_CORR map already shows those pixels in its legend's magenta: cyan over it would contradict the legend.
        over_map = view.right is RightView.NO_LIN_CORR_MASK
        self.right.set_overlay(mask if view.overlay_right and not over_map else None)
        self._update_markers()
        self.jobs.integrations.end_requests()

    def _draw_right(self, colourmap: pg.ColorMap, low: float, high: float, stretch: str) -> None:
        session, panel, jobs = self.session, self.right, self.jobs
        i, g = self.view.integration, self.view.group
        mode = self.view.right
        source = " (pipeline product)" if session.shows_product else ""
        if mode.compares_product:
            self._draw_comparison(mode, colourmap)
            return
        if mode.reference_view is not None:
            values = self._draw_reference_view(panel, mode.reference_view, colourmap, (low, high), stretch)
            if values is not None and mode.reference_view.signed:
                self.shown_map = ShownMap(mode.value, values, "DN")
            return
        if mode is RightView.NO_LIN_CORR_MASK:
            mask = session.no_lin_corr_mask()
            if mask is None:
                panel.set_image(None, colourmap, "Load a reference to see NO_LIN_CORR pixels")
                panel.title.setText("NO_LIN_CORR mask")
                return
            panel.set_mask(mask)
            panel.title.setText(f"NO_LIN_CORR mask — {int(mask.sum())} pixels")
            self.shown_map = ShownMap("NO_LIN_CORR mask", mask, "(1: left alone)")
            return
        # While a run streams the exposure the panel says so; otherwise reference A corrects what is shown.
        pending = jobs.correcting and not session.shows_product
        if not pending and self._awaits_integration(panel, CORRECTED, colourmap, mode.value):
            return
        corrected = None if pending else session.corrected_plane(i, g)
        if corrected is None:
            hint = "Correcting..." if pending else jobs.waiting_for or "Open a linearity reference"
            panel.set_image(None, colourmap, hint)
            panel.title.setText(mode.value)
            return
        if mode is RightView.CORRECTED:
            panel.set_image(analysis.stretch(corrected, low, high, stretch), colourmap)
            panel.colourbar.configure(colourmap, low, high, stretch, "DN")
            panel.title.setText(f"Corrected{source} — integration {i}, group {g}")
            return
        if mode is RightView.RESIDUAL_MAP:
            rms = jobs.residual_map(i)
            if rms is None:
                panel.set_image(None, colourmap, "Computing residual map...")
                panel.title.setText(f"Residual map — integration {i}")
                return
            values, title, unit = rms, f"Residual RMS of straight-line fits — integration {i}", "RMS (DN)"
            self.shown_map = ShownMap("residual RMS", rms, "DN")
        elif mode is RightView.RATIO:
            with np.errstate(invalid="ignore", divide="ignore"):
                values = session.input_plane(i, g) / corrected
            title, unit = f"Input / corrected — integration {i}, group {g}", "ratio"
        else:
            values = corrected - session.input_plane(i, g)
            title, unit = f"Corrected − input — integration {i}, group {g}", "DN"
        own_low, own_high = self._limits_for(mode.value, values)
        pool_about = 0.0 if mode is RightView.RESIDUAL_MAP else None  # the largest residuals stay visible
        panel.set_image(analysis.stretch(values, own_low, own_high, stretch), colourmap, pool_about=pool_about)
        panel.colourbar.configure(colourmap, own_low, own_high, stretch, unit)
        panel.title.setText(title)

    def _draw_reference_view(
        self, panel: ImagePanel, view: PanelSource, colourmap: pg.ColorMap, shared: tuple[float, float], stretch: str
    ) -> np.ndarray | None:
        """A correction with reference A or B (on the input's colour scale), or their difference or ratio;
        the values drawn, None when there are none yet."""
        i, g = self.view.integration, self.view.group
        source = self.session.source(view.value)
        if source is None:
            needs = "File ▸ Compare with reference... (reference B)" if view.needs_b else "Choose a reference (A)"
            panel.set_image(None, colourmap, needs)
            panel.title.setText(view.value)
            return None
        if self._awaits_integration(panel, view.value, colourmap, view.value):
            return None
        values = source.plane(i, g)
        unit = "ratio" if view is PanelSource.A_OVER_B else "DN"
        if view in (PanelSource.CORRECTED_A, PanelSource.CORRECTED_B):
            low, high = shared
        elif view.signed:
            low, high = symmetric_limits(values)
            stretch = "linear"
        else:
            low, high = self._limits_for(view.value, values)
        references = self.session.references
        names = " vs ".join(f"{label}: {references[label].path.name}" for label in sorted(references))
        pool_about = 0.5 if view.signed else None  # a difference map: zero sits mid-scale, single pixels stay visible
        panel.set_image(analysis.stretch(values, low, high, stretch), colourmap, pool_about=pool_about)
        panel.colourbar.configure(colourmap, low, high, stretch, unit)
        panel.title.setText(f"{view.value} — integration {i}, group {g} ({names})")
        return values

    def _awaits_integration(self, panel: ImagePanel, view: str, colourmap: pg.ColorMap, title: str) -> bool:
        """A read-level integration ``view`` needs is not corrected yet: a placeholder while a job corrects it."""
        i = self.view.integration
        pending = self.session.unready(i, view)
        if not pending:
            return False
        if self.jobs.integrations.request(pending, i):
            labels = " and ".join(sorted({p.label for p in pending}))
            hint = f"Correcting integration {i} with reference{'s' if ' and ' in labels else ''} {labels}..."
        else:
            hint = f"Integration {i} not corrected: show another integration and come back to try again"
        panel.set_image(None, colourmap, hint)
        panel.title.setText(title)
        return True

    def _limits_for(self, view: str, values: np.ndarray) -> tuple[float, float]:
        """The chosen limits of ``values``; while locked, the ones this view already had."""
        if not (self.view.lock_limits and view in self._limits):
            self._limits[view] = analysis.display_limits(values, self.view.limits.value)
        return self._limits[view]

    def _draw_comparison(self, mode: RightView, colourmap: pg.ColorMap) -> None:
        """The product against lininspect: their difference now, or where Verify found them to differ."""
        session, panel, jobs = self.session, self.right, self.jobs
        i, g = self.view.integration, self.view.group
        values = None
        if session.product is None:
            hint = "Open a pipeline product (File ▸ Open corrected...) to compare with"
        elif mode is RightView.VERIFY_DIFFERENCES:
            hint = "Verifying..." if jobs.verifying_now else "Correction ▸ Verify corrected file"
            if jobs.verification is not None:
                values = jobs.verification.where.astype(np.float32)
                title, unit = f"Verify differences — {int(np.count_nonzero(values))} pixels differ", "values differing"
                self.shown_map = ShownMap("values differing", values, "")
        else:
            hint = "Correcting..." if jobs.correcting else "Open a linearity reference to compare with"
            if self._awaits_integration(panel, PRODUCT_MINUS_OURS, colourmap, mode.value):
                return
            values = session.product_minus_ours(i, g)
            if values is None and session.can_correct and not jobs.correcting:
                self.guard(jobs.run_correction)  # its result redraws, showing "Correcting..." meanwhile
                return
            title, unit = f"Product − lininspect — integration {i}, group {g}", "DN"
            if values is not None:
                self.shown_map = ShownMap("product − lininspect", values, "DN")
        if values is None:
            panel.set_image(None, colourmap, hint)
            panel.title.setText(mode.value)
            return
        finite = values[np.isfinite(values)]
        spread = float(np.abs(finite).max()) if finite.size else 0.0
        spread = spread or 1.0  # all equal: a scale of ±1 rather than none
        low, high = (0.0, spread) if mode is RightView.VERIFY_DIFFERENCES else (-spread, spread)
        # Pooled to the zoom about "no difference": at fit zoom a single differing pixel stays visible.
        pool_about = 0.0 if mode is RightView.VERIFY_DIFFERENCES else 0.5
        panel.set_image(analysis.stretch(values, low, high, "linear"), colourmap, pool_about=pool_about)
        panel.colourbar.configure(colourmap, low, high, "linear", unit)
        panel.title.setText(title)

    def map_readout(self, x: int, y: int) -> str:
        """The right panel's map value at (x, y) for the status bar's readout, or nothing when it shows no map."""
        shown = self.shown_map
        if shown is None or not (0 <= y < shown.values.shape[0] and 0 <= x < shown.values.shape[1]):
            return ""
        return "  " + shown.readout(x, y)

    def _update_markers(self) -> None:
        points = [(x, y, PIN_COLOURS[n % len(PIN_COLOURS)]) for n, (x, y) in enumerate(self.view.pins)]
        if self.view.pixel is not None:
            points.append((*self.view.pixel, pg.mkColor(CURSOR_COLOUR)))
        for panel in (self.left, self.right):
            panel.set_markers(points)
