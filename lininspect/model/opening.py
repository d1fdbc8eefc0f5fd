"""What the app is asked to open on start, built by the command line without importing Qt."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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
