"""What the user is looking at, without Qt: frame, pixel, pins, box, what each panel shows and how.

Widgets subscribe to changes instead of being refreshed by hand: :meth:`ViewState.update`
calls every subscriber once with the names of the fields that changed.

Each panel has its own :class:`PanelDisplay` (colour map, stretch, limits); a lock is the
sharing of chosen fields between the panels (``linked``), as ginga's setting groups share
settings between channels: one mechanism for a common colour map, a locked scale and more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from enum import Enum
from typing import TYPE_CHECKING

import numpy as np

from ..core import dq
from ..core.errors import LinInspectError
from .hduplanes import HduPlane

if TYPE_CHECKING:
    from regions import PixelRegion


class PanelSource(Enum):
    """The data a panel can show; the value is the label in the panel's menu."""

    INPUT = "input"
    CORRECTED_A = "corrected A"
    CORRECTED_B = "corrected B"
    A_MINUS_B = "A − B"
    A_OVER_B = "A / B"
    INPUT_STEPS = "g−(g−1)"
    CORRECTED_A_STEPS = "A g−(g−1)"

    @property
    def needs_b(self) -> bool:
        return self in (PanelSource.CORRECTED_B, PanelSource.A_MINUS_B, PanelSource.A_OVER_B)

    @property
    def signed(self) -> bool:
        """A difference, shown on a scale symmetric about zero."""
        return self is PanelSource.A_MINUS_B

    @property
    def group_steps(self) -> bool:
        """Each group minus the one before (Rampviz's Difference): mostly the count rate, so on the usual scale."""
        return self in (PanelSource.INPUT_STEPS, PanelSource.CORRECTED_A_STEPS)


class RightView(Enum):
    """What the right panel shows; the value is the label in its menu (and in saved settings).

    ``CORRECTED`` is the pipeline product once one is opened, else the run or reference A's
    correction; ``CORRECTED_A`` is always reference A's correction, so the two differ beside a product.
    """

    CORRECTED = "Corrected"
    RATIO = "Ratio"
    DIFFERENCE = "Difference"
    NO_LIN_CORR_MASK = "NO_LIN_CORR mask"
    RESIDUAL_MAP = "Residual map"
    PRODUCT_MINUS_OURS = "Product − lininspect"
    VERIFY_DIFFERENCES = "Verify differences"
    CORRECTED_A = PanelSource.CORRECTED_A.value
    CORRECTED_B = PanelSource.CORRECTED_B.value
    A_MINUS_B = PanelSource.A_MINUS_B.value
    A_OVER_B = PanelSource.A_OVER_B.value
    INPUT_STEPS = PanelSource.INPUT_STEPS.value
    CORRECTED_A_STEPS = PanelSource.CORRECTED_A_STEPS.value

    @property
    def reference_view(self) -> PanelSource | None:
        """The reference view this is (the same as the left panel's), or None for the right panel's own."""
        return next((source for source in PanelSource if source.value == self.value), None)

    @property
    def compares_product(self) -> bool:
        """A view of an opened pipeline product against lininspect's correction."""
        return self in (RightView.PRODUCT_MINUS_OURS, RightView.VERIFY_DIFFERENCES)


class Colourmap(Enum):
    """pyqtgraph's colour map names; perceptually uniform ones first."""

    INFERNO = "inferno"
    VIRIDIS = "viridis"
    MAGMA = "magma"
    CIVIDIS = "cividis"
    CET_L1 = "CET-L1"
    TURBO = "turbo"
    GREY = "grey"


class Stretch(Enum):
    """DS9's stretches (core.analysis.STRETCHES), labelled as its Scale menu."""

    LINEAR = "linear"
    LOG = "log"
    SQRT = "sqrt"
    SQUARED = "squared"
    ASINH = "asinh"
    HISTEQ = "histeq"


class Limits(Enum):
    """DS9's scale limits: computed from the panel's own data, or typed by the user."""

    MINMAX = "min-max"
    ZSCALE = "zscale"
    P99_5 = "99.5%"
    P99 = "99%"
    P98 = "98%"
    P95 = "95%"
    USER = "user"


