"""Figure sizes and movie frames, without Qt: physical sizes, refusals, palette indices, resampling, files."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lininspect.core.errors import CorrectionCancelled, LinInspectError
from lininspect.model.figurespec import FigureSize, figure_format
from lininspect.model.movie import (
    BACKGROUND_INDEX,
    INK_INDEX,
    MAP_COLOURS,
    MovieFrames,
    frame_size,
    movie_job,
    palette,
)


def test_a_size_in_inches_is_inches_times_dpi_pixels_and_laid_out_at_screen_scale() -> None:
    size = FigureSize(3.5, 2.5, 300)
    assert size.pixels == (1050, 750)
    assert size.layout == (336.0, 240.0)
    assert FigureSize.from_pixels(1050, 750, 300) == size


@pytest.mark.parametrize(("size", "words"), [(FigureSize(1, 1, 5000), "DPI"), (FigureSize(0.01, 1, 96), "too small"),
                                             (FigureSize(100, 100, 600), "too large")])  # fmt: skip
def test_impossible_sizes_are_refused_in_words(size: FigureSize, words: str) -> None:
    with pytest.raises(LinInspectError, match=words):
        size.check()


def test_formats_come_from_the_suffix() -> None:
    assert [figure_format(Path(name)) for name in ("a.png", "b.SVG", "c.pdf")] == ["PNG", "SVG", "PDF"]
    with pytest.raises(LinInspectError, match=r"\.png, \.svg or \.pdf"):
        figure_format(Path("d.jpg"))


class _Planes:
    """A source whose group g plane is g everywhere but for a NaN pixel."""

    def plane(self, integration: int, group: int) -> np.ndarray:
        values = np.full((3, 4), float(group), dtype=np.float32)
        values[0, 0] = np.nan
        return values


def test_frames_are_the_stretched_planes_as_palette_indices_row_zero_at_the_bottom() -> None:
    frames = MovieFrames(_Planes(), 0, 5, 0.0, 4.0, "linear", (6, 8))  # type: ignore[arg-type]
    for group in range(5):
        indices = frames.indices(group)
        assert indices.shape == (6, 8)
        expected = min(int(group / 4 * MAP_COLOURS), MAP_COLOURS - 1)
        assert (indices[:4] == expected).all() and (indices[4:, 2:] == expected).all()
        assert (indices[4:, :2] == BACKGROUND_INDEX).all()  # the NaN pixel (0, 0), doubled, at the bottom left


def test_frame_sizes_keep_proportions_and_are_even_for_video() -> None:
    assert frame_size((40, 50), 100, even=False) == (80, 100)
    assert frame_size((40, 50), 101, even=True) == (82, 102)
    assert frame_size((2048, 2048), 512, even=False) == (512, 512)


def test_the_palette_is_the_colour_map_then_background_and_ink() -> None:
    lut = np.stack([np.arange(256)] * 3, axis=1).astype(np.uint8)
    colours = palette(lut, (1, 2, 3), (250, 251, 252))
    assert colours.shape == (256, 3)
    assert tuple(colours[0]) == (0, 0, 0) and tuple(colours[MAP_COLOURS - 1]) == (255, 255, 255)
    assert tuple(colours[BACKGROUND_INDEX]) == (1, 2, 3) and tuple(colours[INK_INDEX]) == (250, 251, 252)


def test_the_gif_job_writes_every_frame_with_its_caption_and_a_cancel_leaves_nothing(tmp_path: Path) -> None:
    frames = MovieFrames(_Planes(), 0, 4, 0.0, 3.0, "linear", (3, 4))  # type: ignore[arg-type]
    captions = [np.full((2, 4), INK_INDEX if n % 2 else BACKGROUND_INDEX, dtype=np.uint8) for n in range(4)]
    lut = np.stack([np.arange(256)] * 3, axis=1).astype(np.uint8)
    colours = palette(lut, (9, 9, 9), (255, 0, 0))
    seen: list[tuple[int, int]] = []
    path, count = movie_job(frames, captions, colours, 10.0, tmp_path / "m.gif", None)(
        lambda done, total: seen.append((done, total)), threading.Event()
    )
    assert (path, count) == (tmp_path / "m.gif", 4) and seen[-1] == (4, 4)
    gif = Image.open(path)
    assert gif.n_frames == 4
    for group in range(4):
        gif.seek(group)
        rgb = np.asarray(gif.convert("RGB"))
        assert tuple(rgb[0, 3]) == tuple(colours[frames.indices(group)[0, 3]])
        assert tuple(rgb[4, 0]) == ((255, 0, 0) if group % 2 else (9, 9, 9))
    gif.close()
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(CorrectionCancelled):
        movie_job(frames, captions, colours, 10.0, tmp_path / "n.gif", None)(lambda done, total: None, cancel)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.gif"]


def test_mp4_without_ffmpeg_is_refused_in_words(tmp_path: Path) -> None:
    frames = MovieFrames(_Planes(), 0, 1, 0.0, 1.0, "linear", (2, 2))  # type: ignore[arg-type]
    with pytest.raises(LinInspectError, match="MP4 needs ffmpeg"):
        movie_job(frames, [], np.zeros((256, 3), np.uint8), 1.0, tmp_path / "m.mp4", None)
