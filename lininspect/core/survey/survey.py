"""A survey's figures: one row per exposure, and per-detector partials that stack into maps.

Pure numpy, no Dask: :mod:`lininspect.cluster` runs :func:`survey_exposure` once per file on
its workers and reduces the :class:`DetectorStack` partials there; everything here is tested
without a cluster.

Each exposure is read once, a row block of one integration at a time (memory stays at a few
blocks whatever the file's size), and corrected with reference A (and B) by the very tile
kernels ``lininspect correct`` uses, so its values are the product's. Per pixel it keeps:

- the **residual non-linearity**: per integration a least-squares line against the group index
  through the usable groups (finite, GROUPDQ 0; at least ``MIN_FIT_GROUPS``), its residuals
  divided by the signal the line accumulates between the first and last usable group; pooled over
  integrations as an RMS, in percent. Before (raw) and after correction: corrected ramps should be
  straight;
- the **correction factor** corrected / raw at the *last unsaturated group* (the last finite
  sample without SATURATED of each integration; of those, the highest), and at ``level`` DN (the
  prepared forward polynomial, what the correction applies there). NaN where the pixel is left
  uncorrected (NO_LIN_CORR), so a stack averages corrections, not identities.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ... import __version__
from ..analysis.analysis import MIN_FIT_GROUPS
from ..fits.atomic import atomic_path
from ..analysis.comparison import chosen_by, uncorrected_reasons
from ..kernels.correction import PreparedCoefficients, correct_row_block, evaluate, read_row_block
from ..references.crdsref import GIVE_REFERENCE_B, crds_linearity_reference
from ..dq import NO_LIN_CORR
from ..errors import LinInspectError
from ..fits.exposure import Exposure, open_exposure
from ..kernels.pathway import CorrectionPlan, plan_correction
from ..references.reference import LinearityReference, check_same_detector
from ..references.resolve import resolve_input
from .contentdigest import ContentDigest, content_digest

#: The signal of the trended correction factor, as ground observatories trend it (e.g. HAWK-I's).
DEFAULT_LEVEL = 10_000.0

#: Bytes at the start of a file that, with its size, tell a probable copy of a surveyed file.
_HEAD_BYTES = 64 * 2**10

#: Samples (groups x rows x columns) of one row block: raw, flags and corrections held at once.
_BLOCK_SAMPLES = 1_000_000

#: Edges (percent) of the per-pixel histogram of residual non-linearity the stacked median is read
#: from: 0, then log-spaced from 0.001 % to 30 % (each bin ~1.6x the last), then everything above.
RESIDUAL_EDGES = np.concatenate(([0.0], np.geomspace(1e-3, 30.0, 23), [np.inf]))

#: Causes of NO_LIN_CORR, as row columns, indexed like comparison.UNCORRECTED_REASONS (0: the input's own).
CAUSE_COLUMNS = (
    "no_lin_corr_input",
    "no_lin_corr_reference_dq",
    "no_lin_corr_nan_coeffs",
    "no_lin_corr_zero_linear",
    "no_lin_corr_nan_inverse",
    "no_lin_corr_zero_inverse",
)

#: The per-exposure maps kept for stacking, for each reference (suffix ``_a``/``_b``).
MAP_NAMES = ("residual", "factor_last", "factor_level")


@dataclass(frozen=True)
class SurveySettings:
    """What every exposure of a survey is judged with; part of each result's key."""

    reference: Path | None = None  # None: CRDS picks A for each exposure
    against: Path | None = None
    against_context: str | None = None
    level: float = DEFAULT_LEVEL
    as_is: bool = False
    crds_context: str | None = None

    @property
    def compares(self) -> bool:
        return self.against is not None or self.against_context is not None

    def identity(self) -> str:
        """The settings as text, with the references' contents (not their names) standing for them."""
        parts = {
            "lininspect": __version__,
            "reference": content_digest(self.reference) if self.reference else f"crds:{self.crds_context or ''}",
            "against": content_digest(self.against) if self.against else self.against_context,
            "level": repr(float(self.level)),
            "as_is": self.as_is,
        }
        return json.dumps(parts, sort_keys=True)