#: The DQ planes whose bits the DQ browser chooses, and the bits each holds (GROUPDQ the first eight).
DQ_PLANES: dict[str, tuple[str, ...]] = {"PIXELDQ": tuple(dq.FLAGS), "GROUPDQ": tuple(dq.FLAGS)[:8]}
#: The two image panels, by the name of their display state's field prefix.
PANELS = ("left", "right")
#: What can be linked between the panels: PanelDisplay's fields, "scale", the right panel drawn
#: on the very limits the left panel uses (DS9's lock scalelimits), and "crosshair", the pixel
#: under the cursor marked in both panels with each panel's value (DS9's lock crosshair).
LINKABLE = ("colourmap", "stretch", "limits", "user_limits", "scale", "crosshair")


@dataclass(frozen=True)
class PanelDisplay:
    """How one panel maps its values to colours."""

    colourmap: Colourmap = Colourmap.INFERNO
    stretch: Stretch = Stretch.LINEAR
    limits: Limits = Limits.ZSCALE
    #: The typed (or dragged) limits, used when ``limits`` is USER.
    user_limits: tuple[float, float] = (0.0, 1.0)


Pixel = tuple[int, int]


@dataclass
class ViewState:
    """The displayed frame and selection; mutate through :meth:`update` so subscribers hear of it.

    ``frames`` is the exposure's (integrations, groups): the frame is kept inside it, so a key
    pressed at the last group, a script or a spin box cannot ask for a plane that is not there.
    """

    frames: tuple[int, int] = (1, 1)
    #: Raised when the session's content changes (a file, a reference, a result): what is shown is re-read.
    data_version: int = 0
    integration: int = 0
    group: int = 0
    pixel: Pixel | None = None
    pins: tuple[Pixel, ...] = ()
    box: tuple[int, int, int, int] | None = None  # x0, y0, x1, y1 (exclusive)
    left: PanelSource = PanelSource.INPUT
    right: RightView = RightView.CORRECTED
    left_display: PanelDisplay = PanelDisplay()
    right_display: PanelDisplay = PanelDisplay()
    #: Fields of LINKABLE the panels share: setting one on either panel sets it on both.
    linked: frozenset[str] = frozenset({"colourmap", "stretch", "limits"})
    #: Keep each view's colour limits while stepping through groups and integrations.
    lock_limits: bool = False
    #: The pixel under the cursor, marked in both panels while "crosshair" is linked.
    crosshair: Pixel | None = None
    #: An HDU plane (GROUPDQ, ZEROFRAME, a reference's COEFFS plane...) shown in a panel instead of its own view.
    left_hdu: HduPlane | None = None
    right_hdu: HduPlane | None = None
    #: NO_LIN_CORR pixels drawn over the left and the right panel.
    overlay_left: bool = False
    overlay_right: bool = False
    #: The Regions tool's regions (circles, annuli, boxes, polygons of the ``regions`` package), in array pixels.
    regions: tuple[PixelRegion, ...] = ()
    #: The DQ browser's chosen bits, as (plane, bit name) pairs of DQ_PLANES.
    dq_bits: frozenset[tuple[str, str]] = frozenset()
    _subscribers: list[Callable[[set[str]], None]] = field(default_factory=list, repr=False, compare=False)
    #: Told of a view's refusal to show the new state (its file truncated while open, say), once
    #: every view has been told of the change; without it the refusal is raised.
    on_refusal: Callable[[LinInspectError], None] | None = field(default=None, repr=False, compare=False)

    def subscribe(self, callback: Callable[[set[str]], None]) -> None:
        self._subscribers.append(callback)

    def unsubscribe(self, callback: Callable[[set[str]], None]) -> None:
        """Stop telling ``callback``; a callback not subscribed is ignored."""
        if callback in self._subscribers:
            self._subscribers.remove(callback)

    @property
    def colourmap(self) -> Colourmap:
        """The left panel's colour map (``update(colourmap=...)`` sets both panels')."""
        return self.left_display.colourmap

    @property
    def stretch(self) -> Stretch:
        return self.left_display.stretch

    @property
    def limits(self) -> Limits:
        return self.left_display.limits

    def display(self, panel: str) -> PanelDisplay:
        """The display state of ``panel`` ("left" or "right")."""
        return self.left_display if panel == "left" else self.right_display

    def set_display(self, panel: str, **choices: object) -> set[str]:
        """Set ``panel``'s display choices; the linked ones are set on the other panel too."""
        other = "right" if panel == "left" else "left"
        shared = {name: value for name, value in choices.items() if name in self.linked}
        return self.update(**{f"{panel}_display": replace(self.display(panel), **choices),  # type: ignore[arg-type]
                              f"{other}_display": replace(self.display(other), **shared)})  # type: ignore[arg-type]

    def link(self, name: str, on: bool, *, source: str = "left") -> set[str]:
        """Share (or stop sharing) ``name`` between the panels; linking copies ``source``'s choice to the other."""
        if name not in LINKABLE:
            raise AttributeError(f"nothing to link named {name}")
        linked = self.linked | {name} if on else self.linked - {name}
        other = "right" if source == "left" else "left"
        changes: dict[str, object] = {"linked": linked}
        if name == "crosshair" and not on:
            changes["crosshair"] = None
        if on and name in PanelDisplay.__dataclass_fields__:
            value = getattr(self.display(source), name)
            changes[f"{other}_display"] = replace(self.display(other), **{name: value})
        return self.update(**changes)

    def hover(self, pixel: Pixel | None) -> None:
        """The cursor is over ``pixel`` (None: off the images); followed only while the crosshair is linked."""
        if "crosshair" in self.linked:
            self.update(crosshair=pixel)

    def update(self, **changes: object) -> set[str]:
        """Set fields (the frame clamped to ``frames``); tell subscribers which ones changed (none told when nothing did).

        ``colourmap``, ``stretch`` and ``limits`` are accepted as shorthands that set both panels' choice.
        """
        for name in ("colourmap", "stretch", "limits"):
            if name in changes:
                value = changes.pop(name)
                for panel in PANELS:
                    key = f"{panel}_display"
                    changes[key] = replace(changes.get(key, self.display(panel)), **{name: value})  # type: ignore[arg-type]
        names = {f.name for f in fields(self) if not f.name.startswith("_")}
        unknown = set(changes) - names
        if unknown:
            raise AttributeError(f"no view state named {', '.join(sorted(unknown))}")
        nints, ngroups = changes.get("frames", self.frames)  # type: ignore[misc]
        for name, count in (("integration", nints), ("group", ngroups)):
            wanted = changes.get(name, getattr(self, name))
            changes[name] = min(max(int(wanted), 0), count - 1)  # type: ignore[call-overload]
        changed = {name for name, value in changes.items() if getattr(self, name) != value}
        for name in changed:
            setattr(self, name, changes[name])
        refusals: list[LinInspectError] = []
        if changed:
            for callback in list(self._subscribers):
                try:
                    callback(changed)
                except LinInspectError as refusal:  # the other views still follow the change
                    refusals.append(refusal)
        if refusals:
            if self.on_refusal is None:
                raise refusals[0]
            self.on_refusal(refusals[0])
        return changed

    def data_changed(self, **changes: object) -> set[str]:
        """The session has new content: every view re-reads it, along with ``changes``, in one notification."""
        return self.update(data_version=self.data_version + 1, **changes)


def symmetric_limits(values: np.ndarray, percentile: float = 99.5) -> tuple[float, float]:
    """A scale centred on zero for a difference: ±the 99.5th percentile of its size.

    Not the largest value: a few pixels one reference leaves alone differ by thousands of
    DN and would flatten the rest of the map to one colour.
    """
    sizes = np.abs(values[np.isfinite(values)])
    spread = float(np.percentile(sizes, percentile)) if sizes.size else 0.0
    spread = spread or (float(sizes.max()) if sizes.size else 0.0) or 1.0
    return -spread, spread
