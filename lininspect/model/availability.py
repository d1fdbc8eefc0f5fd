"""Whether the right panel's view can show anything with the files the session holds.

A view restored from the last run of the app ("A − B") may need a file this run has not
loaded; the window then falls back to a view that shows something and says why.
"""

from __future__ import annotations

from .session import B, Session
from .viewstate import PanelSource, RightView

#: What every view falls back to: it needs only the exposure and reference A.
FALLBACK = RightView.CORRECTED
#: What the left panel falls back to: it needs only the exposure.
LEFT_FALLBACK = PanelSource.INPUT


def missing_for(view: RightView, session: Session) -> str | None:
    """What ``view`` needs that ``session`` lacks (``"reference B"``, ``"a pipeline product"``), or None."""
    reference_view = view.reference_view
    if reference_view is not None and reference_view.needs_b and B not in session.references:
        return "reference B"
    if view.compares_product and session.product is None:
        return "a pipeline product"
    return None


def missing_for_left(source: PanelSource, session: Session) -> str | None:
    """What the left panel's ``source`` needs that ``session`` lacks (``"reference B"``), or None."""
    return "reference B" if source.needs_b and B not in session.references else None
