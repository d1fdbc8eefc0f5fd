"""Writing the corrected exposure as a pipeline ``_linearity`` product.

Every HDU of the input is carried through byte for byte except the four the step
changes: PRIMARY gets S_LINEAR, R_LINEAR, its own FILENAME and a HISTORY line (no keyword is ever
removed, see the facts file on the ASDF hash), SCI, PIXELDQ and ZEROFRAME get the
corrected values. SCI is streamed into place tile by tile, so memory stays at a
few tiles whatever the exposure's size. Everything goes to a temporary file beside
the target that is renamed into place only when complete.
"""

from __future__ import annotations

import os
import textwrap
import urllib.parse
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from ... import __version__
from . import fitsfile
from .atomic import atomic_path
from ..kernels.correction import (
    CancelToken,
    ProgressCallback,
    TileCorrection,
    correct_ramps,
    correct_zeroframe,
)
from ..dq import NO_LIN_CORR
from ..errors import LinInspectError
from .exposure import Exposure, open_exposure
from .heldfile import HeldFile
from .outputs import check_output_path
from ..kernels.pathway import plan_correction
from .pipelineload import refuse_what_the_pipeline_cannot_load
from ..references.reference import LinearityReference, open_reference

if TYPE_CHECKING:  # imported where used: astropy.io.fits brings astropy.units, 0.4 s of the app's start
    from astropy.io import fits

#: Suffixes the ramp-stage steps give their products; the last one is replaced by ``_linearity``.
PIPELINE_SUFFIXES = (
    "uncal", "dq_init", "dqinit", "saturation", "superbias", "refpix", "ipc", "firstframe",
    "lastframe", "reset", "rscd", "emicorr", "group_scale", "gain_scale", "dark_current", "dark",
    "persistence", "charge_migration", "picture_frame", "clean_flicker_noise", "jump",
    "linearity", "ramp",
)  # fmt: skip

#: Characters a HISTORY card holds after its keyword.
_HISTORY_WIDTH = 72
_PRINTABLE_ASCII = "".join(chr(code) for code in range(0x20, 0x7F))



@dataclass(frozen=True)
class CorrectionSummary:
    """What a correction did, for the one-line report."""

    output: Path
    no_lin_corr_pixels: int
    saturated_groups: int
    notes: tuple[str, ...]


def default_output_path(input_path: str | Path, output_dir: str | Path | None = None) -> Path:
    """``jw..._lastframe.fits`` -> ``jw..._linearity.fits``, beside the input or in ``output_dir``."""
    input_path = Path(input_path)
    stem = input_path.name
    for extension in (".fits.gz", ".fits", ".fit"):
        if stem.lower().endswith(extension):
            stem = stem[: -len(extension)]
            break
    for suffix in sorted(PIPELINE_SUFFIXES, key=len, reverse=True):
        if stem.lower().endswith("_" + suffix) and len(stem) > len(suffix) + 1:
            stem = stem[: -len(suffix) - 1]
            break
    directory = Path(output_dir) if output_dir is not None else input_path.parent
    return directory / f"{stem}_linearity.fits"


