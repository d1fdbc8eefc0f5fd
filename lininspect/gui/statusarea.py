"""The status bar: the readout of the pixel under the cursor, a job's progress and Cancel, the reference in use.

The readout follows the frame from the view state, so stepping groups under a still cursor
updates it without the cursor moving.
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLabel, QProgressBar, QPushButton, QSizePolicy, QStatusBar
from superqt import QElidingLabel

from ..core import dq
from ..core.errors import LinInspectError, printable
from ..model.session import CORRECTED, B, Session
from ..model.viewstate import ViewState
from .dialogs import origin_text


class StatusArea:
    """What the status bar shows; the jobs drive its progress bar, the panels its readout."""

    def __init__(self, bar: QStatusBar, session: Session, view: ViewState, on_cancel: Callable[[], None]) -> None:
        self.bar, self.session, self.view = bar, session, view
        self.readout = QLabel("")
        self.readout.setTextFormat(Qt.TextFormat.PlainText)
        # The readout keeps its whole text; the reference line (a CRDS origin can be long) gives way,
        # elided in the middle, its full text in the tooltip.
        self.readout.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(180)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(lambda _=False: on_cancel())
        self.cancel_button.hide()
        self.reference_label = QElidingLabel("")
        self.reference_label.setElideMode(Qt.TextElideMode.ElideMiddle)
        self.reference_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.reference_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        bar.addWidget(self.readout)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel_button)
        bar.addPermanentWidget(self.reference_label, 1)
        #: The pixel under a still cursor, so its readout follows frame changes.
        self._hovered: tuple[int, int] = (-1, -1)
        view.subscribe(self._follow)

    def _follow(self, changed: set[str]) -> None:
        if "data_version" in changed:
            self._show_reference()
        if changed & {"data_version", "integration", "group"}:
            self.refresh_readout()

    def message(self, text: str, milliseconds: int = 0) -> None:
        self.bar.showMessage(text, milliseconds)

    def show_progress(self, label: str) -> None:
        """A job with a share done: its label (``%p%`` for the percentage), from 0."""
        self.progress.setRange(0, 100)
        self.progress.setFormat(label)
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()

    def show_busy(self) -> None:
        """A job that cannot say how far it is (the CRDS lookup): a moving bar and Cancel."""
        self.progress.setRange(0, 0)
        self.progress.setFormat("")
        self.progress.show()
        self.cancel_button.show()

    def set_progress(self, done: float, total: float) -> None:
        self.progress.setValue(int(100 * done / max(total, 1)))

    def hide_progress(self) -> None:
        self.progress.setRange(0, 100)
        self.progress.hide()
        self.cancel_button.hide()

    def _show_reference(self) -> None:
        """Always on screen: which reference corrects, and who chose it (CRDS: context, matched keys)."""
        session = self.session
        reference = session.reference
        text = "no reference" if reference is None else f"reference: {origin_text(reference)}"
        if B in session.references:
            text += f"  against B: {origin_text(session.references[B])}"
        self.reference_label.setText(text)
        self.reference_label.setToolTip(f"{text}\n{reference.path}" if reference is not None else "")

    def refresh_readout(self) -> None:
        """The pixel under a still cursor, read again (its corrected value has arrived)."""
        self.show_readout(*self._hovered)

    def show_readout(self, x: int, y: int) -> None:
        """Readout of the pixel under the cursor; kept for frame changes under a still cursor."""
        self._hovered = (x, y)
        self.readout.setText(self.readout_text(x, y))

    def readout_text(self, x: int, y: int) -> str:
        """The readout's line; a file that cannot be read (truncated while open) says so there instead."""
        try:
            return self._readout_values(x, y)
        except LinInspectError as error:
            return printable(str(error))

    def _readout_values(self, x: int, y: int) -> str:
        session = self.session
        exposure = session.exposure
        if exposure is None or not session.contains(x, y):
            return ""
        i, g = self.view.integration, self.view.group
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
