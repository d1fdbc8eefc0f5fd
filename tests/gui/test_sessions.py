"""File ▸ Save session… and Open session…, driven from the menus: a review comes back as it was left."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QFileDialog, QMessageBox

from lininspect.gui.app import application, make_settings, show_window
from lininspect.gui.mainwindow import MainWindow
from lininspect.model.opening import OpeningRequest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test helpers in tests/
from comparison_files import write_comparison_files  # noqa: E402
from guihelpers import choose_by_keys, menu_action, open_and_wait, shown_window, visible_status_texts  # noqa: E402


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return write_comparison_files(tmp_path)


def _with_b(qtbot, files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> MainWindow:  # type: ignore[no-untyped-def]
    window = shown_window(qtbot, files["exposure"], files["a"])
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(files["b"]), ""))
    menu_action(window, "File", "Compare &with reference...").trigger()
    return window


def _save(window: MainWindow, target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))
    menu_action(window, "File", "Save session...").trigger()


def _open(qtbot, target: Path, monkeypatch: pytest.MonkeyPatch) -> MainWindow:  # type: ignore[no-untyped-def]
    """A fresh, empty window that opens ``target`` from File ▸ Open session… and waits until it says so."""
    application()
    window = MainWindow(make_settings())
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(target), ""))
    menu_action(window, "File", "Open session...").trigger()
    qtbot.waitUntil(lambda: "restored" in window.status.message_text, timeout=30000)
    # Seen once the status bar is laid out again (the label has no width until then).
    qtbot.waitUntil(lambda: any(text.startswith(f"session {target.name} restored") for text in visible_status_texts(window)))
    return window


def test_a_saved_review_is_resumed_in_a_new_window(qtbot, files: dict[str, Path], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    window = _with_b(qtbot, files, monkeypatch)
    window.set_frame(1, 2)
    window.select_pixel(7, 4)
    window.select_pixel(3, 5, pin=True)
    window.select_box(2, 2, 6, 8)
    window.display.left_box.setCurrentText("corrected B")
    window.display.mode_box.setCurrentText("A − B")
    window.display.colourmap_box.setCurrentText("grey")
    window.display.lock_limits.setChecked(True)
    window.left.view.setRange(xRange=(3.0, 13.0), yRange=(1.0, 9.0), padding=0)
    zoom = window.left.view.viewRange()
    target = tmp_path / "review.json"
    _save(window, target, monkeypatch)
    assert any(text.startswith("session saved to /") for text in visible_status_texts(window))
    assert window.status.message_text == f"session saved to {target}"
    window.close()

    resumed = _open(qtbot, target, monkeypatch)
    assert resumed.session.input_path == files["exposure"]
    assert resumed.session.references["A"].path == files["a"] and resumed.session.references["B"].path == files["b"]
    assert (resumed.integration, resumed.group, resumed.pixel, resumed.pins) == (1, 2, (7, 4), [(3, 5)])
    assert resumed.view.box == (2, 2, 6, 8)
    display = resumed.display
    assert (display.left_box.currentText(), display.mode_box.currentText()) == ("corrected B", "A − B")
    assert display.colourmap_box.currentText() == "grey" and display.lock_limits.isChecked()
    # The same area in view, centred; a panel of another shape shows it with a margin on one axis only.
    restored, saved = np.array(resumed.left.view.viewRange()), np.array(zoom)
    np.testing.assert_allclose(restored.mean(axis=1), saved.mean(axis=1), atol=1e-6)
    assert (restored[:, 0] <= saved[:, 0] + 1e-6).all() and (restored[:, 1] >= saved[:, 1] - 1e-6).all()
    assert np.isclose(np.diff(restored, axis=1), np.diff(saved, axis=1)).any()
    assert resumed.right.image.image is not None  # A − B drawn, not a blank panel
    resumed.close()


def test_a_view_needing_what_is_not_in_the_session_falls_back_with_a_note(
    qtbot, files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    window = _with_b(qtbot, files, monkeypatch)
    window.display.left_box.setCurrentText("A / B")
    window.display.mode_box.setCurrentText("A − B")
    target = tmp_path / "review.json"
    _save(window, target, monkeypatch)
    window.close()
    document = json.loads(target.read_text())
    del document["references"]["B"]  # handed on without B
    target.write_text(json.dumps(document))

    resumed = _open(qtbot, target, monkeypatch)
    assert "B" not in resumed.session.references
    assert resumed.display.left_box.currentText() == "input"
    assert resumed.display.mode_box.currentText() == "Corrected"
    status = resumed.status.message_text
    assert "the saved left view “A / B” needs reference B: showing input" in status
    assert "the saved right view “A − B” needs reference B: showing Corrected" in status
    resumed.close()


def test_a_bad_or_incomplete_session_is_one_line_in_a_dialog_and_changes_nothing(
    qtbot, files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    window = shown_window(qtbot, files["exposure"], files["a"])
    window.select_pixel(7, 4)
    good = tmp_path / "review.json"
    _save(window, good, monkeypatch)
    gone = tmp_path / "gone.json"
    document = json.loads(good.read_text())
    document["references"]["A"]["path"] = "nowhere.fits"
    gone.write_text(json.dumps(document))
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 50_000)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, message: shown.append(message))
    for path in (gone, deep):
        monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, path=path, **kwargs: (str(path), ""))
        menu_action(window, "File", "Open session...").trigger()
    assert shown == [f"{gone}: the session's file {tmp_path / 'nowhere.fits'} is gone: nothing opened",
                     f"{deep}: not a lininspect session (nested too deeply)"]  # fmt: skip
    assert window.pixel == (7, 4) and window.session.reference is not None
    window.close()


def test_the_command_line_session_is_restored_in_the_window_it_opens(
    qtbot, files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    window = _with_b(qtbot, files, monkeypatch)
    window.select_pixel(7, 4)
    window.display.mode_box.setCurrentText("A / B")
    target = tmp_path / "review.json"
    _save(window, target, monkeypatch)
    window.close()

    opened = show_window(OpeningRequest(files["exposure"], session=target))
    qtbot.addWidget(opened)
    qtbot.waitUntil(lambda: opened.status.message_text == "session review.json restored", timeout=30000)
    assert opened.pixel == (7, 4) and opened.display.mode_box.currentText() == "A / B"
    assert opened.session.references["B"].path == files["b"]
    opened.close()


def test_the_session_entries_have_keys_listed_in_help_and_bound_once(
    qtbot, files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    from PyQt6.QtGui import QAction, QKeySequence

    window = shown_window(qtbot, files["exposure"], files["a"])
    window.select_pixel(9, 3)
    target = tmp_path / "by_key.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))
    save = menu_action(window, "File", "Save session...")
    assert save.shortcut() == QKeySequence("Ctrl+Alt+S")
    save.trigger()
    assert json.loads(target.read_text())["pixel"] == [9, 3]

    menu_action(window, "Help", "Keyboard shortcuts").trigger()
    table = window.help.shortcuts_table
    rows = [tuple(table.item(r, c).text() for c in range(3)) for r in range(table.rowCount())]
    native = QKeySequence.SequenceFormat.NativeText
    assert (QKeySequence("Ctrl+Alt+S").toString(native), "Save session...", "File") in rows
    assert (QKeySequence("Ctrl+Alt+O").toString(native), "Open session...", "File") in rows
    keys = [action.shortcut().toString() for action in window.findChildren(QAction) if not action.shortcut().isEmpty()]
    assert len(keys) == len(set(keys)), sorted(key for key in keys if keys.count(key) > 1)
    window.close()


def test_another_exposure_opened_while_restoring_is_left_alone(
    qtbot, files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    window = shown_window(qtbot, files["exposure"], files["a"])
    window.select_pixel(7, 4)
    target = tmp_path / "review.json"
    _save(window, target, monkeypatch)
    other = tmp_path / "other.fits"
    other.write_bytes(files["exposure"].read_bytes())
    window.open_session(target)
    qtbot.waitUntil(lambda: window.sessions.restoring is not None, timeout=30000)  # the lookup and run are on their way
    open_and_wait(qtbot, window, other)  # before they are in
    qtbot.wait(500)
    assert window.sessions.restoring is None and window.pixel is None
    assert "restored" not in window.status.message_text
    window.close()


def test_pixels_outside_the_exposure_are_left_out_with_a_note(
    qtbot, files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    window = shown_window(qtbot, files["exposure"], files["a"])
    target = tmp_path / "review.json"
    _save(window, target, monkeypatch)
    window.close()
    document = json.loads(target.read_text())
    document.update(pixel=[999, 999], pins=[[3, 5], [999, 2]], box=[1, 1, 999, 4])  # edited by hand, or another file's
    target.write_text(json.dumps(document))

    resumed = _open(qtbot, target, monkeypatch)
    assert (resumed.pixel, resumed.pins, resumed.view.box) == (None, [(3, 5)], None)
    assert resumed.status.message_text == ("session review.json restored (note: pixel (999, 999) is outside the exposure; "
                                           "1 pin outside the exposure left out; the box is outside the exposure)")  # fmt: skip
    resumed.close()


def test_hdu_planes_typed_limits_and_dq_bits_come_back_with_their_tools(
    qtbot, files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    window = shown_window(qtbot, files["exposure"], files["a"])
    menu_action(window, "Tools", "HDU image").trigger()
    hdu = window.tool_docks.tools["hduimage"]
    qtbot.waitUntil(lambda: hdu.running)
    choose_by_keys(qtbot, hdu.choices["left"], "A COEFFS c1")
    menu_action(window, "Tools", "Scale").trigger()
    scale = window.tool_docks.tools["scale"]
    qtbot.waitUntil(lambda: scale.running)
    right = scale.panels["right"]
    for edit, text in ((right.low_edit, "1234.5"), (right.high_edit, "5678")):
        edit.clear()
        qtbot.keyClicks(edit, text)
    qtbot.keyClick(right.high_edit, Qt.Key.Key_Return)
    menu_action(window, "Tools", "DQ browser").trigger()
    browser = window.tool_docks.tools["dqbrowser"]
    qtbot.waitUntil(lambda: browser.running)
    browser.choose("PIXELDQ", "NO_LIN_CORR")
    browser.choose("GROUPDQ", "SATURATED")
    left_limits = window.panels.shown_limits("left")  # the limits method is linked: the left panel's kept as typed
    target = tmp_path / "review.json"
    _save(window, target, monkeypatch)
    window.close()

    resumed = _open(qtbot, target, monkeypatch)
    tools = resumed.tool_docks
    assert tools.docks["hduimage"].isVisible() and tools.tools["hduimage"].choices["left"].currentText() == "A COEFFS c1"
    assert resumed.left.title.text == f"A COEFFS c1 ({files['a'].name})"
    np.testing.assert_array_equal(resumed.panels.shown["left"].values, resumed.session.references["A"].coeffs[1])
    assert resumed.panels.shown_limits("right") == (1234.5, 5678.0)  # each panel's own typed limits
    assert resumed.panels.shown_limits("left") == left_limits != (1234.5, 5678.0)
    assert tools.docks["dqbrowser"].isVisible()
    assert set(tools.tools["dqbrowser"].chosen) == {("PIXELDQ", "NO_LIN_CORR"), ("GROUPDQ", "SATURATED")}
    resumed.close()


def test_a_saved_plane_the_files_no_longer_offer_gives_the_panel_its_own_view_with_a_note(
    qtbot, files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    window = _with_b(qtbot, files, monkeypatch)
    menu_action(window, "Tools", "HDU image").trigger()
    hdu = window.tool_docks.tools["hduimage"]
    qtbot.waitUntil(lambda: hdu.running)
    choose_by_keys(qtbot, hdu.choices["right"], "B DQ")
    target = tmp_path / "review.json"
    _save(window, target, monkeypatch)
    window.close()
    document = json.loads(target.read_text())
    del document["references"]["B"]  # handed on without B
    target.write_text(json.dumps(document))

    resumed = _open(qtbot, target, monkeypatch)
    assert resumed.view.right_hdu is None and resumed.right.title.text.startswith("Corrected")
    assert "the saved right panel's “B DQ” is not in the loaded files: showing the panel's own view" in resumed.status.message_text
    resumed.close()
