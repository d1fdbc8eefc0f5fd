"""Ramp exposures as the pipeline writes them, opened lazily.

SCI and GROUPDQ stay on disk: opening reads only headers, showing an image reads one
plane and plotting a pixel reads one ramp. Every read goes through the descriptor opened
first (see heldfile), so the file shown is the one read, whatever happens to its name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import fitsfile
from ..errors import LinInspectError
from .heldfile import HeldFile
from ..recentplanes import RecentPlanes
from .metadata import PipelineMetadata, read_pipeline_metadata

if TYPE_CHECKING:  # imported where used: astropy.io.fits brings astropy.units, 0.4 s of the app's start
    from astropy.io import fits


@dataclass
class Exposure:
    """An opened ramp file: lazy SCI/GROUPDQ, small PIXELDQ/ZEROFRAME in memory."""

    path: Path
    header: fits.Header
    hdus: list[fitsfile.HduInfo]
    sci: fitsfile.StoredImage
    groupdq: fitsfile.StoredImage | None
    pixeldq: np.ndarray
    zeroframe: np.ndarray | None
    metadata: PipelineMetadata  # what the pipeline reads: header over the ASDF tree
    file: HeldFile
    notes: list[str] = field(default_factory=list)
    #: The group images read last: the panel, its readout and the correction of the frame shown ask for them
    #: again, and jobs read them first (the opening's, the next group's; a re-read of a 1 GB file's plane cost
    #: the GUI thread 12-33 ms after each opening).
    _recent: RecentPlanes = field(default_factory=RecentPlanes, init=False, repr=False, compare=False)

    @property
    def shape(self) -> tuple[int, int, int, int]:
        return self.sci.shape  # type: ignore[return-value]

    @property
    def nints(self) -> int:
        return self.shape[0]

    @property
    def ngroups(self) -> int:
        return self.shape[1]

    @property
    def is_uncal(self) -> bool:
        """Raw counts straight from the detector: no DQ of its own yet."""
        return self.sci.dtype.kind in "ui" and self.groupdq is None

    def substrt(self) -> tuple[int, int]:
        """1-based detector column and row of array pixel (0, 0), as SUBSTRT1/2 give them to the pipeline."""
        return self._start_or_size("SUBSTRT", "subarray.xstart", "subarray.ystart", "placed on the detector")

    def subsize(self) -> tuple[int, int] | None:
        """SUBSIZE1/2 (columns, rows) as the pipeline sees them, None when either is missing."""
        try:
            return self._start_or_size("SUBSIZE", "subarray.xsize", "subarray.ysize", "sized")
        except LinInspectError as error:
            if "missing" in str(error):
                return None
            raise

    def _start_or_size(self, key: str, x_name: str, y_name: str, purpose: str) -> tuple[int, int]:
        """A positive (x, y) pair from the pipeline's metadata, or a refusal naming the keywords."""
        x, y = self.metadata.integer(x_name), self.metadata.integer(y_name)
        if x is None or y is None:
            raise LinInspectError(f"{self.path}: {key}1/{key}2 missing, so the exposure cannot be {purpose}")
        if x < 1 or y < 1:
            raise LinInspectError(f"{self.path}: PRIMARY keywords {key}1/{key}2 = {x}, {y} must be at least 1")
        return x, y

    def streamed(self) -> tuple[fitsfile.StoredImage, fitsfile.StoredImage | None]:
        """SCI and GROUPDQ, for correcting a whole exposure tile by tile (positioned reads leave nothing resident)."""
        return self.sci, self.groupdq

    def check_unchanged(self) -> None:
        """Refuse when the file under this exposure's name was replaced or resized since it was opened.

        A deleted file is still read through the descriptor held since then; a replaced one
        would make what is shown and what a new run reads by name two different files.
        """
        change = self.file.change()
        if change is not None and change != "deleted":
            raise LinInspectError(f"{self.path}: {change} since it was opened; open it again")

    def plane(self, integration: int, group: int) -> np.ndarray:
        """One group image, float32 (the caller's to read, not to change: the last ones are kept)."""
        kept = self._recent.get((integration, group))
        if kept is not None:
            return kept
        values = np.asarray(self.sci[integration, group], dtype=np.float32)
        self._recent.keep((integration, group), values)
        return values

    def ramp(self, y: int, x: int) -> np.ndarray:
        """One pixel's samples, float32 (nints, ngroups)."""
        return np.asarray(self.sci[:, :, y, x], dtype=np.float32)

    def groupdq_plane(self, integration: int, group: int) -> np.ndarray:
        if self.groupdq is None:
            return np.zeros(self.shape[2:], dtype=np.uint8)
        return np.asarray(self.groupdq[integration, group], dtype=np.uint8)


def open_exposure(path: str | Path) -> Exposure:
    """Open a ramp file (or an ``_uncal`` file); refuse anything that is not a 4-D ramp."""
    path = Path(path)
    held = HeldFile(path)
    try:
        return _open_held(held)
    except BaseException:
        held.close()
        raise