@dataclass
class ExposureSurvey:
    """One exposure's row of figures and its maps (``residual_a``, ``factor_last_a``, ...; float32),
    and when asked for, the input's content digest (taken from the pass's own reads)."""

    row: dict[str, Any]
    maps: dict[str, np.ndarray] = field(default_factory=dict)
    digest: str = ""

    @property
    def stack_key(self) -> str | None:
        return self.row.get("stack")


def result_key(digest: str, settings_identity: str) -> str:
    return hashlib.sha256(f"{digest}\n{settings_identity}".encode()).hexdigest()[:32]


def survey_exposure(path: str | Path, settings: SurveySettings, *, workers: int | None = 1,
                    digest: bool = False) -> ExposureSurvey:
    """The row and maps of one exposure, prepared and referenced as ``lininspect correct`` would.

    ``digest``: also the input's :func:`content_digest`, from the pass's reads when the pass reads
    the input itself (not a prepared copy of it), so the file is read once for both.
    Raises LinInspectError for what ``correct`` refuses; the caller turns it into the row's reason.
    """
    path = Path(path)
    reference_a = None
    if settings.reference is not None:
        from ..references.reference import open_reference

        reference_a = open_reference(settings.reference)
        check_same_detector(open_exposure(path), reference_a)
    ready = resolve_input(path, reference_a, as_is=settings.as_is)
    exposure = open_exposure(ready.ramp)
    content = ContentDigest(exposure.file) if digest and ready.ramp == path else None
    if content is not None:
        exposure.file.observer = content.observe
    references = [ready.reference]
    if settings.compares:
        references.append(_reference_b(path, settings))
        check_same_detector(exposure, references[1])
    plans = [plan_correction(exposure, reference) for reference in references]
    prepared = [plan.prepare(exposure.pixeldq, exposure.ngroups) for plan in plans]
    sums = _stream(exposure, prepared, workers=workers)

    row: dict[str, Any] = {
        "file": str(path),
        "detector": _header_text(exposure, "DETECTOR"),
        "subarray": _header_text(exposure, "SUBARRAY"),
        "exp_start": _exposure_start(exposure),
    }
    maps: dict[str, np.ndarray] = {}
    suffixes = ("", "_b")
    for k, (reference, plan, coefficients) in enumerate(zip(references, plans, prepared)):
        figures, pixel_maps = _figures(exposure, reference, plan, coefficients, sums, k, settings.level)
        row.update({name + suffixes[k]: value for name, value in figures.items()})
        maps.update({f"{name}_{'ab'[k]}": values for name, values in pixel_maps.items()})
    row["saturated_fraction"] = sums.saturated / max(int(np.prod(exposure.shape)), 1)
    row["residual_before_median"], row["residual_before_p95"] = _median_p95(_percent(sums.before))
    if settings.compares:
        for name in ("factor_level", "factor_last"):
            row.update(_spread(f"{name}_diff", maps[f"{name}_a"] - maps[f"{name}_b"]))
        row["residual_after_diff_median"], row["residual_after_diff_p95"] = _median_p95(
            maps["residual_a"] - maps["residual_b"])
    row["stack"] = stack_key(exposure)
    exposure.file.observer = None
    if content is not None:
        digest_text = content.hexdigest()
    else:  # prepared first: the pass read the prepared copy, not the input
        digest_text = content_digest(path) if digest else ""
    return ExposureSurvey(row, {name: values.astype(np.float32) for name, values in maps.items()}, digest_text)


