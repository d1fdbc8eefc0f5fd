"""Two references in the app, driven from the menus: panels, inspector overlay, whole-detector comparison."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtWidgets import QFileDialog

from lininspect.core.analysis import analysis
from lininspect.core.analysis.comparison import compare_references
from lininspect.core.fits.exposure import open_exposure
from lininspect.core.fits.product import correct_file
from lininspect.core.references.reference import open_reference
from lininspect.gui.mainwindow import MainWindow
from lininspect.model.opening import OpeningRequest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test helpers in tests/
from comparison_files import write_comparison_files  # noqa: E402
from guihelpers import menu_action, shown_window  # noqa: E402

LOST = (7, 4)  # A flags it NO_LIN_CORR, B corrects it


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = write_comparison_files(tmp_path)
    for label in ("a", "b"):
        paths[f"product_{label}"] = correct_file(paths["exposure"], paths[label], tmp_path / f"{label}_linearity.fits").output
    return paths


@pytest.fixture
def ab_window(qtbot, files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> MainWindow:  # type: ignore[no-untyped-def]
    window = shown_window(qtbot, files["exposure"], files["a"])
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(files["b"]), ""))
    menu_action(window, "File", "Compare &with reference...").trigger()
    yield window
    window.close()


def corrected(files: dict[str, Path], label: str) -> np.ndarray:
    return np.asarray(open_exposure(files[f"product_{label}"]).sci[...], dtype=np.float32)


def test_panels_show_a_b_and_their_difference(ab_window: MainWindow, files: dict[str, Path]) -> None:
    window = ab_window
    assert window.session.references["B"].path == files["b"]
    assert "against B: ref_b.fits" in window.status.reference_label.text()
    i, g = window.integration, window.group
    a, b = corrected(files, "a")[i, g], corrected(files, "b")[i, g]
    window.display.left_box.setCurrentText("corrected A")
    window.display.mode_box.setCurrentText("A − B")
    low, high = analysis.display_limits(a, window.display.limits_box.currentText())
    np.testing.assert_array_equal(window.left.image.image, analysis.stretch(a, low, high, window.display.stretch_box.currentText()))
    spread = float(np.percentile(np.abs(a - b), 99.5))
    assert spread > 0
    np.testing.assert_array_equal(window.right.image.image, analysis.stretch(a - b, -spread, spread, "linear"))
    assert window.right.title.text.startswith("A − B")
    window.display.mode_box.setCurrentText("corrected B")
    low, high = analysis.display_limits(b, window.display.limits_box.currentText())  # its own limits, not A's
    np.testing.assert_array_equal(window.right.image.image, analysis.stretch(b, low, high, window.display.stretch_box.currentText()))
    window.display.mode_box.setCurrentText("A / B")
    with np.errstate(all="ignore"):
        ratio = a / b
    np.testing.assert_array_equal(
        window.right.image.image, analysis.stretch(ratio, *analysis.display_limits(ratio, window.display.limits_box.currentText()),
                                                   window.display.stretch_box.currentText())
    )


def test_the_inspector_overlays_both_corrections_and_says_why_not(ab_window: MainWindow, files: dict[str, Path]) -> None:
    window = ab_window
    window.select_pixel(*LOST)
    x, y = LOST
    i = window.integration
    curves = window.inspector.curves
    np.testing.assert_array_equal(curves["corrected A"][0].getData()[1], corrected(files, "a")[i, :, y, x])
    np.testing.assert_array_equal(curves["corrected B"][0].getData()[1], corrected(files, "b")[i, :, y, x])
    assert not np.array_equal(curves["corrected A"][0].getData()[1], curves["corrected B"][0].getData()[1])
    assert curves["curve A"] and curves["curve B"] and curves["ratio B"]
    card = window.inspector.card.toPlainText()
    assert "reference A" in card and "ref_a.fits: left alone: NO_LIN_CORR in the reference DQ" in card
    assert "ref_b.fits: corrected (classic correction" in card


def test_whole_detector_comparison_from_the_menu_and_its_export(
    qtbot, ab_window: MainWindow, files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    window = ab_window
    action = menu_action(window, "Correction", "Compare references A and B over the detector")
    assert action.isEnabled()
    action.trigger()
    qtbot.waitUntil(lambda: window.jobs.comparing is not None and window.jobs.comparing.done, timeout=20000)
    qtbot.waitUntil(lambda: window.dialogs.comparison_figure is not None, timeout=5000)
    expected = compare_references(open_exposure(files["exposure"]), open_reference(files["a"]), open_reference(files["b"]))
    drawn = window.dialogs.comparison_figure.images["factor_difference"].image
    np.testing.assert_array_equal(drawn, expected.factor_difference.astype(np.float32))  # the figure draws float32
    job = window.jobs.export_report_in_background(expected, tmp_path)
    qtbot.waitUntil(lambda: job.done, timeout=20000)
    assert (tmp_path / "ramp_lastframe_compare_maps.fits").exists() and (tmp_path / "ramp_lastframe_compare.png").exists()


def test_reference_b_needs_a_and_the_same_detector(qtbot, window: MainWindow, files: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    """The small files are MIRIMAGE like the comparison's; B must still fit the exposure."""
    shown: list[str] = []
    window.dialogs.show_error = shown.append  # type: ignore[method-assign]
    window.session.drop_reference("A")
    window.guard(lambda: window.open_against(files["b"]))
    assert shown and "choose reference A first" in shown[0]


