"""The open exposure truncated, deleted or replaced under the app (issue 16 items 1 and 6).

The exposure's file is held open from the moment it is opened: every read goes through that
descriptor with checked positioned reads, never a memory map (a truncated map is SIGBUS).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from astropy.io import fits
from PyQt6.QtWidgets import QMessageBox

from guihelpers import menu_action, open_and_wait, shown_window
from lininspect.core.fits import fitsfile
from lininspect.gui.actions import MAX_RECENT
from lininspect.gui.app import show_window
from lininspect.model.opening import OpeningRequest
from test_run_state import finish, hover
from test_status_messages import shows


def _own_copy(small_files, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / "held_exposure.fits"
    shutil.copyfile(small_files.exposure, path)
    return path


def _dialogs(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *rest: shown.append(text))
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *rest: shown.append(text))
    return shown


def test_the_readout_over_a_file_truncated_while_open_says_so(qtbot, small_files, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Item 1: the mouse over the image of a truncated exposure killed the app with SIGBUS (exit 135)."""
    shown = _dialogs(monkeypatch)
    path = _own_copy(small_files, tmp_path)
    window = shown_window(qtbot, path, small_files.reference)
    window.activateWindow()
    qtbot.waitActive(window)
    window.set_frame(1, 5)  # the last plane: far past the truncation
    hover(qtbot, window, 12, 7)
    os.truncate(path, fitsfile.find(window.session.exposure.hdus, "SCI").data_offset)
    window.set_frame(1, 4)  # a still cursor reads the new frame's pixel, the panels the new plane
    truncated = f"{path}: ended early (truncated while being read?)"
    assert window.status.readout.text() == truncated
    assert shown == [truncated]  # one dialog, though the panels failed too
    window.close()


