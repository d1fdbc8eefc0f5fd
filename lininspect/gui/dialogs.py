"""The window's dialogs: errors, headers, the exposure summary, Verify's report and the A/B comparison."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PyQt6 import sip
from PyQt6.QtCore import QSettings, Qt
from PyQt6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..core import dq
from ..core.analysis.comparison import ReferenceComparison
from ..core.demo import is_demo_reference
from ..core.errors import LinInspectError, printable
from ..core.references.reference import LinearityReference
from ..core.analysis.verify import Verification
from ..model import maps
from ..model.maps import ShownMap
from ..model.session import Session
from .comparisonfigure import ComparisonFigure, comparison_counts, comparison_title
from .headerviewer import HeaderViewer
from .worker import Job, cancel_job, running, start_job


#: A dialog takes at most this share of its screen's free width and height.
SCREEN_SHARE = 0.95


class Dialogs:
    """Errors, headers, the exposure summary (with its saturated count from a job), Verify's report and the A/B comparison."""

    def __init__(
        self, parent: QMainWindow, session: Session, settings: QSettings,
        write_report: Callable[[ReferenceComparison, Path], object], say: Callable[[str, int], None],
    ) -> None:  # fmt: skip
        """``write_report``: writes the comparison report into a folder (a job, as the command line's files);
        ``say``: a message (and how many ms it stays) in the status bar."""
        self.parent, self.session, self.settings, self.write_report = parent, session, settings, write_report
        self.say = say
        #: Saturated samples of the loaded exposure once counted, the job counting them and the summaries waiting.
        self.saturated: int | None = None
        self.counting: Job[int] | None = None
        self._summaries: list[QTextBrowser] = []
        self.verify_report: QDialog | None = None
        self.verify_report_text: QLabel | None = None
        self.comparison_dialog: QDialog | None = None
        self.comparison_figure: ComparisonFigure | None = None

    def guard(self, action: Callable[[], object]) -> None:
        """Run a user action; a LinInspectError or OSError becomes a dialog, not a crash."""
        try:
            action()
        except LinInspectError as error:
            self.show_error(str(error))
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            self.show_error(f"{where}{error.strerror or error}")

    def show_error(self, message: str) -> None:
        message = printable(message)  # a file name's control characters must not reach the dialog raw
        self.say(message, 10000)
        QMessageBox.warning(self.parent, "lininspect", message)

    def start_dir(self) -> str:
        """The folder of the file last opened, where file choosers start."""
        value = self.settings.value("last_dir", "")
        return value if isinstance(value, str) else ""

    def forget_exposure(self) -> None:
        """A new exposure: its saturated samples are counted afresh."""
        cancel_job(self.counting)
        self.saturated, self._summaries = None, []

    def show_comparison(
        self, comparison: ReferenceComparison, go_to: Callable[[int, int], None] | None = None,
        pixel: Callable[[], tuple[int, int] | None] = lambda: None,
    ) -> None:  # fmt: skip
        """The whole-detector comparison of A and B, with a button that writes it as the CLI's report.

        ``go_to(x, y)`` inspects a pixel in the window: a clicked map pixel, or the next or previous
        difference of factor B − A, worst first, from the window's ``pixel()``.
        """
        content = QWidget()
        layout = QVBoxLayout(content)
        title = QLabel(comparison_title(comparison))
        title.setWordWrap(True)
        title.setStyleSheet("font-size: 13pt;")
        layout.addWidget(title)
        self.comparison_figure = figure = ComparisonFigure(comparison)
        layout.addWidget(figure, 1)
        histogram = comparison.histogram
        outside = f" Histogram: {histogram.below} below, {histogram.above} above its bins." if histogram.below + histogram.above else ""
        counts = QLabel(f"{comparison_counts(comparison)} Residual RMS B − A is negative where B is straighter.{outside}")
        counts.setWordWrap(True)
        layout.addWidget(counts)
        readout = QLabel("Hover a map for its value; click a pixel to inspect it.")
        readout.setTextFormat(Qt.TextFormat.PlainText)
        figure.hovered.connect(lambda text: readout.setText(text or "Hover a map for its value; click a pixel to inspect it."))
        layout.addWidget(readout)
        buttons = QHBoxLayout()
        if go_to is not None:
            figure.pixelClicked.connect(lambda x, y: self.guard(lambda: go_to(x, y)))
            differences = ShownMap("factor B − A", comparison.factor_difference, "")
            for label, direction in (("Previous difference", -1), ("Next difference (worst first)", +1)):
                button = QPushButton(label)
                button.clicked.connect(lambda _=False, d=direction: self.guard(
                    lambda: _step_to(differences, pixel(), d, go_to, readout.setText)))  # fmt: skip
                buttons.addWidget(button)
        export = QPushButton("Export report (FITS, ECSV, PNG)...")
        export.clicked.connect(lambda _=False: self._ask_export_comparison(comparison))
        close = QPushButton("Close")
        buttons.addWidget(export)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.comparison_dialog = _show_dialog(self.parent, "Compare references A and B", content, (1200, 860))
        close.clicked.connect(self.comparison_dialog.close)

    def _ask_export_comparison(self, comparison: ReferenceComparison) -> None:
        directory = QFileDialog.getExistingDirectory(self.parent, "Write the comparison report into", self.start_dir())
        if directory:
            self.guard(lambda: self.write_report(comparison, Path(directory)))

    def show_headers(self, *, find: bool = False) -> HeaderViewer | None:
        """Every header of the exposure and the references, one tab each, read-only and searchable
        (``find``: the search box takes the keys at once); the viewer, None when nothing is loaded."""
        sources = []
        if self.session.exposure is not None:
            sources += [(f"{info.name}", info.header) for info in self.session.exposure.hdus]
        for label, reference in sorted(self.session.references.items()):
            sources.append((f"reference {label}", reference.header))
        if not sources:
            self.show_error("no file loaded")
            return None
        viewer = HeaderViewer(sources)
        _show_dialog(self.parent, "Headers", viewer, (760, 600))
        if find:
            viewer.focus_search()
        return viewer

    def summary_html(self) -> str:
        """Instrument, readout, state of the correction and flag counts, as a table."""
        exposure = self.session.exposure
        if exposure is None:
            return "<p>No exposure loaded.</p>"
        header = exposure.header

        def key(name: str) -> str:
            return str(header.get(name, "—")).strip() or "—"

        reference = self.session.reference
        mask = self.session.no_lin_corr_mask()
        source = self.session.input_path or exposure.path
        preparation = self.session.preparation
        rows = [
            ("file", source.name),  # the user's file, not the prepared ramp standing in for it
            *([("prepared ramp", str(exposure.path))] if exposure.path != source else []),
            ("earlier steps", (preparation.describe() if preparation is not None else "") or "on record (S_* keywords)"),
            ("instrument", key("INSTRUME")),
            ("detector", key("DETECTOR")),
            ("subarray", f"{key('SUBARRAY')} (SUBSTRT {key('SUBSTRT1')}, {key('SUBSTRT2')})"),
            ("read pattern", key("READPATT")),
            ("nints × ngroups", f"{exposure.nints} × {exposure.ngroups} of {exposure.shape[3]} × {exposure.shape[2]}"),
            ("S_LINEAR", key("S_LINEAR")),
            ("reference", reference.path.name if reference is not None else "none"),
            ("reference origin", origin_text(reference)),
            ("NO_LIN_CORR pixels", str(int(mask.sum())) if mask is not None else "—"),
            ("saturated groups", "counting..." if self.saturated is None else str(self.saturated)),
        ]
        notes = exposure.notes + (reference.notes if reference is not None else [])
        rows += [("note", note) for note in notes]
        cells = "".join(f"<tr><td style='padding-right:12px'><b>{n}</b></td><td>{v}</td></tr>" for n, v in rows)
        return f"<table>{cells}</table>"

    def show_summary(self) -> None:
        """The summary at once; the saturated count follows from a thread (1.5 s for a cold 4 GB file)."""
        browser = QTextBrowser()
        browser.setHtml(self.summary_html())
        _show_dialog(self.parent, "Exposure summary", browser, (520, 380))
        if self.session.exposure is None or self.saturated is not None:
            return
        self._summaries.append(browser)
        if not running(self.counting):
            self.counting = start_job(self.session.saturated_job(), self._on_counted, self.show_error)

    def _on_counted(self, count: int) -> None:
        self.saturated = count
        for browser in self._summaries:
            if not sip.isdeleted(browser):  # its dialog may have been closed
                browser.setHtml(self.summary_html())
        self._summaries = []

    def show_verification(self, verification: Verification, message: str, actions: list[tuple[str, Callable[[], object]]]) -> None:
        """The per-array report, with buttons (``actions``: to the map of differences, to the worst value) when they differ.

        A plain dialog rather than a message box, which would close on the first button.
        """
        content = QWidget()
        layout = QVBoxLayout(content)
        text = QLabel(message)
        text.setTextFormat(Qt.TextFormat.PlainText)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(text)
        buttons = QHBoxLayout()
        for label, action in [] if verification.identical else actions:
            button = QPushButton(label)
            button.clicked.connect(lambda _=False, action=action: self.guard(action))
            buttons.addWidget(button)
        close = QPushButton("Close")
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.verify_report = _show_dialog(self.parent, "Verify", content, (620, 200))
        self.verify_report_text = text
        close.clicked.connect(self.verify_report.close)


