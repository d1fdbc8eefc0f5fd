"""The main window, driven as a user would: load, run, click, pin, step, zoom, export, cancel."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import QMimeData, QPointF, Qt, QThreadPool, QUrl
from PyQt6.QtGui import QDragEnterEvent, QDropEvent
from PyQt6.QtWidgets import QApplication, QMessageBox

from lininspect.core.analysis import analysis

from lininspect.core import dq
from lininspect.core.kernels.correction import correct_arrays
from lininspect.core.errors import CorrectionCancelled, LinInspectError
from lininspect.core.fits.exposure import open_exposure
from lininspect.core.fits.product import correct_file
from lininspect.core.references.reference import coefficients_for, open_reference
from lininspect.model import session as session_module
from lininspect.gui.app import launch, open_window
from lininspect.gui.imagepanel import ImagePanel
from lininspect.gui.mainwindow import MainWindow
from lininspect.model.opening import OpeningRequest

from smallfiles import NGROUPS, NINTS, SmallFiles
from guihelpers import open_and_wait  # noqa: E402

RUN_TIMEOUT_MS = 10000


def finish(qtbot, job) -> None:  # type: ignore[no-untyped-def]
    """Wait until a job's handlers have run (or it was cancelled)."""
    qtbot.waitUntil(lambda: job.done, timeout=RUN_TIMEOUT_MS)


