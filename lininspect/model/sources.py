"""Corrected (and uncorrected) data behind one interface: planes, boxes and PIXELDQ.

A panel, the pixel inspector or a box plot asks a :class:`Source` for what it shows and
never learns where it came from: the input file, a correction computed on demand from a
:class:`~lininspect.core.kernels.pathway.CorrectionPlan`, a pipeline product on disk, a result
computed earlier, or two of those combined (A − B, A / B). Nothing here holds a whole
exposure: the classic correction costs about a millisecond a plane, so it is redone when
shown; the read-level one needs every group of a pixel, so one integration is cached.
That integration takes seconds on a large exposure: the app asks :meth:`CorrectionSource.ready`
first and runs :meth:`CorrectionSource.correct_integration` in a worker, while scripts and
snapshots just call :meth:`CorrectionSource.plane`, which corrects in their thread.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Protocol

import numpy as np

from ..core.kernels.correction import (
    CancelToken,
    CorrectionResult,
    PreparedCoefficients,
    ProgressCallback,
    horner,
    read_row_block,
    run_tiles,
)
from ..core.dq import SATURATED
from ..core.errors import CorrectionCancelled
from ..core.fits.exposure import Exposure
from ..core.recentplanes import RecentPlanes
from ..core.kernels.pathway import CorrectionPlan
from ..core.kernels.readlevel import ReadLevelCoefficients
from .boxes import read_boxes


class Source(Protocol):
    """Data shaped like the exposure, read a plane or a box at a time."""

    label: str

    def plane(self, integration: int, group: int) -> np.ndarray:
        """One (ny, nx) float32 group image."""
        ...

    def box(self, integrations: range, rows: tuple[int, int], columns: tuple[int, int]) -> np.ndarray:
        """``data[integrations, :, rows, columns]`` as float32."""
        ...

    def pixeldq(self) -> np.ndarray | None:
        """PIXELDQ of this data (after correction for a corrected source), None when it has none."""
        ...


def ramp(source: Source, nints: int, x: int, y: int) -> np.ndarray:
    """One pixel's (nints, ngroups) samples from any source."""
    return np.ascontiguousarray(source.box(range(nints), (y, y + 1), (x, x + 1))[:, :, 0, 0])


class InputSource:
    """The exposure as stored: planes from the memory map, boxes by positioned reads."""

    def __init__(self, exposure: Exposure, label: str = "input") -> None:
        self.exposure, self.label = exposure, label

    def plane(self, integration: int, group: int) -> np.ndarray:
        return self.exposure.plane(integration, group)

    def box(self, integrations: range, rows: tuple[int, int], columns: tuple[int, int]) -> np.ndarray:
        values = read_boxes(self.exposure, ("SCI",), integrations, rows, columns)[0]
        assert values is not None  # an opened exposure always has a 4-D SCI
        return np.asarray(values, dtype=np.float32)

    def pixeldq(self) -> np.ndarray | None:
        return self.exposure.pixeldq


class ProductSource(InputSource):
    """A pipeline ``_linearity`` product on disk, read like the input."""

    def __init__(self, product: Exposure, label: str = "pipeline product") -> None:
        super().__init__(product, label)


class ResultSource:
    """A correction computed earlier and held in memory (a finished run)."""

    def __init__(self, result: CorrectionResult, label: str = "lininspect") -> None:
        self.result, self.label = result, label

    def plane(self, integration: int, group: int) -> np.ndarray:
        return self.result.data[integration, group]

    def box(self, integrations: range, rows: tuple[int, int], columns: tuple[int, int]) -> np.ndarray:
        (y0, y1), (x0, x1) = rows, columns
        return np.array(self.result.data[integrations.start : integrations.stop, :, y0:y1, x0:x1])

    def pixeldq(self) -> np.ndarray | None:
        return self.result.pixeldq