def verification_summary(verification: Verification) -> str:
    """Verify's report: a verdict line, then one line per array."""
    name = verification.product.name
    if verification.identical:
        head = f"{name}: identical to lininspect's correction (SCI bits, PIXELDQ, GROUPDQ, ZEROFRAME)"
    else:
        head = f"{name}: differs from lininspect's correction"
    lines = [head]
    for array in verification.arrays:
        if array.compared == 0:
            lines.append(f"{array.name}: not in either file")
            continue
        line = f"{array.name}: {array.differing} of {array.compared} values differ"
        if array.differing:
            # For flags, which bits differ says more than how far apart two flag words are.
            line += f", bits {dq.describe(array.bits)}" if array.bits else f", largest difference {array.largest:.6g}"
            worst = array.worst
            if worst is not None:
                where = f"pixel ({worst.x}, {worst.y})"
                if worst.integration is not None:
                    where += f" integration {worst.integration}"
                if worst.group is not None:
                    where += f" group {worst.group}"
                line += f" at {where}"
        lines.append(line)
    return "\n".join(lines)


def origin_text(reference: LinearityReference | None) -> str:
    """The reference's file and who chose it: CRDS (with its context and matched keys) or the user."""
    if reference is None:
        return "—"
    if reference.origin is None:
        chooser = "comes with the demo" if is_demo_reference(reference.path) else "chosen by you"
        return f"{reference.path.name} ({chooser})"
    return reference.origin.describe()


