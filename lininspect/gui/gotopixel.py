"""The Go to pixel box: typed x, y in array or detector coordinates, then the pixel is selected and shown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QSpinBox

if TYPE_CHECKING:
    from .mainwindow import MainWindow

#: The coordinate systems offered, as labelled in the box.
ARRAY, DETECTOR = "array (0-based)", "detector (1-based, SUBSTRT)"


class GoToPixelDialog(QDialog):
    """Not modal: the user can look at the image while typing; Go keeps it open for the next pixel."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.setWindowTitle("Go to pixel")
        form = QFormLayout(self)
        self.system = QComboBox()
        self.system.addItems([ARRAY, DETECTOR])
        self.x_box, self.y_box = QSpinBox(), QSpinBox()
        for box in (self.x_box, self.y_box):
            box.setRange(-100_000, 100_000)
        form.addRow("coordinates", self.system)
        form.addRow("x (column)", self.x_box)
        form.addRow("y (row)", self.y_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.go_button = buttons.addButton("Go", QDialogButtonBox.ButtonRole.ApplyRole)
        self.go_button.setDefault(True)
        self.go_button.clicked.connect(self.go)
        buttons.rejected.connect(self.hide)
        form.addRow(buttons)

    def ask(self) -> None:
        """Shown with the selected pixel filled in, the x box ready for typing."""
        pixel = self.window.view.pixel
        if pixel is not None and self.system.currentText() == ARRAY:
            self.x_box.setValue(pixel[0])
            self.y_box.setValue(pixel[1])
        self.show()
        self.raise_()
        self.x_box.setFocus()
        self.x_box.selectAll()

    def go(self) -> None:
        detector = self.system.currentText() == DETECTOR
        self.window.guard(lambda: self.window.go_to(self.x_box.value(), self.y_box.value(), detector=detector))
