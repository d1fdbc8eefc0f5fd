"""The classic linearity correction, bit-for-bit as jwst 3.0.0 / stcal 1.20.0 compute it.

The prepared coefficients (the pipeline's preparation, in its order) are evaluated by the
compiled loop of :mod:`.compiled`: Horner in float32 in the pipeline's order, one rounding per
operation, no fused multiply-add. :func:`horner` is the same arithmetic as numpy operations,
for single pixels and curves. The work is split into tiles (rows of one integration, all
groups) that run in threads, since the compiled loops release the GIL.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

import numpy as np

from ..dq import NO_LIN_CORR, SATURATED
from ..errors import CorrectionCancelled, LinInspectError

#: ``progress(done, total)`` in rows of integrations; called from the correcting thread.
ProgressCallback = Callable[[int, int], None]

#: Samples per tile plane: large enough to amortise numpy's per-call cost, small enough
#: that a tile's coefficients stay in cache across its groups (measured: bench_core.py).
_TILE_PLANE_SAMPLES = 65536


class CancelToken(Protocol):
    """Anything with ``is_set()``, e.g. :class:`threading.Event`."""

    def is_set(self) -> bool: ...


class CorrectionResult(NamedTuple):
    """What :func:`correct_arrays` returns; unpacks as ``data, pixeldq, zeroframe``."""

    data: np.ndarray
    pixeldq: np.ndarray
    zeroframe: np.ndarray | None


class TileCorrection(Protocol):
    """What :func:`correct_ramps` and :func:`correct_zeroframe` correct with: prepared coefficients,
    held whole (:class:`PreparedCoefficients`) or prepared per tile (:class:`PreparedPerTile`)."""

    pixeldq: np.ndarray

    def tile_rows(self, nx: int) -> int: ...

    def correct_tile(
        self, data: Any, groupdq: Any | None, out: Any, i: int, rows: slice, *, direct: bool,
        cancel: CancelToken | None, compiled: bool = True,
    ) -> int: ...

    def coefficient_rows(self, first: int, last: int) -> np.ndarray: ...


@dataclass(frozen=True)
class PreparedCoefficients:
    """Coefficients with uncorrectable pixels set to identity, and the PIXELDQ that says so.

    They cover the exposure's rows from ``first_row`` on: all of them, or one tile's
    (:class:`PreparedPerTile`), which the methods take in exposure rows all the same.
    """

    coeffs: np.ndarray  # (ncoeffs, ny, nx) float32, C-contiguous
    pixeldq: np.ndarray  # (ny, nx) uint32: input PIXELDQ | reference DQ | NO_LIN_CORR found here
    first_row: int = field(default=0, kw_only=True)

    @staticmethod
    def tile_rows(nx: int) -> int:
        """Rows per tile for an exposure ``nx`` pixels wide."""
        return max(1, _TILE_PLANE_SAMPLES // max(nx, 1))

    def coefficient_rows(self, first: int, last: int) -> np.ndarray:
        """The prepared (forward) coefficients of exposure rows ``first:last``."""
        return self.coeffs[:, self.held_rows(first, last)]

    def held_rows(self, first: int, last: int) -> slice:
        """Where exposure rows ``first:last`` lie in the arrays held here."""
        return slice(first - self.first_row, last - self.first_row)

    def correct_tile(
        self, data: Any, groupdq: Any | None, out: Any, i: int, rows: slice, *, direct: bool,
        cancel: CancelToken | None, compiled: bool = True,
    ) -> int:
        """The classic correction of ``rows`` of integration ``i``, all groups; returns saturated samples.

        ``direct``: ``out`` is a separate float32 array that can be evaluated into.
        ``compiled=False`` evaluates with numpy operations instead (same bits), which spares a
        one-shot command loading numba, whose start-up outweighs what it saves on one file.
        """
        if not compiled:
            return self._correct_tile_with_numpy(data, groupdq, out, i, rows, direct=direct, cancel=cancel)
        if cancel is not None and cancel.is_set():
            raise CorrectionCancelled()
        tile = TileArrays.of(data, groupdq, out, i, rows, direct=direct)
        first, last, _ = rows.indices(data.shape[2])
        kept = self.correct_block(tile, first, last, data.shape[2])
        tile.write_back(out, i, rows)
        return kept

    def _correct_tile_with_numpy(
        self, data: Any, groupdq: Any | None, out: Any, i: int, rows: slice, *, direct: bool,
        cancel: CancelToken | None,
    ) -> int:
        """:meth:`correct_tile` group by group with numpy's float32 operations (:func:`horner`)."""
        ngroups, nx = data.shape[1], data.shape[3]
        first, last, _ = rows.indices(data.shape[2])
        planes = list(self.coefficient_rows(first, last))
        height = planes[0].shape[0]
        buffer = None if direct else np.empty((height, nx), dtype=np.float32)
        flags = np.empty((height, nx), dtype=np.uint8)
        saturated_count = 0
        for g in range(ngroups):
            if cancel is not None and cancel.is_set():
                raise CorrectionCancelled()
            with np.errstate(all="ignore"):  # float64 beyond float32's range becomes inf, as in the pipeline
                raw = np.asarray(data[i, g, rows], dtype=np.float32)
            target = out[i, g, rows] if buffer is None else buffer
            horner(planes, raw, target)
            if groupdq is not None:
                np.bitwise_and(groupdq[i, g, rows], SATURATED, out=flags)
                count = int(np.count_nonzero(flags))
                if count:
                    np.copyto(target, raw, where=flags.astype(bool))
                    saturated_count += count
            if buffer is not None:
                out[i, g, rows] = buffer
        return saturated_count

    def correct_block(self, tile: TileArrays, first: int, last: int, ny: int) -> int:
        """Correct the tile's arrays, exposure rows ``first:last`` of ``ny``; returns saturated samples."""
        from . import compiled  # numba loads on the first correction, not with the application

        coeffs = self.coefficient_rows(first, last)
        return int(compiled.classic_rows(
            tuple(coeffs[:0:-1]), coeffs[0], tile.raw, tile.raw_row, tile.flags, tile.flags_row,
            tile.target, tile.target_row,
        ))