def stack_key(exposure: Exposure) -> str:
    """Exposures stack pixel for pixel when they share detector, subarray position and size."""
    ny, nx = exposure.shape[2:]
    try:
        x, y = exposure.substrt()
    except LinInspectError:
        x, y = 1, 1
    name = f"{_header_text(exposure, 'DETECTOR') or 'unknown'}_{x}_{y}_{nx}x{ny}"
    return "".join(c if c.isalnum() or c in "_-" else "-" for c in name)


def _reference_b(path: Path, settings: SurveySettings) -> LinearityReference:
    from ..references.reference import open_reference

    if settings.against is not None:
        return open_reference(settings.against)
    return crds_linearity_reference(path, context=settings.against_context, give=GIVE_REFERENCE_B)


def _header_text(exposure: Exposure, key: str) -> str:
    return str(exposure.header.get(key, "")).strip()


def _exposure_start(exposure: Exposure) -> float:
    """EXPSTART (MJD) for the trends; NaN when the file does not say."""
    try:
        return float(exposure.header["EXPSTART"])
    except (KeyError, TypeError, ValueError):
        return math.nan


@dataclass
class _Sums:
    """Per pixel, what the streamed pass accumulates; lists are per reference."""

    before: tuple[np.ndarray, np.ndarray]  # sum of squared relative residuals, groups: raw ramps
    after: list[tuple[np.ndarray, np.ndarray]]
    signal: np.ndarray  # highest raw value at a last unsaturated group (-inf: none)
    corrected_at_signal: list[np.ndarray]
    saturated: int = 0


