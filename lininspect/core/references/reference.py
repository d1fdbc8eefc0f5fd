"""Linearity reference files: coefficients, DQ mapped through DQ_DEF, and the subarray cut."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ..fits import fitsfile
from ..kernels import stripes
from ..dq import map_dq_def
from ..errors import LinInspectError
from ..fits.exposure import Exposure

if TYPE_CHECKING:  # imported where used: astropy.io.fits brings astropy.units, 0.4 s of the app's start
    from astropy.io import fits

    from .crdsref import CrdsPick


@dataclass
class LinearityReference:
    """A linearity reference, read whole (coefficients are small next to a ramp)."""

    path: Path
    header: fits.Header
    coeffs: np.ndarray  # (ncoeffs, ny, nx) float32, as the pipeline's datamodel casts it
    dq: np.ndarray  # (ny, nx) uint32, standard bits
    substrt: tuple[int, int]  # 1-based first column, row on the detector
    notes: list[str] = field(default_factory=list)
    inv_coeffs: np.ndarray | None = None  # INV_COEFFS float32, for the read-level correction

    @property
    def has_inv_coeffs(self) -> bool:
        return self.inv_coeffs is not None
    origin: CrdsPick | None = None  # set when CRDS chose this reference

    @property
    def r_linear(self) -> str:
        """What the pipeline records in R_LINEAR: crds://name for a CRDS pick, else the absolute path."""
        return self.origin.uri if self.origin is not None else os.path.abspath(self.path)


def open_reference(path: str | Path) -> LinearityReference:
    """Read a linearity reference and refuse what the pipeline could not use."""
    path = Path(path)
    infos = fitsfile.scan(path)
    kind = fitsfile.content_kind(infos)
    if kind == "exposure":
        raise LinInspectError(f"{path}: is an exposure (SCI), not a linearity reference (no COEFFS)")
    if kind is None:
        raise LinInspectError(f"{path}: has no COEFFS extension, so it is not a linearity reference")
    coeffs_info = fitsfile.find(infos, "COEFFS")
    assert coeffs_info is not None
    fitsfile.require_image(path, coeffs_info, ndim=3)
    if len(coeffs_info.shape) != 3:
        raise LinInspectError(f"{path}: COEFFS is {len(coeffs_info.shape)}-D; expected (ncoeffs, ny, nx)")
    ncoeffs, ny, nx = coeffs_info.shape
    if ncoeffs < 2:
        raise LinInspectError(f"{path}: has {ncoeffs} coefficient(s); at least 2 are needed")
    coeffs = _coefficient_planes(path, coeffs_info)

    notes: list[str] = []
    dq_info = fitsfile.find(infos, "DQ")
    if dq_info is None or not dq_info.shape:
        # The pipeline's LinearityStep fails on such a reference (its model gets a DQ of the wrong shape).
        raise LinInspectError(f"{path}: has no DQ extension; the pipeline cannot use a linearity reference without one")
    fitsfile.require_image(path, dq_info)
    if dq_info.shape != (ny, nx):
        raise LinInspectError(f"{path}: DQ shape {dq_info.shape} differs from COEFFS pixels {(ny, nx)}")
    fitsfile.check_integer_image(path, dq_info)
    fitsfile.require_memory(path, "DQ", 3 * 8 * ny * nx)
    stored = fitsfile.read_image(path, dq_info).astype(np.uint32)
    definitions = _dq_definitions(path, fitsfile.find(infos, "DQ_DEF"))
    if definitions:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            dq = map_dq_def(stored, definitions)
        notes.extend(str(w.message) for w in caught)
    else:
        dq = stored

    header = infos[0].header
    inv_info = fitsfile.find(infos, "INV_COEFFS")
    # Its shape matters only on the read-level path, where core.pathway checks it as the pipeline fails.
    inv_coeffs = None if inv_info is None else _coefficient_planes(path, inv_info)
    return LinearityReference(
        path=path,
        header=header,
        coeffs=coeffs,
        dq=dq,
        substrt=_reference_substrt(path, infos[0]),
        notes=notes,
        inv_coeffs=inv_coeffs,
    )


