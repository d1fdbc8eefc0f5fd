"""What the app is asked to open on start, built by the command line without importing Qt."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: Any of these lets Qt show a window (QT_QPA_PLATFORM=offscreen included, as tests use).
DISPLAY_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")


NO_DISPLAY = "no display: set DISPLAY, run under xvfb-run -a, or use 'lininspect snapshot' to render a PNG"


def has_display() -> bool:
    return any(os.environ.get(name) for name in DISPLAY_VARIABLES)


@dataclass(frozen=True)
class OpeningRequest:
    """The files and choices of one start of the app, passed whole from the command line to the window.

    ``resolve``: the reference (CRDS's, unless ``reference`` is given) and the pipeline's missing
    steps come from a worker first (skipped with ``as_is``), then the correction; without it,
    ``correct_on_open`` starts the correction at once.
    """

    input: Path
    reference: Path | None = None
    corrected: Path | None = None
    against: Path | None = None
    against_context: str | None = None  # B: what this CRDS context picks for the input (looked up in a job)
    correct_on_open: bool = False
    resolve: bool = False
    as_is: bool = False
    survey: bool = False  # ``input`` is a directory written by ``lininspect survey``: open its table and maps
    #: A saved session to resume: it names the files and the view (the fields above are then unused).
    session: Path | None = None

    def missing_files(self) -> list[Path]:
        """The files named that do not exist (said in a dialog by the app; by the CLI without a display)."""
        named = (self.input, self.reference, self.corrected, self.against)
        return [path for path in named if path is not None and not Path(path).exists()]
