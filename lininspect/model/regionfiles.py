"""Regions in files, without Qt: DS9 region files read and written by the ``regions`` package (never a
parser of ours), and the statistics and ramps of regions written as ECSV tables.

DS9's image coordinates count pixels from 1; the package converts from and to its own (array
pixels from 0) when it reads and writes, so a region saved here covers in DS9 the pixels it
covers in lininspect. Writes go to a temporary file beside the target, then renamed.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.analysis.regionstats import PlaneStatistics
from ..core.errors import LinInspectError
from ..core.fits.atomic import atomic_path
from ..core.fits.outputs import check_output_path
from .regionmeasures import RegionRamps
from .smallfiles import read_small_file

if TYPE_CHECKING:
    from astropy.table import Table
    from regions import PixelRegion

#: A region file is text of a few kilobytes; anything far larger is not one (and is not read into memory).
MAX_BYTES = 5_000_000
#: More regions than anyone draws, few enough to list and draw at once.
MAX_REGIONS = 1000


@cache
def shapes() -> dict[str, type[PixelRegion]]:
    """The shapes the Regions tool draws and measures, by the name it shows. The regions package is
    imported here, when regions are first made or read, not at the app's start (it brings in
    astropy.coordinates and matplotlib: a second more)."""
    from regions import CircleAnnulusPixelRegion, CirclePixelRegion, PolygonPixelRegion, RectanglePixelRegion

    return {"circle": CirclePixelRegion, "annulus": CircleAnnulusPixelRegion, "box": RectanglePixelRegion,
            "polygon": PolygonPixelRegion}  # fmt: skip


def shape_name(region: PixelRegion) -> str:
    return next(name for name, kind in shapes().items() if type(region) is kind)


@dataclass(frozen=True)
class ReadRegions:
    """The regions of a file lininspect can measure, and what it left out, said in one line (or None)."""

    regions: tuple[PixelRegion, ...]
    note: str | None = None


def read_ds9(path: Path) -> ReadRegions:
    """The circles, annuli, boxes and polygons in image coordinates of a DS9 region file; any problem is one line."""
    path = Path(path)
    data = read_small_file(path, "a region file", MAX_BYTES, f"{MAX_BYTES // 1_000_000} MB")
    try:
        return parse_ds9(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise LinInspectError(f"{path}: not a DS9 region file (not UTF-8 text)") from None
    except LinInspectError as error:
        raise LinInspectError(f"{path}: {error}") from None


def parse_ds9(text: str) -> ReadRegions:
    """The regions lininspect measures in DS9 region text, parsed by the ``regions`` package."""
    from regions import Regions

    with warnings.catch_warnings(record=True) as caught:  # its complaints become our note, never the terminal's
        warnings.simplefilter("always")
        try:
            parsed = list(Regions.parse(text, format="ds9"))
        except Exception as error:  # noqa: BLE001 -- a parser of the user's text: whatever it raises is a bad file
            raise LinInspectError(f"not a DS9 region file ({_first_line(error)})") from None
    # An excluding region ("-circle") means "not these pixels" to DS9: measured as a region it would say the opposite.
    kept = [_plain(region) for region in parsed if type(region) in shapes().values() and region.meta.get("include", 1)]
    left = len(parsed) - len(kept) + len(caught)
    if not kept:
        why = f": {_first_line(caught[0].message)}" if caught else ""
        raise LinInspectError(f"no circle, annulus, box or polygon in image coordinates{why}")
    if len(kept) > MAX_REGIONS:
        raise LinInspectError(f"{len(kept)} regions: lininspect takes at most {MAX_REGIONS}")
    note = f"{left} region{'s' if left > 1 else ''} left out (other shapes, excluding regions, sky coordinates or unreadable lines)" if left else None
    return ReadRegions(tuple(kept), note)


def _plain(region: PixelRegion) -> PixelRegion:
    """The shape alone: DS9's colours, labels and include/exclude are not kept (a region equals itself read back)."""
    from regions import RegionMeta, RegionVisual

    shape = region.copy()
    shape.meta, shape.visual = RegionMeta(), RegionVisual()
    return shape