@dataclass(frozen=True)
class PreparedPerTile:
    """Prepared coefficients never held whole: ``prepare_rows(first, last)`` reads the rows of a tile from the
    reference file and prepares them when the tile is corrected (again for each integration).

    ``prepare_rows`` is the preparation of the whole set applied to those rows, which is pixel by pixel, so
    the bits are those of the whole; a full-frame read-level reference's two sets (168 MB) never become
    resident. ``pixeldq`` comes from a first pass over all rows, as the product holds PIXELDQ before SCI.
    Rows are prepared a classic tile at a time: the read-level correction's own tiles are a few rows,
    too few to pay for the preparation's numpy calls each.
    """

    prepare_rows: Callable[[int, int], PreparedCoefficients]  # exposure rows first:last, first_row = first
    pixeldq: np.ndarray

    @classmethod
    def after_first_pass(cls, prepare_rows: Callable[[int, int], PreparedCoefficients], ny: int, nx: int) -> PreparedPerTile:
        """Prepare every row once, a tile at a time, keeping only the PIXELDQ the preparation leaves."""
        pixeldq = np.empty((ny, nx), dtype=np.uint32)
        step = cls.tile_rows(nx)
        for first in range(0, ny, step):
            pixeldq[first : first + step] = prepare_rows(first, min(first + step, ny)).pixeldq
        return cls(prepare_rows, pixeldq)

    @staticmethod
    def tile_rows(nx: int) -> int:
        return PreparedCoefficients.tile_rows(nx)

    def correct_tile(
        self, data: Any, groupdq: Any | None, out: Any, i: int, rows: slice, *, direct: bool,
        cancel: CancelToken | None, compiled: bool = True,
    ) -> int:
        """The tile's rows prepared now, then corrected in the tiles of their correction."""
        if cancel is not None and cancel.is_set():
            raise CorrectionCancelled()
        first, last, _ = rows.indices(data.shape[2])
        prepared = self.prepare_rows(first, last)
        step = prepared.tile_rows(data.shape[3])
        return sum(
            prepared.correct_tile(data, groupdq, out, i, slice(row, min(row + step, last)), direct=direct,
                                  cancel=cancel, compiled=compiled)  # fmt: skip
            for row in range(first, last, step)
        )

    def coefficient_rows(self, first: int, last: int) -> np.ndarray:
        return self.prepare_rows(first, last).coefficient_rows(first, last)


