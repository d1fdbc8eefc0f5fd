"""File ▸ Export figure…: each kind through the real dialog, the files checked for what was asked and what was plotted."""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import QThreadPool, Qt
from PyQt6.QtGui import QImage
from PyQt6.QtWidgets import QMessageBox, QPushButton

from guihelpers import menu_action
from lininspect.gui.figuredialog import FigureDialog
from lininspect.gui.inspector import INPUT_COLOUR
from lininspect.gui.mainwindow import MainWindow
from lininspect.model.figurespec import FigureTarget, Theme
from smallfiles import NGROUPS
from test_mainwindow import click, run
from test_plots import _pixels

SVG = "{http://www.w3.org/2000/svg}"


def _dialog(qtbot, window: MainWindow) -> FigureDialog:  # type: ignore[no-untyped-def]
    menu_action(window, "File", "Export figure...").trigger()
    dialog = window.actions.figure_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    return dialog


def _fill(dialog: FigureDialog, target: FigureTarget, units: str, width: float, height: float, dpi: int, theme: Theme,
          path: Path) -> None:  # fmt: skip
    dialog.target.setCurrentText(target.value)
    dialog.units.setCurrentText(units)
    dialog.dpi_box.setValue(dpi)
    dialog.width_box.setValue(width)
    dialog.height_box.setValue(height)
    dialog.theme.setCurrentText(theme.value)
    dialog.path.setText(str(path))
    dialog._path_edited(str(path))  # as typing it does


def _export(qtbot, dialog: FigureDialog) -> None:  # type: ignore[no-untyped-def]
    """Click Export and wait until the job writing the file has ended (its word in the status bar)."""
    window = dialog.window
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    job = window.jobs.figure
    if not dialog.isVisible():  # started
        assert job is not None
        qtbot.waitUntil(lambda: job.done, timeout=30000)


@pytest.fixture
def inspected(qtbot, window: MainWindow) -> MainWindow:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    click(qtbot, window.left, 21, 12)
    assert window.inspector.facts is not None
    return window


def test_png_in_inches_at_a_dpi_is_that_many_pixels_white_in_the_light_theme_and_the_screen_keeps_its_look(
    qtbot, inspected: MainWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    window = inspected
    before = _pixels(window.inspector.plots.grab().toImage())
    dialog = _dialog(qtbot, window)
    _fill(dialog, FigureTarget.RAMP, "inches", 3.5, 2.5, 300, Theme.LIGHT, tmp_path / "ramp.png")
    _export(qtbot, dialog)
    image = QImage(str(tmp_path / "ramp.png"))
    assert (image.width(), image.height()) == (1050, 750)
    assert round(image.dotsPerMeterX() * 0.0254) == 300
    pixels = _pixels(image)
    corners = [pixels[2, 2], pixels[2, -3], pixels[-3, 2], pixels[-3, -3]]
    assert all((corner == 255).all() for corner in corners)  # white paper
    assert (pixels.sum(axis=2) < 100).sum() > 500  # black axes and text
    assert (np.abs(pixels - [INPUT_COLOUR.red(), INPUT_COLOUR.green(), INPUT_COLOUR.blue()]).sum(axis=2) < 40).sum() > 100
    assert not dialog.isVisible()
    assert window.status.message_text == "wrote ramp.png (1050 x 750 px at 300 DPI)"
    after = _pixels(window.inspector.plots.grab().toImage())
    assert np.array_equal(before, after)  # the screen never saw the light theme
    assert [name for name in os.listdir(tmp_path) if name.startswith(".lininspect")] == []


def _stroke_points(svg: ET.Element, colour: str) -> list[np.ndarray]:
    """The points of each path stroked in ``colour`` (Qt writes absolute M/L commands, flattened to the page)."""
    found = []
    for path in svg.iter(f"{SVG}path"):
        parent_stroke = path.get("stroke") or ""
        if parent_stroke.lower() != colour:
            continue
        pairs = re.findall(r"([-+]?[\d.]+(?:e[-+]?\d+)?),([-+]?[\d.]+(?:e[-+]?\d+)?)", path.get("d", ""))
        found.append(np.array([[float(x), float(y)] for x, y in pairs]))
    return found


def test_svg_ramp_curve_points_are_the_ramp_values(qtbot, inspected: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = inspected
    dialog = _dialog(qtbot, window)
    _fill(dialog, FigureTarget.RAMP, "pixels", 800, 500, 96, Theme.DARK, tmp_path / "ramp.svg")
    assert dialog.format.currentText() == "SVG"
    _export(qtbot, dialog)
    text = (tmp_path / "ramp.svg").read_text()
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 800 500"
    raw = window.inspector.facts.raw[0]  # type: ignore[union-attr]
    # Qt groups a path's style: the stroke sits on the path's enclosing <g>; put it on its paths.
    for group in root.iter(f"{SVG}g"):
        for child in group:
            if child.tag == f"{SVG}path" and group.get("stroke"):
                child.set("stroke", group.get("stroke"))
    curves = [points for points in _stroke_points(root, INPUT_COLOUR.name()) if len(points) == NGROUPS]
    assert curves, "the input ramp is drawn as one line through every group"
    points = curves[0]
    # The page maps data affinely: x from the group, y from the value, each exactly (to the 7 digits Qt writes).
    for data, page in ((np.arange(NGROUPS), points[:, 0]), (raw.astype(float), points[:, 1])):
        slope, offset = np.polyfit(data, page, 1)
        assert np.abs(slope * data + offset - page).max() < 0.02
    assert np.polyfit(raw, points[:, 1], 1)[0] < 0  # larger values higher on the page


def test_pdf_of_both_panels_is_one_page_of_the_chosen_size(qtbot, inspected: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = inspected
    dialog = _dialog(qtbot, window)
    _fill(dialog, FigureTarget.PANELS, "inches", 7.0, 3.0, 300, Theme.LIGHT, tmp_path / "panels.pdf")
    assert dialog.format.currentText() == "PDF"
    _export(qtbot, dialog)
    data = (tmp_path / "panels.pdf").read_bytes()
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.\s]+)\]", data)
    assert len(boxes) == 1  # one page
    assert [round(float(value)) for value in boxes[0].split()] == [0, 0, 504, 216]  # 7 x 3 inches in points
    from PyQt6.QtCore import QSize
    from PyQt6.QtPdf import QPdfDocument

    document = QPdfDocument(None)  # Qt's own PDF reader (PDFium) opens it and draws it
    document.load(str(tmp_path / "panels.pdf"))
    assert document.status() == QPdfDocument.Status.Ready and document.pageCount() == 1
    page = _pixels(document.render(0, QSize(700, 300)))
    assert tuple(page[2, 2]) == (255, 255, 255)
    lut = window.right.image.lut[:, :3].astype(int)
    inferno = {tuple(colour) for colour in lut}
    assert sum(tuple(colour) in inferno for colour in page.reshape(-1, 3)) > 2000  # the images are drawn


