"""Two linearity references judged on one exposure, pixel by pixel, as reference deliveries are judged.

Both corrections are the pipeline's own (classic or read-level, chosen per reference by
:func:`~lininspect.core.kernels.pathway.plan_correction`), run over the whole exposure in one
streamed pass: each row block of the exposure is read once, corrected with A and with B,
and reduced to per-pixel figures before the next is read, so memory stays at a few
blocks whatever the file's size.

The figures, for each reference and as B - A:

- the **correction factor** corrected / raw at each pixel's *saturation level*: the
  highest finite raw sample of the pixel whose GROUPDQ lacks SATURATED (over all
  integrations and groups; the first such sample on a tie), with the corrected value the
  pipeline gives that very sample. Given a ``level`` in DN instead, the factor is the
  reference's prepared forward polynomial (COEFFS; what each read gets on the read-level
  path) at that level, divided by it. Pixels left uncorrected have factor 1;
- the **NO_LIN_CORR** pixels (the PIXELDQ the correction leaves), hence those *gained*
  (flagged with B, corrected with A) and *lost* (flagged with A, corrected with B);
- the **straight-line residual RMS** of the corrected ramps: per integration a least-squares
  line against the group index through the usable groups (finite, GROUPDQ 0; at least
  ``MIN_FIT_GROUPS``), pooled over integrations as sqrt(sum of squared residuals / groups).
  Smaller is straighter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from pathlib import Path

import numpy as np

from .analysis import MIN_FIT_GROUPS
from ..kernels.correction import (
    CancelToken, PreparedCoefficients, ProgressCallback, correct_row_block, evaluate, read_row_block, run_tiles,
)
from ..dq import NO_LIN_CORR
from ..errors import CorrectionCancelled, LinInspectError
from ..fits.exposure import Exposure
from ..kernels.pathway import CorrectionPlan, plan_correction
from ..references.reference import LinearityReference, check_same_detector

#: Samples (groups x rows x columns) of one row block: each block holds its raw samples and
#: both corrections and the line fits' float64 sums at once, so this bounds the pass's memory
#: per thread (~60 MB).
_BLOCK_SAMPLES = 1_000_000

#: Bins of the histogram of the factor difference, spanning its 0.1 to 99.9 percentiles.
HISTOGRAM_BINS = 100
_HISTOGRAM_PERCENTILES = (0.1, 99.9)

#: Why a reference leaves a pixel uncorrected, indexed by :func:`uncorrected_reasons`.
UNCORRECTED_REASONS = (
    "",
    "NO_LIN_CORR in the reference DQ",
    "NaN coefficient in the reference",
    "zero linear coefficient in the reference",
    "NaN inverse coefficient (INV_COEFFS) in the reference",
    "zero linear inverse coefficient (INV_COEFFS) in the reference",
)


@dataclass(frozen=True)
class DifferenceHistogram:
    """Counts of B - A factor over the pixels both references correct; ``below``/``above`` fell outside."""

    edges: np.ndarray  # (HISTOGRAM_BINS + 1,) float64
    counts: np.ndarray  # (HISTOGRAM_BINS,) int64
    below: int
    above: int


@dataclass(frozen=True)
class ReferenceComparison:
    """Per-pixel figures of references A and B on one exposure; maps are (ny, nx) of the exposure."""

    exposure: Path
    reference_a: Path
    reference_b: Path
    chosen_a: str  # who chose A: CRDS (context, matched keys; CrdsPick.describe) or the user
    chosen_b: str
    correction_a: str  # which correction A gets and why (CorrectionPlan.reason)
    correction_b: str
    level: float | None  # the DN of the factors, or None: each pixel's saturation level
    signal: np.ndarray  # float64 raw DN where the factors are taken; NaN: no usable sample
    factor_a: np.ndarray  # float64 corrected / raw with A
    factor_b: np.ndarray
    no_lin_corr_a: np.ndarray  # bool: NO_LIN_CORR in PIXELDQ after correcting with A
    no_lin_corr_b: np.ndarray
    rms_a: np.ndarray  # float64 residual RMS (DN) of ramps corrected with A; NaN: too few groups
    rms_b: np.ndarray
    reasons_a: np.ndarray  # int8 index into UNCORRECTED_REASONS: why A leaves a pixel uncorrected
    reasons_b: np.ndarray
    histogram: DifferenceHistogram

    @property
    def factor_difference(self) -> np.ndarray:
        """Factor with B minus factor with A."""
        return self.factor_b - self.factor_a

    @property
    def rms_difference(self) -> np.ndarray:
        """RMS with B minus RMS with A: negative where B makes the ramp straighter."""
        return self.rms_b - self.rms_a

    @property
    def gained(self) -> np.ndarray:
        """NO_LIN_CORR with B but corrected with A."""
        return self.no_lin_corr_b & ~self.no_lin_corr_a

    @property
    def lost(self) -> np.ndarray:
        """NO_LIN_CORR with A but corrected with B."""
        return self.no_lin_corr_a & ~self.no_lin_corr_b

    @property
    def no_lin_corr_change(self) -> np.ndarray:
        """int8 map: +1 gained, -1 lost, 0 unchanged."""
        return self.gained.astype(np.int8) - self.lost.astype(np.int8)

    @property
    def both_correct(self) -> np.ndarray:
        """Pixels neither reference leaves uncorrected: where the factors compare like with like."""
        return ~(self.no_lin_corr_a | self.no_lin_corr_b)

    def changed_pixels(self) -> list[tuple[int, int, str, str]]:
        """(x, y, "gained" or "lost", why the reference that flags it leaves it uncorrected), row by row."""
        change = self.no_lin_corr_change
        rows, columns = np.nonzero(change)
        listed = []
        for y, x in zip(rows.tolist(), columns.tolist()):
            gained = change[y, x] > 0
            reasons = self.reasons_b if gained else self.reasons_a
            listed.append((x, y, "gained" if gained else "lost", UNCORRECTED_REASONS[reasons[y, x]]))
        return listed

    def map_statistics(self) -> list[dict[str, Any]]:
        """One row per map: finite pixels, mean, median, std, min, max. Factors over ``both_correct``."""
        both = self.both_correct
        maps = [
            ("factor_a", self.factor_a, both),
            ("factor_b", self.factor_b, both),
            ("factor_b_minus_a", self.factor_difference, both),
            ("rms_a", self.rms_a, None),
            ("rms_b", self.rms_b, None),
            ("rms_b_minus_a", self.rms_difference, None),
        ]
        return [_statistics(name, values if where is None else values[where]) for name, values, where in maps]

    def straighter_counts(self) -> tuple[int, int]:
        """Pixels whose corrected ramps are straighter with A, and with B (equal RMS counts for neither)."""
        difference = self.rms_difference
        with np.errstate(invalid="ignore"):
            return int(np.count_nonzero(difference > 0)), int(np.count_nonzero(difference < 0))


def chosen_by(reference: LinearityReference) -> str:
    """Who chose the reference: a delivery is judged by which CRDS context picks which file."""
    if reference.origin is None:
        return f"{reference.path.name} (file given by the user)"
    return reference.origin.describe()


def compare_references(
    exposure: Exposure,
    reference_a: LinearityReference,
    reference_b: LinearityReference,
    *,
    level: float | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    workers: int | None = None,
    source: Path | None = None,
) -> ReferenceComparison:
    """Correct ``exposure`` with both references in one streamed pass and reduce it to per-pixel figures.

    ``source``: the user's file the exposure stands for (an ``_uncal`` whose prepared ramp this is),
    named by the report instead of the ramp in lininspect's cache.

    Refuses (LinInspectError) references for another instrument or detector than the
    exposure or each other, and references the pipeline could not cut for the exposure.
    ``progress(done, total)`` counts rows; ``cancel`` stops at the next block
    (CorrectionCancelled). Reads the exposure's file, never writes.
    """
    check_same_detector(exposure, reference_a)
    check_same_detector(exposure, reference_b)
    check_same_detector(reference_a, reference_b)
    if level is not None and not (np.isfinite(level) and level != 0):
        raise LinInspectError(f"signal level {level}: must be a finite, non-zero number of DN")
    plans = plan_correction(exposure, reference_a), plan_correction(exposure, reference_b)
    prepared = tuple(plan.prepare(exposure.pixeldq, exposure.ngroups) for plan in plans)
    sums = _stream(exposure, prepared, find_level=level is None, progress=progress, cancel=cancel, workers=workers)
    if level is None:
        signal = sums.signal
        factors = [_ratio(corrected, signal) for corrected in sums.corrected_at_signal]
    else:
        signal = np.full(exposure.shape[2:], float(level))
        factors = [_ratio(evaluate(p.coeffs, np.float32(level)), signal) for p in prepared]
    no_lin_corr = [(p.pixeldq & np.uint32(NO_LIN_CORR)) != 0 for p in prepared]
    rms = [_rms(rss, n) for rss, n in zip(sums.rss, sums.groups)]
    both = ~(no_lin_corr[0] | no_lin_corr[1])
    return ReferenceComparison(
        exposure=Path(source) if source is not None else exposure.path,
        reference_a=reference_a.path,
        reference_b=reference_b.path,
        chosen_a=chosen_by(reference_a),
        chosen_b=chosen_by(reference_b),
        correction_a=plans[0].reason,
        correction_b=plans[1].reason,
        level=level,
        signal=signal,
        factor_a=factors[0],
        factor_b=factors[1],
        no_lin_corr_a=no_lin_corr[0],
        no_lin_corr_b=no_lin_corr[1],
        rms_a=rms[0],
        rms_b=rms[1],
        reasons_a=uncorrected_reasons(plans[0]),
        reasons_b=uncorrected_reasons(plans[1]),
        histogram=difference_histogram((factors[1] - factors[0])[both]),
    )


def uncorrected_reasons(plan: CorrectionPlan) -> np.ndarray:
    """Per pixel, the index in UNCORRECTED_REASONS of why ``plan``'s reference leaves it uncorrected
    (0: it corrects it), tested in the order the pipeline prepares the coefficients."""
    reasons = np.zeros(plan.ref_dq.shape, dtype=np.int8)
    tests = [(plan.ref_dq & np.uint32(NO_LIN_CORR)) != 0, np.isnan(plan.coeffs).any(axis=0), plan.coeffs[1] == 0]
    if plan.inv_coeffs is not None:
        tests += [np.isnan(plan.inv_coeffs).any(axis=0), plan.inv_coeffs[1] == 0]
    for code, found in reversed(list(enumerate(tests, start=1))):
        reasons[found] = code
    return reasons


def difference_histogram(values: np.ndarray) -> DifferenceHistogram:
    """HISTOGRAM_BINS bins over the 0.1..99.9 percentiles of the finite values, and what fell outside."""
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        low, high = -0.5, 0.5
    else:
        low, high = (float(v) for v in np.percentile(finite, _HISTOGRAM_PERCENTILES))
    if not high > low:
        low, high = low - 0.5 * max(abs(low), 1e-12), high + 0.5 * max(abs(high), 1e-12)
    counts, edges = np.histogram(finite, bins=HISTOGRAM_BINS, range=(low, high))
    return DifferenceHistogram(edges, counts.astype(np.int64), int(np.count_nonzero(finite < low)),
                               int(np.count_nonzero(finite > high)))


@dataclass
class _Sums:
    """What the streamed pass accumulates per pixel, for A and B."""

    signal: np.ndarray  # highest usable raw sample so far (-inf: none yet)
    corrected_at_signal: tuple[np.ndarray, np.ndarray]
    rss: tuple[np.ndarray, np.ndarray]  # squared residuals summed over fitted integrations
    groups: tuple[np.ndarray, np.ndarray]  # groups in those fits


def _stream(
    exposure: Exposure,
    prepared: tuple[PreparedCoefficients, PreparedCoefficients],
    *,
    find_level: bool,
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
    workers: int | None,
) -> _Sums:
    nints, ngroups, ny, nx = exposure.shape
    plane = (ny, nx)
    sums = _Sums(
        signal=np.full(plane, -np.inf),
        corrected_at_signal=(np.full(plane, np.nan), np.full(plane, np.nan)),
        rss=(np.zeros(plane), np.zeros(plane)),
        groups=(np.zeros(plane), np.zeros(plane)),
    )
    rows = max(1, min(min(p.tile_rows(nx) for p in prepared), _BLOCK_SAMPLES // max(ngroups * nx, 1)))
    # One task per row block, over every integration: a block's rows belong to one thread only.
    tiles = [(0, r0, min(r0 + rows, ny)) for r0 in range(0, ny, rows)]
    sci, groupdq = exposure.streamed()

    def run(tile: tuple[int, int, int]) -> tuple[int, int]:
        _, r0, r1 = tile
        for i in range(nints):
            _reduce_block(sci, groupdq, prepared, sums, i, slice(r0, r1), find_level, cancel)
        return r1 - r0, 0

    run_tiles(tiles, run, ny, progress=progress, workers=workers)
    sums.signal[np.isneginf(sums.signal)] = np.nan
    return sums


def _reduce_block(
    sci: Any,
    groupdq: Any | None,
    prepared: tuple[PreparedCoefficients, PreparedCoefficients],
    sums: _Sums,
    i: int,
    rows: slice,
    find_level: bool,
    cancel: CancelToken | None,
) -> None:
    """Read rows of integration ``i`` once, correct them with A and B, fold them into ``sums``."""
    ny, nx = sci.shape[2], sci.shape[3]
    height = rows.stop - rows.start
    raw, flags = read_row_block(sci, groupdq, i, rows)
    if cancel is not None and cancel.is_set():
        raise CorrectionCancelled()
    given_flags = flags if groupdq is not None else None
    corrected = [correct_row_block(coefficients, raw, given_flags, rows, ny) for coefficients in prepared]

    from ..kernels import compiled  # loaded with the compiled corrections above

    rss, n = np.empty((height, nx)), np.empty((height, nx))
    for k, values in enumerate(corrected):
        compiled.line_fit_rows(values, flags, rss, n)  # too few usable groups: masked just below
        fitted = n >= MIN_FIT_GROUPS
        sums.rss[k][rows][fitted] += rss[fitted]
        sums.groups[k][rows][fitted] += n[fitted]

    if find_level:
        best_group, best = np.empty((1, height, nx), dtype=np.intp), np.empty((height, nx))
        compiled.highest_usable_rows(raw, flags, best_group[0], best)
        higher = best > sums.signal[rows]
        sums.signal[rows][higher] = best[higher]
        for k, values in enumerate(corrected):
            at_best = np.take_along_axis(values, best_group, axis=0)[0]
            sums.corrected_at_signal[k][rows][higher] = at_best[higher]


def _ratio(corrected: np.ndarray, signal: np.ndarray) -> np.ndarray:
    """corrected / raw in float64; NaN where the raw signal is 0 or missing."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.asarray(corrected, dtype=np.float64) / signal
    ratio[~np.isfinite(signal) | (signal == 0)] = np.nan
    return ratio


def _rms(rss: np.ndarray, groups: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(groups > 0, np.sqrt(rss / groups), np.nan)


def _statistics(name: str, values: np.ndarray) -> dict[str, Any]:
    finite = values[np.isfinite(values)]
    row: dict[str, Any] = {"map": name, "pixels": int(finite.size)}
    for key, function in (("mean", np.mean), ("median", np.median), ("std", np.std), ("min", np.min), ("max", np.max)):
        row[key] = float(function(finite)) if finite.size else float("nan")
    return row
