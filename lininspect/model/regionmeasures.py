"""What the Regions tool shows of one region, taken from the session without Qt: its statistics on
a panel's displayed plane and its ramps, input and corrected, DQ-aware.

Ramps are read as the inspector reads a box: the region's bounding box (and its background's),
every group of one integration, by positioned reads (``read_boxes``), never the memory map;
corrections are computed from the samples just read, as the pixel inspector's are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..core.analysis.regionstats import (
    Footprint,
    PlaneStatistics,
    RampStatistic,
    footprint,
    plane_statistics,
    ramp_statistic,
    spread_pixels,
    usable_samples,
)
from ..core.errors import LinInspectError
from .boxes import read_boxes
from .session import Session
from .sources import CorrectionSource, ProductSource

if TYPE_CHECKING:
    from regions import PixelRegion

#: What a background annulus stands for per group: the median of its usable samples (stars in it weigh little).
BACKGROUND_STATISTIC = "median"


def panel_statistics(session: Session, integration: int, group: int, values: np.ndarray, region: PixelRegion) -> PlaneStatistics:
    """``region``'s statistics on ``values``, the plane a panel shows, with the frame's PIXELDQ
    (after correction when there is one, as the DQ browser counts it) and GROUPDQ flags."""
    exposure = session.exposure
    if exposure is None:
        raise LinInspectError("open an exposure first")
    where = footprint(region, values.shape[-2:])
    pixeldq = session.result_pixeldq()
    pixeldq = exposure.pixeldq if pixeldq is None else pixeldq
    groupdq = None
    if where.count and exposure.groupdq is not None and values.shape[-2:] == exposure.shape[2:]:
        (y0, y1), (x0, x1) = where.rows, where.columns
        groupdq = np.asarray(exposure.groupdq[integration, group, y0:y1, x0:x1], dtype=np.uint8)
    dq_of = where.cut(pixeldq) if pixeldq.shape == values.shape[-2:] else None
    return plane_statistics(where, where.cut(values), dq_of, groupdq)


@dataclass(frozen=True)
class RegionRamps:
    """A region's ramps in one integration: one per quantity (input, corrected A/B, the product).

    ``individual`` holds, per quantity, a few of the region's pixels' ramps (ngroups, k) with
    left-out samples as NaN; ``background`` the per-group value taken off, when one was asked for.
    """

    integration: int
    statistic: str
    pixels: int
    ramps: dict[str, RampStatistic]
    individual: dict[str, np.ndarray] = field(default_factory=dict)
    background: dict[str, np.ndarray] = field(default_factory=dict)


def ramps_reader(
    session: Session, integration: int, statistic: str = "mean", *, individual: int = 20,
) -> Callable[[PixelRegion, PixelRegion | None], RegionRamps]:  # fmt: skip
    """A reader of regions' ramps from what is loaded now, for a worker thread: the exposure and the
    corrections are taken here, in the caller's thread, so loading another file meanwhile changes nothing
    it reads. Each call gives ``statistic`` per group of a region's usable samples, input and every
    correction loaded, less a background region's median per group when given, and up to
    ``individual`` pixels' own ramps."""
    exposure = session.exposure
    if exposure is None:
        raise LinInspectError("open an exposure first")
    corrections = {f"corrected {label}": source for label in sorted(session.references)
                   if isinstance(source := session.source(f"corrected {label}"), CorrectionSource)}  # fmt: skip
    product = ProductSource(session.product) if session.product is not None else None
    shape = exposure.shape[2:]
    frame = range(integration, integration + 1)

    def read(region: PixelRegion, background: PixelRegion | None = None) -> RegionRamps:
        where = footprint(region, shape)
        if where.count == 0:
            raise LinInspectError("the region holds no pixel of the exposure")
        behind = footprint(background, shape) if background is not None else None
        if behind is not None and behind.count == 0:
            raise LinInspectError("the background region holds no pixel of the exposure")
        rows, columns = _union(where, behind)
        raw, groupdq = read_boxes(exposure, ("SCI", "GROUPDQ"), frame, rows, columns)
        assert raw is not None  # an opened exposure always has a 4-D SCI
        cubes: dict[str, np.ndarray] = {"input": raw[0]}
        for name, source in corrections.items():  # corrected from the samples just read, as the inspector's pixel
            cubes[name] = source.correct_box(raw, groupdq, rows, columns)[0]
        if product is not None:
            cubes["pipeline product"] = product.box(frame, rows, columns)[0]
        flags = None if groupdq is None else groupdq[0]
        inside = where.within(rows, columns)
        chosen = spread_pixels(where.count, individual)
        ramps, singles, subtracted = {}, {}, {}
        for name, cube in cubes.items():
            samples = usable_samples(cube, flags, inside)
            level = None
            if behind is not None:
                level = ramp_statistic(usable_samples(cube, flags, behind.within(rows, columns)), BACKGROUND_STATISTIC).values
                subtracted[name] = level
            ramps[name] = ramp_statistic(samples, statistic, level)
            singles[name] = samples[:, chosen] - (0 if level is None else level[:, np.newaxis])
        return RegionRamps(integration, statistic, where.count, ramps, singles, subtracted)

    return read


def region_ramps(
    session: Session, region: PixelRegion, integration: int, statistic: str = "mean", *,
    background: PixelRegion | None = None, individual: int = 20,
) -> RegionRamps:  # fmt: skip
    """One region's ramps, read in this thread (scripts, tests): see :func:`ramps_reader`."""
    return ramps_reader(session, integration, statistic, individual=individual)(region, background)


def _union(first: Footprint, second: Footprint | None) -> tuple[tuple[int, int], tuple[int, int]]:
    """The box holding both footprints: one read serves the region and its background."""
    if second is None:
        return first.rows, first.columns
    rows = (min(first.rows[0], second.rows[0]), max(first.rows[1], second.rows[1]))
    columns = (min(first.columns[0], second.columns[0]), max(first.columns[1], second.columns[1]))
    return rows, columns
