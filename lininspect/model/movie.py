"""A movie of one panel played through the groups of an integration (DS9's movie), without Qt.

Every frame is the panel's plane of one group on the panel's limits, stretch and colour
lookup table as shown when the movie was asked for (a fixed scale, so the ramp is seen to
grow), above a caption strip naming the group. Frames are palette indices: the colour map
resampled to :data:`MAP_COLOURS` entries, then the background (NaN pixels, the strip) and the
caption's ink, so an animated GIF holds them exactly. An MP4 is written by ffmpeg (imageio-ffmpeg's
or the system's) from the same frames. The file appears whole or not at all.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.analysis import analysis
from ..core.errors import CorrectionCancelled, LinInspectError
from ..core.fits.atomic import atomic_path
from .session import Session
from .sources import Source, difference, ratio
from .viewstate import RightView, ViewState

#: Palette: the colour map's entries first, then the background and the caption's ink (256 in all).
MAP_COLOURS = 254
BACKGROUND_INDEX, INK_INDEX = 254, 255
#: Formats by suffix.
MOVIE_FORMATS = {".gif": "GIF", ".mp4": "MP4"}
#: Frame rates and frame sizes (the longest side, in pixels) a movie may have.
RATE_RANGE = (0.5, 60.0)
SIDE_RANGE = (64, 4096)


@dataclass(frozen=True)
class MovieFrames:
    """How the planes of one panel become frames: what plays, on which scale, at which size."""

    source: Source
    integration: int
    groups: int
    low: float
    high: float
    #: A per-pixel stretch (not "histeq", which the panel applies through its lookup table instead).
    stretch: str
    #: (H, W) of a frame's image part (the caption strip comes below it).
    size: tuple[int, int]

    def indices(self, group: int) -> np.ndarray:
        """Group ``group``'s plane as palette indices, row 0 at the bottom as on screen, resampled to ``size``."""
        values = self.source.plane(self.integration, group)
        # Resampled first (nearest pixel): the stretch is per pixel, so only the frame's pixels are stretched.
        height, width = self.size
        ny, nx = values.shape
        rows = np.minimum((np.arange(height) + 0.5) * ny / height, ny - 1).astype(np.intp)
        columns = np.minimum((np.arange(width) + 0.5) * nx / width, nx - 1).astype(np.intp)
        scaled = analysis.stretch(values[rows[::-1, None], columns[None, :]], self.low, self.high, self.stretch)
        with np.errstate(invalid="ignore"):
            index = np.clip(np.floor(scaled * MAP_COLOURS), 0, MAP_COLOURS - 1)
        return np.where(np.isnan(scaled), BACKGROUND_INDEX, index).astype(np.uint8)


def frame_size(shape: tuple[int, int], longest: int, *, even: bool) -> tuple[int, int]:
    """(H, W) of a frame whose longest side is ``longest`` pixels, in the plane's proportions (even for MP4)."""
    ny, nx = shape
    scale = longest / max(ny, nx)
    height, width = max(1, round(ny * scale)), max(1, round(nx * scale))
    if even:
        height, width = height + height % 2, width + width % 2
    return height, width


def palette(lut: np.ndarray, background: tuple[int, int, int], ink: tuple[int, int, int]) -> np.ndarray:
    """The movie's 256 RGB colours: ``lut`` (the panel's lookup table) resampled to MAP_COLOURS, background, ink."""
    table = np.asarray(lut)[:, :3]
    picks = np.round(np.arange(MAP_COLOURS) * (len(table) - 1) / (MAP_COLOURS - 1)).astype(np.intp)
    return np.vstack([table[picks], [background], [ink]]).astype(np.uint8)


def movie_format(path: Path) -> str:
    kind = MOVIE_FORMATS.get(Path(path).suffix.lower())
    if kind is None:
        raise LinInspectError(f"{path}: movies are written as .gif or .mp4")
    return kind


def ffmpeg_program() -> str | None:
    """imageio-ffmpeg's ffmpeg when installed, else the system's, else None (no MP4)."""
    try:
        import imageio_ffmpeg  # type: ignore[import-untyped]

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError):
        return shutil.which("ffmpeg")


