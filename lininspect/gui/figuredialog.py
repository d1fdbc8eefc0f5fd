"""File ▸ Export figure…: which plot or panel, its size (pixels or inches) and DPI, theme and file.

The size starts as the target's size on screen at 96 DPI, so an untouched export looks as
the window does; a paper figure is typically inches at 300 DPI in the light theme.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PyQt6.QtCore import QSize
from PyQt6.QtWidgets import QComboBox, QDoubleSpinBox, QHBoxLayout, QSpinBox, QWidget

from ..core.errors import LinInspectError
from ..core.fits.outputs import check_output_path
from ..model.figurespec import DPI_RANGE, FORMATS, LAYOUT_DPI, FigureSize, FigureTarget, Theme, opened_files
from .exportdialog import ExportDialog
from .figurecopy import background, figure_layout
from .figurefile import figure_job, record_figure

if TYPE_CHECKING:
    from .mainwindow import MainWindow

PIXELS, INCHES = "pixels", "inches"
FILTER = "PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)"


class FigureDialog(ExportDialog):
    """A series of figures keeps its size, DPI and theme."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window, "Export figure", FILTER)
        self.target = QComboBox()
        self.target.addItems([target.value for target in FigureTarget])
        self.target.currentTextChanged.connect(lambda _: self._target_chosen())
        self.units = QComboBox()
        self.units.addItems([PIXELS, INCHES])
        self.units.currentTextChanged.connect(self._convert_units)
        self._units = PIXELS
        self.width_box, self.height_box = QDoubleSpinBox(), QDoubleSpinBox()
        for box in (self.width_box, self.height_box):
            box.setRange(0.1, 100_000)
            box.setDecimals(0)
        self.dpi_box = QSpinBox()
        self.dpi_box.setRange(*(round(value) for value in DPI_RANGE))
        self.dpi_box.setValue(round(LAYOUT_DPI))
        self.theme = QComboBox()
        self.theme.addItems([theme.value for theme in Theme])
        self.format = QComboBox()
        self.format.addItems(list(FORMATS.values()))
        self.format.currentTextChanged.connect(self._format_chosen)
        self.path.textEdited.connect(self._path_edited)
        #: Whether the size boxes hold a size yet (the target's on screen, or the user's).
        self._sized = False
        #: The file name is the dialog's own suggestion (renamed with the target) until the user types or browses.
        self._suggested = True
        size_row = QWidget()
        row = QHBoxLayout(size_row)
        row.setContentsMargins(0, 0, 0, 0)
        for widget in (self.width_box, self.height_box, self.units):
            row.addWidget(widget)
        self.form.addRow("figure of", self.target)
        self.form.addRow("width, height", size_row)
        self.form.addRow("DPI", self.dpi_box)
        self.form.addRow("theme", self.theme)
        self.form.addRow("format", self.format)
        self.add_file_and_buttons("file")
        for plot, target in self._plots().items():  # the plots' own context menu offers their figure
            plot.getViewBox().menu.addAction("Export figure...", lambda target=target: self.ask(target))

    def _plots(self) -> dict[object, FigureTarget]:
        inspector = self.window.inspector
        return {inspector.ramp_plot: FigureTarget.RAMP, inspector.ratio_plot: FigureTarget.RATIO,
                inspector.curve_plot: FigureTarget.CURVE, inspector.residual_plot: FigureTarget.RESIDUALS}  # fmt: skip

    def ask(self, target: FigureTarget | None = None) -> None:
        """Shown for ``target`` (or the last one) with a file name saying what it shows; the size is the target's
        on screen the first time and whenever the target changes, else the one last used."""
        if target is not None:
            self.target.setCurrentText(target.value)
        if not self._sized:
            self._size_as_shown()
        if not self.path.text() or self._suggested:
            self._name_file()
        self.show()
        self.raise_()

    @property
    def chosen_target(self) -> FigureTarget:
        return FigureTarget(self.target.currentText())

    @property
    def figure_size(self) -> FigureSize:
        width, height, dpi = self.width_box.value(), self.height_box.value(), float(self.dpi_box.value())
        if self.units.currentText() == PIXELS:
            return FigureSize.from_pixels(width, height, dpi)
        return FigureSize(width, height, dpi)

    def _target_chosen(self) -> None:
        self._size_as_shown()
        if self._suggested and self.path.text():
            self._name_file()

    def _size_as_shown(self) -> None:
        """The target's size in the window, in the chosen units (inches at the screen's 96 per inch)."""
        window, target = self.window, self.chosen_target
        inspector = window.inspector
        if target is FigureTarget.PLOTS:
            shown = inspector.plots.size()
        elif target.is_panel:
            panel = {FigureTarget.LEFT: window.left, FigureTarget.RIGHT: window.right}.get(target)
            shown = window.panels.widget.size() if panel is None else panel.size()
        else:
            plot = {value: key for key, value in self._plots().items()}[target]
            rect = plot.sceneBoundingRect()
            shown = QSize(round(rect.width()), round(rect.height()) + 30)  # and its title
        width, height = max(shown.width(), 100), max(shown.height(), 100)
        if self.units.currentText() == INCHES:
            width, height = width / LAYOUT_DPI, height / LAYOUT_DPI
        self.width_box.setValue(width)
        self.height_box.setValue(height)
        self._sized = True

    def _convert_units(self, units: str) -> None:
        """The same figure in the other units, at the DPI."""
        if units == self._units:
            return
        factor = self.dpi_box.value() if units == PIXELS else 1 / self.dpi_box.value()
        for box in (self.width_box, self.height_box):
            box.setDecimals(0 if units == PIXELS else 2)
            box.setValue(box.value() * factor)
        self._units = units

    def _name_file(self) -> None:
        source = self.window.session.input_path
        stem = source.stem if source is not None else "lininspect"
        slug = self.chosen_target.name.lower()
        suffix = next(key for key, value in FORMATS.items() if value == self.format.currentText())
        self.path.setText(str(Path(self.window.dialogs.start_dir()) / f"{stem}_{slug}{suffix}"))

    def _format_chosen(self, kind: str) -> None:
        """A format chosen: the file name takes its suffix."""
        text = self.path.text()
        if text:
            suffix = next(key for key, value in FORMATS.items() if value == kind)
            self.path.setText(str(Path(text).with_suffix(suffix)))

    def _path_edited(self, text: str) -> None:
        """A typed suffix chooses the format; a typed name is kept from now on."""
        self._suggested = False
        kind = FORMATS.get(Path(text).suffix.lower())
        if kind is not None and kind != self.format.currentText():
            self.format.blockSignals(True)
            self.format.setCurrentText(kind)
            self.format.blockSignals(False)

    def export(self) -> bool:
        """Draw the figure the widgets describe, then write it in a job; the status bar names the file and its size."""
        text = self.path.text().strip()
        if not text:
            raise LinInspectError("choose a file for the figure")
        path = Path(text).expanduser()
        if path.suffix.lower() not in FORMATS:
            path = path.with_name(path.name + next(key for key, value in FORMATS.items() if value == self.format.currentText()))
        size, theme, target = self.figure_size, Theme(self.theme.currentText()), self.chosen_target
        window = self.window
        size.check()
        check_output_path(path, opened_files(window.session), overwrite=True)
        copy = figure_layout(window.inspector, window.left, window.right, target, theme)
        try:
            picture = record_figure(copy, background(theme), size)
        finally:
            copy.deleteLater()
        window.jobs.figure_in_background(figure_job(picture, size, path, f"{target.value} — {window.inspector.caption_text()}"))
        return True
