"""Maps you can act on (issue 17 item 7, issue 15 item 5): Verify's differences on a full frame keep single
pixels visible at fit zoom, tell their value under the cursor, send a clicked pixel to the inspector, step
through the differences worst first, and "Go to worst pixel" pans there."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from astropy.io import fits
from PyQt6.QtCore import QEvent, QPoint, QPointF, Qt
from PyQt6.QtGui import QImage, QMouseEvent, QWheelEvent
from PyQt6.QtWidgets import QApplication, QLabel, QPushButton

from lininspect.core.fits.product import correct_file
from lininspect.gui.imagepanel import ImagePanel
from lininspect.gui.mainwindow import MIN_SCREEN_PIXELS, MainWindow

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test helpers in tests/
from comparison_files import write_comparison_files  # noqa: E402
from guihelpers import menu_action, shown_window  # noqa: E402
from pipeline_oracle import write_linearity_reference, write_ramp_file  # noqa: E402

NY, NX, NGROUPS = 1024, 1032, 3
#: Pixels (x, y) the product gets wrong, by 1, 2 and 3 values (one to three groups): worst last here.
DIFFERING = [(100, 90), (517, 400), (900, 1000)]


@pytest.fixture(scope="module")
def full_frame(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A MIRI full-frame exposure, its reference, and a product differing from lininspect's in three pixels."""
    directory = tmp_path_factory.mktemp("fullframe")
    rng = np.random.default_rng(5)
    rate = rng.uniform(50, 500, (NY, NX)).astype(np.float32)
    sci = (1000 + rate[None, None] * np.arange(1, NGROUPS + 1, dtype=np.float32)[None, :, None, None]).astype(np.float32)
    exposure = write_ramp_file(directory / "full_lastframe.fits", sci=sci, with_asdf=False,
                               extra_header={"SUBARRAY": "FULL"})  # fmt: skip
    coeffs = np.zeros((3, NY, NX), dtype=np.float32)
    coeffs[1], coeffs[2] = 1.0, 1e-6
    reference = write_linearity_reference(directory / "full_linearity_ref.fits", coeffs=coeffs)
    product = correct_file(exposure, reference, directory / "full_linearity.fits").output
    with fits.open(product, mode="update") as hdul:
        for n, (x, y) in enumerate(DIFFERING):
            hdul["SCI"].data[0, : n + 1, y, x] += np.float32(10.0 * (n + 1))
    return {"exposure": exposure, "reference": reference, "product": product}


