"""File ▸ Export movie…: one panel played through every group of the shown integration, as a GIF or MP4.

What is read and computed (every group's plane, its colours, the file) runs in a job with
progress and Cancel (``model.movie``). The GUI thread only paints each frame's caption
("integration i · group g"), a few captions per turn of the event loop, before the job starts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter
from PyQt6.QtWidgets import QComboBox, QDoubleSpinBox, QSpinBox

from ..core.errors import LinInspectError
from ..core.fits.outputs import check_output_path
from ..model.figurespec import opened_files
from ..model.movie import (
    BACKGROUND_INDEX,
    INK_INDEX,
    RATE_RANGE,
    SIDE_RANGE,
    MovieFrames,
    ffmpeg_program,
    frame_size,
    movie_format,
    movie_job,
    palette,
    playable_source,
)
from .exportdialog import ExportDialog
from .imagepanel import BACKGROUND

if TYPE_CHECKING:
    from .mainwindow import MainWindow

PANELS = {"left panel": "left", "right panel": "right"}
#: Height of the caption strip under each frame, and its text's pixel size.
CAPTION_HEIGHT, CAPTION_PIXELS = 22, 14
#: Captions painted per turn of the event loop: each costs well under a millisecond.
CAPTIONS_PER_STEP = 8
INK = "#ffffff"
FILTER = "Animated GIF (*.gif);;MP4 video (*.mp4)"


class MovieDialog(ExportDialog):
    """Export starts the movie and closes the dialog."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window, "Export movie", FILTER)
        self.panel = QComboBox()
        self.panel.addItems(list(PANELS))
        self.rate = QDoubleSpinBox()
        self.rate.setRange(*RATE_RANGE)
        self.rate.setValue(4.0)
        self.rate.setSuffix(" frames/s")
        self.longest = QSpinBox()
        self.longest.setRange(*SIDE_RANGE)
        self.longest.setValue(512)
        self.longest.setSuffix(" px")
        self.longest.setToolTip("The frame's longer side; the image keeps its proportions, pixels stay square blocks")
        self.form.addRow("movie of the", self.panel)
        self.form.addRow("frame rate", self.rate)
        self.form.addRow("longest side", self.longest)
        self.add_file_and_buttons("file (.gif, .mp4)")
        #: The movie being prepared: its captions' texts, those painted so far, and what starts its job.
        self._pending: tuple[list[list[str]], list[np.ndarray], Callable[[list[np.ndarray]], None]] | None = None
        self._width = 0
        #: The next turn of captions: a timer of the dialog's, so it dies with the window.
        self._next_turn = QTimer(self)
        self._next_turn.setSingleShot(True)
        self._next_turn.setInterval(0)
        self._next_turn.timeout.connect(self._paint_some)

    def ask(self) -> None:
        source = self.window.session.input_path
        if not self.path.text():
            stem = source.stem if source is not None else "lininspect"
            self.path.setText(str(Path(self.window.dialogs.start_dir()) / f"{stem}_movie.gif"))
        self.show()
        self.raise_()

    def export(self) -> bool:
        return self.start(Path(self.path.text().strip()).expanduser(), PANELS[self.panel.currentText()],
                          self.rate.value(), self.longest.value())  # fmt: skip

    def start(self, path: Path, panel: str, rate: float, longest: int) -> bool:
        """Fix what plays (source, frame, scale, colours as shown now), paint the captions, then write in a job."""
        window = self.window
        if not path.name:
            raise LinInspectError("choose a file for the movie")
        kind = movie_format(path)
        check_output_path(path, opened_files(window.session), overwrite=True)
        ffmpeg = ffmpeg_program() if kind == "MP4" else None
        if kind == "MP4" and ffmpeg is None:
            raise LinInspectError("MP4 needs ffmpeg: install imageio-ffmpeg (pip) or ffmpeg, or write a .gif")
        source = playable_source(window.session, window.view, panel)
        shown = window.panels.shown.get(panel)
        image = (window.left if panel == "left" else window.right).image
        if shown is None or image.lut is None:
            raise LinInspectError(f"the {panel} panel shows no image to play: wait for it, or choose another view")
        exposure = window.session.exposure
        assert exposure is not None
        integration, groups = window.view.integration, exposure.ngroups
        size = frame_size(exposure.shape[2:], longest, even=kind == "MP4")
        # A histogram-equalised panel draws linear values through a bent lookup table: the movie takes both.
        stretch = "linear" if shown.stretch == "histeq" else shown.stretch
        frames = MovieFrames(source, integration, groups, shown.low, shown.high, stretch, size)
        colours = palette(image.lut, QColor(BACKGROUND).getRgb()[:3], QColor(INK).getRgb()[:3])
        texts = [[f"integration {integration} · group {group} of {groups - 1}", f"int {integration} · g {group}/{groups - 1}",
                  f"g {group}"] for group in range(groups)]  # fmt: skip

        def begin(captions: list[np.ndarray]) -> None:
            write = movie_job(frames, captions, colours, rate, path, ffmpeg)

            def job(progress: Callable[[int, int], None], cancel: threading.Event) -> str:
                written, count = write(progress, cancel)
                return f"wrote {written.name} ({count} frames)"

            window.guard(lambda: window.jobs.movie_in_background(job))

        window.status.message(f"preparing {path.name}...")
        self._pending, self._width = (texts, [], begin), size[1]
        self._paint_some()
        return True

    def _paint_some(self) -> None:
        """Paint the next few captions, then come back on the next turn of the event loop; start the job at the end."""
        if self._pending is None:
            return
        texts, captions, begin = self._pending
        for text in texts[len(captions) : len(captions) + CAPTIONS_PER_STEP]:
            captions.append(caption(text, self._width))
        if len(captions) < len(texts):
            self._next_turn.start()
            return
        self._pending = None
        begin(captions)


def caption(texts: list[str], width: int) -> np.ndarray:
    """The first of ``texts`` (longest first) that fits ``width`` as a strip of palette indices (ink on background),
    centred, without antialiasing (two colours)."""
    font = QFont()
    font.setPixelSize(CAPTION_PIXELS)
    font.setStyleStrategy(QFont.StyleStrategy.NoAntialias)
    metrics = QFontMetrics(font)
    text = next((text for text in texts if metrics.horizontalAdvance(text) <= width - 4), texts[-1])
    image = QImage(width, CAPTION_HEIGHT, QImage.Format.Format_Grayscale8)
    image.fill(0)
    painter = QPainter(image)
    try:
        painter.setFont(font)
        painter.setPen(QColor(INK))
        painter.drawText(image.rect(), Qt.AlignmentFlag.AlignCenter, text)
    finally:
        painter.end()
    grey = np.frombuffer(image.constBits().asstring(image.sizeInBytes()), dtype=np.uint8)  # type: ignore[union-attr]
    grey = grey.reshape(CAPTION_HEIGHT, image.bytesPerLine())[:, :width]
    return np.where(grey > 127, INK_INDEX, BACKGROUND_INDEX).astype(np.uint8)

