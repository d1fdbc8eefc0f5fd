"""The plots and images tell the truth: exports, legends, markers, limits, overlays, small screens."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from astropy.io import fits
from PyQt6.QtCore import QByteArray, QPoint, QRect, QSize, Qt
from PyQt6.QtGui import QAction, QColor, QImage, QPainter
from PyQt6.QtSvg import QSvgRenderer
from PyQt6.QtWidgets import QApplication, QFileDialog, QStyle, QStyleOptionSpinBox

from lininspect import __version__
from lininspect.core.analysis import analysis
from lininspect.core import dq
from lininspect.core.kernels.correction import evaluate
from lininspect.core.fits.exposure import open_exposure
from lininspect.gui.app import DEFAULT_SIZE, open_window, show_sized
from lininspect.gui.imagepanel import ImagePanel
from lininspect.gui.inspector import INPUT_COLOUR
from lininspect.gui.mainwindow import MainWindow
from smallfiles import NGROUPS, NINTS
from test_mainwindow import click, expected_result, finish, run
from guihelpers import open_and_wait  # noqa: E402


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    data = np.frombuffer(image.constBits().asstring(image.sizeInBytes()), dtype=np.uint8)  # type: ignore[union-attr]
    return data.reshape(image.height(), image.bytesPerLine() // 4, 4)[:, : image.width(), :3].astype(int)


def _near(pixels: np.ndarray, colour: QColor, tolerance: int = 40) -> np.ndarray:
    target = np.array([colour.red(), colour.green(), colour.blue()])
    return np.abs(pixels - target).sum(axis=2) < tolerance


def _svg_by_qt(path: Path, width: int, height: int) -> np.ndarray:
    renderer = QSvgRenderer(str(path))
    assert renderer.isValid()
    image = QImage(width, height, QImage.Format.Format_RGBA8888)
    image.fill(QColor("white"))
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    return _pixels(image)


def _agree(a: np.ndarray, b: np.ndarray) -> float:
    """Share of a's marked pixels with one of b's within 2 px (lines drawn by two renderers)."""
    grown = b.copy()
    for dy in (-2, -1, 0, 1, 2):
        for dx in (-2, -1, 0, 1, 2):
            grown |= np.roll(np.roll(b, dy, axis=0), dx, axis=1)
    return float((a & grown).sum() / max(a.sum(), 1))


def test_svg_export_is_a_sane_page_with_the_curves_where_the_png_has_them(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    window.select_pixel(21, 12)
    window.inspector.export_plots(tmp_path / "plots.png")
    window.inspector.export_plots(tmp_path / "plots.svg")
    png = _pixels(QImage(str(tmp_path / "plots.png")))
    height, width = png.shape[:2]
    renderer = QSvgRenderer(str(tmp_path / "plots.svg"))
    view = renderer.viewBoxF()
    assert (view.width(), view.height()) == (width, height)
    assert 0.9 * width <= renderer.defaultSize().width() <= 1.1 * width  # a page, not kilometres
    rsvg = tmp_path / "rsvg.png"
    subprocess.run(["rsvg-convert", "-w", str(width), "-h", str(height), "-o", str(rsvg), str(tmp_path / "plots.svg")],
                   check=True, timeout=60)  # fmt: skip
    expected = _near(png, INPUT_COLOUR)
    assert expected.sum() > 200  # the input ramp and its residuals are drawn
    for drawn in (_pixels(QImage(str(rsvg))), _svg_by_qt(tmp_path / "plots.svg", width, height)):
        found = _near(drawn, INPUT_COLOUR)
        assert _agree(expected, found) > 0.9 and _agree(found, expected) > 0.9


def _action(window: MainWindow, text: str) -> QAction:
    return next(action for action in window.findChildren(QAction) if action.text() == text)


def _legend_labels(window: MainWindow) -> list[str]:
    return [label.text for _, label in window.inspector.legend.items]


def _axis_texts(axis) -> list[tuple[QRect, str]]:  # type: ignore[no-untyped-def]
    """The tick labels an axis draws, with their rectangles, as pyqtgraph lays them out."""
    image = QImage(8, 8, QImage.Format.Format_RGBA8888)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [] if specs is None else [(rect, text) for rect, _, text in specs[2]]


def test_window_fits_its_screen_and_a_saved_geometry_only_if_it_fits(qtbot, small_files) -> None:  # type: ignore[no-untyped-def]
    def reopen() -> MainWindow:
        window = open_window(small_files.exposure, small_files.reference, None)
        qtbot.addWidget(window)
        show_sized(window)
        return window

    first = reopen()  # a first start: the default size does not fit the small screen
    available = first.screen().availableGeometry()
    assert available.contains(first.geometry()) and first.isVisible()
    first.showNormal()
    first.setGeometry(QRect(available.topLeft() + QPoint(5, 5), available.size() + QSize(400, 200)))  # a bigger monitor
    first.close()
    again = reopen()
    assert isinstance(again.settings.value("geometry"), QByteArray)
    assert available.contains(again.geometry())
    again.showNormal()
    small = QRect(available.topLeft() + QPoint(20, 30), available.size() * 0.75)
    again.setGeometry(small)
    again.close()
    third = reopen()
    assert third.geometry() == small  # it fits: kept as saved
    third.close()


def _assert_controls_shown_whole(window: MainWindow) -> None:
    """Every toolbar control on screen, none hidden behind a toolbar's overflow arrow."""
    controls = (window.frame.integration_box, window.frame.group_box, window.frame.group_slider, window.display.left_box, window.display.mode_box,
                window.display.colourmap_box, window.display.stretch_box, window.display.limits_box, window.display.lock_limits, window.display.overlay_left,
                window.display.overlay_right)  # fmt: skip
    for control in controls:
        assert control.isVisible(), control
        toolbar = control.parentWidget()
        assert toolbar.rect().contains(control.geometry()), control  # not cut off at the toolbar's end
        corner = control.mapTo(window, QPoint(control.width() - 1, control.height() - 1))
        assert window.rect().contains(corner), control


