"""Low-level FITS access shared by the readers and the writer.

Astropy reads the headers and tells where each HDU's bytes lie; the large arrays are
then mapped straight from those bytes with numpy, so opening a multi-GB ramp costs
only its headers and a truncated file is caught before anything reads past its end.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits

from .errors import LinInspectError

BLOCK = 2880

_BITPIX_DTYPES = {8: "u1", 16: ">i2", 32: ">i4", 64: ">i8", -32: ">f4", -64: ">f8"}


@dataclass(frozen=True)
class HduInfo:
    """One HDU: its header and where its header and data bytes lie in the file."""

    index: int
    name: str
    header: fits.Header
    header_offset: int
    data_offset: int
    data_span: int  # data bytes including padding to a whole block

    @property
    def shape(self) -> tuple[int, ...]:
        """Numpy order (slowest axis first), as astropy gives arrays."""
        naxis = int(self.header.get("NAXIS", 0))
        return tuple(int(self.header[f"NAXIS{k}"]) for k in range(naxis, 0, -1))

    @property
    def is_image(self) -> bool:
        return self.index == 0 or str(self.header.get("XTENSION", "")).strip() == "IMAGE"


def scan(path: Path) -> list[HduInfo]:
    """Headers and byte ranges of every HDU; refuses missing, empty, non-FITS and truncated files."""
    path = Path(path)
    if not path.exists():
        raise LinInspectError(f"{path}: no such file")
    if path.is_dir():
        raise LinInspectError(f"{path}: is a directory, not a FITS file")
    size = path.stat().st_size
    if size == 0:
        raise LinInspectError(f"{path}: file is empty")
    with open(path, "rb") as stream:
        if stream.read(30) != b"SIMPLE  =                    T":
            raise LinInspectError(f"{path}: not a FITS file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with fits.open(path, memmap=False, lazy_load_hdus=False) as hdul:
                infos = []
                for index, hdu in enumerate(hdul):
                    where = hdul.fileinfo(index)
                    infos.append(
                        HduInfo(
                            index=index,
                            name=str(hdu.name).strip().upper() if index else "PRIMARY",
                            header=hdu.header.copy(),
                            header_offset=int(where["hdrLoc"]),
                            data_offset=int(where["datLoc"]),
                            data_span=int(where["datSpan"]),
                        )
                    )
    except LinInspectError:
        raise
    except Exception as error:  # astropy raises many kinds for damaged files
        raise LinInspectError(f"{path}: not a readable FITS file ({_first_line(error)})") from None
    for info in infos:
        needed = info.data_offset + data_bytes(info.header)
        if needed > size:
            raise LinInspectError(
                f"{path}: file is truncated ({info.name} needs {needed - size} more bytes)"
            )
    # Astropy silently drops a final HDU whose header was cut short; so must the file end
    # exactly where its last complete HDU ends (a whole number of 2880-byte blocks).
    end = infos[-1].data_offset + infos[-1].data_span
    if size % BLOCK or size != end:
        raise LinInspectError(f"{path}: file is truncated or damaged ({size - end:+d} bytes after the last complete HDU)")
    return infos


def data_bytes(header: fits.Header) -> int:
    """Bytes of an HDU's data without padding (images and tables alike)."""
    naxis = int(header.get("NAXIS", 0))
    if naxis == 0:
        return 0
    count = 1
    for k in range(1, naxis + 1):
        count *= int(header[f"NAXIS{k}"])
    count += int(header.get("PCOUNT", 0))
    return count * abs(int(header["BITPIX"])) // 8 * int(header.get("GCOUNT", 1))


def content_kind(infos: list[HduInfo]) -> str | None:
    """``"reference"`` (has COEFFS), ``"exposure"`` (has SCI), or None: files are told apart by content."""
    if find(infos, "COEFFS") is not None:
        return "reference"
    if find(infos, "SCI") is not None:
        return "exposure"
    return None


