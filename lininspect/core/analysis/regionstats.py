"""Numbers of regions (circle, annulus, box, polygon) on an image and on its ramps, without Qt.

Which pixels a region holds comes from the ``regions`` package (a pixel belongs when its centre
lies inside the shape, DS9's rule, ``to_mask(mode="center")``): lininspect has no geometry of
its own. Coordinates are the package's: array pixels, pixel (0, 0)'s centre at (0, 0).
Ramps are DQ-aware per sample, as the pipeline's ramp fit is: a SATURATED or DO_NOT_USE
group of one pixel leaves that sample out and keeps the pixel's other groups.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .. import dq
from .dqmaps import bit_counts

if TYPE_CHECKING:
    from regions import PixelRegion  # imported by whoever makes regions: it costs the app's start 1 s

#: GROUPDQ bits that leave a sample out of a region's ramp.
LEFT_OUT = dq.SATURATED | dq.DO_NOT_USE
#: What a region's ramp can be, per group, over its usable samples.
STATISTICS = ("mean", "median", "min", "max", "sum")
#: GROUPDQ holds the first eight bits only.
GROUP_BITS = {name: bit for name, bit in dq.FLAGS.items() if bit < 256}


@dataclass(frozen=True)
class Footprint:
    """A region's pixels on an image: its bounding box (cut to the image) and a mask within it."""

    rows: tuple[int, int]
    columns: tuple[int, int]
    mask: np.ndarray  # bool, (rows, columns)

    @property
    def count(self) -> int:
        return int(np.count_nonzero(self.mask))

    def cut(self, image: np.ndarray) -> np.ndarray:
        """The bounding box of a 2-D image (or of the last two axes of a cube)."""
        (y0, y1), (x0, x1) = self.rows, self.columns
        return image[..., y0:y1, x0:x1]

    def within(self, rows: tuple[int, int], columns: tuple[int, int]) -> np.ndarray:
        """The mask placed in a larger box ``rows`` x ``columns`` that holds this one."""
        placed = np.zeros((rows[1] - rows[0], columns[1] - columns[0]), dtype=bool)
        placed[self.rows[0] - rows[0] : self.rows[1] - rows[0], self.columns[0] - columns[0] : self.columns[1] - columns[0]] = self.mask
        return placed


def footprint(region: PixelRegion, shape: tuple[int, int]) -> Footprint:
    """The pixels of ``region`` on an image of ``shape`` (ny, nx); empty when it lies off the image."""
    mask = region.to_mask(mode="center")
    large, small = mask.get_overlap_slices(shape)
    if large is None or small is None:
        return Footprint((0, 0), (0, 0), np.zeros((0, 0), dtype=bool))
    inside = np.asarray(mask.data[small], dtype=bool)
    return Footprint((large[0].start, large[0].stop), (large[1].start, large[1].stop), inside)


@dataclass(frozen=True)
class PlaneStatistics:
    """A region's statistics on one image: over its finite values; flags counted over all its pixels.

    ``sigma`` is the population standard deviation (numpy's ``std``); ``flagged`` holds, for
    PIXELDQ and GROUPDQ, the number of the region's pixels with each bit that is set in any.
    """

    pixels: int
    finite: int
    mean: float
    median: float
    sigma: float
    flagged: dict[str, dict[str, int]] = field(default_factory=dict)


def plane_statistics(where: Footprint, values: np.ndarray, pixeldq: np.ndarray | None = None,
                     groupdq: np.ndarray | None = None) -> PlaneStatistics:  # fmt: skip
    """Statistics of the region ``where`` on an image; ``values`` and the DQ planes are cut to its box."""
    chosen = np.asarray(values, dtype=np.float64)[where.mask]
    finite = chosen[np.isfinite(chosen)]
    if finite.size:
        mean, median, sigma = float(finite.mean()), float(np.median(finite)), float(finite.std())
    else:
        mean = median = sigma = float("nan")
    flagged: dict[str, dict[str, int]] = {}
    for plane, flags, bits in (("PIXELDQ", pixeldq, dq.FLAGS), ("GROUPDQ", groupdq, GROUP_BITS)):
        if flags is not None:
            counts = bit_counts(np.asarray(flags)[where.mask], bits)
            flagged[plane] = {name: count for name, count in counts.items() if count}
    return PlaneStatistics(where.count, int(finite.size), mean, median, sigma, flagged)


@dataclass(frozen=True)
class RampStatistic:
    """A region's ramp: one value per group over its usable samples, and how many samples each used."""

    values: np.ndarray  # (ngroups,) float64, NaN where no sample was usable
    used: np.ndarray  # (ngroups,) int


def usable_samples(ramps: np.ndarray, groupdq: np.ndarray | None, mask: np.ndarray) -> np.ndarray:
    """The region's samples as (ngroups, pixels), NaN where a sample is flagged SATURATED or DO_NOT_USE
    (or not finite); ``ramps`` and ``groupdq`` are (ngroups, rows, columns) boxes that ``mask`` fits."""
    samples = np.asarray(ramps)[:, mask].astype(np.float64)  # only the region's samples widened
    if groupdq is not None:
        flagged = (np.asarray(groupdq)[:, mask] & np.uint8(LEFT_OUT)) != 0
        samples[flagged] = np.nan
    return samples


def ramp_statistic(samples: np.ndarray, statistic: str, background: np.ndarray | None = None) -> RampStatistic:
    """``statistic`` of each group's usable samples (from :func:`usable_samples`); with ``background``,
    a value per group, that value is taken from every sample first."""
    if statistic not in STATISTICS:
        raise ValueError(f"a region's ramp is one of {', '.join(STATISTICS)}, not {statistic}")
    if background is not None:
        samples = samples - np.asarray(background, dtype=np.float64)[:, np.newaxis]
    used = np.count_nonzero(np.isfinite(samples), axis=1)
    reduce = {"mean": np.nanmean, "median": np.nanmedian, "min": np.nanmin, "max": np.nanmax, "sum": np.nansum}[statistic]
    with warnings.catch_warnings():  # a group with no usable sample is NaN, said by ``used``, not by a warning
        warnings.simplefilter("ignore", RuntimeWarning)
        values = reduce(samples, axis=1) if samples.shape[1] else np.full(samples.shape[0], np.nan)
    values = np.asarray(values, dtype=np.float64)
    values[used == 0] = np.nan
    return RampStatistic(values, used)


def spread_pixels(count: int, wanted: int) -> np.ndarray:
    """Indices of at most ``wanted`` of ``count`` pixels spread evenly over them (for faint individual ramps)."""
    if wanted <= 0 or count == 0:
        return np.zeros(0, dtype=int)
    if count <= wanted:
        return np.arange(count)
    return np.unique(np.linspace(0, count - 1, wanted).round().astype(int))