def correct_file(
    input_path: str | Path | Exposure,
    reference: str | Path | LinearityReference,
    output_path: str | Path | None = None,
    *,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    workers: int | None = None,
    history: Sequence[str] = (),
    consume_reference: bool = False,
) -> CorrectionSummary:
    """Correct one ramp file into a new ``_linearity`` file, streaming SCI tile by tile.

    ``input_path`` may be an exposure already open (the app's): the file it holds is corrected,
    not whatever its name leads to now. ``history``: sentences for the product's HISTORY after
    lininspect's own (what was done before linearity). ``consume_reference``: the caller does not use
    ``reference`` again, so its coefficients are prepared in place rather than copied (they then
    hold the prepared values). A reference opened here from a path leaves its coefficients in the
    file, read and prepared a tile at a time, as does one opened with ``coefficients_in_file``.
    """
    exposure = input_path if isinstance(input_path, Exposure) else open_exposure(input_path)
    if not isinstance(reference, LinearityReference):
        reference, consume_reference = open_reference(reference, coefficients_in_file=True), True
    output = Path(output_path) if output_path is not None else default_output_path(exposure.path)
    check_output_path(output, [exposure.path, reference.path], overwrite=overwrite)
    _refuse_invalid_blank(exposure)
    refuse_what_the_pipeline_cannot_load(exposure)
    plan = plan_correction(exposure, reference, consume=consume_reference)
    prepared = plan.prepare(exposure.pixeldq, exposure.ngroups)
    zeroframe = None if exposure.zeroframe is None else correct_zeroframe(exposure.zeroframe, prepared)

    def fill(corrected: OutputImage) -> int:
        sci, groupdq = exposure.streamed()
        # The classic correction of one file is bound by reading and writing it: numpy's
        # operations keep up, and the command is spared numba's start-up (CPU and memory).
        saturated = correct_ramps(
            sci, groupdq, prepared, corrected, progress=progress, cancel=cancel, workers=workers,
            compiled=plan.read_level,
        )
        reference.check_unchanged()  # coefficients read from it during the correction: nothing published if not
        return saturated

    saturated = _write_product(exposure, reference, prepared.pixeldq, zeroframe, output, fill, replace=overwrite,
                               history=history)  # fmt: skip
    return _summary(output, prepared, saturated, exposure, reference, plan.reason if plan.read_level else None)


class OutputImage:
    """Write-only view of a big-endian float32 image inside an open output file.

    Supports ``image[i, g, rows] = plane`` with positioned writes, which release the
    GIL and need no shared file position, so tiles can be written from threads.
    """

    def __init__(self, fd: int, offset: int, shape: tuple[int, int, int, int]) -> None:
        self._fd = fd
        self._offset = offset
        self.shape = shape
        self.ndim = 4

    def __setitem__(self, key: tuple[int, int, slice], values: np.ndarray) -> None:
        integration, group, rows = key
        _, ngroups, ny, nx = self.shape
        first = rows.indices(ny)[0]
        position = self._offset + (((integration * ngroups + group) * ny + first) * nx) * 4
        remaining = memoryview(np.ascontiguousarray(values, dtype=">f4")).cast("B")
        while remaining:  # a short write is retried; a full disk then raises ENOSPC
            written = os.pwrite(self._fd, remaining, position)
            remaining, position = remaining[written:], position + written


def _write_product(
    exposure: Exposure,
    reference: LinearityReference,
    pixeldq: np.ndarray,
    zeroframe: np.ndarray | None,
    output: Path,
    fill: Callable[[OutputImage], int],
    *,
    replace: bool,
    history: Sequence[str],
) -> int:
    with _atomic_output(output, exposure.path, replace=replace) as stream:
        sci_offset = _write_layout(stream, exposure.file, exposure, reference, pixeldq, zeroframe, output.name, history)
        stream.flush()
        return fill(OutputImage(stream.fileno(), sci_offset, exposure.shape))


