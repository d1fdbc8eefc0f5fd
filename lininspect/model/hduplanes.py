"""Any image HDU of the loaded files as one plane on the exposure's pixel grid: GROUPDQ of a group,
ZEROFRAME of an integration, a reference's COEFFS or INV_COEFFS plane, its DQ, and the stacked maps
of the opened survey for the exposure's detector (so the main window's tools apply to them).

A reference's planes are cut to the exposure as the correction cuts COEFFS (subarray or
multistripe, :func:`~lininspect.core.references.reference.cut_to_exposure`), so a pixel of the plane is the
pixel of the exposure under it. The exposure's planes are read with positioned reads that check
their length: a file truncated after it was opened gives a refusal, never a SIGBUS from a memory map.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..core.fits import fitsfile
from ..core.errors import LinInspectError
from ..core.fits.exposure import Exposure
from ..core.references.reference import LinearityReference, cut_to_exposure

if TYPE_CHECKING:
    from .session import Session


@dataclass(frozen=True)
class HduPlane:
    """One choosable plane: ``hdu`` of the exposure (``reference`` None) or of reference A or B,
    plane ``index`` of a coefficient cube (None for a per-frame or 2-D image); with ``survey``, the
    opened survey's stacked map named ``hdu`` (its extension's name)."""

    hdu: str
    reference: str | None = None
    index: int | None = None
    survey: bool = False

    @property
    def label(self) -> str:
        """As the menus and the panel's title name it: ``GROUPDQ``, ``A COEFFS c2``, ``B DQ``, ``survey RESIDUAL_A_MEDIAN``."""
        if self.survey:
            return f"survey {self.hdu}"
        plane = "" if self.index is None else f" c{self.index}"
        owner = "" if self.reference is None else f"{self.reference} "
        return f"{owner}{self.hdu}{plane}"

    @property
    def per_group(self) -> bool:
        return self.reference is None and self.hdu == "GROUPDQ"

    @property
    def per_integration(self) -> bool:
        return self.reference is None and self.hdu == "ZEROFRAME"

    @property
    def is_flags(self) -> bool:
        return self.hdu in ("GROUPDQ", "DQ")


def available_planes(session: Session) -> list[HduPlane]:
    """Every plane the loaded files can show on the exposure's grid, exposure first, then A, then B."""
    exposure = session.exposure
    if exposure is None:
        return []
    planes = []
    if _per_frame_image(exposure, "GROUPDQ", 4) is not None:
        planes.append(HduPlane("GROUPDQ"))
    if _per_frame_image(exposure, "ZEROFRAME", 3) is not None:
        planes.append(HduPlane("ZEROFRAME"))
    for label in sorted(session.references):
        reference = session.references[label]
        planes += [HduPlane("COEFFS", label, k) for k in range(reference.coeffs.shape[0])]
        if reference.inv_coeffs is not None and reference.inv_coeffs.ndim == 3:
            planes += [HduPlane("INV_COEFFS", label, k) for k in range(reference.inv_coeffs.shape[0])]
        planes.append(HduPlane("DQ", label))
    planes += [HduPlane(name.upper(), survey=True) for name in survey_maps(session)]
    return planes


def survey_stack(session: Session) -> str | None:
    """The stack (detector, subarray start and size) of the exposure, when a survey is opened."""
    if session.survey is None or session.exposure is None:
        return None
    from ..core.survey.survey import stack_key  # with a survey only: not part of the app's start

    return stack_key(session.exposure)


def survey_maps(session: Session) -> dict[str, np.ndarray]:
    """The opened survey's stacked maps of the exposure's stack, by name (none without a survey or such maps)."""
    stack = survey_stack(session)
    return {} if stack is None or session.survey is None else session.survey.maps.get(stack, {})


def read_plane(session: Session, plane: HduPlane, integration: int, group: int) -> np.ndarray:
    """``plane`` at the displayed frame as a (ny, nx) image of the exposure's pixels: float32, or
    float64 for a reference's DQ (a 32-bit DQ value is exact in it)."""
    exposure = session.exposure
    if exposure is None:
        raise LinInspectError("open an exposure to show its HDUs")
    if plane.survey:
        values = survey_maps(session).get(plane.hdu.lower())
        if values is None:
            raise LinInspectError(f"the opened survey has no map {plane.hdu} of this exposure's detector")
    elif plane.reference is None:
        values = _exposure_plane(exposure, plane.hdu, integration, group)
    else:
        reference = session.references.get(plane.reference)
        if reference is None:
            raise LinInspectError(f"reference {plane.reference} is not loaded")
        values = _reference_plane(exposure, reference, plane)
    return values.astype(np.float64 if plane.hdu == "DQ" else np.float32)  # uint8 GROUPDQ is exact in float32


def flag_limits(values: np.ndarray) -> tuple[float, float]:
    """A flag plane's colour limits: none to the largest value set (zscale on mostly-zero flags gives 0 to 1)."""
    largest = float(values.max()) if values.size else 0.0
    return 0.0, largest or 1.0


def _per_frame_image(exposure: Exposure, name: str, ndim: int) -> fitsfile.HduInfo | None:
    """The exposure's ``name`` HDU when it is an image with one plane per group (4-D) or per
    integration (3-D) of the exposure's pixels, else None (nothing shown for it)."""
    info = fitsfile.find(exposure.hdus, name)
    if info is None or not info.is_image or len(info.shape) != ndim:
        return None
    nints, ngroups, ny, nx = exposure.shape
    expected = (nints, ngroups, ny, nx) if ndim == 4 else (nints, ny, nx)
    return info if info.shape == expected else None


def _exposure_plane(exposure: Exposure, name: str, integration: int, group: int) -> np.ndarray:
    """GROUPDQ of one group or ZEROFRAME of one integration, by one checked positioned read."""
    info = _per_frame_image(exposure, name, 4 if name == "GROUPDQ" else 3)
    if info is None:
        raise LinInspectError(f"{exposure.path}: has no {name} image of the exposure's shape")
    index = (integration, group) if name == "GROUPDQ" else (integration,)
    # Read through the descriptor the exposure holds: checked, never a memory map (a file truncated
    # meanwhile is "ended early", never SIGBUS), and still the opened file if it was deleted.
    stored = fitsfile.stored_image(exposure.file, info)[index]
    values = fitsfile.StoredImage(stored, info.header)[...]
    return values.astype(np.uint8) if name == "GROUPDQ" else values  # GROUPDQ as the pipeline casts it


def _reference_plane(exposure: Exposure, reference: LinearityReference, plane: HduPlane) -> np.ndarray:
    """One plane of the reference, held in memory since it was opened, cut to the exposure."""
    if plane.hdu == "DQ":
        array = reference.dq
    else:
        cube = reference.coeffs if plane.hdu == "COEFFS" else reference.inv_coeffs
        if cube is None or plane.index is None or not 0 <= plane.index < cube.shape[0]:
            raise LinInspectError(f"{reference.path}: has no {plane.label[2:]}")
        array = cube[plane.index]
    (cut,) = cut_to_exposure(exposure, reference, [array])
    return cut