def test_against_on_the_command_line_opens_b_after_the_lookup(qtbot, files: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    """``lininspect RAMP --reference A --against B``: A comes through the worker, then B is opened."""
    from lininspect.gui.app import show_window

    window = show_window(
        OpeningRequest(files["exposure"], files["a"], against=files["b"], resolve=True, as_is=True)
    )
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: "B" in window.session.references, timeout=20000)
    assert window.session.reference is not None and window.session.reference.path == files["a"]
    assert window.session.references["B"].path == files["b"]
    window.close()


def test_snapshot_against_writes_the_a_b_picture(files: dict[str, Path], tmp_path: Path) -> None:
    import subprocess

    output = tmp_path / "ab.png"
    command = [sys.executable, "-m", "lininspect", "snapshot", str(files["exposure"]), "--reference", str(files["a"]),
               "--against", str(files["b"]), "--pixel", *map(str, LOST), "-o", str(output)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert output.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_corrected_panel_needs_no_run(window: MainWindow, small_files) -> None:  # type: ignore[no-untyped-def]
    """Reference A corrects the shown plane on demand, bit for bit as ``lininspect correct`` writes it."""
    assert window.session.result is None
    written = correct_file(small_files.exposure, small_files.reference, Path(window.settings.fileName()).parent / "c.fits")
    expected = np.asarray(open_exposure(written.output).sci[...], dtype=np.float32)[window.integration, window.group]
    low, high = analysis.display_limits(expected, window.display.limits_box.currentText())
    np.testing.assert_array_equal(window.right.image.image, analysis.stretch(expected, low, high, window.display.stretch_box.currentText()))
    assert window.session.corrected_plane(window.integration, window.group).tobytes() == expected.tobytes()


def test_the_controls_write_the_view_state_and_the_panels_follow_it(window: MainWindow) -> None:
    from lininspect.model.viewstate import PanelSource, Stretch

    heard: list[set[str]] = []
    window.view.subscribe(heard.append)
    window.display.stretch_box.setCurrentText("log")
    window.display.left_box.setCurrentText("corrected A")
    assert window.view.stretch is Stretch.LOG and window.view.left is PanelSource.CORRECTED_A
    assert heard == [{"left_display", "right_display"}, {"left"}]  # the toolbar's stretch is both panels'
    i, g = window.integration, window.group
    plane = window.session.correction().plane(i, g)
    low, high = analysis.display_limits(plane, window.display.limits_box.currentText())
    expected = analysis.stretch(plane, low, high, "log")
    np.testing.assert_array_equal(window.left.image.image, expected)
    window.step(0, -1)
    assert window.view.group == g - 1 and window.frame.group_box.value() == g - 1