def run(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    finish(qtbot, window.run_correction())
    assert window.session.result is not None


def expected_result(files: SmallFiles):  # type: ignore[no-untyped-def]
    exposure, reference = open_exposure(files.exposure), open_reference(files.reference)
    coeffs, ref_dq = coefficients_for(exposure, reference)
    return correct_arrays(exposure.sci, exposure.groupdq, exposure.pixeldq, coeffs, ref_dq)


def click(qtbot, panel: ImagePanel, x: int, y: int, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    """Click the centre of pixel (x, y) through the view's own coordinate mapping."""
    panel.view.updateMatrix()
    scene = panel.image.mapToScene(QPointF(x + 0.5, y + 0.5))
    qtbot.mouseClick(panel.viewport(), Qt.MouseButton.LeftButton, modifier, panel.mapFromScene(scene))


def test_load_and_run_in_background_gives_the_core_result(qtbot, window: MainWindow, small_files) -> None:  # type: ignore[no-untyped-def]
    assert window.group == NGROUPS - 1 and window.integration == 0  # default: last group of integration 0
    run(qtbot, window)
    expected = expected_result(small_files)
    result = window.session.result
    assert result is not None
    np.testing.assert_array_equal(result.data, expected.data)
    np.testing.assert_array_equal(result.pixeldq, expected.pixeldq)
    assert not window.status.progress.isVisible()
    np.testing.assert_array_equal(
        window.right.image.image, analysis.stretch(expected.data[0, -1], *_limits(window, expected.data[0, -1]), window.display.stretch_box.currentText())
    )


def _limits(window: MainWindow, values: np.ndarray) -> tuple[float, float]:
    """The limits a panel showing ``values`` draws them on: their own."""
    return analysis.display_limits(values, window.display.limits_box.currentText())


def test_clicking_a_pixel_plots_its_ramps(qtbot, window: MainWindow, small_files) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    window.left.view.setRange(xRange=(10, 30), yRange=(5, 25), padding=0)
    click(qtbot, window.left, 21, 12)
    assert window.pixel == (21, 12)
    expected = expected_result(small_files)
    raw = open_exposure(small_files.exposure).ramp(12, 21)
    (x_in, y_in), (x_out, y_out) = (window.inspector.curves[k][0].getData() for k in ("input", "corrected"))
    np.testing.assert_array_equal(x_in, np.arange(NGROUPS))
    np.testing.assert_array_equal(y_in, raw[0])
    np.testing.assert_array_equal(y_out, expected.data[0, :, 12, 21])
    card = window.inspector.card.toPlainText()
    assert "corrected; 4 saturated sample(s), all integrations, keep their raw value" in card
    assert "detector x, y\n32, 33" in card


def test_click_on_the_right_panel_and_all_integrations(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    click(qtbot, window.right, 3, 30)
    assert window.pixel == (3, 30)
    window.inspector.all_integrations.setChecked(True)
    assert len(window.inspector.curves["input"]) == NINTS


def test_shift_click_pins_pixels(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    click(qtbot, window.left, 5, 5)
    click(qtbot, window.left, 10, 20, Qt.KeyboardModifier.ShiftModifier)
    click(qtbot, window.right, 30, 8, Qt.KeyboardModifier.ShiftModifier)
    assert window.pixel == (5, 5)
    assert window.pins == [(10, 20), (30, 8)]
    assert window.inspector.pin_list.count() == 2
    colours = {window.inspector.pin_list.item(n).foreground().color().name() for n in range(2)}
    assert len(colours) == 2
    window.clear_pins()
    assert window.pins == [] and window.inspector.pin_list.count() == 0


def test_keys_step_group_and_integration_on_both_panels(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    window.activateWindow()
    qtbot.waitActive(window)
    before = window.left.image.image.copy(), window.right.image.image.copy()
    qtbot.keyClick(window.left, Qt.Key.Key_Left)
    assert window.group == NGROUPS - 2
    assert window.frame.group_box.value() == window.frame.group_slider.value() == NGROUPS - 2
    assert not np.array_equal(before[0], window.left.image.image)
    assert not np.array_equal(before[1], window.right.image.image)
    qtbot.keyClick(window.left, Qt.Key.Key_Right)
    qtbot.keyClick(window.left, Qt.Key.Key_Right)  # clamped at the last group
    assert window.group == NGROUPS - 1
    qtbot.keyClick(window.left, Qt.Key.Key_PageDown)
    assert window.integration == 1 and window.frame.integration_box.value() == 1
    qtbot.keyClick(window.left, Qt.Key.Key_PageUp)
    assert window.integration == 0
    window.frame.group_box.setFocus()  # typed a group number, then Enter: the keys step groups again
    window.frame.group_box.selectAll()
    qtbot.keyClicks(window.frame.group_box, "2")
    qtbot.keyClick(window.frame.group_box, Qt.Key.Key_Return)
    assert window.group == 2 and not window.frame.group_box.hasFocus()
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Right)
    assert window.group == 3


def test_zooming_one_panel_moves_the_other(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    full_width = np.diff(window.left.view.viewRange()[0])[0]
    window.left.view.setRange(xRange=(10, 20), yRange=(10, 20), padding=0)
    qtbot.wait(20)
    for a, b in zip(window.left.view.viewRange(), window.right.view.viewRange(), strict=True):
        assert a == pytest.approx(b)
    window.right.view.scaleBy((0.5, 0.5))
    qtbot.wait(20)
    for a, b in zip(window.left.view.viewRange(), window.right.view.viewRange(), strict=True):
        assert a == pytest.approx(b)
    zoomed_width = np.diff(window.left.view.viewRange()[0])[0]
    assert zoomed_width < full_width / 2


def test_mask_mode_counts_no_lin_corr(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    window.display.mode_box.setCurrentText("NO_LIN_CORR mask")
    result = window.session.result
    assert result is not None
    count = int(np.count_nonzero(result.pixeldq & dq.NO_LIN_CORR))
    assert count == 9 + 2  # the reference's 3x3 block, a NaN and a zero linear term
    assert f"{count} pixels" in window.right.title.text
    assert int(window.right.image.image.sum()) == count
    window.display.overlay_left.setChecked(True)
    assert window.left.overlay.isVisible()
    assert int((window.left.overlay.image[..., 3] > 0).sum()) == count


@pytest.mark.parametrize(("mode", "title"), [("Ratio", "Input / corrected"), ("Difference", "Corrected − input")])
def test_ratio_and_difference_modes(qtbot, window: MainWindow, mode: str, title: str) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    window.display.mode_box.setCurrentText(mode)
    assert window.right.title.text.startswith(title)
    assert window.right.image.isVisible() and np.isfinite(window.right.image.image).all()


def test_residual_map_is_computed_in_the_background(qtbot, window: MainWindow, small_files) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    window.display.mode_box.setCurrentText("Residual map")
    finish(qtbot, window.jobs.residual)
    expected = expected_result(small_files)
    exposure = open_exposure(small_files.exposure)
    rms = analysis.residual_rms_map(expected.data[0], np.asarray(exposure.groupdq[0]))
    np.testing.assert_array_equal(window.jobs.residuals[0], rms)
    assert "Residual" in window.right.title.text and window.right.image.isVisible()


def test_export_equals_the_cli_output_byte_for_byte(qtbot, window: MainWindow, small_files, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    exported = window.jobs.export_to(tmp_path / "small_linearity.fits")
    (tmp_path / "cli").mkdir()  # the same name elsewhere: a product records its own FILENAME
    correct_file(small_files.exposure, small_files.reference, tmp_path / "cli" / "small_linearity.fits")
    assert exported.read_bytes() == (tmp_path / "cli" / "small_linearity.fits").read_bytes()
    with pytest.raises(LinInspectError, match="already exists"):
        window.jobs.export_to(exported)


def test_cancel_leaves_no_result_and_no_file(qtbot, window: MainWindow, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    gate = threading.Event()

    def stalled(*args, cancel, **kwargs):  # type: ignore[no-untyped-def]
        gate.set()
        while not cancel.is_set():
            threading.Event().wait(0.005)
        raise CorrectionCancelled()

    monkeypatch.setattr(session_module, "scan_correction", stalled)
    window.run_correction()
    assert gate.wait(5)
    assert window.status.progress.isVisible() and window.status.cancel_button.isVisible()
    qtbot.mouseClick(window.status.cancel_button, Qt.MouseButton.LeftButton)
    assert window.session.result is None
    assert not window.status.progress.isVisible()
    with pytest.raises(LinInspectError):
        window.jobs.export_to(tmp_path / "out.fits")
    assert not list(tmp_path.glob("*.fits*"))


def test_reloading_during_a_run_discards_the_stale_result(qtbot, window: MainWindow, small_files, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    release = threading.Event()
    real = session_module.scan_correction

    def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        release.wait(5)
        return real(*args, **kwargs)

    monkeypatch.setattr(session_module, "scan_correction", slow)
    window.run_correction()
    open_and_wait(qtbot, window, small_files.exposure)  # cancels the run
    release.set()
    QThreadPool.globalInstance().waitForDone()  # the old job ran to its end...
    QApplication.processEvents()  # ...and its result was delivered
    assert window.session.result is None  # the old run's result was dropped
    monkeypatch.setattr(session_module, "scan_correction", real)
    run(qtbot, window)  # and running again works
    assert window.session.result is not None


def test_running_twice_keeps_only_the_second_run(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    first = window.run_correction()
    second = window.run_correction()
    qtbot.waitUntil(lambda: window.session.result is not None, timeout=RUN_TIMEOUT_MS)
    assert first.cancelled and window.jobs.correction is second and not second.cancelled


def test_a_bad_file_gives_a_dialog_and_the_app_carries_on(qtbot, window: MainWindow, monkeypatch, tmp_path, small_files) -> None:  # type: ignore[no-untyped-def]
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append(text))
    bad = tmp_path / "bad.fits"
    bad.write_bytes(b"not a fits file at all")
    window.actions.open_dropped([bad])
    assert shown and "not a FITS file" in shown[0]
    window.actions.open_dropped([small_files.reference])  # a reference given as "input" is told apart by content
    reading = window.jobs.reading_reference
    qtbot.waitUntil(lambda: reading is not None and reading.done, timeout=RUN_TIMEOUT_MS)  # read in a job
    window.guard(lambda: open_and_wait(qtbot, window, small_files.reference))
    assert "linearity reference" in shown[-1]
    run(qtbot, window)
    assert window.session.result is not None


def test_errors_from_the_worker_arrive_as_a_dialog(qtbot, window: MainWindow, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append(text))

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise LinInspectError("the reference is broken")

    monkeypatch.setattr(session_module, "scan_correction", broken)
    finish(qtbot, window.run_correction())
    assert shown == ["the reference is broken"]
    assert window.session.result is None


def test_readout_names_coordinates_values_and_flags(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    window.set_frame(0, 0)
    text = window.status.readout_text(3, 2)
    assert "array (3, 2)" in text and "detector (14, 23)" in text
    assert "NO_LIN_CORR" in text and "GROUPDQ 1 (DO_NOT_USE)" in text and "ratio" in text
    assert window.status.readout_text(-1, -1) == ""


def test_box_gives_mean_ramps_over_unflagged_samples(qtbot, window: MainWindow, small_files) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    window.left.boxSelected.emit(18, 8, 26, 16)
    region = window.inspector.region
    assert region is not None
    exposure = open_exposure(small_files.exposure)
    mean, count = analysis.region_mean_ramp(exposure.sci[0, :, 8:16, 18:26], exposure.groupdq[0, :, 8:16, 18:26])
    np.testing.assert_array_equal(region.raw, mean)
    np.testing.assert_array_equal(region.count, count)
    assert count[0] == 0 and count[-1] < 64  # group 0 is DO_NOT_USE, the bright spot saturates
    assert "usable samples" in window.inspector.card.toPlainText()


def test_inspector_exports_plots_and_csv(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    window.select_pixel(4, 4)
    window.select_pixel(9, 9, pin=True)
    window.inspector.export_plots(tmp_path / "plots.png")
    window.inspector.export_plots(tmp_path / "plots.svg")
    window.inspector.export_csv(tmp_path / "ramps.csv")
    assert (tmp_path / "plots.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (tmp_path / "plots.svg").read_bytes()
    lines = [line for line in (tmp_path / "ramps.csv").read_text().splitlines() if not line.startswith("#")]
    assert lines[0].startswith("x,y,integration,group") and len(lines) == 1 + 2 * NINTS * NGROUPS


def test_pipeline_product_and_verify(qtbot, window: MainWindow, small_files, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    product = tmp_path / "small_linearity.fits"
    correct_file(small_files.exposure, small_files.reference, product)
    window.open_product(product)
    assert "pipeline product" in window.right.title.text
    finish(qtbot, window.jobs.verify_product())
    assert "identical" in window.dialogs.verify_report_text.text()


def test_summary_headers_and_drop(qtbot, window: MainWindow, small_files) -> None:  # type: ignore[no-untyped-def]
    summary = window.dialogs.summary_html()
    assert "MIRI" in summary and "FASTR1" in summary and "small_linearity_ref.fits" in summary
    window.dialogs.show_headers()
    window.actions.open_dropped([small_files.reference, small_files.exposure])
    assert window.session.reference is not None and window.session.exposure is not None


def test_files_dropped_on_the_window_open_as_their_content_says(qtbot, small_files, private_settings: Path) -> None:  # type: ignore[no-untyped-def]
    """Real drag-enter and drop events, as a file manager sends them: a reference and a ramp, in that order."""
    window = open_window(None, None, None)
    qtbot.addWidget(window)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(small_files.reference)), QUrl.fromLocalFile(str(small_files.exposure))])
    where, action = QPointF(50, 50), Qt.DropAction.CopyAction
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(where.toPoint(), action, data, buttons, modifiers)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted() and window.session.exposure is None  # entering opens nothing
    QApplication.sendEvent(window, QDropEvent(where, action, data, buttons, modifiers))
    qtbot.waitUntil(lambda: window.session.exposure is not None and window.session.reference is not None,
                    timeout=RUN_TIMEOUT_MS)  # each read in a job
    assert window.session.exposure is not None and window.session.exposure.path == small_files.exposure
    assert window.session.reference is not None and window.session.reference.path == small_files.reference
    window.close()


def test_choices_persist_in_the_private_settings(qtbot, small_files, private_settings: Path) -> None:  # type: ignore[no-untyped-def]
    first = open_window(small_files.exposure, None, None)
    qtbot.addWidget(first)
    first.display.colourmap_box.setCurrentText("viridis")
    first.close()
    assert private_settings.exists()
    second = open_window(None, None, None)
    qtbot.addWidget(second)
    assert second.display.colourmap_box.currentText() == "viridis"
    assert str(small_files.exposure.resolve()) in second.actions._recent()


def test_many_windows_open_and_close(qtbot, small_files) -> None:  # type: ignore[no-untyped-def]
    for n in range(20):
        window = open_window(small_files.exposure, small_files.reference, None)
        window.show()
        if n % 2:
            window.run_correction()  # closed mid-run: the thread is waited for
        else:
            window.jobs.run_correction_now()
            window.select_pixel(n, n)
        window.close()
        window.deleteLater()
        QApplication.processEvents()


def test_launch_refuses_without_a_display(monkeypatch, small_files) -> None:  # type: ignore[no-untyped-def]
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(LinInspectError, match="no display"):
        launch(OpeningRequest(small_files.exposure, small_files.reference, correct_on_open=True))


class _RightDrag:
    """Stands in for pyqtgraph's MouseDragEvent: QTest cannot move the mouse with a button held."""

    def __init__(self, start: QPointF, end: QPointF, finish: bool) -> None:
        self._start, self._end, self._finish = start, end, finish

    def button(self) -> Qt.MouseButton:
        return Qt.MouseButton.RightButton

    def buttonDownPos(self) -> QPointF:  # noqa: N802 (pyqtgraph's name)
        return self._start

    def pos(self) -> QPointF:
        return self._end

    def isFinish(self) -> bool:  # noqa: N802
        return self._finish

    def accept(self) -> None:
        pass


def test_right_drag_selects_a_box_without_zooming(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    view = window.left.view
    view.updateMatrix()
    before = view.viewRange()
    start, end = view.mapFromView(QPointF(18.2, 8.5)), view.mapFromView(QPointF(25.5, 15.9))
    view.mouseDragEvent(_RightDrag(start, end, finish=False))
    assert window.inspector.region is None
    view.mouseDragEvent(_RightDrag(start, end, finish=True))
    region = window.inspector.region
    assert region is not None and (region.x0, region.y0, region.x1, region.y1) == (18, 8, 26, 16)
    assert view.viewRange() == before


def test_a_reference_that_does_not_cover_the_exposure_is_refused(qtbot, window: MainWindow, small_files, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from astropy.io import fits

    elsewhere = tmp_path / "elsewhere_ref.fits"
    with fits.open(small_files.reference) as hdul:
        hdul[0].header["SUBSTRT1"] = 500
        hdul.writeto(elsewhere)
    with pytest.raises(LinInspectError, match="does not cover"):
        window.open_reference(elsewhere)
    assert window.session.reference is not None and window.session.reference.path == small_files.reference
    run(qtbot, window)


@pytest.mark.parametrize(
    ("pixel", "reason"),
    [((3, 2), "NO_LIN_CORR in the reference DQ"), ((40, 30), "NaN coefficient"), ((41, 31), "zero linear coefficient")],
)
def test_card_says_why_a_pixel_is_left_alone(qtbot, window: MainWindow, pixel, reason: str) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    window.select_pixel(*pixel)
    card = window.inspector.card.toPlainText()
    assert f"left alone: {reason}" in card and "NO_LIN_CORR" in card
    facts = window.inspector.facts
    assert facts is not None and facts.corrected is not None
    np.testing.assert_array_equal(facts.corrected, facts.raw)  # identity: the values pass through


def test_flagged_groups_get_their_own_symbols(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    window.select_pixel(21, 12)
    names = {item.name() for item in window.inspector.ramp_plot.listDataItems()}
    assert {"input", "corrected", "SATURATED", "DO_NOT_USE"} <= names
    window.set_frame(1, window.group)
    window.select_pixel(7, 5)
    assert "JUMP_DET" in {item.name() for item in window.inspector.ramp_plot.listDataItems()}
