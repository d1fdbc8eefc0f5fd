"""The reference must fit the exposure and stays in view; a pipeline product is shown, verified and compared."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QMessageBox, QPushButton

from lininspect.core.analysis import analysis
from lininspect.core.dq import NO_LIN_CORR
from lininspect.core.errors import LinInspectError
from lininspect.core.fits.product import correct_file
from lininspect.gui.app import show_window
from lininspect.gui.mainwindow import MainWindow
from lininspect.model.opening import OpeningRequest
from lininspect.model.viewstate import RightView

from smallfiles import SmallFiles
from guihelpers import open_and_wait  # noqa: E402

RUN_TIMEOUT_MS = 10000


def finish(qtbot, job) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: job.done, timeout=RUN_TIMEOUT_MS)


def nircam_copy(files: SmallFiles, directory: Path) -> Path:
    path = directory / "nrc_lastframe.fits"
    with fits.open(files.exposure) as hdul:
        hdul[0].header["INSTRUME"], hdul[0].header["DETECTOR"] = "NIRCAM", "NRCA1"
        hdul[0].header["S_SUPERB"] = hdul[0].header["S_REFPIX"] = "COMPLETE"  # NIRCam's own earlier steps, on record
        hdul.writeto(path)
    return path


def test_a_new_input_drops_a_reference_of_another_instrument(qtbot, window: MainWindow, small_files, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert window.status.reference_label.text() == f"reference: {small_files.reference.name} (chosen by you)"
    assert window.status.reference_label.isVisible()
    open_and_wait(qtbot, window, nircam_copy(small_files, tmp_path))
    assert window.session.reference is None
    assert "reference dropped" in window.status.message_text and "NIRCAM NRCA1" in window.status.message_text
    assert window.status.reference_label.text() == "no reference"
    assert not window.actions.run_action.isEnabled()
    with pytest.raises(LinInspectError, match="linearity reference first"):
        window.run_correction()  # Ctrl+R: not with the MIRI reference
    with pytest.raises(LinInspectError, match="NIRCAM NRCA1"):
        window.open_reference(small_files.reference)
    assert window.session.reference is None


def damaged_product(files: SmallFiles, directory: Path) -> Path:
    """A product whose SCI is 5 DN high everywhere and whose NO_LIN_CORR flags were zeroed."""
    product = directory / "small_linearity.fits"
    correct_file(files.exposure, files.reference, product)
    with fits.open(product, mode="update") as hdul:
        hdul["SCI"].data += np.float32(5.0)
        hdul["SCI"].data[1, 2, 33, 44] += np.float32(1000.0)
        hdul["PIXELDQ"].data &= ~np.uint32(NO_LIN_CORR)
    return product


def test_given_with_its_reference_the_product_is_shown_not_a_run_of_ours(qtbot, small_files, tmp_path) -> None:  # type: ignore[no-untyped-def]
    product = damaged_product(small_files, tmp_path)
    window = show_window(OpeningRequest(small_files.exposure, small_files.reference, product, correct_on_open=True))
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.session.product is not None, timeout=30000)  # the input is read in a job first
    assert window.jobs.correction is None  # no correction of its own was started
    with fits.open(product) as hdul:
        shown = hdul["SCI"].data[window.integration, window.group].astype(np.float32)
    low, high = analysis.display_limits(shown, window.display.limits_box.currentText())
    np.testing.assert_array_equal(window.right.image.image, analysis.stretch(shown, low, high, window.display.stretch_box.currentText()))
    assert window.right.title.text.startswith("Corrected (pipeline product)")
    assert window.actions.verify_action.isEnabled()

    window.display.mode_box.setCurrentText("Product − lininspect")  # needs lininspect's correction: it starts
    assert window.jobs.correction is not None
    finish(qtbot, window.jobs.correction)
    difference = window.session.product_minus_ours(window.integration, window.group)
    assert difference is not None and np.all(np.abs(difference - 5) < 0.01)
    assert window.right.title.text.startswith("Product − lininspect")
    assert window.right.image.isVisible()
    window.display.mode_box.setCurrentText("Corrected")
    assert window.right.title.text.startswith("Corrected (pipeline product)")  # still the product
    window.view.update(right=RightView.CORRECTED_A)  # beside a product, "corrected A" is reference A's own correction
    assert window.display.mode_box.currentText() == "corrected A" and window.right.title.text.startswith("corrected A")
    ours = window.session.correction().plane(window.integration, window.group)
    assert not np.array_equal(ours, shown)
    low, high = analysis.display_limits(ours, window.view.limits.value)
    np.testing.assert_array_equal(window.right.image.image, analysis.stretch(ours, low, high, window.view.stretch.value))
    window.close()


def test_verify_reports_every_array_maps_them_and_jumps_to_the_worst(qtbot, window: MainWindow, small_files, tmp_path) -> None:  # type: ignore[no-untyped-def]
    window.open_product(damaged_product(small_files, tmp_path))
    finish(qtbot, window.jobs.verify_product())
    report = window.dialogs.verify_report_text.text()
    cells = 2 * 6 * 40 * 50
    assert f"SCI: {cells} of {cells} values differ, largest difference 100" in report
    assert "at pixel (44, 33) integration 1 group 2" in report
    assert "PIXELDQ: 11 of 2000 values differ, bits 1048576 (NO_LIN_CORR)" in report
    assert "GROUPDQ: 0 of" in report

    buttons = {button.text(): button for button in window.dialogs.verify_report.findChildren(QPushButton)}
    qtbot.mouseClick(buttons["Show differences"], Qt.MouseButton.LeftButton)
    assert window.display.mode_box.currentText() == "Verify differences"
    assert window.dialogs.verify_report.isVisible()  # the report stays for the next button
    assert window.right.title.text == "Verify differences — 2000 pixels differ"
    verification = window.jobs.verification
    assert verification is not None and int(verification.where.sum()) == cells + 11
    window.display.mode_box.setCurrentText("Product − lininspect")  # starts a correction of ours...
    finish(qtbot, window.jobs.correction)
    window.display.mode_box.setCurrentText("Verify differences")
    assert window.right.title.text == "Verify differences — 2000 pixels differ"  # ...which keeps Verify's map
    qtbot.mouseClick(buttons["Go to worst pixel"], Qt.MouseButton.LeftButton)
    assert (window.integration, window.group, window.pixel) == (1, 2, (44, 33))
    facts = window.inspector.facts
    assert facts is not None and (facts.x, facts.y) == (44, 33)


def test_verify_runs_with_progress_and_cancel(qtbot, window: MainWindow, small_files, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import threading

    from lininspect.model import session as session_module

    gate = threading.Event()

    def stalled(*args, cancel, **kwargs):  # type: ignore[no-untyped-def]
        gate.set()
        while not cancel.is_set():
            threading.Event().wait(0.005)
        raise session_module.CorrectionCancelled()

    product = tmp_path / "small_linearity.fits"
    correct_file(small_files.exposure, small_files.reference, product)
    window.open_product(product)
    monkeypatch.setattr(session_module, "compare_product", stalled)
    job = window.jobs.verify_product()
    assert gate.wait(5)
    assert window.status.progress.isVisible() and window.status.progress.format() == "verifying %p%"
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append(text))
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert job.cancelled and not window.status.progress.isVisible() and window.jobs.verification is None
    assert "verify cancelled" in window.status.message_text and not shown