LONG_CRDS_ORIGIN = ("reference: jwst_miri_linearity_0032.fits (CRDS jwst_1413.pmap; meta.instrument.detector=MIRIMAGE, "
                    "meta.subarray.name=FULL, meta.exposure.readpatt=FASTR1)")  # fmt: skip


@pytest.mark.parametrize("size", [(DEFAULT_SIZE.width(), DEFAULT_SIZE.height()), (1230, 800), (1024, 700)])
def test_toolbar_controls_are_all_visible_at_the_default_size_and_smaller(qtbot, window: MainWindow, size) -> None:  # type: ignore[no-untyped-def]
    window.status.reference_label.setText(LONG_CRDS_ORIGIN)  # a CRDS origin must not widen the window past its screen
    window.resize(*size)
    run(qtbot, window)
    QApplication.processEvents()
    assert (window.width(), window.height()) == size
    _assert_controls_shown_whole(window)


def test_toolbars_wrap_again_when_a_longer_exposure_widens_the_frame_controls(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """No resize happens when a file with thousands of groups widens the spin boxes; the rows must still fit."""
    window.resize(window.frame.toolbar.sizeHint().width() + window.display.toolbar.sizeHint().width() + 3, 800)
    QApplication.processEvents()
    assert not window.toolBarBreak(window.display.toolbar)  # one row, just fitting
    long = tmp_path / "long_lastframe.fits"
    primary = fits.PrimaryHDU()
    primary.header.update(INSTRUME="MIRI", DETECTOR="MIRIMAGE", NINTS=12, NGROUPS=2000)
    fits.HDUList([primary, fits.ImageHDU(np.ones((12, 2000, 4, 4), np.float32), name="SCI")]).writeto(long)
    open_and_wait(qtbot, window, long)
    QApplication.processEvents()
    _assert_controls_shown_whole(window)


@pytest.mark.parametrize("size", [(DEFAULT_SIZE.width(), DEFAULT_SIZE.height()), (1230, 800)])
def test_readout_is_shown_whole_and_a_long_reference_origin_elided(qtbot, window: MainWindow, size) -> None:  # type: ignore[no-untyped-def]
    window.resize(*size)
    run(qtbot, window)
    label = window.status.reference_label
    assert label.toolTip().startswith(label.text())  # what an elided label hides, its tooltip says
    label.setText(LONG_CRDS_ORIGIN)
    window.statusBar().clearMessage()  # a temporary message hides the readout until it ends
    window.status.show_readout(21, 12)
    qtbot.wait(50)  # the status bar lays out again
    readout = window.status.readout
    assert "ratio " in readout.text() and "GROUPDQ " in readout.text()
    assert readout.width() >= readout.sizeHint().width()  # the label has room for all of its text
    corner = readout.mapTo(window, QPoint(readout.sizeHint().width() - 1, 0))
    assert window.rect().contains(corner)
    assert label.width() > 100 and label.mapTo(window, QPoint(label.width() - 1, 0)).x() < window.width()
    assert label.x() >= readout.x() + readout.sizeHint().width()  # beside the readout, not over it


def test_at_1024_by_700_controls_are_visible_plots_usable_and_labels_apart(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.resize(1024, 700)
    window.apply_default_layout()
    run(qtbot, window)
    click(qtbot, window.left, 21, 12)
    QApplication.processEvents()
    _assert_controls_shown_whole(window)
    inspector = window.inspector
    for plot in (inspector.ramp_plot, inspector.ratio_plot, inspector.curve_plot, inspector.residual_plot):
        area = plot.vb.sceneBoundingRect()
        assert area.width() >= 100 and area.height() >= 100, plot
        for side in ("left", "bottom"):
            texts = _axis_texts(plot.getAxis(side))
            assert len(texts) >= 2, (plot, side)
            for n, (rect, text) in enumerate(texts):
                for other, other_text in texts[n + 1 :]:
                    assert not rect.intersects(other), (text, other_text)
    ramp_ticks = [float(text) for _, text in _axis_texts(inspector.ramp_plot.getAxis("bottom"))]
    assert ramp_ticks == [round(t) for t in ramp_ticks] and set(ramp_ticks) <= set(range(NGROUPS))


def test_legend_sits_below_the_plots_with_pins_and_a_box(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    window.select_pixel(21, 12)
    for n in range(4):
        window.select_pixel(5 + n, 20, pin=True)
    window.select_box(18, 8, 26, 16)
    QApplication.processEvents()
    inspector = window.inspector
    legends = [item for item in inspector.plots.scene().items() if isinstance(item, pg.LegendItem)]
    labels = {label.text for legend in legends for _, label in legend.items}
    assert {"input", "corrected", "(5, 20)", "(8, 20)", "box mean"} <= labels
    for legend in legends:
        for plot in (inspector.ramp_plot, inspector.ratio_plot, inspector.curve_plot, inspector.residual_plot):
            assert not legend.sceneBoundingRect().intersects(plot.vb.sceneBoundingRect())


def test_all_integrations_get_their_own_colour_and_label(qtbot, window: MainWindow, small_files) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    click(qtbot, window.left, 21, 12)
    qtbot.mouseClick(window.inspector.all_integrations, Qt.MouseButton.LeftButton,
                     pos=QPoint(8, window.inspector.all_integrations.height() // 2))  # fmt: skip
    assert window.inspector.all_integrations.isChecked()
    curves = window.inspector.curves
    assert len(curves["corrected"]) == len(curves["input"]) == NINTS
    colours = {item.opts["pen"].color().name() for item in curves["corrected"]}
    assert len(colours) == NINTS
    assert [item.name() for item in curves["corrected"]] == [f"int {i}" for i in range(NINTS)]
    assert {f"int {i}" for i in range(NINTS)} | {"input (dashed)"} <= set(_legend_labels(window))
    expected = expected_result(small_files)
    for i in range(NINTS):
        np.testing.assert_array_equal(curves["corrected"][i].getData()[1], expected.data[i, :, 12, 21])
        assert curves["input"][i].opts["pen"].color() == curves["corrected"][i].opts["pen"].color()
        assert curves["input"][i].opts["pen"].style() == Qt.PenStyle.DashLine


def test_input_and_corrected_residuals_are_drawn_apart(qtbot, window: MainWindow, small_files) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    click(qtbot, window.left, 30, 30)
    curves = window.inspector.curves
    (raw_item,), (corrected_item,) = curves["input residual"], curves["corrected residual"]
    exposure = open_exposure(small_files.exposure)
    raw, gdq = exposure.sci[0, :, 30, 30], exposure.groupdq[0, :, 30, 30]
    np.testing.assert_array_equal(raw_item.getData()[1], analysis.line_fit_residuals(raw, analysis.usable(raw, gdq)))
    assert raw_item.opts["pen"].style() == Qt.PenStyle.DashLine and raw_item.opts["symbolBrush"] is None
    assert corrected_item.opts["pen"].style() == Qt.PenStyle.SolidLine
    assert corrected_item.opts["symbolSize"] < raw_item.opts["symbolSize"]  # a dot inside a ring


def test_ratio_breaks_at_saturated_samples_and_marks_them(qtbot, window: MainWindow, small_files) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    click(qtbot, window.left, 21, 12)
    (ratio,) = window.inspector.curves["ratio"]
    groups, values = ratio.getData()
    expected = expected_result(small_files)
    exposure = open_exposure(small_files.exposure)
    saturated = (exposure.groupdq[0, :, 12, 21] & dq.SATURATED) != 0
    assert saturated.sum() == 2 and np.isnan(values[saturated]).all()
    np.testing.assert_array_equal(
        values[~saturated], exposure.sci[0, :, 12, 21][~saturated].astype(np.float64) / expected.data[0, ~saturated, 12, 21]
    )
    assert ratio.opts["connect"] == "finite"
    marks = [item for item in window.inspector.ratio_plot.listDataItems() if item.opts["symbol"] == "t"]
    assert len(marks) == 1
    np.testing.assert_array_equal(marks[0].getData()[0], np.arange(NGROUPS)[saturated])
    np.testing.assert_array_equal(marks[0].getData()[1], 1.0)


def test_group_marker_follows_group_steps(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    click(qtbot, window.left, 21, 12)
    lines = window.inspector.group_lines
    assert all(line.isVisible() and line.value() == NGROUPS - 1 for line in lines)
    window.activateWindow()
    qtbot.keyClick(window.left, Qt.Key.Key_Left)
    qtbot.keyClick(window.left, Qt.Key.Key_Left)
    assert window.group == NGROUPS - 3
    assert [line.value() for line in lines] == [NGROUPS - 3] * 3


def test_residual_plot_says_why_it_is_blank(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    window.set_frame(1, window.group)
    click(qtbot, window.left, 7, 5)  # group 0 DO_NOT_USE and a jump from group 3: 2 usable groups
    assert window.inspector.curves["input residual"] == []
    note = window.inspector.residual_note
    assert note.isVisible() and "needs 3 usable groups" in note.toPlainText() and "has 2" in note.toPlainText()
    click(qtbot, window.left, 30, 30)
    assert window.inspector.residual_note.toPlainText() == ""


def test_correction_curve_spans_zero_to_full_scale(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    click(qtbot, window.left, 30, 30)
    (curve,) = window.inspector.curves["curve"]
    xs, ys = curve.getData()
    facts = window.inspector.facts
    assert facts is not None and facts.prepared is not None
    assert xs[0] <= 0 and xs[-1] >= 65535 > np.nanmax(facts.raw)
    np.testing.assert_array_equal(ys, evaluate(facts.prepared, xs.astype(np.float32)))


@pytest.mark.parametrize("mode", ["Ratio", "Difference", "Residual map"])
def test_limits_choice_is_honoured_in_every_right_mode(qtbot, window: MainWindow, mode: str) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    window.display.limits_box.setCurrentText("min-max")
    window.display.mode_box.setCurrentText(mode)
    if window.jobs.residual is not None:
        finish(qtbot, window.jobs.residual)
    qtbot.waitUntil(lambda: window.right.image.isVisible(), timeout=10000)
    i, g = window.integration, window.group
    corrected, plane = window.session.corrected_plane(i, g), window.session.input_plane(i, g)
    assert corrected is not None
    with np.errstate(invalid="ignore", divide="ignore"):
        values = {"Ratio": plane / corrected, "Difference": corrected - plane, "Residual map": window.jobs.residuals.get(i)}[mode]
    finite = values[np.isfinite(values)]
    expected = analysis.stretch(values, float(finite.min()), float(finite.max()), window.display.stretch_box.currentText())
    np.testing.assert_array_equal(window.right.image.image, expected)


def test_lock_keeps_the_limits_while_stepping(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    method = window.display.limits_box.currentText()
    locked = analysis.display_limits(window.session.input_plane(0, NGROUPS - 1), method)
    qtbot.mouseClick(window.display.lock_limits, Qt.MouseButton.LeftButton, pos=QPoint(8, window.display.lock_limits.height() // 2))
    assert window.display.lock_limits.isChecked()
    ticks = window.left.colourbar.getAxis("right")._tickLevels
    window.activateWindow()
    qtbot.keyClick(window.left, Qt.Key.Key_Left)
    qtbot.keyClick(window.left, Qt.Key.Key_Left)
    plane = window.session.input_plane(0, NGROUPS - 3)
    assert analysis.display_limits(plane, method) != locked  # unlocked, the colours would jump
    np.testing.assert_array_equal(window.left.image.image, analysis.stretch(plane, *locked, window.display.stretch_box.currentText()))
    assert window.left.colourbar.getAxis("right")._tickLevels == ticks
    qtbot.mouseClick(window.display.lock_limits, Qt.MouseButton.LeftButton, pos=QPoint(8, window.display.lock_limits.height() // 2))
    own = analysis.display_limits(plane, method)
    np.testing.assert_array_equal(window.left.image.image, analysis.stretch(plane, *own, window.display.stretch_box.currentText()))


def test_single_flagged_pixels_survive_fit_zoom_on_a_full_frame(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = ImagePanel("full frame")
    qtbot.addWidget(panel)
    panel.resize(560, 520)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_image(np.zeros((1024, 1032), dtype=np.float32), pg.colormap.get("CET-L1"))
    mask = np.zeros((1024, 1032), dtype=bool)
    rng = np.random.default_rng(3)
    points = [(int(x), int(y)) for x, y in zip(rng.integers(20, 1012, 40), rng.integers(20, 1004, 40), strict=True)]
    for x, y in points:
        mask[y, x] = True
    panel.set_overlay(mask)
    QApplication.processEvents()
    assert max(panel.view.viewPixelSize()) > 2  # several detector pixels per screen pixel
    shot = _pixels(panel.grab().toImage())
    marked = (shot[..., 0] < 60) & (shot[..., 1] > 200) & (shot[..., 2] > 200)
    ratio = panel.devicePixelRatioF()
    for x, y in points:
        where = panel.mapFromScene(panel.view.mapViewToScene(pg.Point(x + 0.5, y + 0.5)))
        col, row = int(where.x() * ratio), int(where.y() * ratio)
        assert marked[row - 3 : row + 4, col - 3 : col + 4].sum() >= 4, (x, y)  # a block, not a speck


def test_mask_mode_has_a_two_colour_legend_and_flagged_pixels_to_step_through(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    window.display.mode_box.setCurrentText("NO_LIN_CORR mask")
    labels = [text for _, text in window.right.colourbar.getAxis("right")._tickLevels[0]]
    assert labels == ["corrected", "NO_LIN_CORR"]
    box = window.inspector.flagged_box
    mask = window.session.no_lin_corr_mask()
    assert mask is not None
    expected = [(int(x), int(y)) for x, y in analysis.flagged_pixels(mask)]
    assert box.maximum() == len(expected) == int(mask.sum())
    option = QStyleOptionSpinBox()
    box.initStyleOption(option)
    up = box.style().subControlRect(QStyle.ComplexControl.CC_SpinBox, option, QStyle.SubControl.SC_SpinBoxUp, box)
    for n in range(3):
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=up.center())
        assert window.pixel == expected[n]
        facts = window.inspector.facts
        assert facts is not None and (facts.x, facts.y) == expected[n] and facts.reason is not None


def test_exports_name_what_they_show(qtbot, window: MainWindow, small_files, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    click(qtbot, window.left, 21, 12)
    asked: list[str] = []
    target: list[Path] = []

    def save_as(parent, title, default, filters):  # type: ignore[no-untyped-def]
        asked.append(default)
        return str(target[-1]), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    target.append(tmp_path / "plots.svg")
    _action(window, "Export plots (PNG/SVG)...").trigger()
    target.append(tmp_path / "ramps.csv")
    _action(window, "Export ramps (CSV)...").trigger()
    assert Path(asked[0]).name == "small_lastframe_x21_y12.png"
    assert Path(asked[1]).name == "small_lastframe_x21_y12.csv"
    svg = (tmp_path / "plots.svg").read_text()
    assert "small_lastframe.fits  ·  pixel (21, 12)  ·  integration 0" in svg
    assert window.inspector.caption.text == ""  # the caption is for the file only; the dock title says it on screen
    assert "pixel (21, 12)" in window.inspector_dock.windowTitle()
    lines = (tmp_path / "ramps.csv").read_text().splitlines()
    assert lines[:4] == [
        f"# file: {small_files.exposure}",
        f"# reference: {small_files.reference}",
        "# pixels (x, y): (21, 12)",
        f"# lininspect version: {__version__}",
    ]
    assert lines[4].startswith("x,y,integration,group")