def _coefficient_planes(path: Path, info: fitsfile.HduInfo) -> np.ndarray:
    """COEFFS or INV_COEFFS as float32, once it is known to be an image that fits in memory."""
    fitsfile.require_image(path, info)
    planes = int(np.prod(info.shape)) if info.shape else 0
    # The stored array, its float32 copy and the prepared copy the correction makes.
    fitsfile.require_memory(path, info.name, 3 * max(4, abs(int(info.header["BITPIX"])) // 8) * planes)
    return fitsfile.read_image(path, info).astype(np.float32, copy=False)


class DetectorFile(Protocol):
    """An exposure or a reference: a path and its primary header."""

    path: Path
    header: Any


def check_same_detector(first: DetectorFile, second: DetectorFile) -> None:
    """Refuse a pair made for different instruments or detectors (INSTRUME, DETECTOR): an exposure
    and its reference, or two references compared on one exposure.

    A keyword missing on either side cannot tell, so it is not held against the pair.
    """
    for key in ("INSTRUME", "DETECTOR"):
        words = [str(fitsfile.header_value(file.header, key, "")).strip() for file in (first, second)]
        if all(words) and words[0].upper() != words[1].upper():
            raise LinInspectError(
                f"{second.path}: {key} = {words[1]}, but {first.path} has {key} = {words[0]} "
                f"(it is for {_detector_name(second.header)}, not {_detector_name(first.header)})"
            )


def _detector_name(header: fits.Header) -> str:
    return " ".join(str(fitsfile.header_value(header, key, "?")).strip() or "?" for key in ("INSTRUME", "DETECTOR"))


def coefficients_for(exposure: Exposure, reference: LinearityReference) -> tuple[np.ndarray, np.ndarray]:
    """The reference's COEFFS and DQ cut to the exposure's subarray, as the pipeline cuts them."""
    coeffs, dq = cut_to_exposure(exposure, reference, [reference.coeffs, reference.dq])
    return coeffs, dq


def cut_to_exposure(exposure: Exposure, reference: LinearityReference, arrays: list[np.ndarray]) -> list[np.ndarray]:
    """Reference arrays (..., ny, nx) on the reference's pixel grid, each cut to the exposure's pixels
    as the pipeline cuts COEFFS and DQ (subarray or multistripe), so any plane of the reference can be
    shown on the exposure's grid."""
    stripes.refuse_superstripe(exposure.metadata)
    ny, nx = exposure.shape[2:]
    ref_ny, ref_nx = reference.dq.shape
    for array in arrays:
        if array.shape[-2:] != (ref_ny, ref_nx):
            raise LinInspectError(
                f"{reference.path}: an array of {array.shape[-1]} x {array.shape[-2]} pixels differs from DQ's "
                f"{ref_nx} x {ref_ny}, so it cannot be placed on the exposure"
            )
    sci_x, sci_y = exposure.substrt()
    ref_x, ref_y = reference.substrt
    x0, y0 = sci_x - ref_x, sci_y - ref_y
    if covers_exactly(exposure, reference):
        return list(arrays)
    if stripes.is_multistripe(exposure.metadata):
        return stripes.multistripe_cut(exposure.metadata, (ny, nx), reference.substrt, list(arrays))
    _check_subsize_for_cut(exposure, reference)
    if x0 < 0 or y0 < 0 or x0 + nx > ref_nx or y0 + ny > ref_ny:
        raise LinInspectError(
            f"{reference.path}: reference does not cover this subarray (exposure starts at detector "
            f"column {sci_x}, row {sci_y} with {nx} x {ny} pixels; reference starts at column {ref_x}, "
            f"row {ref_y} with {ref_nx} x {ref_ny})"
        )
    return [np.ascontiguousarray(array[..., y0 : y0 + ny, x0 : x0 + nx]) for array in arrays]


def _check_subsize_for_cut(exposure: Exposure, reference: LinearityReference) -> None:
    """Refuse a cut the pipeline cannot make: it sizes the cut by the exposure's SUBSIZE1/2, so
    SUBSIZE disagreeing with the SCI array fails there (a shape mismatch), and so does ours."""
    ny, nx = exposure.shape[2:]
    subsize = exposure.subsize()
    if subsize is not None and subsize != (nx, ny):
        raise LinInspectError(
            f"{exposure.path}: SUBSIZE1/SUBSIZE2 = {subsize} disagree with the SCI array's {nx} x {ny} pixels, "
            "and the reference must be cut to them; the pipeline fails on this file too"
        )
    # The pipeline checks the cut against the reference's SUBSIZE1/2, then slices its array.
    x0, y0 = exposure.substrt()[0] - reference.substrt[0], exposure.substrt()[1] - reference.substrt[1]
    ref_subsize = (int(reference.header["SUBSIZE1"]), int(reference.header["SUBSIZE2"]))
    if x0 + nx > ref_subsize[0] or y0 + ny > ref_subsize[1]:
        raise LinInspectError(
            f"{reference.path}: reference does not cover this subarray by its SUBSIZE1/SUBSIZE2 = {ref_subsize} "
            "(the pipeline checks the cut against them)"
        )


def covers_exactly(exposure: Exposure, reference: LinearityReference) -> bool:
    """Same start and size: the pipeline then uses the reference whole, whatever the readout."""
    return exposure.substrt() == reference.substrt and exposure.shape[2:] == reference.dq.shape


def _dq_definitions(path: Path, info: fitsfile.HduInfo | None) -> list[tuple[int, str]]:
    if info is None:
        return []
    columns = fitsfile.read_table_columns(path, info, {"VALUE": "integer", "NAME": "text"})
    return [(int(value), str(name)) for value, name in zip(columns["VALUE"], columns["NAME"])]


def _reference_substrt(path: Path, primary: fitsfile.HduInfo) -> tuple[int, int]:
    """SUBSTRT1/2 (checked), or a refusal: the pipeline's LinearityStep fails on a reference without
    SUBSTRT1/2 and SUBSIZE1/2 (its full-frame fallback asks the linearity model for a ``data``
    array it does not have), so a product made without them would be one the pipeline never makes."""
    missing = [key for key in ("SUBSTRT1", "SUBSTRT2", "SUBSIZE1", "SUBSIZE2") if key not in primary.header]
    if missing:
        raise LinInspectError(
            f"{path}: lacks {', '.join(missing)}; the pipeline fails on a linearity reference without them"
        )
    for key in ("SUBSIZE1", "SUBSIZE2"):
        fitsfile.integer_keyword(path, primary, key)
    start = tuple(fitsfile.integer_keyword(path, primary, key) for key in ("SUBSTRT1", "SUBSTRT2"))
    if min(start) < 1:
        raise LinInspectError(f"{path}: SUBSTRT1/SUBSTRT2 {start} are not valid 1-based corners")
    return start  # type: ignore[return-value]
