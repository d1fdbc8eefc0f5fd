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
from ..fits.heldfile import HeldFile

if TYPE_CHECKING:  # imported where used: astropy.io.fits brings astropy.units, 0.4 s of the app's start
    from astropy.io import fits

    from .crdsref import CrdsPick


class CoefficientsInFile:
    """COEFFS or INV_COEFFS left in the reference file and read a block of rows at a time.

    A correction of one file needs each row of the coefficients for one tile at a time: a
    full-frame read-level reference's two sets (168 MB) need not be resident. The reads are
    checked ``pread`` calls on the file held open since the reference was opened, never a
    memory map, so a file truncated meanwhile gives a one-line error. ``window`` is the
    (first row, first column, rows, columns) of the stored planes that the set stands for:
    all of them, or an exposure's subarray.
    """

    def __init__(self, held: HeldFile, info: fitsfile.HduInfo, window: tuple[int, int, int, int] | None = None) -> None:
        self._held = held
        self._info = info
        self._planes = fitsfile.StoredImage(fitsfile.stored_image(held, info), info.header)
        ncoeffs, ny, nx = info.shape
        self.window = window if window is not None else (0, 0, ny, nx)
        self.shape = (ncoeffs, self.window[2], self.window[3])
        self.ndim = 3

    def rows(self, first: int, last: int) -> np.ndarray:
        """Rows ``first:last`` of the set, all coefficients, as a writable C-ordered float32 array of their own
        (the pipeline's datamodel casts the stored values so)."""
        y0, x0, _, nx = self.window
        values = self._planes[:, y0 + first : y0 + last, x0 : x0 + nx].astype(np.float32, copy=False)
        return np.require(values, requirements=["W", "C"])

    def whole(self) -> np.ndarray:
        """The set read at once, for the cuts that take it whole (multistripe)."""
        fitsfile.require_memory(self._held.path, self._info.name, 2 * 4 * int(np.prod(self.shape)))
        return self.rows(0, self.shape[1])

    def cut(self, y0: int, x0: int, ny: int, nx: int) -> CoefficientsInFile:
        """The rows ``y0:y0+ny`` and columns ``x0:x0+nx`` of this set, still in the file."""
        top, left, _, _ = self.window
        return CoefficientsInFile(self._held, self._info, (top + y0, left + x0, ny, nx))


#: A coefficient set read whole, or one left in the file for a correction of one exposure.
CoefficientSet = np.ndarray | CoefficientsInFile


@dataclass
class LinearityReference:
    """A linearity reference: its DQ read whole, its coefficients too unless left in the file."""

    path: Path
    header: fits.Header
    coeffs: CoefficientSet  # (ncoeffs, ny, nx) float32, as the pipeline's datamodel casts it
    dq: np.ndarray  # (ny, nx) uint32, standard bits
    substrt: tuple[int, int]  # 1-based first column, row on the detector
    notes: list[str] = field(default_factory=list)
    inv_coeffs: CoefficientSet | None = None  # INV_COEFFS float32, for the read-level correction
    #: The file, held open while coefficients left in it are read.
    file: HeldFile | None = None

    @property
    def has_inv_coeffs(self) -> bool:
        return self.inv_coeffs is not None
    origin: CrdsPick | None = None  # set when CRDS chose this reference

    @property
    def r_linear(self) -> str:
        """What the pipeline records in R_LINEAR: crds://name for a CRDS pick, else the absolute path."""
        return self.origin.uri if self.origin is not None else os.path.abspath(self.path)

    def check_unchanged(self) -> None:
        """Refuse when coefficients are read from the file and it was truncated, resized or replaced
        since it was opened: what was read before and what was read after may not be one reference."""
        change = None if self.file is None else self.file.change()
        if change is not None and change != "deleted":  # a deleted file is still read through its descriptor
            raise LinInspectError(f"{self.path}: {change} while it was being read; nothing was written")


