"""Numbers the inspector shows besides the correction itself: fits, region means, display limits.

Numpy only, so they are tested without Qt. A sample is *usable* when its GROUPDQ is 0
and its value is finite; straight-line fits are against the group index.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..kernels.correction import CancelToken, evaluate
from ..dq import SATURATED
from ..errors import CorrectionCancelled

#: Fewer usable groups than this and a straight line leaves no residual worth showing.
MIN_FIT_GROUPS = 3

#: DS9's stretches; "histeq" is histogram equalisation over the limits.
STRETCHES = ("linear", "log", "sqrt", "squared", "asinh", "histeq")
#: DS9's automatic limits (its "user" limits are typed, not computed).
LIMITS = ("min-max", "zscale", "99.5%", "99%", "98%", "95%")

#: Knots of the histogram-equalisation curve: fine enough that no two grey levels merge.
EQUALISATION_KNOTS = 1024

#: zscale and percentile limits come from a regular grid of at most this many pixels, as
#: DS9 samples for zscale: on every pixel of a 1024 x 1032 plane they cost 5 ms (zscale)
#: and 13 ms (percentiles) per group step, on the grid well under 1 ms.
LIMIT_SAMPLES = 100_000

#: Full scale of the 16-bit ADC: no raw sample of a JWST ramp goes beyond it, so the
#: correction curve is drawn from 0 to here (or further, if a sample does).
ADC_FULL_SCALE = 65535.0

_LOG_A = 1000.0
#: Histogram equalisation maps through a table of this many levels: a lookup, not an interpolation, per pixel.
_EQUALISATION_TABLE = 4096
_ASINH_B = 0.1


def usable(values: np.ndarray, groupdq: np.ndarray | None) -> np.ndarray:
    """Samples that enter fits and means: finite and with no GROUPDQ flag at all."""
    good = np.isfinite(values)
    if groupdq is not None:
        good &= np.asarray(groupdq) == 0
    return good


def line_fit_residuals(values: np.ndarray, good: np.ndarray) -> np.ndarray:
    """Residuals (data - line) of a least-squares line through the good samples of one ramp.

    NaN at unusable groups, and everywhere when fewer than MIN_FIT_GROUPS are good.
    """
    values = np.asarray(values, dtype=np.float64)
    residuals = np.full(values.shape, np.nan)
    groups = np.arange(values.size, dtype=np.float64)
    if np.count_nonzero(good) < MIN_FIT_GROUPS:
        return residuals
    slope, intercept = np.polyfit(groups[good], values[good], 1)
    residuals[good] = values[good] - (intercept + slope * groups[good])
    return residuals


def region_mean_ramp(values: np.ndarray, groupdq: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Per-group mean over a region's usable samples, and how many samples each mean used.

    ``values`` and ``groupdq`` are (ngroups, ny, nx); a group with no usable sample has mean NaN.
    """
    values = np.asarray(values, dtype=np.float64)
    good = usable(values, groupdq)
    count = good.reshape(good.shape[0], -1).sum(axis=1)
    total = np.where(good, values, 0.0).reshape(values.shape[0], -1).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return mean, count