def test_panel_png_at_screen_dpi_shows_the_panel_colours(qtbot, inspected: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = inspected
    dialog = _dialog(qtbot, window)
    _fill(dialog, FigureTarget.LEFT, "pixels", 600, 450, 96, Theme.DARK, tmp_path / "left.png")
    _export(qtbot, dialog)
    pixels = _pixels(QImage(str(tmp_path / "left.png")))
    assert pixels.shape[:2] == (450, 600)
    lut = window.left.image.lut[:, :3].astype(int)
    # The image is drawn in its lookup table's colours: thousands of pixels exactly, of many entries.
    entries = {tuple(colour): n for n, colour in enumerate(lut)}
    found = [entries[tuple(colour)] for colour in pixels.reshape(-1, 3) if tuple(colour) in entries]
    assert len(found) > 5000 and len(set(found)) > 50
    assert tuple(pixels[2, 2]) == (0x1B, 0x1D, 0x21)  # the window's dark background


def test_unwritable_target_is_a_one_line_dialog_and_no_file(qtbot, inspected: MainWindow, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    window = inspected
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, message, *rest: shown.append(message))
    blocker = tmp_path / "a file"  # a folder that is a file: unwritable even for root
    blocker.write_text("")
    dialog = _dialog(qtbot, window)
    _fill(dialog, FigureTarget.RATIO, "pixels", 400, 300, 96, Theme.DARK, blocker / "ratio.png")
    _export(qtbot, dialog)
    assert shown == [f"{blocker}: output directory does not exist"]
    assert dialog.isVisible()  # kept open to choose another file
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".lininspect") or name.endswith(".png")]


