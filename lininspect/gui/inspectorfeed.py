"""What the pixel inspector plots, taken from the session for the view state's pixel, pins and box.

The inspector draws whatever facts it is given; this feed subscribes to the view state and
gives it new facts when the selection or the integration changes, and only moves its group
marker when the group does (a step through groups reads no ramps).
"""

from __future__ import annotations

from ..core.fits.exposure import Exposure
from ..model.session import Session
from ..model.viewstate import ViewState
from .inspector import PIN_COLOURS, PixelInspector, RegionMean

#: Changes after which the inspector's facts are read again.
SELECTION = {"data_version", "frames", "integration", "pixel", "pins", "box"}


class InspectorFeed:
    """Keeps a :class:`PixelInspector` showing the view state's selection."""

    def __init__(self, session: Session, view: ViewState, inspector: PixelInspector) -> None:
        self.session, self.view, self.inspector = session, view, inspector
        #: The exposure the plots' ranges were fitted to.
        self._exposure: Exposure | None = None
        inspector.allIntegrationsToggled.connect(lambda _: self._reload())
        view.subscribe(self._follow)

    def _follow(self, changed: set[str]) -> None:
        if "data_version" in changed:
            self._reload_flagged()
        if changed & SELECTION:
            self._reload()
        elif "group" in changed:
            self.inspector.set_group(self.view.group)

    def _reload(self) -> None:
        """Read the facts of the selection again (new data, or a new selection) and redraw."""
        session, view, inspector = self.session, self.view, self.inspector
        inspector.integration, inspector.group = view.integration, view.group
        if session.exposure is not self._exposure:
            self._exposure = session.exposure
            inspector.forget_ranges()
        inspector.exposure_path = session.input_path if session.exposure is not None else None
        inspector.reference_path = session.reference.path if session.reference is not None else None
        here = view.pixel
        inspector.facts = None if here is None or not session.contains(*here) else session.pixel(*here, view.integration)
        inspector.pins = [
            (session.pixel(x, y), PIN_COLOURS[n % len(PIN_COLOURS)])
            for n, (x, y) in enumerate(view.pins)
            if session.contains(x, y)
        ]
        box = view.box
        if box is None or session.exposure is None:
            inspector.region = None
        else:
            raw, corrected, count = session.region_means(view.integration, *box)
            inspector.region = RegionMean(*box, view.integration, raw, corrected, count)
        inspector.follow_pixel(here)
        inspector.refresh()

    def _reload_flagged(self) -> None:
        """The NO_LIN_CORR pixels the inspector offers, for the reference now in use."""
        self.inspector.set_flagged(self.session.no_lin_corr_pixels())