class CorrectionSource:
    """The exposure corrected with one reference, computed for what is asked when it is asked.

    Bit-for-bit the correction ``lininspect correct`` writes: the same prepared
    coefficients and tile kernel, applied to a box or a plane instead of the whole file.
    """

    def __init__(self, exposure: Exposure, plan: CorrectionPlan, label: str) -> None:
        self.exposure, self.plan, self.label = exposure, plan, label
        self._prepared: PreparedCoefficients | None = None
        self._integration: tuple[int, np.ndarray] | None = None  # read-level: the last integration
        #: Read-level: the groups shown first, corrected before the rest of their integration.
        self._groups: tuple[int, dict[int, np.ndarray]] | None = None
        self._planes = RecentPlanes()  # classic: the plane shown and the one read ahead
        self._lock = threading.Lock()

    @property
    def prepared(self) -> PreparedCoefficients:
        """Prepared once: about 4 x 4 bytes a pixel, the only per-pixel state kept."""
        with self._lock:
            if self._prepared is None:
                self._prepared = self.plan.prepare(self.exposure.pixeldq, self.exposure.ngroups)
            return self._prepared

    def pixeldq(self) -> np.ndarray | None:
        return self.prepared.pixeldq

    def plane(self, integration: int, group: int) -> np.ndarray:
        if self.plan.read_level:
            with self._lock:
                early = self._groups
            if early is not None and early[0] == integration and group in early[1]:
                return early[1][group]
            return self._read_level_integration(integration)[group]
        kept = self._planes.get((integration, group))
        if kept is not None:
            return kept  # the panel and the readout ask for the same plane
        raw = self.exposure.plane(integration, group)[np.newaxis, np.newaxis]
        groupdq = self.exposure.groupdq_plane(integration, group)[np.newaxis, np.newaxis]
        out = np.empty(raw.shape, dtype=np.float32)
        prepared = self.prepared
        prepared.correct_tile(raw, groupdq, out, 0, slice(None), direct=True, cancel=None,
                              compiled=compiled_loop_loaded(prepared, raw, groupdq))  # fmt: skip
        plane = out[0, 0]  # one object, stored and returned: ready images are looked up by the plane itself
        self._planes.keep((integration, group), plane)
        return plane

    def box(self, integrations: range, rows: tuple[int, int], columns: tuple[int, int]) -> np.ndarray:
        raw, groupdq = read_boxes(self.exposure, ("SCI", "GROUPDQ"), integrations, rows, columns)
        assert raw is not None
        return self.correct_box(raw, groupdq, rows, columns)

    def correct_box(
        self, raw: np.ndarray, groupdq: np.ndarray | None, rows: tuple[int, int], columns: tuple[int, int]
    ) -> np.ndarray:
        """Correct samples already read from ``rows`` x ``columns`` (all groups of some integrations)."""
        raw = np.asarray(raw, dtype=np.float32)
        if groupdq is not None:
            groupdq = np.asarray(groupdq, dtype=np.uint8)
        prepared = restricted(self.prepared, rows, columns)
        out = np.empty(raw.shape, dtype=np.float32)
        if type(prepared) is PreparedCoefficients:
            # Classic: the same float32 Horner steps, over every group at once (a ramp is 1000
            # samples; the tile kernel would loop over them one group plane at a time).
            with np.errstate(all="ignore"):
                horner(list(prepared.coeffs), raw, out)
            if groupdq is not None:
                saturated = (groupdq & SATURATED) != 0
                np.copyto(out, raw, where=saturated)
            return out
        for n in range(raw.shape[0]):
            prepared.correct_tile(raw, groupdq, out, n, slice(None), direct=True, cancel=None)
        return out

    def ready(self, integration: int) -> bool:
        """Whether :meth:`plane` of ``integration`` returns at once (classic: always; read-level: once corrected)."""
        if not self.plan.read_level:
            return True
        with self._lock:
            return self._integration is not None and self._integration[0] == integration

    def has_groups(self, integration: int, groups: range) -> bool:
        """Whether :meth:`plane` returns these groups of ``integration`` at once."""
        if self.ready(integration):
            return True
        with self._lock:
            early = self._groups
        return early is not None and early[0] == integration and all(g in early[1] for g in groups)

    def correct_groups(
        self, integration: int, groups: range, *, progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> None:  # fmt: skip
        """Correct only ``groups`` of one integration (read-level), kept until another integration's are asked.

        The pixels' other groups are read but not corrected: the group on the screen first, the
        whole integration after. Same bits as :meth:`correct_integration`'s planes.
        """
        prepared = self.prepared
        assert isinstance(prepared, ReadLevelCoefficients)
        _, _, ny, nx = self.exposure.shape
        planes = np.empty((len(groups), ny, nx), dtype=np.float32)
        rows = prepared.tile_rows(nx)
        tiles = [(integration, r0, min(r0 + rows, ny)) for r0 in range(0, ny, rows)]
        sci, groupdq = self.exposure.streamed()

        def run(tile: tuple[int, int, int]) -> tuple[int, int]:
            i, r0, r1 = tile
            if cancel is not None and cancel.is_set():
                raise CorrectionCancelled()
            raw, flags = read_row_block(sci, groupdq, i, slice(r0, r1))
            planes[:, r0:r1] = prepared.correct_groups(raw, flags, slice(r0, r1), ny, groups)
            return r1 - r0, 0

        run_tiles(tiles, run, ny, progress=progress, workers=None)
        with self._lock:
            if cancel is not None and cancel.is_set():
                raise CorrectionCancelled()
            kept = self._groups[1] if self._groups is not None and self._groups[0] == integration else {}
            self._groups = (integration, {**kept, **dict(zip(groups, planes))})

    def correct_integration(
        self, integration: int, *, progress: ProgressCallback | None = None, cancel: CancelToken | None = None
    ) -> np.ndarray:
        """Correct every group of one integration, a row tile at a time, and keep it as the cached one.

        For a worker thread (``progress(rows done, rows)``; ``cancel`` raises CorrectionCancelled
        and leaves the cache as it was). Only one integration is kept, so memory stays bounded.
        """
        _, ngroups, ny, nx = self.exposure.shape
        corrected = np.empty((ngroups, ny, nx), dtype=np.float32)
        prepared = self.prepared
        rows = prepared.tile_rows(nx)
        tiles = [(integration, r0, min(r0 + rows, ny)) for r0 in range(0, ny, rows)]
        sci, groupdq = self.exposure.streamed()

        def run(tile: tuple[int, int, int]) -> tuple[int, int]:
            i, r0, r1 = tile
            out = _OneIntegration(corrected)
            return r1 - r0, prepared.correct_tile(sci, groupdq, out, i, slice(r0, r1), direct=False, cancel=cancel)

        run_tiles(tiles, run, ny, progress=progress, workers=None)
        with self._lock:
            if cancel is not None and cancel.is_set():
                raise CorrectionCancelled()
            self._integration = (integration, corrected)
            self._groups = None  # the whole integration serves them now
        return corrected

    def _read_level_integration(self, integration: int) -> np.ndarray:
        """Every group of one integration: the read-level path needs whole ramps, so they are kept."""
        with self._lock:
            cached = self._integration
        if cached is not None and cached[0] == integration:
            return cached[1]
        return self.correct_integration(integration)


#: The compiled classic loop's array types (coefficients, samples, flags) loaded in this process, and
#: those a thread is loading: numba compiles (or reads from its cache) one loop per set of types.
_LOOPS_LOADED: set[tuple[object, ...]] = set()
_LOOPS_LOADING: set[tuple[object, ...]] = set()
_LOOPS_LOCK = threading.Lock()


def compiled_loop_loaded(prepared: PreparedCoefficients, raw: np.ndarray, groupdq: np.ndarray | None) -> bool:
    """Whether a plane may take the compiled loop. Loading numba and the loop takes about 2 s on a cold start, a
    freeze if a panel's first plane paid it, so the first plane of its array types starts loading it in a thread
    of its own and planes take numpy's float32 steps meanwhile: the same bits, a few times slower."""
    key = (len(prepared.coeffs), raw.dtype.str, raw.flags.writeable,
           None if groupdq is None else (groupdq.dtype.str, groupdq.flags.writeable))  # fmt: skip
    with _LOOPS_LOCK:
        if key in _LOOPS_LOADED:
            return True
        if key in _LOOPS_LOADING:
            return False
        _LOOPS_LOADING.add(key)
    # One row of this very plane: the loop is loaded for exactly these array types.
    row = (raw[..., :1, :], None if groupdq is None else groupdq[..., :1, :])
    threading.Thread(target=_load_compiled_loop, args=(key, prepared, *row), name="load-compiled-loop",
                     daemon=True).start()  # fmt: skip
    return False


def start_loading_compiled_loop() -> None:
    """Load numba and the classic loop for the usual plane (five coefficients, as JWST's references have) in a
    thread of its own, while the app has just started and the user has nothing to wait for yet.

    The first load in a process initialises LLVM (about 0.7 s, one stall of the GUI thread near 0.1 s
    while its library is opened); after it, a loop for other array types is read from numba's cache in
    about 10 ms, so a panel that needs one soon has it.
    """
    raw = np.zeros((1, 1, 1, 8), dtype=np.float32)
    groupdq = np.zeros((1, 1, 1, 8), dtype=np.uint8)
    groupdq.flags.writeable = False  # as an exposure's GROUPDQ planes are read
    usual = PreparedCoefficients(np.zeros((5, 1, 8), dtype=np.float32), np.zeros((1, 8), dtype=np.uint32))
    compiled_loop_loaded(usual, raw, groupdq)


def _load_compiled_loop(
    key: tuple[object, ...], prepared: PreparedCoefficients, raw: np.ndarray, groupdq: np.ndarray | None
) -> None:
    out = np.empty(raw.shape, dtype=np.float32)
    try:
        prepared.correct_tile(raw, groupdq, out, 0, slice(None), direct=True, cancel=None)
    except Exception:  # noqa: BLE001 - numba unusable here (a broken install, no cache room): numpy's steps serve
        return
    with _LOOPS_LOCK:
        _LOOPS_LOADED.add(key)


class _OneIntegration:
    """An output indexed ``[i, g, rows]`` like the exposure that keeps only the integration being corrected."""

    def __init__(self, groups: np.ndarray) -> None:
        self.groups = groups

    def __setitem__(self, key: tuple[int, int, slice], values: np.ndarray) -> None:
        self.groups[key[1], key[2]] = values


def restricted(prepared: PreparedCoefficients, rows: tuple[int, int], columns: tuple[int, int]) -> PreparedCoefficients:
    """The prepared coefficients of a box: every per-pixel array cut, everything else kept.

    Both corrections treat each pixel on its own, so a box corrects exactly as the whole file does.
    """
    window = (slice(*rows), slice(*columns))
    cut = {}
    for field in dataclasses.fields(prepared):
        value = getattr(prepared, field.name)
        if isinstance(value, np.ndarray) and value.ndim >= 2 and value.shape[-2:] == prepared.pixeldq.shape:
            cut[field.name] = np.ascontiguousarray(value[(Ellipsis, *window)])
    return dataclasses.replace(prepared, **cut)


class CombinedSource:
    """Two sources combined sample by sample: A − B, A / B."""

    def __init__(self, first: Source, second: Source, how: Callable[[np.ndarray, np.ndarray], np.ndarray], label: str) -> None:
        self.first, self.second, self.how, self.label = first, second, how, label

    def plane(self, integration: int, group: int) -> np.ndarray:
        with np.errstate(all="ignore"):
            return self.how(self.first.plane(integration, group), self.second.plane(integration, group))

    def box(self, integrations: range, rows: tuple[int, int], columns: tuple[int, int]) -> np.ndarray:
        with np.errstate(all="ignore"):
            return self.how(self.first.box(integrations, rows, columns), self.second.box(integrations, rows, columns))

    def pixeldq(self) -> np.ndarray | None:
        return None


#: How a group-difference view's label ends, after the label of the view it differences.
GROUP_STEPS = " g−(g−1)"


class GroupDifferenceSource:
    """Each group minus the group before it, of one source (Rampviz's "Difference" viewer).

    A step in a ramp (a jump, a cosmic ray, the correction bending late groups) stands out on a
    frame of such differences. Group 0 has no group before it: its difference is NaN, as is a
    difference beside a NaN sample.
    """

    def __init__(self, source: Source) -> None:
        self.source, self.label = source, source.label + GROUP_STEPS

    def plane(self, integration: int, group: int) -> np.ndarray:
        if group == 0:
            shape = self.source.plane(integration, group).shape
            return np.full(shape, np.nan, dtype=np.float32)
        # The group before first: a correction keeps the plane asked last, which is then the next
        # group's "before" (a play forward corrects one plane a frame, not two).
        before = self.source.plane(integration, group - 1)
        with np.errstate(all="ignore"):
            return np.subtract(self.source.plane(integration, group), before, dtype=np.float32)

    def box(self, integrations: range, rows: tuple[int, int], columns: tuple[int, int]) -> np.ndarray:
        values = self.source.box(integrations, rows, columns)
        out = np.full(values.shape, np.nan, dtype=np.float32)
        with np.errstate(all="ignore"):
            np.subtract(values[:, 1:], values[:, :-1], out=out[:, 1:])
        return out

    def pixeldq(self) -> np.ndarray | None:
        return self.source.pixeldq()


def difference(first: Source, second: Source) -> CombinedSource:
    return CombinedSource(first, second, np.subtract, f"{first.label} − {second.label}")


def ratio(first: Source, second: Source) -> CombinedSource:
    return CombinedSource(first, second, np.divide, f"{first.label} / {second.label}")


def unready_groups(
    source: Source | None, integration: int, group: int
) -> list[tuple[CorrectionSource, range]]:
    """Each on-demand correction behind ``source`` that has not yet corrected ``integration``, with the groups
    ``source`` needs of it to show ``group`` (a group difference needs the group before too)."""
    if isinstance(source, GroupDifferenceSource):
        return [(correction, range(max(group - 1, 0), group + 1))
                for correction, _ in unready_groups(source.source, integration, group)]  # fmt: skip
    if isinstance(source, CombinedSource):
        first, second = (unready_groups(side, integration, group) for side in (source.first, source.second))
        return [*first, *second]
    if isinstance(source, CorrectionSource) and not source.ready(integration):
        return [(source, range(group, group + 1))]
    return []