def find(infos: list[HduInfo], name: str) -> HduInfo | None:
    """The first HDU named ``name``, or None."""
    return next((info for info in infos if info.name == name), None)


def map_image(path: Path, info: HduInfo) -> np.ndarray:
    """The stored (unscaled, big-endian) pixels of an image HDU as a read-only memory map."""
    shape = info.shape
    if not shape or 0 in shape:
        return np.zeros(shape, dtype=_BITPIX_DTYPES[int(info.header["BITPIX"])])
    return np.memmap(
        path, mode="r", dtype=_BITPIX_DTYPES[int(info.header["BITPIX"])], offset=info.data_offset, shape=shape
    )


def read_image(path: Path, info: HduInfo) -> np.ndarray:
    """A small image HDU fully read, scaled by BSCALE/BZERO, in native byte order."""
    return np.array(StoredImage(map_image(path, info), info.header)[...])


def offset_unsigned(stored: np.ndarray, target: type) -> np.ndarray:
    """Unsigned values stored as signed + 2**(bits-1): flipping the top bit is exact."""
    unsigned = stored.view(stored.dtype.str.replace("i", "u"))
    top = np.array(1, dtype=target) << np.array(8 * stored.dtype.itemsize - 1, dtype=target)
    return (unsigned ^ top).astype(target)


class StoredImage:
    """An image HDU's pixels, read on demand with FITS scaling applied, in native byte order."""

    def __init__(self, stored: Any, header: fits.Header) -> None:
        self._stored = stored
        self._bscale = bscale = float(header.get("BSCALE", 1))
        self._bzero = bzero = float(header.get("BZERO", 0))
        self.shape: tuple[int, ...] = tuple(stored.shape)
        self.ndim = len(self.shape)
        if bscale == 1 and bzero == 0:
            self.dtype = stored.dtype.newbyteorder("=")
        elif bscale == 1 and bzero == 2.0 ** (8 * stored.dtype.itemsize - 1) and stored.dtype.kind == "i":
            self.dtype = np.dtype(stored.dtype.str.replace("i", "u")).newbyteorder("=")
        else:  # general scaling: float32 holds 16-bit integers exactly, wider ones need float64
            self.dtype = np.dtype(np.float32 if stored.dtype.itemsize <= 2 else np.float64)

    def __getitem__(self, key: Any) -> np.ndarray:
        stored = np.asarray(self._stored[key])
        if self._bscale == 1 and self._bzero == 0:
            return stored.astype(self.dtype, copy=False)
        if self.dtype.kind == "u":
            return offset_unsigned(stored, self.dtype.type)
        return (stored * self._bscale + self._bzero).astype(self.dtype)


class PositionedReader:
    """``image[i, g, rows]`` of a 4-D image HDU read with ``os.pread``, stored dtype and byte order.

    For streaming whole exposures: pages of a memory map stay resident, and counted
    against the process, until unmapped, whereas positioned reads go through the page
    cache and keep the process at the size of one tile. Thread-safe (no file position).
    """

    def __init__(self, fd: int, info: HduInfo) -> None:
        self._fd = fd
        self._offset = info.data_offset
        self.shape = info.shape
        self.dtype = np.dtype(_BITPIX_DTYPES[int(info.header["BITPIX"])])

    def __getitem__(self, key: tuple[int, int, slice]) -> np.ndarray:
        integration, group, rows = key
        _, ngroups, ny, nx = self.shape
        first, stop, _ = rows.indices(ny)
        size = (stop - first) * nx * self.dtype.itemsize
        position = self._offset + ((integration * ngroups + group) * ny + first) * nx * self.dtype.itemsize
        stored = os.pread(self._fd, size, position)
        if len(stored) != size:
            raise LinInspectError(f"file ended early reading {size} bytes at {position}")
        return np.frombuffer(stored, dtype=self.dtype).reshape(stop - first, nx)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
