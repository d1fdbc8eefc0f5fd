"""Low-level FITS access shared by the readers and the writer.

Astropy reads the headers and tells where each HDU's bytes lie; the large arrays are
then mapped straight from those bytes with numpy, so opening a multi-GB ramp costs
only its headers and a truncated file is caught before anything reads past its end.
"""

from __future__ import annotations

import io
import math
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import LinInspectError
from .heldfile import HeldFile

if TYPE_CHECKING:  # imported where used: astropy.io.fits brings astropy.units, 0.4 s of the app's start
    from astropy.io import fits

BLOCK = 2880

_BITPIX_DTYPES = {8: "u1", 16: ">i2", 32: ">i4", 64: ">i8", -32: ">f4", -64: ">f8"}
#: The type code of integers of the other sign (see is_integer_offset).
_OTHER_SIGN = {"i": "u", "u": "i"}

#: A binary-table column format: repeat count, type code, and an optional tail (e.g. ``(80)`` after P).
_TFORM = re.compile(r"^\s*(\d*)([LXBIJKAEDCMPQ])(.*)$")
_TFORM_BYTES = {"L": 1, "B": 1, "I": 2, "J": 4, "K": 8, "A": 1, "E": 4, "D": 8, "C": 8, "M": 16, "P": 8, "Q": 16}
_TFORM_INTEGERS = {"B": "u1", "I": ">i2", "J": ">i4", "K": ">i8"}

#: A header longer than this is taken as damage (JWST headers are a few dozen blocks).
MAX_HEADER_BYTES = 4000 * BLOCK

#: The only bytes FITS allows in a header (printable ASCII); anything else is data read as header.
_HEADER_TEXT = bytes(range(0x20, 0x7F))


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
        return self.index == 0 or str(header_value(self.header, "XTENSION", "")).strip() == "IMAGE"


def scan(path: Path, held: HeldFile | None = None) -> list[HduInfo]:
    """Headers and byte ranges of every HDU; refuses missing, empty, non-FITS, damaged and truncated files.

    The file is walked header by header with our own reader, which checks every structural
    keyword before trusting it: astropy's lazy HDU list, given a negative NAXISn or a
    missing END card, re-reads data as headers for minutes and gigabytes. Here the work
    is bounded by the headers' sizes, whatever the file claims or holds. ``held``, the file
    already opened, is read rather than ``path`` opened again.
    """
    opened = held if held is not None else HeldFile(Path(path))
    try:
        return _walk(opened.path, opened.fd, opened.size)
    except OSError as error:
        raise LinInspectError(f"{opened.path}: cannot be read ({error.strerror or error})") from None
    finally:
        if held is None:
            opened.close()


def _walk(path: Path, fd: int, size: int) -> list[HduInfo]:
    if size == 0:
        raise LinInspectError(f"{path}: file is empty")
    if os.pread(fd, 30, 0) != b"SIMPLE  =                    T":
        raise LinInspectError(f"{path}: not a FITS file")
    infos: list[HduInfo] = []
    position = 0
    while position < size:
        index = len(infos)
        if index and os.pread(fd, 10, position) != b"XTENSION= ":
            previous = infos[-1]
            raise LinInspectError(
                f"{path}: no extension header at byte {position}, where HDU {previous.index} "
                f"({previous.name}) ends by its NAXISn/BITPIX/PCOUNT/GCOUNT: the file is damaged"
            )
        header, data_offset = _read_header(path, fd, position, size, index)
        info = _describe(path, index, header, position, data_offset)
        needed = data_offset + data_bytes(header)
        if needed > size:
            raise LinInspectError(f"{path}: file is truncated ({info.name} needs {needed - size} more bytes)")
        infos.append(info)
        position = data_offset + info.data_span
    # A final HDU cut short inside its padding, or bytes after the last HDU: neither is whole FITS.
    if size % BLOCK or size != position:
        raise LinInspectError(
            f"{path}: file is truncated or damaged ({size - position:+d} bytes after the last complete HDU)"
        )
    return infos


