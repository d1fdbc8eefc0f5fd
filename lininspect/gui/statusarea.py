"""The status bar: the readout of the pixel under the cursor, the last message, a job's progress and Cancel,
the reference in use.

The readout follows the frame from the view state, so stepping groups under a still cursor
updates it without the cursor moving. Messages go to a label of their own, as wide as their text
(down to a minimum) before the reference line: QStatusBar's own ``showMessage`` paints only left
of the first permanent widget, where the stretching reference line left it no room.
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import QSize, Qt, QTimer
from PyQt6.QtWidgets import QLabel, QProgressBar, QPushButton, QSizePolicy, QStatusBar

from ..core import dq
from ..core.errors import LinInspectError, printable
from ..model.session import CORRECTED, B, Session
from ..model.viewstate import ViewState
from .dialogs import origin_text
from .elidedlabel import ElidedLabel


#: A message keeps at least this much room (px), even beside a long readout in a 1024 px window.
MESSAGE_MINIMUM_WIDTH = 260
MESSAGE_GAP = 12
#: The progress bar's width with no label (the busy bar), and the room around its text.
PROGRESS_MINIMUM_WIDTH, PROGRESS_TEXT_PADDING = 120, 24


class MessageLabel(ElidedLabel):
    """The status bar's message: elided at its end to the room it has, whole in its tooltip, gone after its time.

    It asks for its whole text's width and yields down to MESSAGE_MINIMUM_WIDTH, before the
    reference line, which takes what is left; with no message it takes no room at all. A routine
    message never hides one with time left (see :meth:`StatusArea.message`). The
    timer is the label's own and calls the label's own method, so it dies with the label and
    never fires into a closed window.
    """

    def __init__(self) -> None:
        super().__init__("")
        self.setElideMode(Qt.TextElideMode.ElideRight)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setContentsMargins(MESSAGE_GAP, 0, 0, 0)  # apart from the readout's last word
        self.hide()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.expire)
        #: Whether the message shown is a routine one, which any message may replace.
        self.routine = False

    def show_message(self, text: str, milliseconds: int = 0, *, routine: bool = False) -> None:
        if routine and self._timer.isActive() and not self.routine:
            return  # a note or a job's last word still has time left: it stays readable
        self.routine = routine
        self._timer.stop()
        self.setText(text)
        self.setToolTip(text)
        self.setVisible(bool(text))
        self.updateGeometry()
        self._lay_out_now()
        if milliseconds > 0:
            self._timer.start(milliseconds)

    def _lay_out_now(self) -> None:
        """The status bar gives the label its room at once, so the text is elided to that room from the start.

        The label elides as the text is set, to the width the label has then (the last message's,
        or 100 px for one never shown); the bar's layout would widen it only when its posted request is
        handled, and until then the label says "sessio…" to whoever reads it in the same turn.
        """
        bar = self.parentWidget()
        layout = bar.layout() if bar is not None else None
        if layout is not None:
            layout.activate()

    def sizeHint(self) -> QSize:
        """The whole text's width (QLabel's is the elided text's, which would never grow back)."""
        margins = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self.text()) + margins.left() + margins.right() + 8
        return QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        hint = self.sizeHint()
        return QSize(min(hint.width(), MESSAGE_MINIMUM_WIDTH), hint.height())

    def expire(self) -> None:
        self.show_message("")


class StatusArea:
    """What the status bar shows; the jobs drive its progress bar, the panels its readout."""

    def __init__(self, bar: QStatusBar, session: Session, view: ViewState, on_cancel: Callable[[], None]) -> None:
        self.bar, self.session, self.view = bar, session, view
        self.readout = QLabel("")
        self.readout.setTextFormat(Qt.TextFormat.PlainText)
        # The readout keeps its whole text; the reference line (a CRDS origin can be long) gives way,
        # elided in the middle, its full text in the tooltip.
        self.readout.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
        #: What a finished job or a refusal said; elided at its end, whole in the tooltip.
        self.message_label = MessageLabel()
        self.progress = QProgressBar()
        self.progress.setFixedWidth(PROGRESS_MINIMUM_WIDTH)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(lambda _=False: on_cancel())
        self.cancel_button.hide()
        self.reference_label = ElidedLabel("")
        self.reference_label.setElideMode(Qt.TextElideMode.ElideMiddle)
        self.reference_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.reference_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        bar.addWidget(self.readout)
        bar.addWidget(self.message_label)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel_button)
        bar.addPermanentWidget(self.reference_label, 1)
        #: The pixel under a still cursor, so its readout follows frame changes.
        self._hovered: tuple[int, int] = (-1, -1)
        #: The value of a map shown (Verify's differences, residuals, ...) at a pixel, appended to the readout.
        self.map_readout: Callable[[int, int], str] = lambda x, y: ""
        view.subscribe(self._follow)

    def _follow(self, changed: set[str]) -> None:
        if "data_version" in changed:
            self._show_reference()
        if changed & {"data_version", "integration", "group"}:
            self.refresh_readout()

    def message(self, text: str, milliseconds: int = 0, *, routine: bool = False) -> None:
        """Show ``text`` until the next message, or for ``milliseconds`` when not 0.

        A ``routine`` message (a tool's background refresh done, which its dock says too) is shown
        only when no other timed message is: it never takes the place of a note such as a restored
        session's before the user could read it.
        """
        self.message_label.show_message(text, milliseconds, routine=routine)

    @property
    def message_text(self) -> str:
        """The whole of the message shown now ("" when none)."""
        return self.message_label.text()

    def show_progress(self, label: str) -> None:
        """A job with a share done: its label (``%p%`` for the percentage), from 0, on one line."""
        self.progress.setRange(0, 100)
        self.progress.setFormat(label)
        # Sized to the label at 100 %: the bar's own size hint is narrower, and its text then wraps.
        widest = self.progress.fontMetrics().horizontalAdvance(label.replace("%p", "100"))
        self.progress.setFixedWidth(max(PROGRESS_MINIMUM_WIDTH, widest + PROGRESS_TEXT_PADDING))
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()

    def show_busy(self) -> None:
        """A job that cannot say how far it is (the CRDS lookup): a moving bar and Cancel."""
        self.progress.setRange(0, 0)
        self.progress.setFixedWidth(PROGRESS_MINIMUM_WIDTH)
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
        # Whether the input went through the pipeline's earlier steps, when it had no record of them.
        preparation = session.preparation.brief() if session.exposure is not None and session.preparation else ""
        if preparation:
            text = f"input {preparation}  {text}"
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
        return text + f"  GROUPDQ {dq.describe(groupdq)}" + self.map_readout(x, y)
