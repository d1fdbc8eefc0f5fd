"""The window's dialogs: errors, file choosers, headers, the exposure summary and Verify's report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PyQt6 import sip
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..core import dq
from ..core.comparison import ReferenceComparison
from ..core.comparisonreport import ReportFiles
from ..core.errors import LinInspectError
from ..core.product import default_output_path
from ..core.reference import LinearityReference
from ..core.verify import Verification
from .comparisonfigure import ComparisonFigure
from .controls import FITS_FILTER
from .worker import Job, running, start_job


class DialogsMixin:
    """Part of :class:`~lininspect.gui.mainwindow.MainWindow`; uses its widgets and session."""

    def guard(self, action: Callable[[], object]) -> None:
        """Run a user action; a LinInspectError or OSError becomes a dialog, not a crash."""
        try:
            action()
        except LinInspectError as error:
            self._show_error(str(error))
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            self._show_error(f"{where}{error.strerror or error}")

    def _show_error(self, message: str) -> None:
        self.statusBar().showMessage(message, 10000)
        QMessageBox.warning(self, "lininspect", message)

    def _start_dir(self) -> str:
        value = self.settings.value("last_dir", "")
        return value if isinstance(value, str) else ""

    def _ask_open(self, kind: str) -> None:
        title = {"input": "Open ramp exposure", "reference": "Open linearity reference",
                 "corrected": "Open pipeline _linearity product",
                 "against": "Compare with linearity reference (B)"}[kind]  # fmt: skip
        name, _ = QFileDialog.getOpenFileName(self, title, self._start_dir(), FITS_FILTER)
        if name:
            opener = {"input": self.open_input, "reference": self.open_reference, "corrected": self.open_product,
                      "against": self.open_against}[kind]  # fmt: skip
            self.guard(lambda: opener(Path(name)))

    def _ask_export(self) -> None:
        source = self.session.input_path
        if self.session.result is None or source is None:
            self._show_error("nothing to export: run the correction first (Ctrl+R)")
            return
        # Beside the user's file (an _uncal's, not its prepared ramp's in the cache).
        name, _ = QFileDialog.getSaveFileName(
            self, "Export corrected exposure", str(default_output_path(source)), FITS_FILTER
        )
        if name:
            # The dialog has already asked before replacing an existing file.
            self.guard(lambda: self.export_in_background(Path(name), overwrite=True))

    def _ask_export_plots(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export plots", self._export_path(".png"), "PNG (*.png);;SVG (*.svg)")
        if name:
            self.guard(lambda: self.inspector.export_plots(Path(name)))

    def _ask_export_csv(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export ramps", self._export_path(".csv"), "CSV (*.csv)")
        if name:
            self.guard(lambda: self.inspector.export_csv(Path(name)))

    def _export_path(self, suffix: str) -> str:
        """The inspector's default export name, in the folder last used."""
        return str(Path(self._start_dir()) / self.inspector.export_name(suffix))

    def show_comparison(self, comparison: ReferenceComparison) -> None:
        """The whole-detector comparison of A and B, with a button that writes it as the CLI's report."""
        content = QWidget()
        layout = QVBoxLayout(content)
        self.comparison_figure = ComparisonFigure(comparison)
        layout.addWidget(self.comparison_figure, 1)
        buttons = QHBoxLayout()
        export = QPushButton("Export report (FITS, ECSV, PNG)...")
        export.clicked.connect(lambda _=False: self._ask_export_comparison(comparison))
        close = QPushButton("Close")
        buttons.addWidget(export)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.comparison_dialog = _show_dialog(self, "Compare references A and B", content, (1200, 860))
        close.clicked.connect(self.comparison_dialog.close)

    def _ask_export_comparison(self, comparison: ReferenceComparison) -> None:
        directory = QFileDialog.getExistingDirectory(self, "Write the comparison report into", self._start_dir())
        if directory:
            self.guard(lambda: self.export_comparison(comparison, Path(directory)))

    def export_comparison(self, comparison: ReferenceComparison, directory: Path, *, overwrite: bool = False) -> Job[ReportFiles]:
        """The same files as ``lininspect compare-references``, written in a job (progress, Esc cancels)."""
        return self.export_report_in_background(comparison, Path(directory), overwrite=overwrite)

    def show_headers(self) -> None:
        """Every header of the exposure and the reference, one tab each, read-only."""
        tabs = QTabWidget()
        sources = []
        if self.session.exposure is not None:
            sources += [(f"{info.name}", info.header) for info in self.session.exposure.hdus]
        if self.session.reference is not None:
            sources.append(("reference", self.session.reference.header))
        if not sources:
            self._show_error("no file loaded")
            return
        for name, header in sources:
            text = QPlainTextEdit(header.tostring(sep="\n").rstrip())
            text.setReadOnly(True)
            text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
            text.setStyleSheet("font-family: monospace;")
            tabs.addTab(text, name)
        _show_dialog(self, "Headers", tabs, (760, 600))

    def summary_html(self) -> str:
        """Instrument, readout, state of the correction and flag counts, as a table."""
        exposure = self.session.exposure
        if exposure is None:
            return "<p>No exposure loaded.</p>"
        header = exposure.header

        def key(name: str) -> str:
            return str(header.get(name, "—")).strip() or "—"

        reference = self.session.reference
        rows = [
            ("file", exposure.path.name),
            ("instrument", key("INSTRUME")),
            ("detector", key("DETECTOR")),
            ("subarray", f"{key('SUBARRAY')} (SUBSTRT {key('SUBSTRT1')}, {key('SUBSTRT2')})"),
            ("read pattern", key("READPATT")),
            ("nints × ngroups", f"{exposure.nints} × {exposure.ngroups} of {exposure.shape[3]} × {exposure.shape[2]}"),
            ("S_LINEAR", key("S_LINEAR")),
            ("reference", reference.path.name if reference is not None else "none"),
            ("reference origin", origin_text(reference)),
            ("NO_LIN_CORR pixels", str(self._no_lin_corr_count()) if self.session.no_lin_corr_mask() is not None else "—"),
            ("saturated groups", "counting..." if self._saturated is None else str(self._saturated)),
        ]
        notes = exposure.notes + (reference.notes if reference is not None else [])
        rows += [("note", note) for note in notes]
        cells = "".join(f"<tr><td style='padding-right:12px'><b>{n}</b></td><td>{v}</td></tr>" for n, v in rows)
        return f"<table>{cells}</table>"

    def show_summary(self) -> None:
        """The summary at once; the saturated count follows from a thread (1.5 s for a cold 4 GB file)."""
        browser = QTextBrowser()
        browser.setHtml(self.summary_html())
        _show_dialog(self, "Exposure summary", browser, (520, 380))
        if self.session.exposure is None or self._saturated is not None:
            return
        self._summaries.append(browser)
        if not running(self.counting):
            self.counting = start_job(self.session.saturated_job(), self._on_counted, self._show_error)

    def _on_counted(self, count: int) -> None:
        self._saturated = count
        for browser in self._summaries:
            if not sip.isdeleted(browser):  # its dialog may have been closed
                browser.setHtml(self.summary_html())
        self._summaries = []

    def _show_verification(self, verification: Verification, message: str) -> None:
        """The per-array report, with buttons to the map of differences and to the worst value.

        A plain dialog rather than a message box, which would close on the first button.
        """
        content = QWidget()
        layout = QVBoxLayout(content)
        text = QLabel(message)
        text.setTextFormat(Qt.TextFormat.PlainText)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(text)
        buttons = QHBoxLayout()
        actions: list[tuple[str, Callable[[], object]]] = []
        if not verification.identical:
            actions += [("Show differences", lambda: self.mode_box.setCurrentText("Verify differences")),
                        ("Go to worst pixel", lambda: self.guard(self.go_to_worst_difference))]  # fmt: skip
        for label, action in actions:
            button = QPushButton(label)
            button.clicked.connect(lambda _=False, action=action: action())
            buttons.addWidget(button)
        close = QPushButton("Close")
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.verify_report = _show_dialog(self, "Verify", content, (620, 200))
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
        return f"{reference.path.name} (chosen by you)"
    return reference.origin.describe()


def _show_dialog(parent: QWidget, title: str, content: QWidget, size: tuple[int, int]) -> QDialog:
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    layout = QVBoxLayout(dialog)
    layout.addWidget(content)
    dialog.resize(*size)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