@dataclass(frozen=True)
class TileArrays:
    """One tile's rows of all groups as the compiled kernels take them: C-ordered native arrays
    (ngroups, rows, nx) and the index of the tile's first row in each.

    In-memory float32 ramps are used as they are; anything else (file regions, other dtypes,
    big-endian memory maps) is read into tile buffers, and the output is written back from one.
    """

    raw: np.ndarray
    raw_row: int
    flags: np.ndarray | None
    flags_row: int
    target: np.ndarray
    target_row: int
    buffered_target: bool

    @classmethod
    def of(
        cls, data: Any, groupdq: Any | None, out: Any, i: int, rows: slice, *, direct: bool
    ) -> "TileArrays":
        first, last, _ = rows.indices(data.shape[2])
        raw, raw_row = _rows_as(data, i, first, last, np.float32)
        flags, flags_row = (None, 0) if groupdq is None else _rows_as(groupdq, i, first, last, np.uint8)
        if direct and isinstance(out, np.ndarray) and out[i].flags.c_contiguous:
            return cls(raw, raw_row, flags, flags_row, out[i], first, False)
        target = np.empty((data.shape[1], last - first, data.shape[3]), dtype=np.float32)
        return cls(raw, raw_row, flags, flags_row, target, 0, True)

    def write_back(self, out: Any, i: int, rows: slice) -> None:
        """Copy a buffered result into ``out`` (an array, a file region, the input itself)."""
        if self.buffered_target:
            for g in range(self.target.shape[0]):
                out[i, g, rows] = self.target[g]


def read_row_block(sci: Any, groupdq: Any | None, i: int, rows: slice) -> tuple[np.ndarray, np.ndarray]:
    """Rows of integration ``i``, all groups, read once into memory for passes that correct one block with
    several references: float32 samples (beyond float32's range, inf, as the pipeline reads them) and uint8
    flags (zeros where the exposure has no GROUPDQ)."""
    with np.errstate(all="ignore"):  # all groups in one indexing: a stored image reads them without a loop here
        raw = np.ascontiguousarray(sci[i, :, rows], dtype=np.float32)
        flags = np.zeros(raw.shape, dtype=np.uint8) if groupdq is None else \
            np.ascontiguousarray(groupdq[i, :, rows], dtype=np.uint8)
    return raw, flags


def correct_row_block(coefficients: Any, raw: np.ndarray, flags: np.ndarray | None, rows: slice, ny: int) -> np.ndarray:
    """A block of :func:`read_row_block` corrected by ``coefficients`` (classic or read-level) into a new array."""
    out = np.empty_like(raw)
    coefficients.correct_block(TileArrays(raw, 0, flags, 0, out, 0, buffered_target=False), rows.start, rows.stop, ny)
    return out


def _rows_as(values: Any, i: int, first: int, last: int, dtype: type) -> tuple[np.ndarray, int]:
    """Rows ``first:last`` of integration ``i``, all groups, as a C-ordered native ``dtype`` array
    and the index of row ``first`` in it: the integration itself when it already is one."""
    if isinstance(values, np.ndarray) and values.dtype == dtype and values[i].flags.c_contiguous:
        return values[i], first
    ngroups, nx = values.shape[1], values.shape[3]
    block = np.empty((ngroups, last - first, nx), dtype=dtype)
    # float64 beyond float32's range becomes inf, as in the pipeline; integer flags wrap, as astype does
    with np.errstate(all="ignore"):
        for g in range(ngroups):
            np.copyto(block[g], values[i, g, first:last], casting="unsafe")
    return block, 0


