"""From what a user has to what the correction needs: a prepared ramp and its linearity reference.

The reference is the user's override, else CRDS's pick for the input (looked up first, so an
exposure the pipeline would skip costs no preparation). The ramp is the input itself, or, when
earlier Detector1 steps have not run on it, their output (see :mod:`preparation`); ``as_is``
corrects the input without them (and the preparation names them, for the product's HISTORY).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .crdsref import crds_linearity_reference
from ..fits.exposure import open_exposure
from ..errors import LinInspectError
from .preparation import Preparation, StepProgress, prepare, unrecorded_steps
from .reference import LinearityReference, open_reference

if TYPE_CHECKING:  # imported where used: astropy.io.fits brings astropy.units, 0.4 s of the app's start
    from astropy.io import fits


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
    coefficients_in_file: bool = False,
) -> ResolvedInput:
    """``coefficients_in_file``: a reference opened here (CRDS's pick, or ``reference`` given as a path) serves
    this input only, so its coefficients are left in the file (see :func:`.reference.open_reference`)."""
    path = Path(path)
    exposure = open_exposure(path)  # a file that is no exposure is refused as such, before CRDS or jwst see it
    if reference is None:
        chosen = crds_linearity_reference(path, coefficients_in_file=coefficients_in_file)
    elif isinstance(reference, LinearityReference):
        chosen = reference
    else:
        chosen = open_reference(reference, coefficients_in_file=coefficients_in_file)
    if as_is:
        preparation = Preparation(path, path, (), from_cache=False, unrecorded=_unrecorded(path, exposure.header))
    else:
        preparation = prepare(path, progress=progress, cancel=cancel, header=exposure.header)
    return ResolvedInput(path, preparation, chosen)


def _unrecorded(path: Path, header: fits.Header) -> tuple[str, ...]:
    """The earlier steps ``--as-is`` leaves unrun, for the product's HISTORY; none named when unreadable."""
    try:
        return unrecorded_steps(path, header)
    except LinInspectError:
        return ()
