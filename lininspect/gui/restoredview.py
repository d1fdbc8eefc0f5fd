"""The right panel's view restored from the last run of the app, kept only if this run can show it.

Saved settings remember "A − B" or "Product − lininspect"; started on files without B or a
product, that view would leave the panel blank. Once the exposure and reference A are in
and nothing more is on its way, a restored view that needs a missing file gives way to
"Corrected", with a note in the status bar. A view the user picks is never overridden.
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import QObject, QTimer

from ..model.availability import FALLBACK, missing_for
from ..model.session import Session
from ..model.viewstate import RightView, ViewState


class RestoredView(QObject):
    """Watches the restored right view until it can be shown or has given way."""

    def __init__(
        self, session: Session, view: ViewState, busy: Callable[[], bool], note: Callable[[str], None],
        parent: QObject,
    ) -> None:  # fmt: skip
        """``busy``: whether a file is still on its way (a lookup, reference B from CRDS); ``note`` tells the user."""
        super().__init__(parent)
        self.session, self.view, self.busy, self.note = session, view, busy, note
        self.wanted: RightView | None = view.right
        # Its own timer, a child: it dies with the window, never firing into a closed one.
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._check)
        view.subscribe(self._follow)

    def _follow(self, changed: set[str]) -> None:
        if "right" in changed and self.view.right is not self.wanted:
            self.stop()  # the user chose another view
        elif "data_version" in changed:
            # After the event loop turns: the command line's files arrive in one go (A, then B), so
            # B missing right after A is only known once they all have come.
            self._timer.start(0)

    def _check(self) -> None:
        session, wanted = self.session, self.wanted
        if wanted is None or session.exposure is None or session.reference is None or self.busy():
            return
        missing = missing_for(wanted, session)
        self.stop()
        if missing is not None:
            self.view.update(right=FALLBACK)
            self.note(f"note: the saved right view “{wanted.value}” needs {missing}: showing {FALLBACK.value}")

    def stop(self) -> None:
        """Watch no more (the user chose, or a session brings its own view)."""
        self.wanted = None
        self.view.unsubscribe(self._follow)