def prepare_coefficients(
    coeffs: np.ndarray, ref_dq: np.ndarray | None, pixeldq: np.ndarray | None, *, in_place: bool = False
) -> PreparedCoefficients:
    """Apply the pipeline's preparation, in its order.

    1. PIXELDQ |= reference DQ (every bit);
    2. reference NO_LIN_CORR pixels get identity coefficients;
    3. pixels with a NaN in any coefficient get identity and NO_LIN_CORR;
    4. pixels whose linear term is zero get identity and NO_LIN_CORR.

    ``in_place``: ``coeffs`` is the caller's to give up, so a float32 C-contiguous array is
    prepared where it is instead of copied (a full-frame set is 84 MB, held once, not twice).
    """
    prepared = np.array(coeffs, dtype=np.float32, order="C", copy=None if in_place else True)
    if prepared.ndim != 3:
        raise LinInspectError(f"coefficients must be 3-D (ncoeffs, ny, nx), got shape {prepared.shape}")
    if prepared.shape[0] < 2:
        raise LinInspectError(
            f"the reference has {prepared.shape[0]} coefficient(s); at least 2 are needed"
        )
    plane = prepared.shape[1:]
    ref = _plane_or_zeros(ref_dq, plane, "reference DQ")
    new_pixeldq = _plane_or_zeros(pixeldq, plane, "PIXELDQ") | ref

    _set_identity(prepared, (ref & np.uint32(NO_LIN_CORR)) != 0)
    _flag_and_set_identity(prepared, new_pixeldq, _any_nan(prepared))
    _flag_and_set_identity(prepared, new_pixeldq, prepared[1] == 0)
    return PreparedCoefficients(prepared, new_pixeldq)


def uncorrected_reason(coeffs: np.ndarray, ref_dq: int) -> str | None:
    """Why one pixel (raw reference coefficients and mapped DQ) is left uncorrected, or None."""
    if int(ref_dq) & NO_LIN_CORR:
        return "NO_LIN_CORR in the reference DQ"
    coeffs = np.asarray(coeffs, dtype=np.float32)
    if np.isnan(coeffs).any():
        return "NaN coefficient in the reference"
    if coeffs[1] == 0:
        return "zero linear coefficient in the reference"
    return None