def shot(panel: ImagePanel) -> np.ndarray:
    image = panel.grab().toImage().convertToFormat(QImage.Format.Format_RGBA8888)
    data = np.frombuffer(image.constBits().asstring(image.sizeInBytes()), dtype=np.uint8)
    return data.reshape(image.height(), image.bytesPerLine() // 4, 4)[:, : image.width(), :3].astype(int)


def hover(widget, where: QPoint) -> None:  # type: ignore[no-untyped-def]
    """The mouse moved to ``where`` over ``widget``, told to it directly: the offscreen platform sends
    cursor moves to whichever window it stacks on top, which for a dialog over the window is not known."""
    local = QPointF(where)
    event = QMouseEvent(QEvent.Type.MouseMove, local, QPointF(widget.mapToGlobal(where)), Qt.MouseButton.NoButton,
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    QApplication.sendEvent(widget, event)


def wheel(widget, where: QPoint, degrees_x8: int) -> None:  # type: ignore[no-untyped-def]
    """A turn of the mouse wheel at ``where`` over ``widget``."""
    event = QWheelEvent(QPointF(where), QPointF(widget.mapToGlobal(where)), QPoint(0, 0), QPoint(0, degrees_x8),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)  # fmt: skip
    QApplication.sendEvent(widget, event)


def screen_point(panel: ImagePanel, x: float, y: float) -> QPoint:
    panel.view.updateMatrix()
    return panel.mapFromScene(panel.view.mapViewToScene(pg.Point(x, y)))


@pytest.fixture
def verified(qtbot, full_frame: dict[str, Path]) -> MainWindow:  # type: ignore[no-untyped-def]
    window = shown_window(qtbot, full_frame["exposure"], full_frame["reference"])
    window.open_product(full_frame["product"])
    job = window.jobs.verify_product()
    qtbot.waitUntil(lambda: job.done and window.dialogs.verify_report is not None, timeout=60000)
    buttons = {button.text(): button for button in window.dialogs.verify_report.findChildren(QPushButton)}
    qtbot.mouseClick(buttons["Show differences"], Qt.MouseButton.LeftButton)
    assert window.right.title.text == "Verify differences — 3 pixels differ"
    window.verify_buttons = buttons  # type: ignore[attr-defined]
    return window


def test_every_differing_pixel_is_visible_at_fit_zoom(qtbot, verified: MainWindow) -> None:  # type: ignore[no-untyped-def]
    panel = verified.right
    QApplication.processEvents()
    assert max(panel.view.viewPixelSize()) > 1.5  # several detector pixels per screen pixel
    pixels = shot(panel)
    ratio = panel.devicePixelRatioF()
    away = screen_point(panel, 300.5, 300.5)
    background = pixels[int(away.y() * ratio), int(away.x() * ratio)]
    for x, y in DIFFERING:
        where = screen_point(panel, x + 0.5, y + 0.5)
        col, row = int(where.x() * ratio), int(where.y() * ratio)
        block = pixels[row - 3 : row + 4, col - 3 : col + 4]
        lit = np.abs(block - background).sum(axis=2) > 60
        assert lit.sum() >= 4, (x, y)  # a block the eye finds, not a speck or nothing


def test_the_map_value_is_read_under_the_cursor_and_a_click_inspects_the_pixel(qtbot, verified: MainWindow) -> None:  # type: ignore[no-untyped-def]
    panel = verified.right
    verified.show_pixel(*DIFFERING[1])  # zoomed in, so the cursor lands on the pixel
    where = screen_point(panel, DIFFERING[1][0] + 0.5, DIFFERING[1][1] + 0.5)
    qtbot.mouseMove(panel.viewport(), where)
    qtbot.waitUntil(lambda: f"array ({DIFFERING[1][0]}, {DIFFERING[1][1]})" in verified.status.readout.text(), timeout=5000)
    assert "values differing 2" in verified.status.readout.text()
    verified.select_pixel(5, 5)
    qtbot.mouseClick(panel.viewport(), Qt.MouseButton.LeftButton, pos=where)
    facts = verified.inspector.facts
    assert facts is not None and (facts.x, facts.y) == DIFFERING[1]


def test_next_and_previous_difference_step_worst_first_and_pan_there(qtbot, verified: MainWindow) -> None:  # type: ignore[no-untyped-def]
    worst_first = list(reversed(DIFFERING))
    verified.dialogs.verify_report.close()  # back in the main window, where its keys work
    verified.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is verified, timeout=5000)
    for expected in worst_first:
        qtbot.keyClick(verified.left, Qt.Key.Key_N)
        assert verified.pixel == expected
        (x0, x1), (y0, y1) = verified.right.view.viewRange()
        assert (x0 + x1) / 2 == pytest.approx(expected[0] + 0.5, abs=1) and (y0 + y1) / 2 == pytest.approx(expected[1] + 0.5, abs=1)
        assert verified.right.view.width() / (x1 - x0) >= MIN_SCREEN_PIXELS * 0.99
    assert "pixel 3 of 3" in verified.status.message_text
    qtbot.keyClick(verified.left, Qt.Key.Key_N)
    assert verified.pixel == worst_first[-1] and "last one reached" in verified.status.message_text
    menu_action(verified, "View", "Previous difference").trigger()
    assert verified.pixel == worst_first[1]


def test_go_to_worst_pixel_pans_to_it(qtbot, verified: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(verified.verify_buttons["Go to worst pixel"], Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    worst = DIFFERING[2]  # the largest difference
    assert verified.pixel == worst
    (x0, x1), (y0, y1) = verified.left.view.viewRange()
    assert (x0 + x1) / 2 == pytest.approx(worst[0] + 0.5, abs=1) and (y0 + y1) / 2 == pytest.approx(worst[1] + 0.5, abs=1)
    assert x1 - x0 < NX / 4  # zoomed in: the pixel is seen, not only circled


@pytest.fixture
def comparison_dialog(qtbot, tmp_path: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    files = write_comparison_files(tmp_path)
    window = shown_window(qtbot, files["exposure"], files["a"])
    window.open_against(files["b"])
    menu_action(window, "Correction", "Compare references A and B over the detector").trigger()
    qtbot.waitUntil(lambda: window.dialogs.comparison_figure is not None, timeout=30000)
    qtbot.waitExposed(window.dialogs.comparison_dialog)
    return window


def test_the_comparison_dialog_fits_its_screen_with_all_three_columns(qtbot, comparison_dialog: MainWindow) -> None:  # type: ignore[no-untyped-def]
    dialog, figure = comparison_dialog.dialogs.comparison_dialog, comparison_dialog.dialogs.comparison_figure
    free = dialog.screen().availableGeometry()
    assert dialog.width() <= free.width() and dialog.height() <= free.height()
    QApplication.processEvents()
    for name, (plot, _, values) in figure.maps.items():
        assert plot.sceneBoundingRect().right() <= figure.viewport().width() + 1, name  # not cut off on the right
        (x0, x1), (y0, y1) = plot.vb.viewRange()
        assert x0 <= 0 and x1 >= values.shape[1] and y0 <= 0 and y1 >= values.shape[0], name  # each whole map shown
        assert x1 - x0 < 2 * values.shape[1] or y1 - y0 < 2 * values.shape[0], name  # and fitted, not a speck


def test_the_comparison_maps_zoom_together_read_values_and_send_a_click_to_the_inspector(
    qtbot, comparison_dialog: MainWindow
) -> None:  # type: ignore[no-untyped-def]
    window, figure = comparison_dialog, comparison_dialog.dialogs.comparison_figure
    first = figure.maps["factor_a"][0].vb
    before = {name: plot.vb.viewRange() for name, (plot, _, _) in figure.maps.items()}
    centre = figure.mapFromScene(first.mapViewToScene(pg.Point(15, 12)))
    for _ in range(3):  # the mouse wheel, turned away from the user: zoom in
        wheel(figure.viewport(), centre, 120)
    QApplication.processEvents()
    centre = np.mean(first.viewRange(), axis=1)
    for name, (plot, _, _) in figure.maps.items():  # the same region (a plot's own aspect may widen it)
        np.testing.assert_allclose(np.mean(plot.vb.viewRange(), axis=1), centre, atol=1, err_msg=name)
        assert np.diff(plot.vb.viewRange()[1])[0] < 0.6 * np.diff(before[name][1])[0], name
    plot, _, values = figure.maps["factor_difference"]
    x, y = 11, 7
    plot.vb.setRange(xRange=(x - 3, x + 4), yRange=(y - 3, y + 4), padding=0)
    QApplication.processEvents()
    where = figure.mapFromScene(plot.vb.mapViewToScene(pg.Point(x + 0.5, y + 0.5)))
    labels = [label for label in window.dialogs.comparison_dialog.findChildren(QLabel) if "Hover a map" in label.text()]
    assert len(labels) == 1
    readout = labels[0]
    hover(figure.viewport(), where)
    assert readout.text() == f"Factor B − A: pixel ({x}, {y}) = {float(values[y, x]):.6g}"
    qtbot.mouseClick(figure.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert window.pixel == (x, y)
    facts = window.inspector.facts
    assert facts is not None and (facts.x, facts.y) == (x, y)


def test_the_comparison_steps_through_factor_differences_worst_first(qtbot, comparison_dialog: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window = comparison_dialog
    values = window.dialogs.comparison_figure.maps["factor_difference"][2].astype(np.float64)
    sizes = np.where(np.isfinite(values), np.abs(values), 0)
    ranked = sorted(((float(-sizes[y, x]), y, x) for y, x in zip(*np.nonzero(sizes), strict=True)))
    buttons = {b.text(): b for b in window.dialogs.comparison_dialog.findChildren(QPushButton)}
    for _, y, x in ranked[:3]:
        qtbot.mouseClick(buttons["Next difference (worst first)"], Qt.MouseButton.LeftButton)
        assert window.pixel == (x, y)
    qtbot.mouseClick(buttons["Previous difference"], Qt.MouseButton.LeftButton)
    assert window.pixel == (ranked[1][2], ranked[1][1])


def test_the_residual_map_pools_reads_and_goes_to_its_worst_pixel(qtbot, full_frame: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    window = shown_window(qtbot, full_frame["exposure"], full_frame["reference"])
    job = window.run_correction()
    qtbot.waitUntil(lambda: job.done, timeout=60000)
    window.display.mode_box.setCurrentText("Residual map")
    qtbot.waitUntil(lambda: window.panels.shown_map is not None, timeout=60000)
    rms = window.jobs.residual_map(0)
    assert rms is not None
    factor = round(NX / window.right.image.image.shape[1])
    assert factor >= 2 and window.right.image.image.shape[0] == -(-NY // factor)  # pooled to the zoom
    menu_action(window, "View", "Go to worst pixel of the map").trigger()
    y, x = np.unravel_index(np.nanargmax(rms), rms.shape)
    assert window.pixel == (x, y)
    assert f"residual RMS {float(rms[y, x]):.6g} DN" in window.status.readout_text(int(x), int(y))
    assert window.right.image.image.shape == (NY, NX)  # zoomed in to the pixel: drawn whole again


def test_the_no_lin_corr_mask_and_a_minus_b_read_their_value_and_step(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    files = write_comparison_files(tmp_path)
    window = shown_window(qtbot, files["exposure"], files["a"])
    window.open_against(files["b"])
    job = window.run_correction()
    qtbot.waitUntil(lambda: job.done, timeout=30000)
    window.display.mode_box.setCurrentText("NO_LIN_CORR mask")
    mask = window.session.no_lin_corr_mask()
    assert mask is not None
    rows, columns = np.nonzero(mask)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    qtbot.keyClick(window.left, Qt.Key.Key_N)
    assert window.pixel == (columns[0], rows[0])  # all flagged alike: row by row
    assert "NO_LIN_CORR mask 1" in window.status.readout_text(int(columns[0]), int(rows[0]))
    window.display.mode_box.setCurrentText("A − B")
    shown = window.right.image.image
    assert shown is not None
    difference = window.session.source("A − B").plane(window.integration, window.group)
    y, x = np.unravel_index(np.nanargmax(np.abs(difference)), difference.shape)
    qtbot.keyClick(window.left, Qt.Key.Key_W, Qt.KeyboardModifier.ShiftModifier)
    assert window.pixel == (x, y)
    assert f"A − B {float(difference[y, x]):.6g} DN" in window.status.readout_text(int(x), int(y))