def _write_layout(
    stream: BinaryIO,
    source: HeldFile,
    exposure: Exposure,
    reference: LinearityReference,
    pixeldq: np.ndarray,
    zeroframe: np.ndarray | None,
    output_name: str,
    history: Sequence[str],
) -> int:
    """Write every HDU but SCI's data; return where SCI's data goes (left as zeros)."""
    names = {info.name for info in exposure.hdus}
    sci_offset = -1
    for info in exposure.hdus:
        if info.index == 0:
            stream.write(_header_bytes(_primary_header(exposure, reference, output_name, history)))
            _copy(source, stream, info.data_offset, info.data_span)
        elif info.name == "SCI":
            stream.write(_header_bytes(_float_header(info.header, "SCI")))
            sci_offset = stream.tell()
            span = _padded(int(np.prod(exposure.shape)) * 4)
            stream.truncate(sci_offset + span)
            stream.seek(sci_offset + span)
            if "PIXELDQ" not in names:
                _write_pixeldq(stream, None, pixeldq)
            if "GROUPDQ" not in names:
                _write_zero_groupdq(stream, exposure.shape)
        elif info.name == "PIXELDQ":
            _write_pixeldq(stream, info.header, pixeldq)
        elif info.name == "GROUPDQ" and exposure.groupdq is not None and not _is_plain_uint8(info):
            _write_groupdq_as_uint8(stream, exposure, info)
        elif info.name == "ZEROFRAME" and zeroframe is not None:
            # Written decompressed, as the pipeline writes a ZEROFRAME it read tile-compressed.
            compressed = fitsfile.is_tile_compressed(info)
            header = _image_header(None, "ZEROFRAME", -32, zeroframe.shape) if compressed else _float_header(info.header, "ZEROFRAME")
            stream.write(_header_bytes(header))
            _write_padded(stream, np.ascontiguousarray(zeroframe, dtype=">f4"))
        else:
            _copy(source, stream, info.header_offset, info.data_offset + info.data_span - info.header_offset)
    return sci_offset


def _refuse_invalid_blank(exposure: Exposure) -> None:
    """A BLANK card on floating-point pixels, or not an integer: carried into the product, astropy warns
    about it on every read ("Invalid 'BLANK' keyword"), so the product is refused as the input's fault."""
    for info in exposure.hdus:
        if not info.is_image or "BLANK" not in info.header:
            continue
        blank, bitpix = fitsfile.header_value(info.header, "BLANK"), int(info.header["BITPIX"])
        if bitpix < 0 or type(blank) is not int:
            what = f"on floating-point pixels (BITPIX = {bitpix})" if bitpix < 0 else "not an integer"
            raise LinInspectError(
                f"{exposure.path}: HDU {info.index} ({info.name}) keyword BLANK = {fitsfile.shown(blank)} is {what}; "
                "FITS allows BLANK only as an integer on integer pixels: the input is damaged"
            )


def _primary_header(
    exposure: Exposure, reference: LinearityReference, output_name: str, history: Sequence[str]
) -> fits.Header:
    header = exposure.header.copy()
    # The product's own name, as the pipeline writes it; the input's (for a prepared _uncal file,
    # the preparation's temporary) would be wrong.
    header["FILENAME"] = (header_text(output_name), "Name of the file")
    header["S_LINEAR"] = ("COMPLETE", "Linearity Correction")
    header["R_LINEAR"] = (header_text(reference.r_linear), "Linearity reference file name")
    if reference.origin is not None:
        header["CRDS_VER"] = (reference.origin.crds_version, "Version of CRDS file selection software used")
        header["CRDS_CTX"] = (reference.origin.context, "CRDS context (.pmap) used to select ref files")
    for line in history_lines(f"Linearity corrected by lininspect {__version__} with", header_text(reference.path.name)):
        header.add_history(line)
    for sentence in history:
        for line in textwrap.wrap(header_text(sentence), _HISTORY_WIDTH):
            header.add_history(line)
    return header


def header_text(text: str) -> str:
    """``text`` as FITS allows it in a header (printable ASCII): unchanged when it already is,
    otherwise percent-encoded from its UTF-8 bytes (``%`` itself as ``%25``), as in a URL.

    File names that are not UTF-8 reach us as surrogate escapes; their original bytes are encoded.
    """
    if text.isascii() and text.isprintable():
        return text
    return urllib.parse.quote(os.fsencode(text), safe=_PRINTABLE_ASCII.replace("%", ""))


