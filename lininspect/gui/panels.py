"""The two image panels, drawn from the session as the view state and the display choices say.

They subscribe to the view state: the frame, the sources and the scale redraw the images,
the pixel and pins move the markers, the box moves the outline. What is drawn is decided
from the view state alone, never read back from the toolbar's widgets. What only the window knows
(a run under way, Verify's map, residual maps) comes from the jobs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QRectF
from PyQt6.QtWidgets import QHBoxLayout, QWidget

from ..core.analysis import analysis
from ..core.errors import LinInspectError
from ..model.hduplanes import HduPlane, flag_limits, read_plane, survey_stack
from ..model.maps import ShownMap
from ..model.session import CORRECTED, PRODUCT_MINUS_OURS, Session
from ..model.viewstate import Limits, PanelSource, RightView, ViewState, symmetric_limits
from .colourmaps import colour_map, equalised
from .imagepanel import ImagePanel
from .inspector import PIN_COLOURS
from .jobs import Jobs

CURSOR_COLOUR = "#ffffff"
#: What redraws which part of the panels.
IMAGES = {"data_version", "frames", "integration", "group", "left", "right", "left_display", "right_display", "linked",
          "lock_limits", "overlay_left", "overlay_right", "left_hdu", "right_hdu"}  # fmt: skip
MARKERS, OUTLINE = {"pixel", "pins"}, {"box"}
CROSSHAIR_COLOUR = "#7fffd4"
#: Changes that concern the left panel alone.
LEFT_ONLY = {"left", "left_display", "left_hdu"}
#: Changes after which each view's colour limits are computed afresh (and a panel's change of limits method).
NEW_LIMITS = {"data_version", "lock_limits"}


@dataclass(frozen=True)
class ShownScale:
    """What a panel draws and on which limits: what the levels widget shows a histogram of."""

    values: np.ndarray
    low: float
    high: float
    stretch: str
    unit: str = ""


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
        #: Colour limits in use per panel and view ("input", or the right panel's mode), kept while locked.
        self._limits: dict[tuple[str, str], tuple[float, float]] = {}
        #: Each panel's scaled image, while it shows one ("left", "right").
        self.shown: dict[str, ShownScale] = {}
        self.crosshairs = {name: Crosshair(panel) for name, panel in (("left", self.left), ("right", self.right))}
        #: The links as last drawn, to tell which one a change of links concerns.
        self._linked = view.linked
        #: Each panel's limits method as last drawn: a new one clears that panel's kept limits.
        self._methods = {panel: view.display(panel).limits for panel in ("left", "right")}
        #: The map the right panel shows (differences, residuals, NO_LIN_CORR), for the readout and stepping; else None.
        self.shown_map: ShownMap | None = None
        #: The HDU plane the left panel shows, for the readout; else None.
        self.left_map: ShownMap | None = None
        view.subscribe(self._follow)

    def _follow(self, changed: set[str]) -> None:
        if "linked" in changed:
            linked_now = self._linked ^ self.view.linked
            self._linked = self.view.linked
            if linked_now <= {"crosshair"}:  # the crosshair's link changes no image
                changed = changed - {"linked"}
        methods = {panel: self.view.display(panel).limits for panel in ("left", "right")}
        if changed & NEW_LIMITS:
            self._limits.clear()  # new data or a new lock: recomputed (and kept from now on if locked)
        for panel in ("left", "right"):
            if methods[panel] is not self._methods[panel]:  # a new method: that panel's limits recomputed
                self._limits = {key: limits for key, limits in self._limits.items() if key[0] != panel}
        self._methods = methods
        if changed & IMAGES:
            # The left panel's own choices leave the right panel as it is, unless it takes the left's limits.
            self.redraw(right=bool(changed & IMAGES - LEFT_ONLY) or "scale" in self.view.linked)
        elif changed & MARKERS:
            self._update_markers()
        if changed & (IMAGES | {"crosshair"}):
            self._update_crosshairs()
        if changed & OUTLINE:
            box = self.view.box
            rect = None if box is None else QRectF(box[0], box[1], box[2] - box[0], box[3] - box[1])
            for panel in (self.left, self.right):
                panel.view.show_box(rect)

    def redraw(self, *, right: bool = True) -> None:
        """Each panel on its own colour scale (or the left's, when the scale is linked), the right one in its mode;
        without ``right`` the left panel only (a blink of the left panel's source costs one panel)."""
        session, view = self.session, self.view
        for name in ("left", "right") if right else ("left",):
            self.shown.pop(name, None)
        if right:
            self.shown_map = None
        if session.exposure is None:
            hint = "Open an exposure: File ▸ Open input... or drop a FITS file here"
            self.left.set_image(None, colour_map(view.left_display.colourmap), hint)
            self.right.set_image(None, colour_map(view.right_display.colourmap), "")
            return
        i, g = view.integration, view.group
        self.jobs.integrations.begin_requests(i)
        self.left_map = None
        if view.left_hdu is not None:
            values = self._draw_hdu(self.left, view.left_hdu)
            self.left_map = None if values is None else ShownMap(view.left_hdu.label, values, "")
        elif view.left is PanelSource.INPUT:
            self._scale(self.left, "input", session.input_plane(i, g), "DN")
            preparing = self.jobs.preparing
            what = "Input" if preparing is None else f"Raw (_uncal) — preparing: {preparing}"
            self.left.title.setText(f"{what} — integration {i}, group {g}")
        else:
            self._draw_reference_view(self.left, view.left)
        if right:
            self._draw_right()
        mask = session.no_lin_corr_mask() if (view.overlay_left or view.overlay_right) else None
        self.left.set_overlay(mask if view.overlay_left else None)
        if right:
            # The NO_LIN_CORR map already shows those pixels in its legend's magenta: cyan over it would contradict the legend.
            over_map = view.right is RightView.NO_LIN_CORR_MASK
            self.right.set_overlay(mask if view.overlay_right and not over_map else None)
        self._update_markers()
        self.jobs.integrations.end_requests()

    def _panel_name(self, panel: ImagePanel) -> str:
        return "left" if panel is self.left else "right"

    def _colour_map(self, panel: ImagePanel) -> pg.ColorMap:
        return colour_map(self.view.display(self._panel_name(panel)).colourmap)

    def _scale(self, panel: ImagePanel, key: str, values: np.ndarray, unit: str, pool_about: float | None = None) -> None:
        """Draw ``values`` in ``panel`` on the panel's limits and stretch, with its colour bar
        (``pool_about``: a map drawn pooled to the zoom, see ImagePanel.set_image)."""
        name = self._panel_name(panel)
        low, high = self._limits_for(name, key, values)
        stretch = self.view.display(name).stretch.value
        colourmap = self._colour_map(panel)
        if stretch == "histeq":  # equalised through the colour map: the image itself stays linear
            colourmap = equalised(colourmap, *analysis.equalisation_curve(values, low, high))
            panel.set_image(self.session.ready_images.stretched(values, low, high, "linear"), colourmap, pool_about=pool_about)
            panel.colourbar.configure(colourmap, low, high, "linear", unit)
        else:
            panel.set_image(self.session.ready_images.stretched(values, low, high, stretch), colourmap, pool_about=pool_about)
            panel.colourbar.configure(colourmap, low, high, stretch, unit)
        self.shown[name] = ShownScale(values, low, high, stretch, unit)

    def _draw_right(self) -> None:
        session, panel, jobs = self.session, self.right, self.jobs
        i, g = self.view.integration, self.view.group
        colourmap = self._colour_map(panel)
        mode = self.view.right
        source = " (pipeline product)" if session.shows_product else ""
        if self.view.right_hdu is not None:
            values = self._draw_hdu(panel, self.view.right_hdu)
            if values is not None:
                self.shown_map = ShownMap(self.view.right_hdu.label, values, "")
            return
        if mode.compares_product:
            self._draw_comparison(mode, colourmap)
            return
        if mode.reference_view is not None:
            values = self._draw_reference_view(panel, mode.reference_view)
            if values is not None and (mode.reference_view.signed or mode.reference_view.group_steps):
                self.shown_map = ShownMap(mode.value, values, "DN")  # a value on hover, largest first when stepped
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
            self._scale(panel, mode.value, corrected, "DN")
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
        pool_about = 0.0 if mode is RightView.RESIDUAL_MAP else None  # the largest residuals stay visible
        self._scale(panel, mode.value, values, unit, pool_about)
        panel.title.setText(title)

    def _draw_hdu(self, panel: ImagePanel, plane: HduPlane) -> np.ndarray | None:
        """An HDU's plane on the exposure's grid (flags pooled to the zoom, so a lone flag stays visible);
        the values drawn, None when it cannot be read (the reason in the panel)."""
        i, g = self.view.integration, self.view.group
        try:
            values = read_plane(self.session, plane, i, g)
        except LinInspectError as error:
            panel.set_image(None, self._colour_map(panel), str(error))
            panel.title.setText(plane.label)
            return None
        frame = f" — integration {i}, group {g}" if plane.per_group else f" — integration {i}" if plane.per_integration else ""
        if plane.survey and self.session.survey is not None:
            owner = f" ({self.session.survey.directory.name}, {survey_stack(self.session)})"
        else:
            owner = "" if plane.reference is None else f" ({self.session.references[plane.reference].path.name})"
        name = self._panel_name(panel)
        if plane.is_flags and self.view.display(name).limits is not Limits.USER:
            low, high = flag_limits(values)
            colourmap = self._colour_map(panel)
            panel.set_image(analysis.stretch(values, low, high, "linear"), colourmap, pool_about=0.0)
            panel.colourbar.configure(colourmap, low, high, "linear", "flags")
            self.shown[name] = ShownScale(values, low, high, "linear", "flags")
        else:
            self._scale(panel, f"hdu {plane.label}", values, "flags" if plane.is_flags else "", 0.0 if plane.is_flags else None)
        panel.title.setText(f"{plane.label}{frame}{owner}")
        return values

    def _draw_reference_view(self, panel: ImagePanel, view: PanelSource) -> np.ndarray | None:
        """A correction with reference A or B, or their difference (on a scale centred on 0) or ratio;
        the values drawn, None when there are none yet."""
        i, g = self.view.integration, self.view.group
        colourmap = self._colour_map(panel)
        source = self.session.source(view.value)
        if source is None:
            needs = "File ▸ Compare with reference... (reference B)" if view.needs_b else "Choose a reference (A)"
            panel.set_image(None, colourmap, needs)
            panel.title.setText(view.value)
            return None
        if view.group_steps and g == 0:
            panel.set_image(None, colourmap, "Group 0 has no group before it: show group 1 or later")
            panel.title.setText(f"{view.value} — integration {i}, group 0")
            return None
        if self._awaits_integration(panel, view.value, colourmap, view.value):
            return None
        values = source.plane(i, g)
        unit = "ratio" if view is PanelSource.A_OVER_B else "DN"
        if view.signed and self.view.display(self._panel_name(panel)).limits is not Limits.USER:
            low, high = symmetric_limits(values)
            # A difference map: zero sits mid-scale, pooled to the zoom so single pixels stay visible.
            panel.set_image(analysis.stretch(values, low, high, "linear"), colourmap, pool_about=0.5)
            panel.colourbar.configure(colourmap, low, high, "linear", unit)
            self.shown[self._panel_name(panel)] = ShownScale(values, low, high, "linear", unit)
        else:
            self._scale(panel, view.value, values, unit)
        references = self.session.references
        names = " vs ".join(f"{label}: {references[label].path.name}" for label in sorted(references))
        panel.title.setText(f"{view.value} — integration {i}, group {g} ({names})")
        return values

    def _awaits_integration(self, panel: ImagePanel, view: str, colourmap: pg.ColorMap, title: str) -> bool:
        """A read-level integration ``view`` needs is not corrected yet: a placeholder while a job corrects
        the shown group; that group drawn while another corrects the rest."""
        i = self.view.integration
        pending = self.session.unready(i, view, self.view.group)
        if not pending:
            return False
        started = self.jobs.integrations.request(pending, i)
        if all(p.groups is None for p in pending):  # the shown group is corrected: the rest need not be waited for
            return False
        if started:
            labels = " and ".join(sorted({p.label for p in pending}))
            hint = f"Correcting integration {i} with reference{'s' if ' and ' in labels else ''} {labels}..."
        else:
            hint = f"Integration {i} not corrected: show another integration and come back to try again"
        panel.set_image(None, colourmap, hint)
        panel.title.setText(title)
        return True

    def _limits_for(self, panel: str, view: str, values: np.ndarray) -> tuple[float, float]:
        """``panel``'s limits for ``values``: the left panel's when the scale is linked, the typed ones, or
        computed from ``values`` themselves by the panel's method (while locked, the ones this view already had)."""
        if panel == "right" and "scale" in self.view.linked and "left" in self.shown:
            left = self.shown["left"]
            return left.low, left.high
        display = self.view.display(panel)
        if display.limits is Limits.USER:
            low, high = display.user_limits
            return (low, high) if high > low else (low, low + 1.0)
        key = (panel, view)
        if not (self.view.lock_limits and key in self._limits):
            self._limits[key] = self.session.ready_images.limits(values, display.limits.value)
        return self._limits[key]

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
        """The left panel's HDU plane and the right panel's map at (x, y) for the status bar's readout,
        or nothing when neither shows one."""
        text = ""
        for shown in (self.left_map, self.shown_map):
            if shown is not None and 0 <= y < shown.values.shape[0] and 0 <= x < shown.values.shape[1]:
                text += "  " + shown.readout(x, y)
        return text

    def shown_limits(self, panel: str) -> tuple[float, float] | None:
        """The limits ``panel`` draws its image on now, None while it shows none (or a mask)."""
        shown = self.shown.get(panel)
        return None if shown is None else (shown.low, shown.high)

    def shown_plane(self, panel: str) -> ShownMap | None:
        """What ``panel`` draws now: its name (the view's label), the values before colour scaling and their
        unit; None while it shows no image. For sending the plane elsewhere (SAMP), never read from pixels."""
        view = self.view
        shown = self.shown.get(panel)
        hdu = view.left_hdu if panel == "left" else view.right_hdu
        name = hdu.label if hdu is not None else view.left.value if panel == "left" else view.right.value
        if shown is not None:
            return ShownMap(name, shown.values, shown.unit)
        drawn = self.left_map if panel == "left" else self.shown_map
        return None if drawn is None else ShownMap(name, drawn.values, drawn.unit)

    def crosshair_value(self, panel: str) -> float | None:
        """The value ``panel`` shows at the crosshair, None when it shows no image there."""
        pixel, shown = self.view.crosshair, self.shown.get(panel)
        if pixel is None or shown is None:
            return None
        x, y = pixel
        rows, columns = shown.values.shape
        return float(shown.values[y, x]) if 0 <= y < rows and 0 <= x < columns else None

    def _update_crosshairs(self) -> None:
        for name, crosshair in self.crosshairs.items():
            crosshair.show(self.view.crosshair, self.crosshair_value(name))

    def _update_markers(self) -> None:
        points = [(x, y, PIN_COLOURS[n % len(PIN_COLOURS)]) for n, (x, y) in enumerate(self.view.pins)]
        if self.view.pixel is not None:
            points.append((*self.view.pixel, pg.mkColor(CURSOR_COLOUR)))
        for panel in (self.left, self.right):
            panel.set_markers(points)


class Crosshair:
    """Two lines through a pixel's centre and its value beside them, in one panel (DS9's lock crosshair)."""

    def __init__(self, panel: ImagePanel) -> None:
        pen = pg.mkPen(CROSSHAIR_COLOUR, width=1, cosmetic=True)
        self.lines = [pg.InfiniteLine(angle=angle, movable=False, pen=pen) for angle in (90, 0)]
        self.label = pg.TextItem("", color=CROSSHAIR_COLOUR, anchor=(0, 1), fill=(0, 0, 0, 170))  # legible on bright pixels
        for item in (*self.lines, self.label):
            item.setZValue(12)
            item.hide()
            panel.view.addItem(item, ignoreBounds=True)

    def show(self, pixel: tuple[int, int] | None, value: float | None) -> None:
        if pixel is None:
            for item in (*self.lines, self.label):
                item.hide()
            return
        x, y = pixel[0] + 0.5, pixel[1] + 0.5
        self.lines[0].setValue(x)
        self.lines[1].setValue(y)
        self.label.setText(f"({pixel[0]}, {pixel[1]}) " + ("—" if value is None else f"{value:.6g}"))
        self.label.setPos(x, y)
        for item in (*self.lines, self.label):
            item.show()

    @property
    def text(self) -> str:
        """What the label says, or "" while hidden."""
        return self.label.textItem.toPlainText() if self.label.isVisible() else ""