def test_run_and_clicks_after_the_exposure_is_deleted_use_the_file_opened(qtbot, small_files, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Item 6: Correction ▸ Run after a delete gave an "internal error: FileNotFoundError" dialog,
    and pixel clicks failed with "No such file or directory"."""
    shown = _dialogs(monkeypatch)
    path = _own_copy(small_files, tmp_path)
    window = shown_window(qtbot, path, small_files.reference)
    window.left.pixelClicked.emit(3, 2, False)  # a pixel in the inspector: a run re-reads it
    path.unlink()
    menu_action(window, "Correction", "Run").trigger()
    finish(qtbot, window.jobs.correction)
    qtbot.waitUntil(lambda: shows(window, "corrected:"), timeout=10000)
    window.left.pixelClicked.emit(12, 7, False)
    qtbot.waitUntil(lambda: window.inspector.facts is not None and window.view.pixel == (12, 7), timeout=10000)
    with fits.open(small_files.exposure) as hdul:
        ramp = hdul["SCI"].data[0, :, 7, 12].astype(np.float32)
    assert np.array_equal(window.inspector.facts.raw[0], ramp)
    assert shown == []
    window.close()


def test_run_after_the_exposure_is_replaced_says_so_in_one_dialog(qtbot, small_files, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Item 6: a replaced exposure was read by name, another file than the one shown."""
    shown = _dialogs(monkeypatch)
    path = _own_copy(small_files, tmp_path)
    window = shown_window(qtbot, path, small_files.reference)
    replacement = tmp_path / "other.fits"
    shutil.copyfile(small_files.exposure, replacement)
    os.replace(replacement, path)
    menu_action(window, "Correction", "Run").trigger()
    assert shown == [f"{path}: replaced by another file since it was opened; open it again"]
    assert window.session.result is None
    window.close()


def test_run_after_the_exposure_is_rewritten_in_place_says_so_in_one_dialog(qtbot, small_files, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Same file, same size, other samples: a run would have mixed what was shown with what is there now."""
    shown = _dialogs(monkeypatch)
    path = _own_copy(small_files, tmp_path)
    os.utime(path, ns=(10**18, 10**18))  # written long before: a coarse clock cannot hide the rewrite below
    window = shown_window(qtbot, path, small_files.reference)
    with open(path, "r+b") as stream:
        stream.seek(-2880, os.SEEK_END)
        stream.write(bytes(range(256)) * 11)
    menu_action(window, "Correction", "Run").trigger()
    assert shown == [f"{path}: rewritten in place since it was opened; open it again"]
    assert window.session.result is None
    window.close()


def test_a_refusal_dialog_shows_a_file_name_with_control_characters_escaped(qtbot, small_files, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Item 9: a newline in a name split the one-line refusal; escape sequences reached the dialog raw."""
    shown = _dialogs(monkeypatch)
    window = shown_window(qtbot, None, None)
    hostile = tmp_path / "jw_\x1b[2J_a\nb.fits"
    hostile.write_bytes(small_files.exposure.read_bytes()[:5000])
    window.guard(lambda: open_and_wait(qtbot, window, hostile))
    assert len(shown) == 1 and "\n" not in shown[0] and "\x1b" not in shown[0]
    assert shown[0].startswith(f"{tmp_path}/jw_\\x1b[2J_a\\x0ab.fits: ")
    window.close()


_START_ON_SETTINGS = """
import sys
from pathlib import Path
from PyQt6.QtWidgets import QMessageBox
from lininspect.gui.app import application, show_window
from lininspect.model.opening import OpeningRequest

app = application()  # kept: the QApplication lives while referenced
QMessageBox.warning = lambda parent, title, text, *rest: print("dialog:", text)
window = show_window(OpeningRequest(input=Path(sys.argv[1])))
while window.jobs.opening is not None and not window.jobs.opening.done:  # the file is read in a job
    app.processEvents()
print("visible:", window.isVisible(), "input:", window.session.exposure is not None)
"""


def test_a_settings_fifo_starts_the_app_with_defaults_and_a_note(small_files, private_settings: Path) -> None:  # type: ignore[no-untyped-def]
    """Item 10: a FIFO as the settings file blocked the app before its window appeared."""
    os.mkfifo(private_settings)
    started = subprocess.run(
        [sys.executable, "-c", _START_ON_SETTINGS, str(small_files.exposure)],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    assert started.stdout.splitlines() == [
        f"dialog: {private_settings}: settings not read (it is not a regular file); defaults are used and nothing is saved",
        "visible: True input: True",
    ]


def test_a_settings_symlink_is_never_written_through(qtbot, small_files, private_settings: Path, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Item 10: saving the settings through a link replaced what it named (once a device node)."""
    shown = _dialogs(monkeypatch)
    target = tmp_path / "precious.txt"
    target.write_text("not settings\n")
    private_settings.symlink_to(target)
    window = show_window(OpeningRequest(input=small_files.exposure))
    qtbot.addWidget(window)
    window.close()  # saves the window's state
    window.settings.sync()
    assert target.read_text() == "not settings\n" and private_settings.is_symlink()
    assert shown == [f"{private_settings}: settings not read (it is a symbolic link); defaults are used and nothing is saved"]


def test_a_huge_recent_list_is_cut_to_the_menu_s_length(qtbot, small_files, private_settings: Path) -> None:  # type: ignore[no-untyped-def]
    """Item 10: 200,000 recent files blocked the event loop for 36 s; a list too big for a settings file is
    refused as such, a long one that fits is cut."""
    names = ", ".join(f"/data/{n}.fits" for n in range(20000))
    private_settings.write_text(f"[General]\nrecent={names}\n")
    window = shown_window(qtbot, None, None)
    entries = [action.text() for action in window.actions.recent_menu.actions()]
    assert entries == [f"/data/{n}.fits" for n in range(MAX_RECENT)]
    window.close()


def test_a_settings_file_too_big_for_settings_is_left_alone(small_files, private_settings: Path) -> None:  # type: ignore[no-untyped-def]
    names = ", ".join(f"/data/{n}.fits" for n in range(200000))
    private_settings.write_text(f"[General]\nrecent={names}\n")
    before = private_settings.read_bytes()
    started = subprocess.run(
        [sys.executable, "-c", _START_ON_SETTINGS, str(small_files.exposure)],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert started.stdout.splitlines()[0] == (
        f"dialog: {private_settings}: settings not read (it holds {len(before) / 2**20:.0f} MB, more than settings take); "
        "defaults are used and nothing is saved"
    )
    assert private_settings.read_bytes() == before
