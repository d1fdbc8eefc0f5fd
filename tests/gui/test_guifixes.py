"""Defects of issue 15 found by using the app for real: what the panels and the inspector show the user."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from PyQt6.QtCore import QPointF, QSettings, Qt
from PyQt6.QtGui import QImage
from PyQt6.QtWidgets import QFileDialog

from lininspect.core.analysis import analysis
from lininspect.gui.app import show_window
from lininspect.gui.imagepanel import MASK_COLOURS, OVERLAY_RGBA
from lininspect.gui.mainwindow import MainWindow
from lininspect.model.opening import OpeningRequest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test helpers in tests/
from comparison_files import write_comparison_files  # noqa: E402
from guihelpers import menu_action, open_and_wait, shown_window  # noqa: E402
from smallfiles import NGROUPS  # noqa: E402

RUN_TIMEOUT_MS = 10000


@pytest.fixture
def files_ab(tmp_path: Path) -> dict[str, Path]:
    return write_comparison_files(tmp_path)


def run(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    job = window.run_correction()
    qtbot.waitUntil(lambda: job.done, timeout=RUN_TIMEOUT_MS)
    assert window.session.result is not None


def colour_count(qtbot, widget, rgb: tuple[int, int, int]) -> int:  # type: ignore[no-untyped-def]
    """Screen pixels of exactly this colour in the widget as painted."""
    qtbot.wait(50)
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    pixels = np.frombuffer(image.constBits().asstring(image.sizeInBytes()), dtype=np.uint8)
    rows = pixels.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 3].reshape(image.height(), image.width(), 3)
    return int(np.all(rows == np.array(rgb, dtype=np.uint8), axis=-1).sum())


def test_mask_on_right_paints_no_cyan_over_the_magenta_no_lin_corr_map(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    window.display.overlay_right.click()
    window.display.mode_box.setCurrentText("NO_LIN_CORR mask")
    magenta = tuple(int(MASK_COLOURS[1][i : i + 2], 16) for i in (1, 3, 5))
    assert colour_count(qtbot, window.right, magenta) > 0  # the legend's colour is what the map shows
    assert colour_count(qtbot, window.right, OVERLAY_RGBA[:3]) == 0
    window.display.mode_box.setCurrentText("Corrected")  # over an image the tick still marks them in cyan
    assert colour_count(qtbot, window.right, OVERLAY_RGBA[:3]) > 0


def click(qtbot, panel, x: int, y: int) -> None:  # type: ignore[no-untyped-def]
    """Click the centre of pixel (x, y) through the view's own coordinate mapping."""
    panel.view.updateMatrix()
    scene = panel.image.mapToScene(QPointF(x + 0.5, y + 0.5))
    qtbot.mouseClick(panel.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, panel.mapFromScene(scene))


def test_the_no_lin_corr_stepper_leaves_its_number_when_an_unflagged_pixel_is_clicked(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    box = window.inspector.flagged_box
    mask = window.session.no_lin_corr_mask()
    assert mask is not None
    flagged = [(int(x), int(y)) for x, y in analysis.flagged_pixels(mask)]
    for _ in range(3):
        box.stepUp()
    assert box.text() == f"NO_LIN_CORR 3 of {len(flagged)}" and window.pixel == flagged[2]
    y, x = np.argwhere(~mask)[len(flagged) * 7]
    click(qtbot, window.left, int(x), int(y))
    assert window.pixel == (x, y)
    assert box.text() == f"NO_LIN_CORR: {len(flagged)} pixels"  # not "3 of ...", a pixel it is not showing
    click(qtbot, window.left, *flagged[5])
    assert box.text() == f"NO_LIN_CORR 6 of {len(flagged)}"  # a flagged pixel clicked: where it is in the list
    box.stepUp()
    assert window.pixel == flagged[6]


def test_the_inspector_plots_forget_the_last_exposures_ranges(qtbot, window: MainWindow, small_files, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    faint = tmp_path / "faint.fits"
    with fits.open(small_files.exposure) as hdul:
        hdul["SCI"].data = hdul["SCI"].data / 100
        hdul.writeto(faint)
    run(qtbot, window)
    click(qtbot, window.left, 30, 30)
    ramp = window.inspector.ramp_plot.vb
    ramp.scaleBy((0.5, 0.5))  # the user zoomed into the ramp
    bright = ramp.viewRange()[1]
    open_and_wait(qtbot, window, faint)
    for plot in (window.inspector.ramp_plot, window.inspector.ratio_plot, window.inspector.curve_plot,
                 window.inspector.residual_plot):  # fmt: skip
        assert plot.vb.viewRange() == [[0, 1], [0, 1]]  # empty, with no numbers of the last exposure
    click(qtbot, window.left, 30, 30)
    facts = window.inspector.facts
    assert facts is not None
    low, high = ramp.viewRange()[1]
    values = facts.raw[0]
    assert low <= values.min() and values.max() <= high
    assert high - low < 2 * np.ptp(values) < bright[1] - bright[0]


def test_the_box_card_summarises_the_usable_samples_per_group(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    window.left.boxSelected.emit(30, 25, 38, 33)  # away from the bright spot: only group 0 (DO_NOT_USE) differs
    region = window.inspector.region
    assert region is not None and list(region.count) == [0] + [64] * (NGROUPS - 1)
    assert "usable samples per group: 64, except group 0: 0" in window.inspector.card.toPlainText()


def test_the_ramps_csv_records_absolute_paths_of_files_named_relative(qtbot, small_files, tmp_path: Path,
                                                                       monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(small_files.exposure.parent)
    window = shown_window(qtbot, Path(small_files.exposure.name), Path(small_files.reference.name))
    run(qtbot, window)
    click(qtbot, window.left, 21, 12)
    target = tmp_path / "ramps.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(target), ""))
    menu_action(window, "Inspector", "Export ramps (CSV)...").trigger()
    lines = target.read_text().splitlines()
    assert lines[:2] == [f"# file: {small_files.exposure.resolve()}", f"# reference: {small_files.reference.resolve()}"]
    window.close()


@pytest.mark.parametrize(("saved", "needs"), [("A − B", "reference B"), ("Product − lininspect", "a pipeline product")])
def test_a_saved_right_view_that_needs_a_missing_file_falls_back_with_a_note(
    qtbot, small_files, private_settings: Path, saved: str, needs: str
) -> None:  # type: ignore[no-untyped-def]
    settings = QSettings(str(private_settings), QSettings.Format.IniFormat)
    settings.setValue("mode", saved)  # what the last run of the app left
    settings.sync()
    window = shown_window(qtbot, small_files.exposure, small_files.reference)
    qtbot.waitUntil(lambda: window.display.mode_box.currentText() == "Corrected", timeout=5000)
    assert window.right.title.text.startswith("Corrected")
    assert window.right.image.isVisible()
    message = window.status.message_text
    assert saved in message and needs in message and "Corrected" in message
    window.close()


def test_a_saved_right_view_is_kept_when_its_files_come_with_the_command(qtbot, files_ab, private_settings: Path) -> None:  # type: ignore[no-untyped-def]
    settings = QSettings(str(private_settings), QSettings.Format.IniFormat)
    settings.setValue("mode", "A − B")
    settings.sync()
    window = show_window(OpeningRequest(input=files_ab["exposure"], reference=files_ab["a"], against=files_ab["b"]))
    qtbot.addWidget(window)
    # The files are read in a job: the right panel is titled when the difference is drawn.
    qtbot.waitUntil(lambda: window.right.title.text.startswith("A − B"), timeout=30000)
    assert window.display.mode_box.currentText() == "A − B"
    window.close()