def playable_source(session: Session, view: ViewState, panel: str) -> Source:
    """What ``panel`` shows as a source of group planes; a map or an HDU plane has no groups to play."""
    if session.exposure is None:
        raise LinInspectError("open an exposure first")
    refusal = f"the {panel} panel shows no group planes to play: choose input, corrected, ratio, difference or a reference view"
    if (view.left_hdu if panel == "left" else view.right_hdu) is not None:
        raise LinInspectError(refusal)
    if panel == "left":
        source = session.source(view.left.value)
    elif view.right.reference_view is not None:
        source = session.source(view.right.reference_view.value)
    elif view.right in (RightView.CORRECTED, RightView.RATIO, RightView.DIFFERENCE):
        corrected = session.corrected_source()
        if corrected is None or view.right is RightView.CORRECTED:
            source = corrected
        elif view.right is RightView.RATIO:
            source = ratio(session.input_source(), corrected)
        else:
            source = difference(corrected, session.input_source())
    else:
        raise LinInspectError(refusal)
    if source is None:
        raise LinInspectError(f"the {panel} panel has nothing to play yet: load a reference (or B) first")
    return source


def movie_job(frames: MovieFrames, captions: list[np.ndarray], colours: np.ndarray, rate: float, path: Path,
              ffmpeg: str | None) -> Callable[[Callable[[int, int], None], object], tuple[Path, int]]:  # fmt: skip
    """A job writing the movie: every group's frame (image over its caption) to ``path``; (path, frames)."""
    kind = movie_format(path)
    if kind == "MP4" and ffmpeg is None:
        raise LinInspectError("MP4 needs ffmpeg: install imageio-ffmpeg (pip) or ffmpeg, or write a .gif")

    def job(progress: Callable[[int, int], None], cancel: object) -> tuple[Path, int]:
        def each() -> Iterator[np.ndarray]:
            for group in range(frames.groups):
                if cancel is not None and cancel.is_set():  # type: ignore[attr-defined]
                    raise CorrectionCancelled()
                yield np.vstack([frames.indices(group), captions[group]])
                progress(group + 1, frames.groups)

        with atomic_path(path) as temporary:
            if kind == "GIF":
                _write_gif(each(), colours, rate, temporary)
            else:
                assert ffmpeg is not None
                _write_mp4(each(), colours, rate, temporary, ffmpeg)
            if cancel is not None and cancel.is_set():  # type: ignore[attr-defined]
                raise CorrectionCancelled()
        return path, frames.groups

    return job


def _write_gif(frames: Iterator[np.ndarray], colours: np.ndarray, rate: float, path: Path) -> None:
    """An endlessly looping GIF, every frame on the one palette (no quantisation, no dithering)."""
    from PIL import Image

    flat = colours.reshape(-1).tolist()

    def image(indices: np.ndarray) -> Image.Image:
        picture = Image.fromarray(indices, mode="P")
        picture.putpalette(flat)
        return picture

    first = image(next(frames))
    first.save(path, format="GIF", save_all=True, append_images=(image(indices) for indices in frames),
               duration=round(1000 / rate), loop=0, optimize=False, disposal=1)  # fmt: skip


def _write_mp4(frames: Iterator[np.ndarray], colours: np.ndarray, rate: float, path: Path, ffmpeg: str) -> None:
    """H.264 in yuv420p (what every player plays), the RGB frames piped to ffmpeg."""
    first = next(frames)
    height, width = first.shape
    command = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
               "-s", f"{width}x{height}", "-r", f"{rate:g}", "-i", "-", "-an", "-c:v", "libx264",
               "-pix_fmt", "yuv420p", "-f", "mp4", str(path)]  # fmt: skip
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as process:
        assert process.stdin is not None and process.stderr is not None
        try:
            process.stdin.write(colours[first].tobytes())
            for indices in frames:
                process.stdin.write(colours[indices].tobytes())
            process.stdin.close()
        except BaseException:
            process.kill()
            raise
        error = process.stderr.read().decode(errors="replace").strip()
    if process.returncode != 0:
        raise LinInspectError(f"{path}: ffmpeg failed: {error.splitlines()[-1] if error else 'no reason given'}")