def history_lines(words: str, name: str) -> list[str]:
    """HISTORY cards that never break a file name: the words on one card, the name on its own
    card(s), a long name cut into nearly equal pieces (never a one-letter remainder)."""
    pieces = -(-len(name) // _HISTORY_WIDTH)
    size = -(-len(name) // pieces) if name else 0
    return [words] + [name[start : start + size] for start in range(0, len(name), size or 1)]


def _float_header(header: fits.Header, name: str) -> fits.Header:
    """The same image header describing float32 pixels with no scaling, named ``name`` in capitals
    as the pipeline names the extensions it writes (astropy finds 'sci' as SCI on reading)."""
    if int(header["BITPIX"]) == -32 and "BZERO" not in header and "BSCALE" not in header and header.get("EXTNAME") == name:
        return header
    header = header.copy()
    header["BITPIX"] = -32
    header["EXTNAME"] = name
    for key in ("BZERO", "BSCALE"):
        header.remove(key, ignore_missing=True)
    return header


def _write_pixeldq(stream: BinaryIO, template: fits.Header | None, pixeldq: np.ndarray) -> None:
    """PIXELDQ as astropy writes uint32: int32 with BZERO = 2**31 (top bit flipped)."""
    header = _image_header(template, "PIXELDQ", 32, pixeldq.shape)
    header["BSCALE"] = 1
    header["BZERO"] = 2**31
    stored = (pixeldq.astype(np.uint32) ^ np.uint32(2**31)).astype(">u4")
    stream.write(_header_bytes(header))
    _write_padded(stream, stored)


def _is_plain_uint8(info: fitsfile.HduInfo) -> bool:
    """Stored as the pipeline writes GROUPDQ (uint8, unscaled, named in capitals): copied as it is."""
    header = info.header
    return (
        int(header["BITPIX"]) == 8
        and float(header.get("BSCALE", 1)) == 1
        and float(header.get("BZERO", 0)) == 0
        and _stored_extname(info) == info.name
    )


def _stored_extname(info: fitsfile.HduInfo) -> str:
    return str(fitsfile.header_value(info.header, "EXTNAME", "")).strip()


def _write_groupdq_as_uint8(stream: BinaryIO, exposure: Exposure, info: fitsfile.HduInfo) -> None:
    """GROUPDQ stored in another integer type, written as the pipeline writes it: uint8, values cast (wrapping)."""
    _, groupdq = exposure.streamed()
    assert groupdq is not None
    stream.write(_header_bytes(_image_header(info.header, "GROUPDQ", 8, exposure.shape)))
    nints, ngroups, ny, _ = exposure.shape
    for i in range(nints):
        for g in range(ngroups):
            stream.write(memoryview(np.ascontiguousarray(groupdq[i, g, 0:ny], dtype=np.uint8)).cast("B"))
    stream.write(b"\0" * (_padded(int(np.prod(exposure.shape))) - int(np.prod(exposure.shape))))


def _write_zero_groupdq(stream: BinaryIO, shape: tuple[int, ...]) -> None:
    stream.write(_header_bytes(_image_header(None, "GROUPDQ", 8, shape)))
    end = stream.tell() + _padded(int(np.prod(shape)))
    stream.truncate(end)
    stream.seek(end)


def _image_header(template: fits.Header | None, name: str, bitpix: int, shape: tuple[int, ...]) -> fits.Header:
    """A fresh image-extension header, keeping the template's own (non-structural) keywords."""
    from astropy.io import fits
    header = fits.Header()
    header["XTENSION"] = "IMAGE"
    header["BITPIX"] = bitpix
    header["NAXIS"] = len(shape)
    for axis, size in enumerate(reversed(shape), start=1):
        header[f"NAXIS{axis}"] = size
    header["PCOUNT"] = 0
    header["GCOUNT"] = 1
    header["EXTNAME"] = name
    structural = {"XTENSION", "BITPIX", "NAXIS", "PCOUNT", "GCOUNT", "EXTNAME", "BZERO", "BSCALE"}
    if template is not None:
        for card in template.cards:
            key = card.keyword
            if key not in structural and not (key.startswith("NAXIS") and key[5:].isdigit()):
                header.append(card)
    return header


def _header_bytes(header: fits.Header) -> bytes:
    # A long R_LINEAR path leaves no room for its comment; astropy shortens the comment, as it should.
    from astropy.io import fits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fits.verify.VerifyWarning)
        return header.tostring(padding=True).encode("ascii")


def _padded(size: int) -> int:
    return -(-size // fitsfile.BLOCK) * fitsfile.BLOCK


def _write_padded(stream: BinaryIO, stored: np.ndarray) -> None:
    stream.write(memoryview(stored).cast("B"))
    stream.write(b"\0" * (_padded(stored.nbytes) - stored.nbytes))


def _copy(source: HeldFile, stream: BinaryIO, offset: int, size: int) -> None:
    """Carry ``size`` bytes of the input at ``offset`` to the stream's position, unchanged."""
    stream.flush()
    position = stream.tell()
    source.copy_into(stream.fileno(), size, offset, position)
    stream.seek(position + size)


@contextmanager
def _atomic_output(target: Path, source: Path, *, replace: bool) -> Iterator[BinaryIO]:
    """A stream onto a temporary file published as ``target`` only when complete, synced and checked."""
    with atomic_path(target, replace=replace) as temporary:
        with open(temporary, "r+b") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        check_product(temporary, target, source)


def check_product(temporary: Path, target: Path, source: Path) -> None:
    """Refuse to publish a product our scanner or astropy's verification would not accept."""
    try:
        infos = fitsfile.scan(temporary)
    except LinInspectError as error:
        reason = str(error).replace(f"{temporary}: ", "")
    else:
        reason = _read_back(temporary, infos)
    if reason is not None:
        raise LinInspectError(
            f"{source}: not written: its product would not be valid FITS ({reason}); the input is damaged"
        ) from None


def _read_back(temporary: Path, infos: list[fitsfile.HduInfo]) -> str | None:
    """What astropy finds wrong reading the product, HDU by HDU, or None.

    What it warns about on reading (an invalid BLANK, say) counts too: every reader of the
    product would see the warning. A failure inside astropy is not quoted (its words name
    its own internals, not the file), only the HDU that caused it.
    """
    from astropy.io import fits
    from astropy.utils.exceptions import AstropyUserWarning
    where = "the file"
    with warnings.catch_warnings():
        warnings.simplefilter("error", AstropyUserWarning)
        try:
            with fits.open(temporary, memmap=False, lazy_load_hdus=True) as hdul:
                for info in infos:
                    where = f"HDU {info.index} ({info.name})" if info.name else f"HDU {info.index}"
                    hdu = hdul[info.index]
                    hdu.verify("exception")
                    if isinstance(hdu, fits.BinTableHDU):  # verify() leaves column formats unparsed; readers parse them
                        hdu.columns
                where = "the file"
                hdul.verify("exception")
        except (fits.VerifyError, AstropyUserWarning) as error:
            return _verification_reason(error, where)
        except Exception:  # astropy's own failure (an AttributeError, an IndexError...) on this HDU
            return f"{where}: astropy cannot read it back"
    return None


def _verification_reason(error: BaseException, where: str) -> str:
    """The first fault astropy names, after the HDU it is in: a VerifyError opens with "Verification
    reported errors:", a line that names nothing, then "HDU n:" lines and one indented line per fault."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    faults = [line for line in lines if not line.startswith(("Verification reported", "HDU ", "Note:"))]
    text = f"{where}: {faults[0] if faults else type(error).__name__}"
    return text if len(text) <= 200 else text[:197] + "..."


def _summary(
    output: Path,
    prepared: TileCorrection,
    saturated: int,
    exposure: Exposure,
    reference: LinearityReference,
    path_note: str | None,
) -> CorrectionSummary:
    return CorrectionSummary(
        output=output,
        no_lin_corr_pixels=int(np.count_nonzero(prepared.pixeldq & np.uint32(NO_LIN_CORR))),
        saturated_groups=saturated,
        notes=tuple(exposure.notes + reference.notes + ([path_note] if path_note else [])),
    )

