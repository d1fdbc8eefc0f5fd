"""Linearity reference files: coefficients, DQ mapped through DQ_DEF, and the subarray cut."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from astropy.io import fits

from . import fitsfile
from .dq import map_dq_def
from .errors import LinInspectError
from .exposure import Exposure

#: Full-frame shapes the pipeline assumes when a reference lacks its SUBSTRT/SUBSIZE keywords.
_FULL_FRAMES = {"MIRI": (1024, 1032)}
_NIR_FULL_FRAME = (2048, 2048)


@dataclass
class LinearityReference:
    """A linearity reference, read whole (coefficients are small next to a ramp)."""

    path: Path
    header: fits.Header
    coeffs: np.ndarray  # (ncoeffs, ny, nx) float32, as the pipeline's datamodel casts it
    dq: np.ndarray  # (ny, nx) uint32, standard bits
    substrt: tuple[int, int]  # 1-based first column, row on the detector
    has_inv_coeffs: bool
    notes: list[str] = field(default_factory=list)

    @property
    def r_linear(self) -> str:
        """What the pipeline records in R_LINEAR for an override reference: its absolute path."""
        return os.path.abspath(self.path)


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
    if len(coeffs_info.shape) != 3:
        raise LinInspectError(f"{path}: COEFFS is {len(coeffs_info.shape)}-D; expected (ncoeffs, ny, nx)")
    ncoeffs, ny, nx = coeffs_info.shape
    if ncoeffs < 2:
        raise LinInspectError(f"{path}: has {ncoeffs} coefficient(s); at least 2 are needed")
    coeffs = fitsfile.read_image(path, coeffs_info).astype(np.float32)

    notes: list[str] = []
    dq_info = fitsfile.find(infos, "DQ")
    if dq_info is None or not dq_info.shape:
        dq = np.zeros((ny, nx), dtype=np.uint32)
    elif dq_info.shape != (ny, nx):
        raise LinInspectError(f"{path}: DQ shape {dq_info.shape} differs from COEFFS pixels {(ny, nx)}")
    else:
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
    return LinearityReference(
        path=path,
        header=header,
        coeffs=coeffs,
        dq=dq,
        substrt=_reference_substrt(path, header, (ny, nx)),
        has_inv_coeffs=fitsfile.find(infos, "INV_COEFFS") is not None,
        notes=notes,
    )


def check_same_detector(exposure: Exposure, reference: LinearityReference) -> None:
    """Refuse a reference made for another INSTRUME or DETECTOR than the exposure's.

    A keyword missing on either side cannot tell, so it is not held against the pair.
    """
    for keyword in ("INSTRUME", "DETECTOR"):
        ours = str(exposure.header.get(keyword, "")).strip().upper()
        theirs = str(reference.header.get(keyword, "")).strip().upper()
        if ours and theirs and ours != theirs:
            raise LinInspectError(
                f"{reference.path.name}: reference is for {_detector_name(reference.header)}, but "
                f"{exposure.path.name} is {_detector_name(exposure.header)} ({keyword} differs)"
            )


def _detector_name(header: fits.Header) -> str:
    return " ".join(str(header.get(keyword, "?")).strip() or "?" for keyword in ("INSTRUME", "DETECTOR"))


def coefficients_for(exposure: Exposure, reference: LinearityReference) -> tuple[np.ndarray, np.ndarray]:
    """The reference's COEFFS and DQ cut to the exposure's subarray, as the pipeline cuts them."""
    nframes = int(exposure.header.get("NFRAMES", 1) or 1)
    if reference.has_inv_coeffs and nframes > 1:
        raise LinInspectError(
            f"{reference.path}: has INV_COEFFS and the exposure has NFRAMES = {nframes}; the pipeline "
            "then uses its read-level correction, which lininspect does not implement yet"
        )
    ny, nx = exposure.shape[2:]
    ref_ny, ref_nx = reference.dq.shape
    sci_x, sci_y = exposure.substrt()
    ref_x, ref_y = reference.substrt
    x0, y0 = sci_x - ref_x, sci_y - ref_y
    if (x0, y0) == (0, 0) and (ny, nx) == (ref_ny, ref_nx):
        return reference.coeffs, reference.dq
    if x0 < 0 or y0 < 0 or x0 + nx > ref_nx or y0 + ny > ref_ny:
        raise LinInspectError(
            f"{reference.path}: reference does not cover this subarray (exposure starts at detector "
            f"column {sci_x}, row {sci_y} with {nx} x {ny} pixels; reference starts at column {ref_x}, "
            f"row {ref_y} with {ref_nx} x {ref_ny})"
        )
    return (
        np.ascontiguousarray(reference.coeffs[:, y0 : y0 + ny, x0 : x0 + nx]),
        np.ascontiguousarray(reference.dq[y0 : y0 + ny, x0 : x0 + nx]),
    )


def _dq_definitions(path: Path, info: fitsfile.HduInfo | None) -> list[tuple[int, str]]:
    if info is None:
        return []
    with fits.open(path, memmap=False) as hdul:
        table = hdul[info.index].data
        if table is None or len(table) == 0:
            return []
        names = {name.upper(): name for name in table.columns.names}
        if "VALUE" not in names or "NAME" not in names:
            raise LinInspectError(f"{path}: DQ_DEF table lacks its VALUE or NAME column")
        return [(int(row[names["VALUE"]]), str(row[names["NAME"]])) for row in table]


def _reference_substrt(path: Path, header: fits.Header, shape: tuple[int, int]) -> tuple[int, int]:
    """SUBSTRT1/2, or full frame where the pipeline would assume it, else a refusal."""
    if all(key in header for key in ("SUBSTRT1", "SUBSTRT2", "SUBSIZE1", "SUBSIZE2")):
        start = int(header["SUBSTRT1"]), int(header["SUBSTRT2"])
        if min(start) < 1:
            raise LinInspectError(f"{path}: SUBSTRT1/SUBSTRT2 {start} are not valid 1-based corners")
        return start
    instrument = str(header.get("INSTRUME", "")).strip().upper()
    if shape == _FULL_FRAMES.get(instrument, _NIR_FULL_FRAME):
        return 1, 1
    raise LinInspectError(f"{path}: SUBSTRT/SUBSIZE keywords missing and the reference is not full frame")