def evaluate(coeffs: np.ndarray, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """The correction polynomial at ``x``, float32 Horner in the pipeline's order.

    ``coeffs`` has the coefficient index first and broadcasts against ``x``
    (one pixel's ``(n,)`` against a ramp, or ``(n, rows, nx)`` against a tile).
    """
    x = np.asarray(x, dtype=np.float32)
    planes = list(np.asarray(coeffs, dtype=np.float32))
    if out is None:
        out = np.empty(np.broadcast_shapes(x.shape, planes[0].shape), dtype=np.float32)
    return horner(planes, x, out)


def horner(planes: list[np.ndarray], x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """r = c[n-1]*x; r = (r + c[j])*x for j = n-2..1; r + c[0] — one rounding per operation.

    Computes in the dtype of ``out``: float32 for the classic correction, float64 (with
    float32 coefficients promoted) for the read-level one.
    """
    multiply, add = np.multiply, np.add
    # Overflow to inf and inf - inf = NaN are the pipeline's results too; numpy's warnings about
    # them (thread-local settings, hence here, in every worker) would only alarm the user.
    with np.errstate(all="ignore"):
        multiply(planes[-1], x, out=out)
        for plane in planes[-2:0:-1]:
            add(out, plane, out=out)
            multiply(out, x, out=out)
        add(out, planes[0], out=out)
    return out


def correct_ramps(
    data: Any,
    groupdq: Any | None,
    prepared: TileCorrection,
    out: Any,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    workers: int | None = None,
    compiled: bool = True,
) -> int:
    """Correct ``data`` (nints, ngroups, ny, nx) into ``out``; return the saturated samples kept raw.

    ``out`` may be ``data`` itself.

    ``data``, ``groupdq`` and ``out`` need only support ``a[i, g, row_slice]`` reads
    (and writes, for ``out``), so numpy arrays, memory maps and streamed file regions
    all work. Saturated groups keep their raw value. Raises CorrectionCancelled as
    soon as ``cancel`` is set; tiles already written stay written. The correction is
    the one ``prepared`` stands for: classic here, read-level for
    :class:`~lininspect.core.kernels.readlevel.ReadLevelCoefficients`. ``compiled=False``: see
    :meth:`PreparedCoefficients.correct_tile`.
    """
    nints, ngroups, ny, nx = data.shape
    rows = prepared.tile_rows(nx)
    tiles = [(i, r0, min(r0 + rows, ny)) for i in range(nints) for r0 in range(0, ny, rows)]

    # Write straight into ``out`` when it is a separate float32 array; otherwise (in place,
    # or a streamed file) evaluate into a tile buffer first and copy it over.
    direct = isinstance(out, np.ndarray) and out.dtype == np.float32
    if direct and isinstance(data, np.ndarray) and np.may_share_memory(out, data):
        direct = False

    def run(tile: tuple[int, int, int]) -> tuple[int, int]:
        i, r0, r1 = tile
        saturated = prepared.correct_tile(
            data, groupdq, out, i, slice(r0, r1), direct=direct, cancel=cancel, compiled=compiled
        )
        return r1 - r0, saturated

    return run_tiles(tiles, run, nints * ny, progress=progress, workers=workers)


def run_tiles(
    tiles: list[tuple[int, int, int]],
    run: Callable[[tuple[int, int, int]], tuple[int, int]],
    total: int,
    *,
    progress: ProgressCallback | None,
    workers: int | None,
) -> int:
    """Run ``run(tile) -> (rows done, saturated)`` over the tiles in threads; sum the saturated.

    Progress is reported in tile order as tiles finish, so it only grows; on the first
    error (or cancel) the tiles not yet started are dropped and the error is raised.
    """
    done = saturated_total = 0
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        futures = [pool.submit(run, tile) for tile in tiles]
        try:
            for future in futures:
                rows_done, saturated_count = future.result()
                done += rows_done
                saturated_total += saturated_count
                if progress is not None:
                    progress(done, total)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return saturated_total


def correct_zeroframe(zeroframe: np.ndarray, prepared: TileCorrection) -> np.ndarray:
    """Correct ZEROFRAME (nints, ny, nx) with the forward coefficients, a classic tile of rows at a time
    (the coefficients need not be held whole); zeros mark bad samples and stay exactly +0."""
    raw = np.asarray(zeroframe, dtype=np.float32)
    corrected = np.empty(raw.shape, dtype=np.float32)
    ny, nx = raw.shape[1:]
    step = PreparedCoefficients.tile_rows(nx)
    for first in range(0, ny, step):
        rows = slice(first, min(first + step, ny))
        coeffs = prepared.coefficient_rows(rows.start, rows.stop)
        for i in range(raw.shape[0]):
            evaluate(coeffs, raw[i, rows], out=corrected[i, rows])
    corrected[raw == 0] = 0.0
    return corrected


def correct_arrays(
    data: np.ndarray,
    groupdq: np.ndarray | None,
    pixeldq: np.ndarray | None,
    coeffs: np.ndarray,
    ref_dq: np.ndarray | None,
    zeroframe: np.ndarray | None = None,
    *,
    inv_coeffs: np.ndarray | None = None,
    read_pattern: Sequence[Sequence[int]] | None = None,
    out: np.ndarray | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    workers: int | None = None,
) -> CorrectionResult:
    """Linearity-correct a ramp exactly as the pipeline does; for notebooks, scripts and the GUI.

    ``data`` is (nints, ngroups, ny, nx) and is read as float32, as the pipeline's
    RampModel does; ``coeffs`` (ncoeffs, ny, nx) and ``ref_dq`` (ny, nx, already
    mapped to standard bits) must already be cut to the exposure's subarray. The
    inputs are never modified unless ``out`` is ``data`` (a writable float32 array),
    which corrects in place without a second copy of the exposure.

    With ``inv_coeffs`` (INV_COEFFS, cut like ``coeffs``) and ``read_pattern`` (the
    1-based reads of each group) the read-level correction runs, as stcal's
    ``linearity_correction`` does given ``ilin_coeffs`` and ``read_pattern``; ZEROFRAME
    still gets the classic one.
    """
    if np.ndim(data) != 4:
        raise LinInspectError(f"data must be 4-D (nints, ngroups, ny, nx), got shape {np.shape(data)}")
    shape = tuple(np.shape(data))
    if groupdq is not None and tuple(np.shape(groupdq)) != shape:
        raise LinInspectError(f"GROUPDQ shape {np.shape(groupdq)} differs from data shape {shape}")
    if np.shape(coeffs)[1:] != shape[2:]:
        raise LinInspectError(
            f"coefficients cover {np.shape(coeffs)[1:]} pixels but the data has {shape[2:]}"
        )
    if zeroframe is not None and tuple(np.shape(zeroframe)) != (shape[0],) + shape[2:]:
        raise LinInspectError(f"ZEROFRAME shape {np.shape(zeroframe)} does not match data {shape}")
    if inv_coeffs is None:
        prepared = prepare_coefficients(coeffs, ref_dq, pixeldq)
    elif read_pattern is None:
        raise LinInspectError("the read-level correction (inv_coeffs) needs a read_pattern")
    else:
        from .readlevel import prepare_read_level  # readlevel builds on this module

        prepared = prepare_read_level(coeffs, inv_coeffs, ref_dq, pixeldq, read_pattern, shape[1])
    if out is None:
        out = np.empty(shape, dtype=np.float32)
    elif out.shape != shape or out.dtype != np.float32:
        raise LinInspectError(f"out must be float32 of shape {shape}")
    correct_ramps(data, groupdq, prepared, out, progress=progress, cancel=cancel, workers=workers)
    corrected_zeroframe = None if zeroframe is None else correct_zeroframe(zeroframe, prepared)
    return CorrectionResult(out, prepared.pixeldq, corrected_zeroframe)


def _plane_or_zeros(values: np.ndarray | None, plane: tuple[int, ...], what: str) -> np.ndarray:
    if values is None:
        return np.zeros(plane, dtype=np.uint32)
    values = np.asarray(values)
    if values.shape != plane:
        raise LinInspectError(f"{what} has shape {values.shape}, expected {plane}")
    return values.astype(np.uint32)


def _any_nan(coeffs: np.ndarray) -> np.ndarray:
    """Pixels with a NaN in any coefficient, one plane at a time: ``isnan(coeffs).any(axis=0)``
    would hold a boolean of the whole set (21 MB for a full-frame reference of 5)."""
    found = np.isnan(coeffs[0])
    for plane in coeffs[1:]:
        found |= np.isnan(plane)
    return found


def _set_identity(coeffs: np.ndarray, pixels: np.ndarray) -> None:
    if pixels.any():
        coeffs[:, pixels] = 0.0
        coeffs[1, pixels] = 1.0


def _flag_and_set_identity(coeffs: np.ndarray, pixeldq: np.ndarray, pixels: np.ndarray) -> None:
    _set_identity(coeffs, pixels)
    pixeldq[pixels] |= np.uint32(NO_LIN_CORR)
