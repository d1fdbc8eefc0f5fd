"""File ▸ Export movie…: a panel played through every group of the integration, written in a job."""

from __future__ import annotations

import os
import subprocess
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PyQt6.QtCore import QThreadPool, Qt
from PyQt6.QtWidgets import QMessageBox, QPushButton

from guihelpers import menu_action
from lininspect.core.analysis import analysis
from lininspect.gui.mainwindow import MainWindow
from lininspect.gui import moviedialog
from lininspect.gui.moviedialog import CAPTION_HEIGHT, MovieDialog
from lininspect.model import movie
from lininspect.model.movie import ffmpeg_program
from lininspect.model.viewstate import RightView, Stretch
from smallfiles import NGROUPS, NX, NY
from test_mainwindow import run


def _dialog(qtbot, window: MainWindow, panel: str, rate: float, longest: int, path: Path) -> MovieDialog:  # type: ignore[no-untyped-def]
    menu_action(window, "File", "Export movie...").trigger()
    dialog = window.actions.movie_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    dialog.panel.setCurrentText(panel)
    dialog.rate.setValue(rate)
    dialog.longest.setValue(longest)
    dialog.path.setText(str(path))
    return dialog


def _screen_indices(window: MainWindow, panel: str, plane: np.ndarray) -> np.ndarray:
    """The lookup-table entry the panel draws each pixel of ``plane`` with (pyqtgraph: levels 0..1 over 256 entries;
    an equalised panel draws linear values through an equalised table)."""
    shown = window.panels.shown[panel]
    stretch = "linear" if shown.stretch == "histeq" else shown.stretch
    scaled = analysis.stretch(plane, shown.low, shown.high, stretch)
    return np.clip(np.floor(scaled * 256), 0, 255).astype(int)


def _drawn_as_on_screen(rgb: np.ndarray, lut: np.ndarray, entries: np.ndarray) -> np.ndarray:
    """Where ``rgb`` is the colour of the table entry the screen uses, or one of its neighbours within 2
    (the movie's palette holds 254 of the table's 256 entries)."""
    table = lut[:, :3].astype(int)
    near = [np.all(rgb.astype(int) == table[np.clip(entries + step, 0, 255)], axis=2) for step in range(-2, 3)]
    return np.logical_or.reduce(near)


@pytest.mark.parametrize("stretch", [Stretch.LINEAR, Stretch.HISTEQ])
def test_gif_has_a_frame_per_group_each_the_colour_mapped_plane_with_its_group(qtbot, window: MainWindow,
                                                                                tmp_path: Path, stretch, monkeypatch) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    monkeypatch.setattr(moviedialog, "CAPTIONS_PER_STEP", 2)  # captions painted over three turns of the event loop
    run(qtbot, window)
    window.view.update(right_display=replace(window.view.right_display, stretch=stretch))
    window.set_frame(1, 2)
    qtbot.waitUntil(lambda: "right" in window.panels.shown, timeout=10000)
    target = tmp_path / "corrected.gif"
    dialog = _dialog(qtbot, window, "right panel", 5.0, 2 * NX, target)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.status.message_text == f"wrote corrected.gif ({NGROUPS} frames)", timeout=30000)
    gif = Image.open(target)
    assert gif.n_frames == NGROUPS
    assert gif.info["duration"] == 200 and gif.info["loop"] == 0
    assert window.panels.shown["right"].stretch == stretch.value
    lut = window.right.image.lut
    captions = []
    for k in range(NGROUPS):
        gif.seek(k)
        rgb = np.asarray(gif.convert("RGB"))
        assert rgb.shape == (2 * NY + CAPTION_HEIGHT, 2 * NX, 3)
        plane = window.session.corrected_plane(1, k)
        expected = np.repeat(np.repeat(_screen_indices(window, "right", plane)[::-1], 2, axis=0), 2, axis=1)
        assert _drawn_as_on_screen(rgb[: 2 * NY], lut, expected).all()  # each pixel in the colour the panel gives it
        captions.append(rgb[2 * NY :])
    assert all(caption.max() == 255 for caption in captions)  # the caption's text is drawn
    assert len({caption.tobytes() for caption in captions}) == NGROUPS  # each names its group
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".lininspect")]


def test_cancel_leaves_no_file(qtbot, window: MainWindow, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    gate, reached = threading.Event(), threading.Event()
    original = movie.MovieFrames.indices

    def held(self, group):  # type: ignore[no-untyped-def]
        if group == 3:
            reached.set()
            gate.wait(30)
        return original(self, group)

    monkeypatch.setattr(movie.MovieFrames, "indices", held)
    target = tmp_path / "input.gif"
    dialog = _dialog(qtbot, window, "left panel", 2.0, 200, target)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(reached.is_set, timeout=30000)
    job = window.jobs.movie
    assert job is not None and window.status.progress.isVisible()
    menu_action(window, "Correction", "Cancel").trigger()
    gate.set()
    qtbot.waitUntil(lambda: job.done, timeout=30000)
    assert QThreadPool.globalInstance().waitForDone(30000)  # the job's thread has ended, its temporary removed
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".lininspect")]
    assert not target.exists()
    assert window.status.message_text == "movie cancelled"


def test_a_map_has_no_groups_to_play_and_says_so(qtbot, window: MainWindow, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    window.view.update(right=RightView.NO_LIN_CORR_MASK)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, message, *rest: shown.append(message))
    dialog = _dialog(qtbot, window, "right panel", 2.0, 200, tmp_path / "mask.gif")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert len(shown) == 1 and "no group planes to play" in shown[0]
    assert window.jobs.movie is None and not (tmp_path / "mask.gif").exists()


def test_mp4_with_ffmpeg_has_a_frame_per_group(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ffmpeg = ffmpeg_program()
    assert ffmpeg is not None, "imageio-ffmpeg is a test dependency"
    run(qtbot, window)
    target = tmp_path / "input.mp4"
    dialog = _dialog(qtbot, window, "left panel", 3.0, 101, target)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.status.message_text == f"wrote input.mp4 ({NGROUPS} frames)", timeout=60000)
    # ffmpeg decodes it back: as many frames as groups, of the even size H.264 needs.
    decoded = subprocess.run([ffmpeg, "-v", "error", "-i", str(target), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                             capture_output=True, check=True, timeout=60).stdout  # fmt: skip
    height, width = 82 + CAPTION_HEIGHT, 102  # 40 x 50 at 101 px wide: 81 x 101, rounded up to even
    assert len(decoded) == NGROUPS * height * width * 3


def test_a_file_chosen_with_browse_is_the_one_written(qtbot, window: MainWindow, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    run(qtbot, window)
    qtbot.waitUntil(lambda: "left" in window.panels.shown, timeout=10000)
    chosen = tmp_path / "browsed.gif"
    monkeypatch.setattr("PyQt6.QtWidgets.QFileDialog.getSaveFileName", lambda *args: (str(chosen), ""))
    dialog = _dialog(qtbot, window, "left panel", 5.0, NX, tmp_path / "typed.gif")
    browse = next(button for button in dialog.findChildren(QPushButton) if button.text() == "Browse...")
    qtbot.mouseClick(browse, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.status.message_text == f"wrote browsed.gif ({NGROUPS} frames)", timeout=30000)
    assert Image.open(chosen).n_frames == NGROUPS
    assert not (tmp_path / "typed.gif").exists()