def open_reference(path: str | Path, *, coefficients_in_file: bool = False) -> LinearityReference:
    """Read a linearity reference and refuse what the pipeline could not use.

    ``coefficients_in_file``: COEFFS and INV_COEFFS stay in the file, held open, and are read
    a block of rows at a time when they are used (for a correction of one exposure);
    otherwise they are read now.
    """
    path = Path(path)
    held = HeldFile(path)
    try:
        reference = _open_held(held, coefficients_in_file)
    except BaseException:
        held.close()
        raise
    if not coefficients_in_file:
        held.close()
    return reference


def _open_held(held: HeldFile, coefficients_in_file: bool) -> LinearityReference:
    path = held.path
    infos = fitsfile.scan(path, held)
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
    coeffs = _coefficient_planes(held, coeffs_info, coefficients_in_file)

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
    stored = fitsfile.read_image(path, dq_info, held).astype(np.uint32)
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
    inv_coeffs = None if inv_info is None else _coefficient_planes(held, inv_info, coefficients_in_file)
    return LinearityReference(
        path=path,
        header=header,
        coeffs=coeffs,
        dq=dq,
        substrt=_reference_substrt(path, infos[0]),
        notes=notes,
        inv_coeffs=inv_coeffs,
        file=held if coefficients_in_file else None,
    )


def _coefficient_planes(held: HeldFile, info: fitsfile.HduInfo, in_file: bool) -> CoefficientSet:
    """COEFFS or INV_COEFFS as float32 once it is known to be an image: left in the file (``in_file``,
    when it is 3-D; core.pathway refuses other shapes) or read, when it fits in memory."""
    fitsfile.require_image(held.path, info)
    if in_file and len(info.shape) == 3:
        return CoefficientsInFile(held, info)
    planes = int(np.prod(info.shape)) if info.shape else 0
    # The stored array, its float32 copy and the prepared copy the correction makes.
    fitsfile.require_memory(held.path, info.name, 3 * max(4, abs(int(info.header["BITPIX"])) // 8) * planes)
    return fitsfile.read_image(held.path, info, held).astype(np.float32, copy=False)


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


def coefficients_for(exposure: Exposure, reference: LinearityReference) -> tuple[CoefficientSet, np.ndarray]:
    """The reference's COEFFS and DQ cut to the exposure's subarray, as the pipeline cuts them."""
    coeffs, dq = cut_to_exposure(exposure, reference, [reference.coeffs, reference.dq])
    assert isinstance(dq, np.ndarray)
    return coeffs, dq


def cut_to_exposure(exposure: Exposure, reference: LinearityReference, arrays: list[CoefficientSet]) -> list[CoefficientSet]:
    """Reference arrays (..., ny, nx) on the reference's pixel grid, each cut to the exposure's pixels
    as the pipeline cuts COEFFS and DQ (subarray or multistripe), so any plane of the reference can be
    shown on the exposure's grid. A set left in the file stays there, cut, unless the cut is a multistripe one."""
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
        whole = [array.whole() if isinstance(array, CoefficientsInFile) else array for array in arrays]
        return stripes.multistripe_cut(exposure.metadata, (ny, nx), reference.substrt, whole)
    _check_subsize_for_cut(exposure, reference)
    if x0 < 0 or y0 < 0 or x0 + nx > ref_nx or y0 + ny > ref_ny:
        raise LinInspectError(
            f"{reference.path}: reference does not cover this subarray (exposure starts at detector "
            f"column {sci_x}, row {sci_y} with {nx} x {ny} pixels; reference starts at column {ref_x}, "
            f"row {ref_y} with {ref_nx} x {ref_ny})"
        )
    return [
        array.cut(y0, x0, ny, nx) if isinstance(array, CoefficientsInFile)
        else np.ascontiguousarray(array[..., y0 : y0 + ny, x0 : x0 + nx])
        for array in arrays
    ]


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