def _open_held(held: HeldFile) -> Exposure:
    path = held.path
    infos = fitsfile.scan(path, held)
    kind = fitsfile.content_kind(infos)
    if kind == "reference":
        raise LinInspectError(f"{path}: is a linearity reference (COEFFS), not an exposure")
    _refuse_repeated_extensions(path, infos)
    _refuse_compressed_arrays(path, infos)
    sci_info = fitsfile.find(infos, "SCI")
    if sci_info is None:
        raise LinInspectError(f"{path}: has no SCI extension, so it is not a ramp exposure")
    if len(sci_info.shape) != 4:
        kind = " (a rate or calibrated image?)" if len(sci_info.shape) in (2, 3) else ""
        raise LinInspectError(
            f"{path}: SCI is {len(sci_info.shape)}-D{kind}; a ramp is 4-D (nints, ngroups, ny, nx)"
        )
    fitsfile.require_image(path, sci_info)
    shape = sci_info.shape
    sci = _stored(held, sci_info)
    notes: list[str] = []

    groupdq_info = fitsfile.find(infos, "GROUPDQ")
    groupdq = None
    if groupdq_info is not None and groupdq_info.shape:
        _check_dq_image(path, groupdq_info, shape)
        groupdq = _stored(held, groupdq_info, cast=np.uint8)

    pixeldq_info = fitsfile.find(infos, "PIXELDQ")
    if pixeldq_info is not None and pixeldq_info.shape:
        _check_dq_image(path, pixeldq_info, shape[2:])
        fitsfile.require_memory(path, "PIXELDQ", 3 * 4 * int(np.prod(shape[2:])))
        pixeldq = fitsfile.read_image(path, pixeldq_info, held).astype(np.uint32)
    else:
        pixeldq = np.zeros(shape[2:], dtype=np.uint32)

    header = infos[0].header
    if str(fitsfile.header_value(header, "S_LINEAR", "")).strip().upper() == "COMPLETE":
        notes.append(
            "S_LINEAR = COMPLETE: the linearity step has already run on this file; it is corrected again, "
            "as the pipeline would"
        )
    metadata = read_pipeline_metadata(path, infos)
    notes.extend(metadata.notes())
    nframes = metadata.nframes  # checked here, whichever path later asks for it
    if nframes is not None and nframes < 1:
        raise LinInspectError(f"{path}: PRIMARY keyword NFRAMES = {nframes} is below 1")
    zeroframe = None
    zeroframe_info = fitsfile.find(infos, "ZEROFRAME")
    if metadata.zero_frame:
        wanted = (shape[0],) + shape[2:]
        if zeroframe_info is not None and fitsfile.is_tile_compressed(zeroframe_info):
            # The pipeline decompresses it (astropy does, on reading) and corrects it; so do we.
            if fitsfile.compressed_shape(path, zeroframe_info) != wanted:
                notes.append("ZEROFRAM = T but no matching ZEROFRAME extension; the zero frame is ignored")
            else:
                fitsfile.require_memory(path, "ZEROFRAME", 3 * 8 * int(np.prod(wanted)))
                zeroframe = fitsfile.read_compressed_image(held, zeroframe_info).astype(np.float32)
        elif zeroframe_info is None or not zeroframe_info.is_image or zeroframe_info.shape != wanted:
            notes.append("ZEROFRAM = T but no matching ZEROFRAME extension; the zero frame is ignored")
        else:
            fitsfile.require_memory(path, "ZEROFRAME", 2 * 4 * int(np.prod(zeroframe_info.shape)))
            zeroframe = fitsfile.read_image(path, zeroframe_info, held).astype(np.float32)

    if sci.dtype.kind in "ui" and groupdq is None and pixeldq_info is None:
        notes.append(
            "uncalibrated (_uncal) file: its DQ is empty (dq_init and saturation have not run), "
            "so saturated groups are corrected too"
        )
    elif groupdq is None:
        notes.append("no GROUPDQ extension: no group is treated as saturated")
    return Exposure(path, header, infos, sci, groupdq, pixeldq, zeroframe, metadata, held, notes)


def _stored(held: HeldFile, info: fitsfile.HduInfo, cast: type | None = None) -> fitsfile.StoredImage:
    return fitsfile.StoredImage(fitsfile.stored_image(held, info), info.header, cast)


def _check_dq_image(path: Path, info: fitsfile.HduInfo, shape: tuple[int, ...]) -> None:
    """A DQ extension must be an integer image of the expected shape (any integer type: the
    pipeline casts it, wrapping, to its own type)."""
    fitsfile.require_image(path, info)
    fitsfile.check_integer_image(path, info)
    if info.shape != shape:
        what = "SCI" if len(shape) == 4 else "SCI's pixels"
        raise LinInspectError(f"{path}: {info.name} shape {info.shape} differs from {what} {shape}")


def _refuse_compressed_arrays(path: Path, infos: list[fitsfile.HduInfo]) -> None:
    """SCI, PIXELDQ or GROUPDQ tile-compressed: the pipeline decompresses them, lininspect reads them on
    demand from the file's bytes and cannot; refused, saying how to get a file it can read."""
    for name in ("SCI", "PIXELDQ", "GROUPDQ"):
        info = fitsfile.find(infos, name)
        if info is not None and fitsfile.is_tile_compressed(info):
            raise LinInspectError(
                f"{path}: {name} is tile-compressed (ZIMAGE = T); lininspect reads ramps uncompressed: "
                "decompress the file first (funpack, or astropy)"
            )


def _refuse_repeated_extensions(path: Path, infos: list[fitsfile.HduInfo]) -> None:
    """Two SCI (or PIXELDQ, GROUPDQ, ZEROFRAME) extensions: which one is meant cannot be told."""
    for name in ("SCI", "PIXELDQ", "GROUPDQ", "ZEROFRAME"):
        indices = [info.index for info in infos if info.name == name]
        if len(indices) > 1:
            raise LinInspectError(f"{path}: has {len(indices)} {name} extensions (HDUs {indices}); expected one")