def _read_header(path: Path, fd: int, start: int, size: int, index: int) -> tuple[fits.Header, int]:
    """The header starting at ``start`` and where its data begins; refuses non-text and a missing END."""
    from astropy.io import fits
    blocks: list[bytes] = []
    position = start
    while True:
        if position + BLOCK > size:
            raise LinInspectError(f"{path}: file is truncated (HDU {index}'s header has no END card before the end)")
        if position - start >= MAX_HEADER_BYTES:
            raise LinInspectError(
                f"{path}: HDU {index}'s header has no END card in its first {MAX_HEADER_BYTES // 2**20} MB"
            )
        block = os.pread(fd, BLOCK, position)
        if len(block) != BLOCK:
            raise LinInspectError(f"{path}: ended early (truncated?) reading HDU {index}'s header")
        if block.translate(None, _HEADER_TEXT):
            raise LinInspectError(
                f"{path}: HDU {index}'s header holds non-text bytes near byte {position} "
                "(a missing END card or a wrong size keyword before it: the file is damaged)"
            )
        blocks.append(block)
        position += BLOCK
        end = next((card for card in range(0, BLOCK, 80) if block[card : card + 8] == b"END     "), None)
        if end is not None:
            if block[end + 8 : end + 80].strip(b" "):
                # Astropy does not take such a card for END and reads on into the data as header.
                raise LinInspectError(
                    f"{path}: HDU {index}'s END card holds text after END near byte {position - BLOCK + end} "
                    "(FITS requires it blank): the header is damaged"
                )
            break
    text = b"".join(blocks).decode("ascii")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            header = fits.Header.fromstring(text)
    except Exception as error:  # astropy raises several kinds for malformed cards
        raise LinInspectError(f"{path}: HDU {index}'s header is not valid FITS ({_first_line(error)})") from None
    return header, position