def test_plot_context_menu_opens_the_dialog_for_that_plot(qtbot, inspected: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window = inspected
    menu = window.inspector.curve_plot.getViewBox().menu
    [entry] = [action for action in menu.actions() if action.text() == "Export figure..."]
    entry.trigger()
    dialog = window.actions.figure_dialog
    assert dialog.isVisible() and dialog.target.currentText() == FigureTarget.CURVE.value



def test_a_figure_keeps_of_an_image_the_part_in_view_at_the_figures_resolution(qtbot) -> None:  # type: ignore[no-untyped-def]
    import pyqtgraph as pg

    from lininspect.gui.figurefile import record_figure
    from lininspect.model.figurespec import FigureSize

    values = np.arange(1000 * 800, dtype=np.float32).reshape(800, 1000) / (1000 * 800)
    for view_range, size, expected_step in (((100, 110), FigureSize(4, 4, 96), 1), (None, FigureSize(2, 2, 96), 6)):
        widget = pg.GraphicsLayoutWidget()
        view = widget.ci.addViewBox(row=0, col=0, lockAspect=True)
        image = pg.ImageItem(values, levels=(0, 1))
        view.addItem(image)
        if view_range is not None:
            view.setRange(xRange=view_range, yRange=(200, 210), padding=0)
        record_figure(widget, "#ffffff", size)
        kept = image.image
        rect = image.mapRectToParent(image.boundingRect())
        if view_range is not None:
            x0, x1 = view.viewRect().left(), view.viewRect().right()
            assert rect.left() <= x0 and rect.right() >= x1 and kept.shape[1] <= (x1 - x0) + 2
            # Each kept pixel is the image's own value at its place.
            column, row = int(rect.left()), int(rect.top())
            assert kept[0, 0] == values[row, column]
        else:
            # 1000 columns on a view about 190 dots wide: every 5th or 6th column, over the whole image.
            step = round(rect.width() / kept.shape[1])
            assert expected_step - 1 <= step <= expected_step
            assert (rect.left(), rect.top()) == (0, 0) and rect.width() >= 1000 and rect.height() >= 800
            assert kept[1, 1] == values[step, step] and kept[-1, -1] == values[(kept.shape[0] - 1) * step, (kept.shape[1] - 1) * step]
        widget.deleteLater()


def test_the_suggested_name_follows_the_target_until_one_is_typed(qtbot, inspected: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, inspected)
    dialog.target.setCurrentText(FigureTarget.PANELS.value)
    assert Path(dialog.path.text()).name == "small_lastframe_panels.png"
    dialog.format.setCurrentText("PDF")
    assert Path(dialog.path.text()).name == "small_lastframe_panels.pdf"
    typed = str(tmp_path / "mine.svg")
    dialog.path.setText(typed)
    dialog._path_edited(typed)  # as typing it does
    assert dialog.format.currentText() == "SVG"
    dialog.target.setCurrentText(FigureTarget.RAMP.value)
    assert dialog.path.text() == typed


def test_an_empty_plot_is_refused_in_words(qtbot, window: MainWindow, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, message, *rest: shown.append(message))
    dialog = _dialog(qtbot, window)
    _fill(dialog, FigureTarget.RAMP, "pixels", 400, 300, 96, Theme.DARK, tmp_path / "ramp.png")
    _export(qtbot, dialog)
    assert shown == ["the plot is empty: click a pixel first"]
    assert not (tmp_path / "ramp.png").exists() and dialog.isVisible()


def test_cancel_while_the_figure_is_written_leaves_no_file(qtbot, inspected: MainWindow, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import threading

    from lininspect.gui import figurefile

    window = inspected
    gate, reached = threading.Event(), threading.Event()
    original = figurefile.write_png

    def held(image, path):  # type: ignore[no-untyped-def]
        reached.set()
        gate.wait(30)
        original(image, path)

    monkeypatch.setattr(figurefile, "write_png", held)
    dialog = _dialog(qtbot, window)
    _fill(dialog, FigureTarget.PLOTS, "pixels", 1200, 400, 96, Theme.LIGHT, tmp_path / "plots.png")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(reached.is_set, timeout=30000)
    job = window.jobs.figure
    assert job is not None and not job.done
    menu_action(window, "Correction", "Cancel").trigger()
    gate.set()
    qtbot.waitUntil(lambda: job.done, timeout=30000)
    assert QThreadPool.globalInstance().waitForDone(30000)  # the job's thread has ended, its temporary removed
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".lininspect")]
    assert not (tmp_path / "plots.png").exists()
    assert window.status.message_text == "figure cancelled"


def test_the_box_keeps_size_dpi_and_theme_between_figures(qtbot, inspected: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, inspected)
    _fill(dialog, FigureTarget.RATIO, "inches", 3.0, 2.0, 300, Theme.LIGHT, tmp_path / "one.png")
    _export(qtbot, dialog)
    assert QImage(str(tmp_path / "one.png")).size().width() == 900
    dialog = _dialog(qtbot, inspected)
    assert (dialog.width_box.value(), dialog.height_box.value(), dialog.dpi_box.value()) == (3.0, 2.0, 300)
    assert dialog.theme.currentText() == Theme.LIGHT.value and dialog.units.currentText() == "inches"


def test_a_file_chosen_with_browse_sets_the_format_and_is_kept(qtbot, window: MainWindow, tmp_path: Path,
                                                               monkeypatch) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    chosen = tmp_path / "paper.pdf"
    monkeypatch.setattr("PyQt6.QtWidgets.QFileDialog.getSaveFileName", lambda *args: (str(chosen), ""))
    dialog = _dialog(qtbot, window)
    browse = next(button for button in dialog.findChildren(QPushButton) if button.text() == "Browse...")
    qtbot.mouseClick(browse, Qt.MouseButton.LeftButton)
    assert dialog.path.text() == str(chosen)
    assert dialog.format.currentText() == "PDF"
    dialog.target.setCurrentText(FigureTarget.RATIO.value)  # another target renames only a suggested file
    assert dialog.path.text() == str(chosen)
