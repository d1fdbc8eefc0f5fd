"""Drawing the panels and the status-bar readout from the session: what each panel shows, on which scale."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from ..core import analysis, dq
from ..core.errors import LinInspectError
from ..model.session import CORRECTED, PRODUCT_MINUS_OURS
from ..model.viewstate import PanelSource, symmetric_limits
from .controls import COMPARISON_MODES, CURSOR_COLOUR, REFERENCE_VIEWS
from .imagepanel import ImagePanel
from .inspector import PIN_COLOURS
from .worker import running


class RenderingMixin:
    """Part of :class:`~lininspect.gui.mainwindow.MainWindow`; uses its widgets and session."""

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
        stretch = self.view.stretch.value
        self._begin_integration_requests()
        plane = session.input_plane(i, g)
        low, high = self._limits_for("input", plane)
        left = self.view.left
        if left is PanelSource.INPUT:
            self.left.set_image(analysis.stretch(plane, low, high, stretch), colourmap)
            what = "Input" if self.preparing is None else f"Raw (_uncal) — preparing: {self.preparing}"
            self.left.title.setText(f"{what} — integration {i}, group {g}")
            self.left.colourbar.configure(colourmap, low, high, stretch, "DN")
        else:
            self._draw_reference_view(self.left, left, colourmap, (low, high), stretch)
        self._refresh_right(colourmap, low, high, stretch)
        mask = session.no_lin_corr_mask() if (self.overlay_left.isChecked() or self.overlay_right.isChecked()) else None
        self.left.set_overlay(mask if self.overlay_left.isChecked() else None)
        self.right.set_overlay(mask if self.overlay_right.isChecked() else None)
        self._update_markers()
        self._end_integration_requests()

    def _refresh_right(self, colourmap: pg.ColorMap, low: float, high: float, stretch: str) -> None:
        session, panel = self.session, self.right
        i, g = self.integration, self.group
        mode = self.mode_box.currentText()
        source = " (pipeline product)" if session.shows_product else ""
        if mode in COMPARISON_MODES:
            self._refresh_comparison(mode, colourmap)
            return
        if mode in REFERENCE_VIEWS:
            self._draw_reference_view(panel, PanelSource(mode), colourmap, (low, high), stretch)
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
        # While a run streams the exposure the panel says so; otherwise reference A corrects what is shown.
        pending = running(self.correction) and not session.shows_product
        if not pending and self._awaits_integration(panel, CORRECTED, colourmap, mode):
            return
        corrected = None if pending else session.corrected_plane(i, g)
        if corrected is None:
            hint = "Correcting..." if pending else "Open a linearity reference"
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

    def _draw_reference_view(
        self, panel: ImagePanel, view: PanelSource, colourmap: pg.ColorMap, shared: tuple[float, float], stretch: str
    ) -> None:
        """A correction with reference A or B (on the input's colour scale), or their difference or ratio."""
        i, g = self.integration, self.group
        source = self.session.source(view.value)
        if source is None:
            needs = "File ▸ Compare with reference... (reference B)" if view.needs_b else "Choose a reference (A)"
            panel.set_image(None, colourmap, needs)
            panel.title.setText(view.value)
            return
        if self._awaits_integration(panel, view.value, colourmap, view.value):
            return
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
        panel.set_image(analysis.stretch(values, low, high, stretch), colourmap)
        panel.colourbar.configure(colourmap, low, high, stretch, unit)
        panel.title.setText(f"{view.value} — integration {i}, group {g} ({names})")

    def _awaits_integration(self, panel: ImagePanel, view: str, colourmap: pg.ColorMap, title: str) -> bool:
        """A read-level integration ``view`` needs is not corrected yet: a placeholder while a job corrects it."""
        pending = self.session.unready(self.integration, view)
        if not pending:
            return False
        i = self.integration
        if self._request_integrations(pending):
            labels = " and ".join(sorted({p.label for p in pending}))
            hint = f"Correcting integration {i} with reference{'s' if ' and ' in labels else ''} {labels}..."
        else:
            hint = f"Integration {i} not corrected: show another integration and come back to try again"
        panel.set_image(None, colourmap, hint)
        panel.title.setText(title)
        return True

    def _limits_for(self, view: str, values: np.ndarray) -> tuple[float, float]:
        """The chosen limits of ``values``; while locked, the ones this view already had."""
        if not (self.lock_limits.isChecked() and view in self._limits):
            self._limits[view] = analysis.display_limits(values, self.view.limits.value)
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
            hint = "Verifying..." if running(self.verifying) else "Correction ▸ Verify corrected file"
            if self.verification is not None:
                values = self.verification.where.astype(np.float32)
                title, unit = f"Verify differences — {int(np.count_nonzero(values))} pixels differ", "values differing"
        else:
            hint = "Correcting..." if running(self.correction) else "Open a linearity reference to compare with"
            if self._awaits_integration(panel, PRODUCT_MINUS_OURS, colourmap, mode):
                return
            values = session.product_minus_ours(i, g)
            if values is None and session.can_correct and not running(self.correction):
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

    def _no_lin_corr_count(self) -> int:
        mask = self.session.no_lin_corr_mask()
        return 0 if mask is None else int(mask.sum())

    def _update_markers(self) -> None:
        points = [(x, y, PIN_COLOURS[n % len(PIN_COLOURS)]) for n, (x, y) in enumerate(self.pins)]
        if self.pixel is not None:
            points.append((*self.pixel, pg.mkColor(CURSOR_COLOUR)))
        for panel in (self.left, self.right):
            panel.set_markers(points)

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
        # A read-level integration still being corrected is left out rather than waited for.
        corrected_plane = None if session.unready(i, CORRECTED) else session.corrected_plane(i, g)
        if corrected_plane is not None:
            corrected = float(corrected_plane[y, x])
            ratio = value / corrected if corrected != 0 else float("nan")
            text += f"  corrected {corrected:.6g} DN  ratio {ratio:.5f}"
        pixeldq = session.result_pixeldq()
        text += f"  PIXELDQ {dq.describe(int((pixeldq if pixeldq is not None else exposure.pixeldq)[y, x]))}"
        groupdq = 0 if exposure.groupdq is None else int(exposure.groupdq[i, g, y, x])
        return text + f"  GROUPDQ {dq.describe(groupdq)}"