def _describe(path: Path, index: int, header: fits.Header, header_offset: int, data_offset: int) -> HduInfo:
    """The HDU's place in the file, after checking every keyword that sizes it."""
    try:
        extname = header.get("EXTNAME", "") if index else "PRIMARY"
    except Exception:
        extname = ""
    name = str(extname).strip().upper() if index else "PRIMARY"
    label = f"HDU {index} ({name})" if name else f"HDU {index}"
    _refuse_stray_continue(path, label, header)

    def integer(key: str, default: int | None = None) -> int:
        value = header_value(header, key, default)
        if value is None:
            raise LinInspectError(f"{path}: {label} lacks the {key} keyword")
        if type(value) is not int:
            raise LinInspectError(f"{path}: {label} keyword {key} = {shown(value)} is not an integer")
        return value

    bitpix = integer("BITPIX")
    if bitpix not in _BITPIX_DTYPES:
        raise LinInspectError(f"{path}: {label} has BITPIX = {bitpix}; FITS allows 8, 16, 32, 64, -32, -64")
    naxis = integer("NAXIS")
    if not 0 <= naxis <= 999:
        raise LinInspectError(f"{path}: {label} has NAXIS = {naxis}; FITS allows 0 to 999")
    for k in range(1, naxis + 1):
        if integer(f"NAXIS{k}") < 0:
            raise LinInspectError(f"{path}: {label} has a negative NAXIS{k} = {header[f'NAXIS{k}']}")
    pcount, gcount = integer("PCOUNT", 0), integer("GCOUNT", 1)
    xtension = str(header_value(header, "XTENSION", "")).strip() if index else ""
    if xtension in ("IMAGE", "BINTABLE", "TABLE") or not index:
        if pcount != 0 and xtension != "BINTABLE" or pcount < 0 or gcount != 1:
            raise LinInspectError(
                f"{path}: {label} has PCOUNT = {pcount}, GCOUNT = {gcount}; FITS requires "
                f"{'PCOUNT >= 0' if xtension == 'BINTABLE' else 'PCOUNT = 0'} and GCOUNT = 1 here"
            )
    elif pcount < 0 or gcount < 0:
        raise LinInspectError(f"{path}: {label} has PCOUNT = {pcount}, GCOUNT = {gcount}; neither may be negative")
    if xtension == "BINTABLE" and (bitpix != 8 or naxis != 2):
        raise LinInspectError(f"{path}: {label} is a BINTABLE with BITPIX = {bitpix}, NAXIS = {naxis}; FITS requires 8 and 2")
    if xtension == "IMAGE" or not index:
        _check_scaling(path, label, header)
    return HduInfo(
        index=index,
        name=name,
        header=header,
        header_offset=header_offset,
        data_offset=data_offset,
        data_span=-(-data_bytes(header) // BLOCK) * BLOCK,
    )


def _refuse_stray_continue(path: Path, label: str, header: fits.Header) -> None:
    """A CONTINUE card after a card whose value is not a string: astropy raises on every later
    read of that keyword (even printing the header), and the pipeline could not read it either."""
    from astropy.io import fits
    for card in header.cards:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                card.image  # noqa: B018 (astropy parses the card, CONTINUE cards and all, here)
        except fits.VerifyError as error:
            if "CONTINUE" in str(error):
                raise LinInspectError(
                    f"{path}: {label} keyword {card.keyword} is followed by a CONTINUE card, "
                    "which may only continue a string value"
                ) from None


def _check_scaling(path: Path, label: str, header: fits.Header) -> None:
    """BSCALE and BZERO, when present, must be finite numbers (BSCALE non-zero)."""
    for key, default in (("BSCALE", 1.0), ("BZERO", 0.0)):
        value = header_value(header, key, default)
        if type(value) not in (int, float) or not math.isfinite(value) or (key == "BSCALE" and value == 0):
            raise LinInspectError(f"{path}: {label} keyword {key} = {shown(value)} is not a usable scale")


def header_value(header: fits.Header, key: str, default: Any = None) -> Any:
    """``header.get(key, default)``, with an unparsable card (astropy raises on reading it) as a string."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # astropy's note that it "fixed" the card
        try:
            return header.get(key, default)
        except Exception:
            text = str(header.cards[key].image[10:]).split("/")[0].strip()
            return text[1:-1].strip() if len(text) > 1 and text[0] == text[-1] == "'" else text


def integer_keyword(
    path: Path, info: HduInfo, key: str, *, default: int | None = None, minimum: int | None = None
) -> int:
    """An integer keyword of ``info``'s header, or a refusal naming the file, HDU and keyword."""
    value = header_value(info.header, key, default)
    if value is None:
        raise LinInspectError(f"{path}: {info.name} header lacks the {key} keyword")
    if type(value) is not int:
        raise LinInspectError(f"{path}: {info.name} keyword {key} = {shown(value)} is not an integer")
    if minimum is not None and value < minimum:
        raise LinInspectError(f"{path}: {info.name} keyword {key} = {value} is below {minimum}")
    return value


def shown(value: Any) -> str:
    """A keyword's value for a message: short, and only printable text."""
    text = repr(value) if isinstance(value, str) else str(value)
    text = "".join(c if c.isprintable() and c.isascii() else "?" for c in text)
    return text if len(text) <= 40 else text[:37] + "..."


def data_bytes(header: fits.Header) -> int:
    """Bytes of an HDU's data without padding (images and tables alike); the header must be checked."""
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


def read_table_columns(path: Path, info: HduInfo, wanted: dict[str, str]) -> dict[str, np.ndarray]:
    """Columns of a small binary table, read from its bytes after checking TFIELDS and every TFORMn.

    ``wanted`` maps column names (TTYPEn, any case) to ``"integer"`` or ``"text"``. Astropy is
    not used here because a table whose TFORMs disagree with NAXIS1 sends it into errors of
    every kind; here the layout must add up or the file is refused naming the keyword.
    """
    label = f"{info.name} table"
    if str(header_value(info.header, "XTENSION", "")).strip() != "BINTABLE":
        raise LinInspectError(f"{path}: {info.name} is not a binary table extension")
    rows, row_bytes = info.shape if len(info.shape) == 2 else (0, 0)
    fields = integer_keyword(path, info, "TFIELDS", minimum=0)
    if fields > 999:
        raise LinInspectError(f"{path}: {label} has TFIELDS = {fields}; FITS allows at most 999")
    layout: dict[str, tuple[int, int, str, int]] = {}
    offset = 0
    for n in range(1, fields + 1):
        tform = header_value(info.header, f"TFORM{n}")
        match = _TFORM.match(tform) if isinstance(tform, str) else None
        if match is None:
            raise LinInspectError(f"{path}: {label} keyword TFORM{n} = {shown(tform)} is not a binary-table format")
        repeat, code = int(match[1] or 1), match[2]
        name = str(header_value(info.header, f"TTYPE{n}", "")).strip().upper()
        layout.setdefault(name, (offset, repeat, code, n))
        offset += (repeat + 7) // 8 if code == "X" else repeat * _TFORM_BYTES[code]
    if offset != row_bytes:
        raise LinInspectError(
            f"{path}: {label}'s TFORMn columns add up to {offset} bytes a row but NAXIS1 = {row_bytes}"
        )
    require_memory(path, label, 2 * rows * row_bytes)
    with open(path, "rb") as stream:
        raw = os.pread(stream.fileno(), rows * row_bytes, info.data_offset)
    if len(raw) != rows * row_bytes:
        raise LinInspectError(f"{path}: ended early (truncated?) reading the {label}")
    table = np.frombuffer(raw, dtype=np.uint8).reshape(rows, row_bytes)
    columns = {}
    for name, kind in wanted.items():
        if name.upper() not in layout:
            raise LinInspectError(f"{path}: {label} lacks its {name} column")
        start, repeat, code, n = layout[name.upper()]
        if kind == "text":
            if code != "A":
                raise LinInspectError(f"{path}: {label} column {name} is TFORM{n} = {code}, not text (A)")
            cells = table[:, start : start + repeat]
            # As astropy (and so the pipeline) reads text: trailing NULs, then trailing blanks, dropped;
            # a NUL with text after it stays in the value, so such a name matches nothing.
            columns[name] = np.array(
                [bytes(cell).rstrip(b"\0").decode("ascii", "replace").rstrip() for cell in cells], dtype=object
            )
        else:
            columns[name] = _integer_column(path, info, label, table, name, start, repeat, code, n)
    return columns


def _integer_column(
    path: Path, info: HduInfo, label: str, table: np.ndarray, name: str, start: int, repeat: int, code: str, n: int
) -> np.ndarray:
    """One integer per row, with TSCALn/TZEROn applied (they must keep it an integer)."""
    if code not in _TFORM_INTEGERS or repeat != 1:
        raise LinInspectError(
            f"{path}: {label} column {name} has TFORM{n} = {repeat}{code}; one integer a row is needed"
        )
    dtype = np.dtype(_TFORM_INTEGERS[code])
    values = table[:, start : start + dtype.itemsize].copy().view(dtype).ravel().astype(np.int64)
    scale, zero = header_value(info.header, f"TSCAL{n}", 1), header_value(info.header, f"TZERO{n}", 0)
    for key, value in ((f"TSCAL{n}", scale), (f"TZERO{n}", zero)):
        if type(value) not in (int, float) or not math.isfinite(value) or value != int(value):
            raise LinInspectError(f"{path}: {label} keyword {key} = {shown(value)} is not a whole number")
    return values * int(scale) + int(zero)


def is_tile_compressed(info: HduInfo) -> bool:
    """An image stored tile-compressed in a binary table (ZIMAGE = T), as astropy and fpack write them."""
    return (
        str(header_value(info.header, "XTENSION", "")).strip() == "BINTABLE"
        and header_value(info.header, "ZIMAGE", False) is True
    )


def compressed_shape(path: Path, info: HduInfo) -> tuple[int, ...]:
    """A tile-compressed image's shape (numpy order) from its ZNAXISn, checked before anything is decompressed."""
    naxis = integer_keyword(path, info, "ZNAXIS", minimum=0)
    if naxis > 999:
        raise LinInspectError(f"{path}: {info.name} keyword ZNAXIS = {naxis}; FITS allows 0 to 999")
    return tuple(integer_keyword(path, info, f"ZNAXIS{k}", minimum=0) for k in range(naxis, 0, -1))


def read_compressed_image(held: HeldFile, info: HduInfo) -> np.ndarray:
    """A small tile-compressed image decompressed (scaled), as the pipeline reads one through astropy.

    Only this HDU's bytes are handed to astropy, behind an empty primary header: its size
    was bounded by the caller from ZNAXISn, and nothing else of the file is parsed again.
    """
    from astropy.io import fits
    stored = held.read(info.data_offset + info.data_span - info.header_offset, info.header_offset)
    primary = fits.PrimaryHDU().header.tostring(padding=True).encode("ascii")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with fits.open(io.BytesIO(primary + stored), memmap=False) as hdul:
                return np.array(hdul[1].data)
    except Exception as error:  # astropy's decompression raises several kinds for damaged tiles
        raise LinInspectError(
            f"{held.path}: {info.name} is tile-compressed and cannot be decompressed ({_first_line(error)})"
        ) from None


def stored_image(held: HeldFile, info: HduInfo) -> PositionedImage | np.ndarray:
    """The stored (unscaled, big-endian) pixels of an image HDU, read from ``held`` on demand."""
    shape = info.shape
    if not shape or 0 in shape:
        return np.zeros(shape, dtype=_BITPIX_DTYPES[int(info.header["BITPIX"])])
    return PositionedImage(held, info)


def read_image(path: Path, info: HduInfo, held: HeldFile | None = None) -> np.ndarray:
    """A small image HDU fully read, scaled by BSCALE/BZERO, in native byte order (from ``held`` if given)."""
    opened = held if held is not None else HeldFile(Path(path))
    try:
        # Copied only when what was read is not already a writable array of its own: a reference's
        # coefficients (84 MB a set on a full frame) are not held twice while they are read.
        return np.require(StoredImage(stored_image(opened, info), info.header)[...], requirements=["W", "C"])
    finally:
        if held is None:
            opened.close()


def offset_integers(stored: np.ndarray, target: np.dtype) -> np.ndarray:
    """Integers stored with the FITS offset BZERO = +-2**(bits-1) (unsigned ones as signed, signed
    bytes as BITPIX = 8's unsigned ones): flipping the top bit is exact; ``target`` is the native
    type of the same size, unsigned or signed."""
    unsigned = stored.view(stored.dtype.str.replace("i", "u"))
    top = np.array(1, dtype=unsigned.dtype) << np.array(8 * stored.dtype.itemsize - 1, dtype=unsigned.dtype)
    return (unsigned ^ top).astype(unsigned.dtype.newbyteorder("="), copy=False).view(target)


class StoredImage:
    """An image HDU's pixels, read on demand with FITS scaling applied, in native byte order.

    ``cast`` converts what is read to another dtype the way numpy's ``astype`` does
    (integers wrap), as the pipeline's datamodels cast a DQ array stored in another type.
    """

    def __init__(self, stored: Any, header: fits.Header, cast: np.dtype | type | None = None) -> None:
        self._stored = stored
        self._bscale = bscale = float(header.get("BSCALE", 1))
        self._bzero = bzero = float(header.get("BZERO", 0))
        self.shape: tuple[int, ...] = tuple(stored.shape)
        self.ndim = len(self.shape)
        self._cast = None if cast is None else np.dtype(cast)
        if bscale == 1 and bzero == 0:
            self.stored_dtype = stored.dtype.newbyteorder("=")
        elif is_integer_offset(stored.dtype, bscale, bzero):  # the sign flips: uint16 <-> int16 stored, ...
            self.stored_dtype = np.dtype(_OTHER_SIGN[stored.dtype.kind] + str(stored.dtype.itemsize))
        else:  # general scaling: float32 holds 16-bit integers exactly, wider ones need float64
            self.stored_dtype = np.dtype(np.float32 if stored.dtype.itemsize <= 2 else np.float64)
        self.dtype = self.stored_dtype if self._cast is None else self._cast

    def __getitem__(self, key: Any) -> np.ndarray:
        stored = np.asarray(self._stored[key])
        if self._bscale == 1 and self._bzero == 0:
            values = stored.astype(self.stored_dtype, copy=False)
        elif self.stored_dtype.kind in "ui":
            values = offset_integers(stored, self.stored_dtype)
        else:
            values = (stored * self._bscale + self._bzero).astype(self.stored_dtype)
        return values if self._cast is None else values.astype(self._cast, copy=False)


def is_integer_offset(stored: np.dtype, bscale: float, bzero: float) -> bool:
    """Integers of the other sign stored the FITS way, BSCALE = 1: unsigned ones stored signed with
    BZERO = 2**(bits-1), signed bytes stored as BITPIX = 8's unsigned ones with BZERO = -128
    (astropy reads both so, and the pipeline's datamodels then cast them to their DQ types)."""
    half = 2.0 ** (8 * stored.itemsize - 1)
    return bscale == 1 and bzero == {"i": half, "u": -half}.get(stored.kind)


def check_integer_image(path: Path, info: HduInfo) -> None:
    """Refuse an image that must hold integer flags (a DQ array) but is stored as floats or scaled."""
    bitpix = int(info.header["BITPIX"])
    bscale, bzero = float(info.header.get("BSCALE", 1)), float(info.header.get("BZERO", 0))
    if bitpix < 0:
        raise LinInspectError(f"{path}: {info.name} is stored as floating point (BITPIX = {bitpix}); DQ flags are integers")
    if (bscale, bzero) != (1, 0) and not is_integer_offset(np.dtype(_BITPIX_DTYPES[bitpix]), bscale, bzero):
        raise LinInspectError(
            f"{path}: {info.name} has BSCALE = {bscale:.10g}, BZERO = {bzero:.10g}; DQ flags must be stored unscaled "
            "(or offset as FITS stores integers of the other sign: BZERO = 2**(bits-1), or -128 for BITPIX = 8)"
        )


def require_image(path: Path, info: HduInfo, ndim: int | None = None) -> None:
    """Refuse an HDU we read as pixels that is not an image (or has a zero-length axis)."""
    if not info.is_image:
        xtension = shown(header_value(info.header, "XTENSION", ""))
        raise LinInspectError(f"{path}: {info.name} is not an image extension (XTENSION = {xtension})")
    if ndim is not None and len(info.shape) != ndim:
        return  # the caller words its own refusal for a wrong number of axes
    if 0 in info.shape:
        raise LinInspectError(f"{path}: {info.name} has a zero-length axis (shape {info.shape})")


def require_memory(path: Path, what: str, nbytes: int) -> None:
    """Refuse to read ``nbytes`` into memory when the machine does not have them available."""
    available = available_memory()
    if nbytes > available:
        raise LinInspectError(
            f"{path}: {what} needs {nbytes / 1e9:.1f} GB in memory, more than the "
            f"{available / 1e9:.1f} GB available"
        )


def available_memory() -> int:
    """Bytes the kernel says can be allocated without swapping (MemAvailable), else physical memory."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 2**63


class PositionedImage:
    """An image HDU's stored pixels (big-endian), indexed with integers and slices like an array.

    Every index reads what it needs with ``os.pread`` from the held file, never through a
    memory map: pages of a map stay resident and counted against the process until unmapped,
    and a map of a file truncated meanwhile dies of SIGBUS; a short read here is a one-line
    error. Thread-safe (no file position). Rows (the last axis) are the unit of reading: a
    selection of whole rows lying end to end is read in one call.
    """

    def __init__(self, held: HeldFile, info: HduInfo) -> None:
        self._held = held
        self._offset = info.data_offset
        self.shape = info.shape
        self.ndim = len(self.shape)
        self.dtype = np.dtype(_BITPIX_DTYPES[int(info.header["BITPIX"])])

    def __getitem__(self, key: Any) -> np.ndarray:
        *leading, columns = _full_key(key, self.ndim)
        whole_rows = self._whole_rows(leading, columns)
        if whole_rows is not None:
            return whole_rows
        nx, itemsize = self.shape[-1], self.dtype.itemsize
        # Each leading axis's chosen indices (an integer as one), crossed into the rows to read.
        chosen = [np.atleast_1d(np.arange(n)[part]) for n, part in zip(self.shape[:-1], leading, strict=True)]
        strides = [math.prod(self.shape[k + 1 : -1]) for k in range(len(chosen))]
        rows = sum((grid * stride for grid, stride in zip(np.ix_(*chosen), strides, strict=True)), np.zeros((), np.int64))
        wanted = np.atleast_1d(np.arange(nx)[columns])
        x0, width = (int(wanted.min()), int(wanted.max()) - int(wanted.min()) + 1) if wanted.size else (0, 0)
        flat = np.asarray(rows, dtype=np.int64).ravel()
        runs = _runs(flat) if width == nx else [(int(row), 1) for row in flat]
        parts = [
            self._held.read(count * width * itemsize, self._offset + (row * nx + x0) * itemsize)
            for row, count in runs
            if width and count
        ]
        values = np.frombuffer(b"".join(parts), dtype=self.dtype).reshape(*np.shape(rows), width)
        if not (isinstance(columns, slice) and columns.step in (None, 1)):
            values = values[..., wanted - x0]
        singles = tuple(0 if isinstance(part, int) else slice(None) for part in (*leading, columns))
        chosen_values = values[singles]
        return chosen_values.copy(order="C") if np.ndim(chosen_values) and not chosen_values.flags.c_contiguous else chosen_values

    def _whole_rows(self, leading: list[int | slice], columns: int | slice) -> np.ndarray | None:
        """The common reads, whole rows ``a[i, g, first:last]`` of one plane and those rows of consecutive planes
        ``a[i, g0:g1, first:last]``, each plane's read (one ``preadv``) straight into the result (None for any
        other selection): the general path's index arithmetic costs ten times the read
        of a few rows, which the streamed passes make thousands of times."""
        if self.ndim < 2 or columns != slice(None) or not isinstance(leading[-1], slice) or leading[-1].step not in (None, 1):
            return None
        fixed, planes = leading[:-1], None
        if self.ndim >= 3 and isinstance(leading[-2], slice) and leading[-2].step in (None, 1):
            fixed, planes = leading[:-2], leading[-2]
        if not all(isinstance(part, int) for part in fixed):
            return None
        plane = 0
        for part, size in zip(fixed, self.shape[: len(fixed)], strict=True):
            if not -size <= part < size:
                raise IndexError(f"index {part} is out of bounds for axis with size {size}")
            plane = plane * size + part % size
        ny, nx = self.shape[-2:]
        first, last, _ = leading[-1].indices(ny)
        count = max(last - first, 0)
        row_bytes = nx * self.dtype.itemsize
        if planes is None:
            indices = range(plane, plane + 1)
        else:
            first_plane, last_plane, _ = planes.indices(self.shape[-3])
            indices = range(plane * self.shape[-3] + first_plane, plane * self.shape[-3] + max(last_plane, first_plane))
        values = np.empty((len(indices), count, nx), dtype=self.dtype)
        if values.size:
            plane_bytes = count * row_bytes
            buffer = memoryview(values.view(np.uint8).reshape(-1))
            for k, index in enumerate(indices):
                self._held.read_into(buffer[k * plane_bytes : (k + 1) * plane_bytes], self._offset + (index * ny + first) * row_bytes)
        return values[0] if planes is None else values


def _full_key(key: Any, ndim: int) -> tuple[int | slice, ...]:
    """``key`` as one integer (made non-negative, bounds-checked) or slice per axis."""
    key = key if isinstance(key, tuple) else (key,)
    if any(part is Ellipsis for part in key):
        at = key.index(Ellipsis)
        key = key[:at] + (slice(None),) * (ndim - len(key) + 1) + key[at + 1 :]
    key = key + (slice(None),) * (ndim - len(key))
    if len(key) != ndim or not all(isinstance(part, (int, np.integer, slice)) for part in key):
        raise IndexError(f"only integers and slices index a stored image, one per axis: {key!r}")
    return tuple(part if isinstance(part, slice) else int(part) for part in key)


def _runs(rows: np.ndarray) -> list[tuple[int, int]]:
    """Consecutive row numbers as (first, count) runs, so rows lying end to end are read at once."""
    breaks = np.flatnonzero(np.diff(rows) != 1) + 1
    return [(int(run[0]), len(run)) for run in np.split(rows, breaks) if len(run)]


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
