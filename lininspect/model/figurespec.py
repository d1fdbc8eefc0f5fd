"""What a figure for a paper or report is: which plot or panel, its size on paper, theme and format; without Qt.

Sizes are physical: a figure is so many inches at so many dots per inch, and a size given
in pixels is that many dots at the DPI. The window lays the figure out at screen scale
(:data:`LAYOUT_DPI`, where the app's fonts have their on-screen size) and the renderer scales
it to the DPI, so text keeps its size in points on paper whatever the DPI.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import LinInspectError

if TYPE_CHECKING:
    from .session import Session

#: Dots per inch at which figures are laid out: Qt's logical pixel, as on screen.
LAYOUT_DPI = 96.0
#: DPI a figure may have, and the most pixels a side of a raster figure may have.
DPI_RANGE = (36.0, 1200.0)
MAX_SIDE_PIXELS = 16384
#: The formats figures are written in, by file name suffix.
FORMATS = {".png": "PNG", ".svg": "SVG", ".pdf": "PDF"}


class FigureTarget(Enum):
    """What a figure shows; the value is its label in the dialog."""

    RAMP = "Ramp plot"
    RATIO = "Ratio plot (input / corrected)"
    CURVE = "Correction curve plot"
    RESIDUALS = "Straight-line residuals plot"
    PLOTS = "All four plots"
    LEFT = "Left image panel"
    RIGHT = "Right image panel"
    PANELS = "Both image panels, side by side"

    @property
    def is_panel(self) -> bool:
        return self in (FigureTarget.LEFT, FigureTarget.RIGHT, FigureTarget.PANELS)


class Theme(Enum):
    """Colours of a figure: the window's dark ones, or black on white for print."""

    DARK = "Dark (as on screen)"
    LIGHT = "Light (white background, for papers)"


@dataclass(frozen=True)
class FigureSize:
    """A figure's size on paper and its resolution."""

    width_in: float
    height_in: float
    dpi: float

    @classmethod
    def from_pixels(cls, width: float, height: float, dpi: float) -> FigureSize:
        return cls(width / dpi, height / dpi, dpi)

    @property
    def pixels(self) -> tuple[int, int]:
        """The raster figure's width and height in pixels (dots)."""
        return round(self.width_in * self.dpi), round(self.height_in * self.dpi)

    @property
    def layout(self) -> tuple[float, float]:
        """Width and height the figure is laid out at, in screen pixels."""
        return self.width_in * LAYOUT_DPI, self.height_in * LAYOUT_DPI

    def check(self) -> None:
        """Refuse a size no renderer can make (a raster of gigapixels, a figure of no width)."""
        low, high = DPI_RANGE
        if not low <= self.dpi <= high:
            raise LinInspectError(f"a figure's DPI must lie within {low:g}..{high:g}, not {self.dpi:g}")
        width, height = self.pixels
        if min(width, height) < 16:
            raise LinInspectError(f"a figure of {width} x {height} pixels is too small to draw")
        if max(width, height) > MAX_SIDE_PIXELS:
            raise LinInspectError(f"a figure of {width} x {height} pixels is too large: at most {MAX_SIDE_PIXELS} a side")


def figure_format(path: Path) -> str:
    """``PNG``, ``SVG`` or ``PDF``, from the file name's suffix; anything else is refused."""
    kind = FORMATS.get(Path(path).suffix.lower())
    if kind is None:
        raise LinInspectError(f"{path}: figures are written as .png, .svg or .pdf")
    return kind


def opened_files(session: Session) -> list[Path]:
    """The files the session reads, which a figure or movie must never replace."""
    exposures = [exposure.path for exposure in (session.exposure, session.product) if exposure is not None]
    return [*([session.input_path] if session.input_path is not None else []), *exposures,
            *(reference.path for reference in session.references.values())]  # fmt: skip
