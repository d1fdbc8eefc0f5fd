"""What the figure and movie dialogs share: not modal and kept between uses, a file row with Browse,
and Export, which closes the dialog once the export has started (a refusal is a one-line dialog)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

if TYPE_CHECKING:
    from .mainwindow import MainWindow


class ExportDialog(QDialog):
    """Subclasses add their rows to ``form`` before :meth:`add_file_and_buttons` and implement :meth:`export`."""

    def __init__(self, window: MainWindow, title: str, file_filter: str) -> None:
        super().__init__(window)
        self.window = window
        self.setWindowTitle(title)
        self._file_filter = file_filter
        self.form = QFormLayout(self)
        self.path = QLineEdit()
        self.path.setMinimumWidth(360)

    def add_file_and_buttons(self, label: str) -> None:
        """The file row under ``label``, then Cancel and Export (the default button)."""
        browse = QPushButton("Browse...")
        browse.clicked.connect(self._browse)
        file_row = QWidget()
        row = QHBoxLayout(file_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.path)
        row.addWidget(browse)
        self.form.addRow(label, file_row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.form.addRow(buttons)

    def _browse(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, self.windowTitle(), self.path.text(), self._file_filter)
        if name:
            self.path.setText(name)
            self.path.textEdited.emit(name)  # as if typed: a dialog may follow what the user types

    def accept(self) -> None:
        started: list[bool] = []
        self.window.guard(lambda: started.append(self.export()))
        if started:
            super().accept()

    def export(self) -> bool:
        """Start the export the widgets describe; raise LinInspectError with the reason to refuse."""
        raise NotImplementedError