def residual_rms_map(
    ramps: np.ndarray,
    groupdq: np.ndarray | None,
    *,
    rows: int = 64,
    cancel: CancelToken | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Per-pixel RMS of straight-line residuals over usable groups; ramps are (ngroups, ny, nx).

    Vectorised over a block of rows at a time to bound memory.
    NaN where fewer than MIN_FIT_GROUPS groups are usable.
    """
    ngroups, ny, nx = ramps.shape
    rms = np.full((ny, nx), np.nan, dtype=np.float32)
    for r0 in range(0, ny, rows):
        if cancel is not None and cancel.is_set():
            raise CorrectionCancelled()
        r1 = min(r0 + rows, ny)
        y = np.asarray(ramps[:, r0:r1], dtype=np.float64)
        rss, n = line_fit_sums(y, usable(y, None if groupdq is None else groupdq[:, r0:r1]))
        with np.errstate(invalid="ignore", divide="ignore"):
            rms[r0:r1] = np.where(n >= MIN_FIT_GROUPS, np.sqrt(rss / n), np.nan)
        if progress is not None:
            progress(r1, ny)
    return rms


def line_fit_sums(ramps: np.ndarray, good: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum of squared residuals of each pixel's least-squares line against the group index, and
    how many groups entered it; ``ramps`` and ``good`` are (ngroups, ...), the fit uses ``good`` only.

    Normal equations in float64, vectorised over pixels. The sum is only meaningful where
    the count is at least MIN_FIT_GROUPS; callers mask the rest.
    """
    g = np.arange(ramps.shape[0], dtype=np.float64).reshape((-1,) + (1,) * (ramps.ndim - 1))
    w = np.asarray(good, dtype=np.float64)
    y = np.where(w > 0, np.asarray(ramps, dtype=np.float64), 0.0)
    n = w.sum(axis=0)
    sx, sy = (w * g).sum(axis=0), (w * y).sum(axis=0)
    sxx, sxy = (w * g * g).sum(axis=0), (w * g * y).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = (n * sxy - sx * sy) / (n * sxx - sx * sx)
        intercept = (sy - slope * sx) / n
        rss = (w * (y - intercept - slope * g) ** 2).sum(axis=0)
    return rss, n


def zscale(
    values: np.ndarray,
    *,
    samples: int = 1000,
    contrast: float = 0.25,
    rejection: float = 2.5,
    iterations: int = 5,
) -> tuple[float, float]:
    """IRAF-style zscale: a line through the sorted sample, clipped, its slope scaled by 1/contrast.

    Shows the sky and faint structure well while a bright source saturates, which is what
    an inspector of a mostly empty field wants by default.
    """
    finite = np.asarray(values)[np.isfinite(values)].ravel()
    if finite.size == 0:
        return 0.0, 1.0
    stride = max(1, finite.size // samples)
    sample = np.sort(finite[::stride][:samples]).astype(np.float64)
    n = sample.size
    median = float(np.median(sample))
    index = np.arange(n, dtype=np.float64)
    keep = np.ones(n, dtype=bool)
    minimum = max(5, n // 2)
    slope = 0.0
    for _ in range(iterations):
        if np.count_nonzero(keep) < minimum:
            break
        slope, intercept = np.polyfit(index[keep], sample[keep], 1)
        flat = sample - (intercept + slope * index)
        sigma = float(np.std(flat[keep]))
        new_keep = np.abs(flat) <= rejection * sigma
        if np.array_equal(new_keep, keep):
            break
        keep = new_keep
    if np.count_nonzero(keep) < minimum:
        return float(sample[0]), float(sample[-1])
    slope /= contrast
    center = (n - 1) // 2
    low = max(float(sample[0]), median - center * slope)
    high = min(float(sample[-1]), median + (n - 1 - center) * slope)
    return low, high


def display_limits(values: np.ndarray, method: str) -> tuple[float, float]:
    """Colour-scale limits by one of LIMITS; never an empty interval. Min-max sees every pixel."""
    values = np.asarray(values)
    if method != "min-max":
        values = grid_sample(values, LIMIT_SAMPLES)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 0.0, 1.0
    if method == "zscale":
        low, high = zscale(finite)
    elif method == "min-max":
        low, high = float(finite.min()), float(finite.max())
    else:
        kept = float(method.rstrip("%"))
        low, high = (float(v) for v in np.percentile(finite, [(100 - kept) / 2, (100 + kept) / 2]))
    if not high > low:
        high = low + 1.0
    return low, high


def grid_sample(values: np.ndarray, samples: int) -> np.ndarray:
    """Every k-th pixel along each axis, k the smallest giving at most ``samples`` (a view).

    A grid, not every k-th pixel of the flattened image, whose step could divide the row
    length and so sample a few columns only.
    """
    step = max(1, int(np.ceil((values.size / samples) ** (1 / max(values.ndim, 1)))))
    return values[(slice(None, None, step),) * values.ndim] if step > 1 else values


def stretch(values: Any, low: float, high: float, kind: str, like: np.ndarray | None = None) -> np.ndarray:
    """Map values to 0..1 by the limits, then by a stretch from STRETCHES; NaN stays NaN.

    "histeq" spreads the pixels of ``like`` (the image the values belong to; ``values``
    itself when None) evenly over 0..1, so it needs the image to map a single value.
    """
    # An image in place, on float32 bounds: half the time of new arrays clipped to Python ints (every group step, twice).
    t = np.subtract(values, np.float32(low), dtype=np.float32)
    place = t if isinstance(t, np.ndarray) else None  # a single value stays a NumPy scalar
    t = np.clip(np.divide(t, np.float32(high - low), out=place), np.float32(0), np.float32(1), out=place)
    if kind == "sqrt":
        return np.sqrt(t)
    if kind == "squared":
        return t * t
    if kind == "log":
        return (np.log10(_LOG_A * t + 1) / np.log10(_LOG_A + 1)).astype(np.float32)
    if kind == "asinh":
        return (np.arcsinh(t / _ASINH_B) / np.arcsinh(1 / _ASINH_B)).astype(np.float32)
    if kind == "histeq":
        knots, levels = equalisation_curve(values if like is None else like, low, high)
        table = np.interp(np.linspace(0.0, 1.0, _EQUALISATION_TABLE), knots, levels).astype(np.float32)
        position = np.atleast_1d(t * np.float32(_EQUALISATION_TABLE - 1) + np.float32(0.5))
        missing = np.isnan(position)
        position[missing] = 0
        out = table[position.astype(np.int32)]
        out[missing] = np.nan
        return out.reshape(np.shape(t))
    return t


def equalisation_curve(values: np.ndarray, low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
    """Histogram equalisation as a curve: knots in 0..1 (of the limits) and the level each maps to.

    The knots are quantiles of a grid sample, so a 4-million-pixel plane costs one sort of
    LIMIT_SAMPLES values and one interpolation; repeated quantiles (a flat sky) keep their first level.
    """
    sample = grid_sample(np.asarray(values), LIMIT_SAMPLES)
    sample = sample[np.isfinite(sample)]
    if sample.size == 0 or not high > low:
        return np.array([0.0, 1.0]), np.array([0.0, 1.0])
    t = np.clip((sample.astype(np.float64) - low) / (high - low), 0, 1)
    levels = np.linspace(0.0, 1.0, EQUALISATION_KNOTS + 1)
    ranked = np.sort(t)
    knots, first = np.unique(ranked[(levels * (ranked.size - 1)).astype(np.intp)], return_index=True)
    levels = levels[first]
    # The limits themselves map to black and white, as every other stretch maps them.
    if knots[0] > 0.0:
        knots, levels = np.concatenate(([0.0], knots)), np.concatenate(([0.0], levels))
    if knots[-1] < 1.0:
        knots, levels = np.concatenate((knots, [1.0])), np.concatenate((levels, [1.0]))
    levels[0], levels[-1] = 0.0, 1.0
    return knots, levels


def histogram(values: np.ndarray, low: float, high: float, bins: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """Counts and bin edges of a plane's finite values over a range a little wider than the limits.

    From a grid sample, as the limits are: the levels widget redraws on every frame step.
    The margin shows what lies beyond the limits (clipped pixels) on both sides.
    """
    sample = grid_sample(np.asarray(values), LIMIT_SAMPLES)
    sample = sample[np.isfinite(sample)]
    margin = (high - low) * 0.25 if high > low else 1.0
    return np.histogram(sample, bins=bins, range=(low - margin, high + margin))


def nice_ticks(low: float, high: float, count: int = 6) -> list[float]:
    """Round values between low and high, about ``count`` of them, for a colour bar's axis."""
    span = high - low
    if not np.isfinite(span) or span <= 0:
        return [low]
    raw = span / count
    magnitude = 10 ** np.floor(np.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = np.ceil(low / step) * step
    return [float(v) + 0.0 for v in np.arange(first, high + step * 1e-9, step)]  # + 0.0: no "-0" label


def usable_count(values: np.ndarray, groupdq: np.ndarray | None) -> int:
    """How many samples of a ramp enter its straight-line fit."""
    return int(np.count_nonzero(usable(values, groupdq)))


def ramp_ratio(raw: np.ndarray, corrected: np.ndarray, groupdq: np.ndarray) -> np.ndarray:
    """Input / corrected per group; NaN at SATURATED samples, whose ratio of 1 says only "kept raw"."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.asarray(raw, dtype=np.float64) / np.asarray(corrected, dtype=np.float64)
    ratio[(np.asarray(groupdq) & SATURATED) != 0] = np.nan
    return ratio


def correction_curve(prepared: np.ndarray, raw: np.ndarray, points: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """The correction polynomial as the pipeline evaluates it, over 0..ADC full scale.

    Wider if a sample lies outside, so every sample sits on the drawn curve; the whole
    range shows where a pixel's polynomial turns over or runs away, not only its own span.
    """
    finite = np.asarray(raw, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    low = min(0.0, float(finite.min())) if finite.size else 0.0
    high = max(ADC_FULL_SCALE, float(finite.max())) if finite.size else ADC_FULL_SCALE
    xs = np.linspace(low, high, points, dtype=np.float32)
    return xs, evaluate(prepared, xs)


def integer_ticks(low: float, high: float, most: int) -> list[int]:
    """Whole numbers between low and high, a round step apart, at most ``most`` of them (group axes)."""
    if not (np.isfinite(low) and np.isfinite(high)) or high < low:
        return []
    span = max(high - low, 1.0)
    step = 1
    while span / step > max(most, 1):
        step = next(m * 10 ** e for e in range(12) for m in (1, 2, 5) if m * 10**e > step)
    first = int(np.ceil(low / step)) * step
    return list(range(first, int(np.floor(high)) + 1, step))


def flagged_pixels(mask: np.ndarray) -> np.ndarray:
    """(x, y) of every set pixel, row by row, for a list to step through."""
    rows, columns = np.nonzero(mask)
    return np.column_stack([columns, rows])


def pool_factor(data_per_screen_pixel: float) -> int:
    """The block size that draws a flagged pixel at least two screen pixels wide once the image is shrunk.

    One screen pixel survives the sampling but is a speck on a noisy image; at full
    resolution or closer (one data pixel per screen pixel or fewer) nothing is pooled.
    """
    if not np.isfinite(data_per_screen_pixel) or data_per_screen_pixel <= 1:
        return 1
    return int(np.ceil(2 * data_per_screen_pixel - 1e-9))


def max_pool(mask: np.ndarray, factor: int) -> np.ndarray:
    """A boolean mask shrunk by ``factor``: a block is set if any pixel in it is (edges padded).

    Drawn at fit zoom a full frame loses most single pixels to the screen's sampling;
    a pooled mask whose blocks span a screen pixel or more keeps them all (see pool_factor).
    """
    mask = np.asarray(mask, dtype=bool)
    if factor <= 1:
        return mask
    ny, nx = mask.shape
    padded = np.zeros((-(-ny // factor) * factor, -(-nx // factor) * factor), dtype=bool)
    padded[:ny, :nx] = mask
    return padded.reshape(padded.shape[0] // factor, factor, padded.shape[1] // factor, factor).any(axis=(1, 3))