def ds9_text(regions: Iterable[PixelRegion]) -> str:
    """The regions as DS9 region text in image coordinates (1-based, as DS9 reads them)."""
    from regions import Regions

    return Regions(list(regions)).serialize(format="ds9")


def write_ds9(regions: Iterable[PixelRegion], target: Path, protected: Iterable[Path] = ()) -> None:
    """Write a DS9 region file whole or not at all; never over one of the ``protected`` files (the inputs)."""
    text = ds9_text(regions)
    _write(target, protected, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def statistics_table(rows: Iterable[tuple[int, PixelRegion, str, str, PlaneStatistics]], meta: dict[str, object]) -> Table:
    """One row per region and panel: (region number, region, panel, what it shows, its statistics)."""
    columns: dict[str, list[object]] = {name: [] for name in ("region", "shape", "ds9", "panel", "shows", "pixels",
                                                              "finite", "mean", "median", "sigma", "flags")}  # fmt: skip
    for number, region, panel, shows, stats in rows:
        flags = "; ".join(f"{plane} {name} {count}" for plane, counts in stats.flagged.items() for name, count in counts.items())
        for name, value in (("region", number), ("shape", shape_name(region)), ("ds9", _ds9_line(region)),
                            ("panel", panel), ("shows", shows), ("pixels", stats.pixels), ("finite", stats.finite),
                            ("mean", stats.mean), ("median", stats.median), ("sigma", stats.sigma), ("flags", flags)):  # fmt: skip
            columns[name].append(value)
    from astropy.table import Table  # asdf comes with it: not at start-up

    table = Table(columns)
    table.meta.update(meta)
    table.meta["comments"] = [("statistics over the pixels whose centre lies in the region; sigma: population std; "
                               "flags: pixels with each DQ bit set")]  # fmt: skip
    return table


def ramps_table(ramps: Iterable[tuple[int, PixelRegion, RegionRamps]], meta: dict[str, object]) -> Table:
    """One row per region, quantity and group: the region's ramp value, samples used and background taken off."""
    columns: dict[str, list[object]] = {name: [] for name in ("region", "ds9", "integration", "quantity", "statistic",
                                                              "group", "value", "used", "background")}  # fmt: skip
    for number, region, ramp in ramps:
        for quantity, statistic in ramp.ramps.items():
            background = ramp.background.get(quantity)
            for group, (value, used) in enumerate(zip(statistic.values, statistic.used, strict=True)):
                row = (number, _ds9_line(region), ramp.integration, quantity, ramp.statistic, group, float(value), int(used),
                       float("nan") if background is None else float(background[group]))  # fmt: skip
                for name, item in zip(columns, row, strict=True):
                    columns[name].append(item)
    from astropy.table import Table  # asdf comes with it: not at start-up

    table = Table(columns, dtype=[int, str, int, str, str, int, float, int, float]) if columns["region"] else Table(columns)
    table.meta.update(meta)
    table.meta["comments"] = [("SATURATED and DO_NOT_USE samples left out per sample; background: the median of the "
                               "background region's usable samples, per group, taken off each sample")]  # fmt: skip
    return table


def write_table(table: Table, target: Path, protected: Iterable[Path] = ()) -> None:
    """An ECSV table, written whole or not at all."""
    _write(target, protected, lambda temporary: table.write(temporary, format="ascii.ecsv", overwrite=True))


def _write(target: Path, protected: Iterable[Path], write: Callable[[Path], object]) -> None:
    target = Path(target)
    check_output_path(target, list(protected), overwrite=True)
    with atomic_path(target) as temporary:
        write(temporary)


def _ds9_line(region: PixelRegion) -> str:
    """The region as its DS9 line (image coordinates, from 1), to find it again in DS9."""
    return region.serialize(format="ds9").strip().splitlines()[-1]


def _first_line(error: object) -> str:
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:200]

