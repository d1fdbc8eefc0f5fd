"""From what a user has to what the correction needs: a prepared ramp and its linearity reference.

The reference is the user's override, else CRDS's pick for the input (looked up first, so an
exposure the pipeline would skip costs no preparation). The ramp is the input itself, or, when
earlier Detector1 steps have not run on it, their output (see :mod:`preparation`); ``as_is``
corrects the input without them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from .crdsref import crds_linearity_reference
from .exposure import open_exposure
from .preparation import Preparation, StepProgress, prepare
from .reference import LinearityReference, open_reference


@dataclass(frozen=True)
class ResolvedInput:
    source: Path
    preparation: Preparation
    reference: LinearityReference

    @property
    def ramp(self) -> Path:
        return self.preparation.ramp


def resolve_input(
    path: str | Path,
    reference: str | Path | LinearityReference | None = None,
    *,
    as_is: bool = False,
    progress: StepProgress | None = None,
    cancel: threading.Event | None = None,
) -> ResolvedInput:
    path = Path(path)
    open_exposure(path)  # a file that is no exposure is refused as such, before CRDS or jwst see it
    if reference is None:
        chosen = crds_linearity_reference(path)
    elif isinstance(reference, LinearityReference):
        chosen = reference
    else:
        chosen = open_reference(reference)
    if as_is:
        preparation = Preparation(path, path, (), from_cache=False)
    else:
        preparation = prepare(path, progress=progress, cancel=cancel)
    return ResolvedInput(path, preparation, chosen)
