"""Ramp exposures as the pipeline writes them, opened lazily.

SCI and GROUPDQ stay memory-mapped: opening reads only headers, showing an image
reads one plane and plotting a pixel reads one ramp.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
import numpy as np
from astropy.io import fits

from . import fitsfile
from .errors import LinInspectError
from .metadata import PipelineMetadata, read_pipeline_metadata


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
    notes: list[str] = field(default_factory=list)

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
        x, y = self.metadata.substrt
        if x is None or y is None:
            raise LinInspectError(
                f"{self.path}: SUBSTRT1/SUBSTRT2 missing, so the exposure cannot be placed on the detector"
            )
        return x, y

    def streamed(self, fd: int) -> tuple[fitsfile.StoredImage, fitsfile.StoredImage | None]:
        """SCI and GROUPDQ read tile by tile from ``fd`` (this file, opened for reading).

        For correcting a whole exposure: unlike the memory maps, these leave nothing
        resident, so memory stays at a few tiles however large the file.
        """
        views = []
        for name, lazy in (("SCI", self.sci), ("GROUPDQ", self.groupdq)):
            info = fitsfile.find(self.hdus, name)
            if lazy is None or info is None:
                views.append(None)
            else:
                views.append(fitsfile.StoredImage(fitsfile.PositionedReader(fd, info), info.header))
        return views[0], views[1]

    def plane(self, integration: int, group: int) -> np.ndarray:
        """One group image, float32."""
        return np.asarray(self.sci[integration, group], dtype=np.float32)

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
    infos = fitsfile.scan(path)
    kind = fitsfile.content_kind(infos)
    if kind == "reference":
        raise LinInspectError(f"{path}: is a linearity reference (COEFFS), not an exposure")
    sci_info = fitsfile.find(infos, "SCI")
    if sci_info is None:
        raise LinInspectError(f"{path}: has no SCI extension, so it is not a ramp exposure")
    if len(sci_info.shape) != 4:
        kind = " (a rate or calibrated image?)" if len(sci_info.shape) in (2, 3) else ""
        raise LinInspectError(
            f"{path}: SCI is {len(sci_info.shape)}-D{kind}; a ramp is 4-D (nints, ngroups, ny, nx)"
        )
    shape = sci_info.shape
    sci = _stored(path, sci_info)
    notes: list[str] = []

    groupdq_info = fitsfile.find(infos, "GROUPDQ")
    groupdq = None
    if groupdq_info is not None and groupdq_info.shape:
        if groupdq_info.shape != shape:
            raise LinInspectError(f"{path}: GROUPDQ shape {groupdq_info.shape} differs from SCI {shape}")
        groupdq = _stored(path, groupdq_info)

    pixeldq_info = fitsfile.find(infos, "PIXELDQ")
    if pixeldq_info is not None and pixeldq_info.shape:
        if pixeldq_info.shape != shape[2:]:
            raise LinInspectError(f"{path}: PIXELDQ shape {pixeldq_info.shape} differs from SCI {shape[2:]}")
        pixeldq = fitsfile.read_image(path, pixeldq_info).astype(np.uint32)
    else:
        pixeldq = np.zeros(shape[2:], dtype=np.uint32)

    header = infos[0].header
    asdf_info = fitsfile.find(infos, "ASDF")
    metadata = read_pipeline_metadata(path, header, None if asdf_info is None else asdf_info.index)
    notes.extend(metadata.notes())
    zeroframe = None
    zeroframe_info = fitsfile.find(infos, "ZEROFRAME")
    if metadata.zero_frame:
        if zeroframe_info is None or zeroframe_info.shape != (shape[0],) + shape[2:]:
            notes.append("ZEROFRAM = T but no matching ZEROFRAME extension; the zero frame is ignored")
        else:
            zeroframe = fitsfile.read_image(path, zeroframe_info).astype(np.float32)

    if sci.dtype.kind in "ui" and groupdq is None and pixeldq_info is None:
        notes.append(
            "uncalibrated (_uncal) file: its DQ is empty (dq_init and saturation have not run), "
            "so saturated groups are corrected too"
        )
    elif groupdq is None:
        notes.append("no GROUPDQ extension: no group is treated as saturated")
    return Exposure(path, header, infos, sci, groupdq, pixeldq, zeroframe, metadata, notes)


def _stored(path: Path, info: fitsfile.HduInfo) -> fitsfile.StoredImage:
    return fitsfile.StoredImage(fitsfile.map_image(path, info), info.header)