def _stream(exposure: Exposure, prepared: list[PreparedCoefficients], *, workers: int | None) -> _Sums:
    nints, ngroups, ny, nx = exposure.shape
    plane = (ny, nx)

    def pair() -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(plane), np.zeros(plane)

    sums = _Sums(pair(), [pair() for _ in prepared], np.full(plane, -np.inf),
                 [np.full(plane, np.nan, dtype=np.float32) for _ in prepared])
    rows = max(1, min(min(p.tile_rows(nx) for p in prepared), _BLOCK_SAMPLES // max(ngroups * nx, 1)))
    sci, groupdq = exposure.streamed()  # read through the descriptor the exposure holds
    for r0 in range(0, ny, rows):
        block = slice(r0, min(r0 + rows, ny))
        for i in range(nints):
            _reduce_block(sci, groupdq, prepared, sums, i, block)
    return sums


def _reduce_block(sci: Any, groupdq: Any | None, prepared: list[PreparedCoefficients], sums: _Sums, i: int,
                  rows: slice) -> None:
    """Read rows of integration ``i`` once, correct them with each reference, fold them into ``sums``."""
    from ..kernels import compiled  # loaded with the compiled corrections

    raw, flags = read_row_block(sci, groupdq, i, rows)
    last = np.empty(raw.shape[1:], dtype=np.int64)
    sums.saturated += compiled.last_unsaturated_rows(raw, flags, last)
    _add_relative_residuals(sums.before, raw, flags, rows)
    found = last >= 0
    last = np.maximum(last, 0)[np.newaxis]
    at_last = np.take_along_axis(raw, last, axis=0)[0]
    higher = found & (at_last.astype(np.float64) > sums.signal[rows])
    sums.signal[rows][higher] = at_last[higher]
    for k, coefficients in enumerate(prepared):
        corrected = correct_row_block(coefficients, raw, flags if groupdq is not None else None, rows, sci.shape[2])
        _add_relative_residuals(sums.after[k], corrected, flags, rows)  # an overflowing correction: unusable
        corrected_last = np.take_along_axis(corrected, last, axis=0)[0]
        sums.corrected_at_signal[k][rows][higher] = corrected_last[higher]


def _add_relative_residuals(target: tuple[np.ndarray, np.ndarray], values: np.ndarray, flags: np.ndarray,
                            rows: slice) -> None:
    squares, groups = relative_residual_sums(values, flags)
    target[0][rows] += squares
    target[1][rows] += groups


def relative_residual_sums(ramps: np.ndarray, flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel of one integration, the sum of squared (ramp - line)/signal over the usable groups
    (finite, GROUPDQ 0), and how many groups that is (0 where fewer than MIN_FIT_GROUPS are usable
    or the line is flat).

    ``ramps``/``flags`` are (ngroups, ...); the line is a least-squares fit against the group index,
    the signal what it rises between the first and the last usable group: the comparison's
    compiled one-pass fit, which also gives the rise.
    """
    from ..kernels import compiled

    plane = ramps.shape[1:]
    rss, groups, rise = np.empty(plane), np.empty(plane), np.empty(plane)
    compiled.line_fit_rows(ramps, flags, rss, groups, rise)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        squares = rss / (rise * rise)
    fitted = (groups >= MIN_FIT_GROUPS) & np.isfinite(squares)
    return np.where(fitted, squares, 0.0), np.where(fitted, groups, 0.0)


def _percent(sums: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Pooled RMS in percent; NaN where no integration was fitted."""
    squares, groups = sums
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(groups > 0, 100.0 * np.sqrt(squares / groups), np.nan)


def _figures(exposure: Exposure, reference: LinearityReference, plan: CorrectionPlan,
             coefficients: PreparedCoefficients, sums: _Sums, k: int,
             level: float) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """One reference's columns of the row, and its maps."""
    flagged = (coefficients.pixeldq & np.uint32(NO_LIN_CORR)) != 0
    causes = uncorrected_reasons(plan)
    causes[(exposure.pixeldq & np.uint32(NO_LIN_CORR)) != 0] = 0
    figures: dict[str, Any] = {
        "reference": reference.path.name,
        "reference_file": str(reference.path.resolve()),
        "reference_origin": chosen_by(reference),
        "path": "read-level" if plan.read_level else "classic",
        "no_lin_corr": int(np.count_nonzero(flagged)),
    }
    for code, column in enumerate(CAUSE_COLUMNS):
        figures[column] = int(np.count_nonzero(flagged & (causes == code)))
    with np.errstate(invalid="ignore", divide="ignore"):
        factor_level = (evaluate(coefficients.coeffs, np.float32(level)).astype(np.float64) / level)
        factor_last = sums.corrected_at_signal[k].astype(np.float64) / sums.signal
    factor_last[~np.isfinite(sums.signal) | (sums.signal == 0)] = np.nan
    factor_level[flagged] = np.nan
    factor_last[flagged] = np.nan
    residual = _percent(sums.after[k])
    figures.update(_spread("factor_level", factor_level))
    figures.update(_spread("factor_last", factor_last))
    figures["residual_after_median"], figures["residual_after_p95"] = _median_p95(residual)
    worst = np.where(np.isfinite(residual), residual, -np.inf)
    y, x = np.unravel_index(int(np.argmax(worst)), worst.shape)
    figures["worst_x"], figures["worst_y"] = (int(x), int(y)) if np.isfinite(worst[y, x]) else (-1, -1)
    maps = {
        "residual": residual,
        "factor_last": factor_last,
        "factor_level": factor_level,
    }
    return figures, maps


def _spread(name: str, values: np.ndarray) -> dict[str, float]:
    """Median and 5th/95th percentiles over the finite values (NaN when there are none)."""
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return {f"{name}_median": math.nan, f"{name}_p05": math.nan, f"{name}_p95": math.nan}
    p05, median, p95 = np.percentile(finite, [5, 50, 95])
    return {f"{name}_median": float(median), f"{name}_p05": float(p05), f"{name}_p95": float(p95)}


def _median_p95(values: np.ndarray) -> tuple[float, float]:
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return math.nan, math.nan
    median, p95 = np.percentile(finite, [50, 95])
    return float(median), float(p95)


@dataclass
class DetectorStack:
    """Mergeable per-pixel partials of one detector's exposures: histograms, sums and counts.

    ``histograms[f"residual_{r}"]`` is (bins, ny, nx) uint32 over RESIDUAL_EDGES; ``sums``/``counts``
    hold float64 totals and uint32 counts of the finite per-exposure factors (and, with two
    references, of their A - B differences). Merging adds them, so any tree of merges gives the same maps.
    """

    key: str
    exposures: int
    histograms: dict[str, np.ndarray]
    sums: dict[str, np.ndarray]
    counts: dict[str, np.ndarray]

    @classmethod
    def of(cls, survey: ExposureSurvey) -> DetectorStack:
        stack = cls(str(survey.stack_key), 0, {}, {}, {})
        stack.add(survey)
        return stack

    def add(self, survey: ExposureSurvey) -> None:
        """Fold one exposure's maps in, in place (a batch allocates its histograms once)."""
        maps = dict(survey.maps)
        for name in ("factor_last", "factor_level"):
            if f"{name}_b" in maps:
                maps[f"{name}_diff"] = maps[f"{name}_a"] - maps[f"{name}_b"]
        from ..kernels import compiled  # one compiled pass per map: numpy's took 0.06 s a full frame

        for name, values in maps.items():
            if name.startswith("residual") and name not in self.histograms:
                self.histograms[name] = np.zeros((len(RESIDUAL_EDGES) - 1,) + values.shape, dtype=np.uint32)
            if name not in self.sums:
                self.sums[name] = np.zeros(values.shape)
                self.counts[name] = np.zeros(values.shape, dtype=np.uint32)
            compiled.stack_add(np.ascontiguousarray(values), RESIDUAL_EDGES, self.histograms.get(name),
                               self.sums[name], self.counts[name])
        self.exposures += 1

    def merged(self, other: DetectorStack) -> DetectorStack:
        if other.key != self.key:
            raise ValueError(f"cannot stack {other.key} onto {self.key}")
        def add(mine: dict[str, np.ndarray], theirs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
            return {name: mine[name] + theirs[name] if name in theirs else mine[name]
                    for name in mine} | {name: values for name, values in theirs.items() if name not in mine}
        return DetectorStack(self.key, self.exposures + other.exposures, add(self.histograms, other.histograms),
                             add(self.sums, other.sums), add(self.counts, other.counts))

    def maps(self) -> dict[str, np.ndarray]:
        """The stacked maps: per pixel median residual (%) and how many exposures had a fit there,
        mean residuals and factors, and with B the A - B differences (mean factors, median residuals)."""
        result: dict[str, np.ndarray] = {}
        for name, histogram in sorted(self.histograms.items()):
            result[f"{name}_median"], result[f"{name}_exposures"] = histogram_median(histogram, RESIDUAL_EDGES)
        if "residual_a_median" in result and "residual_b_median" in result:
            result["residual_diff_median"] = result["residual_a_median"] - result["residual_b_median"]
        for name in sorted(self.sums):
            with np.errstate(invalid="ignore", divide="ignore"):
                result[f"{name}_mean"] = np.where(self.counts[name] > 0, self.sums[name] / self.counts[name],
                                                  np.nan).astype(np.float32)
        return result


def stack_all(surveys: list[ExposureSurvey]) -> dict[str, DetectorStack]:
    """The partials of a batch of exposures, one per stack key (failed exposures have none)."""
    stacks: dict[str, DetectorStack] = {}
    for survey in surveys:
        if not survey.maps:
            continue
        if survey.stack_key in stacks:
            stacks[survey.stack_key].add(survey)
        else:
            stacks[survey.stack_key] = DetectorStack.of(survey)
    return stacks


def merge_stacks(first: dict[str, DetectorStack], second: dict[str, DetectorStack]) -> dict[str, DetectorStack]:
    merged = dict(first)
    for key, partial in second.items():
        merged[key] = merged[key].merged(partial) if key in merged else partial
    return merged


def histogram_median(histogram: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel median of a (bins, ny, nx) histogram (float32), interpolated geometrically inside its bin
    (linearly in the first, which starts at 0; the last, open bin gives its lower edge), NaN where it is
    empty; and how many values it holds there (uint32)."""
    from ..kernels import compiled

    median = np.empty(histogram.shape[1:], dtype=np.float32)
    total = np.empty(histogram.shape[1:], dtype=np.uint32)
    compiled.histogram_medians(np.ascontiguousarray(histogram), np.asarray(edges, dtype=np.float64), median, total)
    return median, total


class SurveyStore:
    """A survey directory's kept results, one row (JSON) and one map set (NPZ) per key.

    The maps are written before the row and the row names the result done, both atomically, so
    a result is either kept whole or recomputed; writers of the same key write the same bytes.

    So that finding a kept result costs no read of the file, the store also remembers each
    surveyed file's content digest by what ``stat`` says of it (device, inode, size, modification
    and change times: an edit, a replacement or a copy changes one), and marks the size and first
    64 KiB of each file whose result it keeps, which tells when a file it does not know by its
    ``stat`` may be a copy worth a digest before a pass.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.rows = self.directory / "rows"
        self.partials = self.directory / "partials"
        self.seen = self.directory / "seen"
        self.heads = self.directory / "heads"

    def prepare(self) -> None:
        for folder in (self.directory, self.rows, self.partials, self.seen, self.heads):
            folder.mkdir(exist_ok=True)

    def known_digest(self, status: os.stat_result) -> str | None:
        """The content digest remembered for a file that ``stat`` still describes so, else None."""
        try:
            text = (self.seen / _stat_name(status)).read_text().strip()
        except OSError:
            return None
        return text if len(text) == 64 else None  # a half-copied one is computed again

    def may_hold_copy(self, path: str | Path, status: os.stat_result) -> bool:
        """Whether a kept result's file had this file's size and first 64 KiB (a copy, a moved file)."""
        try:
            return (self.heads / _head_name(path, status)).exists()
        except OSError:
            return False

    def remember(self, path: str | Path, status: os.stat_result, digest: str) -> None:
        """Note ``path``'s digest under the ``stat`` it had before it was read, if it still has it."""
        try:
            if _stat_name(os.stat(path)) != _stat_name(status):
                return  # changed while being read: the digest may be of neither version
            for target, text in ((self.seen / _stat_name(status), digest), (self.heads / _head_name(path, status), "")):
                with atomic_path(target) as temporary:
                    temporary.write_text(text)
        except OSError:
            return  # a later run reads the file once more: no harm

    def load(self, key: str) -> ExposureSurvey | None:
        row_path, maps_path = self.rows / f"{key}.json", self.partials / f"{key}.npz"
        if not row_path.is_file():
            return None
        try:
            row = json.loads(row_path.read_text())
            maps = {}
            if row.get("stack"):
                with np.load(maps_path) as stored:
                    maps = {name: stored[name] for name in stored.files}
        except (OSError, ValueError):
            return None  # damaged or half-copied by hand: computed again
        return ExposureSurvey(row, maps)

    def save(self, key: str, survey: ExposureSurvey) -> None:
        if survey.maps:
            with atomic_path(self.partials / f"{key}.npz") as temporary:
                with open(temporary, "wb") as stream:
                    np.savez(stream, **survey.maps)  # zlib cost as much as the survey pass itself
        with atomic_path(self.rows / f"{key}.json") as temporary:
            temporary.write_text(json.dumps(survey.row, default=_plain))


def _stat_name(status: os.stat_result) -> str:
    identity = f"{status.st_dev} {status.st_ino} {status.st_size} {status.st_mtime_ns} {status.st_ctime_ns}"
    return hashlib.sha256(identity.encode()).hexdigest()[:32]


def _head_name(path: str | Path, status: os.stat_result) -> str:
    with open(path, "rb") as stream:
        head = stream.read(_HEAD_BYTES)
    return f"{status.st_size}-{hashlib.sha256(head).hexdigest()[:32]}"


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")