def _step_to(
    differences: ShownMap, here: tuple[int, int] | None, direction: int, go_to: Callable[[int, int], None],
    say: Callable[[str], None],
) -> None:  # fmt: skip
    """Inspect the next or previous pixel of ``differences`` from ``here``, worst first, and say which it is."""
    ranking = differences.ranking
    index = maps.step(ranking, here, direction)
    if index is None:
        say(f"{differences.name}: " + ("no pixel differs" if len(ranking) == 0 else "no further difference this way"))
        return
    x, y = ranking.pixel(index)
    go_to(x, y)
    say(f"{differences.name}: pixel {index + 1} of {len(ranking)}, worst first: ({x}, {y}) = "
        f"{float(differences.values[y, x]):.6g}")  # fmt: skip


def _show_dialog(parent: QWidget, title: str, content: QWidget, size: tuple[int, int]) -> QDialog:
    """A dialog of ``size``, or smaller to fit the free area of the parent's screen."""
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    layout = QVBoxLayout(dialog)
    layout.addWidget(content)
    screen = parent.screen() if parent is not None else None
    if screen is not None:
        free = screen.availableGeometry()
        size = (min(size[0], int(free.width() * SCREEN_SHARE)), min(size[1], int(free.height() * SCREEN_SHARE)))
    dialog.resize(*size)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
