"""The survey's per-exposure figures against the products of the `lininspect correct` command and a direct
numpy computation, and its per-detector partials: any order of merges gives the same stacked maps."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from lininspect.cli import main
from lininspect.core.dq import NO_LIN_CORR, SATURATED
from lininspect.core.survey.survey import (
    CAUSE_COLUMNS,
    RESIDUAL_EDGES,
    DetectorStack,
    SurveySettings,
    SurveyStore,
    histogram_median,
    merge_stacks,
    stack_all,
    survey_exposure,
)

from comparison_files import (DELIVERY, OPERATIONAL, PICKS, coefficients, ramps, write_comparison_files,
                              write_two_context_cache)
from crds_cache import SERVERLESS_URL
from pipeline_oracle import write_linearity_reference, write_ramp_file

LEVEL = 20_000.0


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_comparison_files(tmp_path_factory.mktemp("survey"))


def corrected_by_the_command(exposure: Path, reference: Path, output: Path) -> Path:
    """The product `lininspect correct EXPOSURE -r REFERENCE -o OUTPUT` writes, run in this process."""
    assert main(["correct", str(exposure), "-r", str(reference), "-o", str(output), "--quiet"]) == 0
    return output


@pytest.fixture(scope="module")
def products(files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("products")
    return {name: corrected_by_the_command(files["exposure"], files[name], out / f"{name}_linearity.fits")
            for name in ("a", "b")}


@pytest.fixture(scope="module")
def row(files: dict[str, Path]) -> dict:
    settings = SurveySettings(reference=files["a"], against=files["b"], level=LEVEL)
    return survey_exposure(files["exposure"], settings).row


def _direct(raw: np.ndarray, groupdq: np.ndarray, corrected: np.ndarray, pixeldq: np.ndarray,
            reference: Path) -> dict[str, np.ndarray]:
    """Every per-pixel figure computed plainly, pixel by pixel, from a product and its input."""
    nints, ngroups, ny, nx = raw.shape
    groups = np.arange(ngroups, dtype=np.float64)
    flagged = (pixeldq & NO_LIN_CORR) != 0

    def residual(values: np.ndarray) -> np.ndarray:
        out = np.full((ny, nx), np.nan)
        for y in range(ny):
            for x in range(nx):
                squares = count = 0.0
                for i in range(nints):
                    ramp = values[i, :, y, x].astype(np.float64)
                    good = np.isfinite(ramp) & (groupdq[i, :, y, x] == 0)
                    if good.sum() < 3:
                        continue
                    slope, intercept = np.polyfit(groups[good], ramp[good], 1)
                    signal = slope * (groups[good][-1] - groups[good][0])
                    squares += np.sum(((ramp[good] - intercept - slope * groups[good]) / signal) ** 2)
                    count += good.sum()
                if count:
                    out[y, x] = 100 * np.sqrt(squares / count)
        return out

    factor_last = np.full((ny, nx), np.nan)
    for y in range(ny):
        for x in range(nx):
            best = -np.inf
            for i in range(nints):
                unsaturated = np.isfinite(raw[i, :, y, x]) & ((groupdq[i, :, y, x] & SATURATED) == 0)
                if unsaturated.any():
                    g = np.nonzero(unsaturated)[0][-1]
                    if raw[i, g, y, x] > best:
                        best = raw[i, g, y, x]
                        factor_last[y, x] = np.float64(corrected[i, g, y, x]) / np.float64(raw[i, g, y, x])
    coeffs = fits.getdata(reference, "COEFFS").astype(np.float64)
    factor_level = sum(c * LEVEL**j for j, c in enumerate(coeffs)) / LEVEL
    factor_last[flagged] = factor_level[flagged] = np.nan
    return {"before": residual(raw), "after": residual(corrected), "last": factor_last, "level": factor_level}


@pytest.fixture(scope="module")
def direct(files: dict[str, Path], products: dict[str, Path]) -> dict[str, dict[str, np.ndarray]]:
    with fits.open(files["exposure"]) as source:
        raw, groupdq = source["SCI"].data.astype(np.float32), source["GROUPDQ"].data.astype(np.uint8)
    figures = {}
    for name, product in products.items():
        with fits.open(product) as hdul:
            corrected, pixeldq = hdul["SCI"].data.astype(np.float32), hdul["PIXELDQ"].data.astype(np.uint32)
        figures[name] = _direct(raw, groupdq, corrected, pixeldq, files[name])
        figures[name]["no_lin_corr"] = int(np.count_nonzero(pixeldq & NO_LIN_CORR))
    figures["saturated_fraction"] = float(np.mean((groupdq & SATURATED) != 0))
    return figures


def _spread(values: np.ndarray) -> tuple[float, float, float]:
    finite = values[np.isfinite(values)]
    return tuple(float(v) for v in np.percentile(finite, [50, 5, 95]))


def test_no_lin_corr_equals_the_products_and_splits_by_cause(row: dict, direct: dict) -> None:
    assert row["no_lin_corr"] == direct["a"]["no_lin_corr"] == 3
    assert row["no_lin_corr_b"] == direct["b"]["no_lin_corr"] == 5
    assert sum(row[column] for column in CAUSE_COLUMNS) == row["no_lin_corr"]
    assert sum(row[column + "_b"] for column in CAUSE_COLUMNS) == row["no_lin_corr_b"]
    # A: two pixels by its DQ, one the exposure had already; B: DQ 2, NaN 1, zero c1 1, input 1.
    assert (row["no_lin_corr_reference_dq"], row["no_lin_corr_input"]) == (2, 1)
    assert [row[c + "_b"] for c in CAUSE_COLUMNS[:4]] == [1, 2, 1, 1]
    assert row["path"] == row["path_b"] == "classic"
    assert row["reference"] == "ref_a.fits" and row["reference_b"] == "ref_b.fits"


def test_saturated_fraction_counts_the_samples_left_raw(row: dict, direct: dict) -> None:
    assert row["saturated_fraction"] == pytest.approx(direct["saturated_fraction"], rel=1e-12)
    assert row["saturated_fraction"] > 0


def test_residual_figures_equal_a_direct_fit_of_the_products(row: dict, direct: dict) -> None:
    for suffix, name in (("", "a"), ("_b", "b")):
        after = direct[name]["after"]
        median, _, _ = _spread(after)
        assert row[f"residual_after_median{suffix}"] == pytest.approx(median, rel=1e-6)
        assert row[f"residual_after_p95{suffix}"] == pytest.approx(np.percentile(after[np.isfinite(after)], 95),
                                                                   rel=1e-6)
    before = direct["a"]["before"]
    assert row["residual_before_median"] == pytest.approx(np.median(before[np.isfinite(before)]), rel=1e-6)
    difference = direct["a"]["after"] - direct["b"]["after"]
    assert row["residual_after_diff_median"] == pytest.approx(np.median(difference[np.isfinite(difference)]),
                                                              rel=1e-5)


def test_a_correction_that_undoes_the_curvature_straightens_the_ramps(tmp_path: Path) -> None:
    """The figure of merit: raw = t - k t^2, corrected by the series of its inverse, is straight again."""
    k = 4e-6
    truth = 1000.0 + np.arange(1, 9, dtype=np.float64)[None, :, None, None] * np.linspace(500, 4000, 12).reshape(3, 4)
    raw = truth - k * truth**2
    coeffs = np.zeros((5, 3, 4), np.float32)
    coeffs[1], coeffs[2], coeffs[3], coeffs[4] = 1.0, k, 2 * k**2, 5 * k**3
    exposure = write_ramp_file(tmp_path / "curved_lastframe.fits", sci=raw.astype(np.float32), with_asdf=False)
    reference = write_linearity_reference(tmp_path / "undo.fits", coeffs=coeffs)
    row = survey_exposure(exposure, SurveySettings(reference=reference)).row
    assert row["residual_after_median"] < row["residual_before_median"] / 10
    assert row["residual_before_median"] > 0.1  # percent: a visibly curved ramp


def test_factors_equal_the_products_values(row: dict, direct: dict) -> None:
    for suffix, name in (("", "a"), ("_b", "b")):
        for column, key, tolerance in (("factor_last", "last", 1e-12), ("factor_level", "level", 1e-6)):
            median, p05, p95 = _spread(direct[name][key])
            assert row[f"{column}_median{suffix}"] == pytest.approx(median, rel=tolerance)
            assert row[f"{column}_p05{suffix}"] == pytest.approx(p05, rel=tolerance)
            assert row[f"{column}_p95{suffix}"] == pytest.approx(p95, rel=tolerance)
    difference = direct["a"]["last"] - direct["b"]["last"]
    assert row["factor_last_diff_median"] == pytest.approx(np.median(difference[np.isfinite(difference)]),
                                                           rel=1e-6)
    assert row["factor_level_median"] > 1  # the test references correct upwards


def test_worst_pixel_is_the_largest_residual(row: dict, direct: dict) -> None:
    after = np.where(np.isfinite(direct["a"]["after"]), direct["a"]["after"], -np.inf)
    y, x = np.unravel_index(np.argmax(after), after.shape)
    assert (row["worst_x"], row["worst_y"]) == (x, y)


def test_stacks_merge_in_any_order_to_the_same_maps(files: dict[str, Path]) -> None:
    surveys = [survey_exposure(files["exposure"], SurveySettings(reference=files[name], level=LEVEL))
               for name in ("a", "b", "a")]
    batched = merge_stacks(stack_all(surveys[:1]), stack_all(surveys[1:]))
    one_by_one = merge_stacks(merge_stacks(stack_all(surveys[2:]), stack_all(surveys[1:2])), stack_all(surveys[:1]))
    (key,) = batched
    assert batched[key].exposures == 3
    for name, values in batched[key].maps().items():
        np.testing.assert_array_equal(values, one_by_one[key].maps()[name])
    maps = batched[key].maps()
    residuals = np.stack([s.maps["residual_a"] for s in surveys])
    np.testing.assert_array_equal(maps["residual_a_exposures"], np.isfinite(residuals).sum(axis=0))
    factors = np.stack([s.maps["factor_level_a"] for s in surveys]).astype(np.float64)
    with warnings.catch_warnings():  # all-NaN pixels (left uncorrected everywhere) stay NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanmean(factors, axis=0)
        true_median = np.nanmedian(residuals, axis=0)
    np.testing.assert_allclose(maps["factor_level_a_mean"], expected, rtol=1e-6)
    # The stacked median lies in the bin of the true median (two of three exposures share A's value).
    bins = np.searchsorted(RESIDUAL_EDGES, maps["residual_a_median"], side="right")
    truth = np.searchsorted(RESIDUAL_EDGES, true_median, side="right")
    fitted = np.isfinite(maps["residual_a_median"])
    np.testing.assert_array_equal(bins[fitted], truth[fitted])


def test_stack_partials_equal_a_direct_histogram_sum_and_count() -> None:
    """Values on the bin edges, in the open last bin, zero and NaN, over two exposures."""
    from lininspect.core.survey.survey import ExposureSurvey

    rng = np.random.default_rng(5)
    shape = (7, 9)
    exposures = []
    for _ in range(2):
        residual = (10 ** rng.uniform(-4, 2, shape)).astype(np.float32)
        residual.flat[:len(RESIDUAL_EDGES) - 1] = RESIDUAL_EDGES[:-1]
        residual[6, :3] = [0.0, np.nan, 1e6]
        factor = rng.normal(1, 0.01, shape).astype(np.float32)
        factor[rng.random(shape) < 0.2] = np.nan
        exposures.append(ExposureSurvey({"stack": "k"}, {"residual_a": residual, "factor_level_a": factor}))
    (stack,) = stack_all(exposures).values()
    residuals = np.stack([e.maps["residual_a"] for e in exposures])
    expected = np.zeros((len(RESIDUAL_EDGES) - 1,) + shape, np.uint32)
    for values in residuals:
        finite = np.isfinite(values)
        bins = np.searchsorted(RESIDUAL_EDGES, values, side="right") - 1
        for b in range(expected.shape[0]):
            expected[b] += finite & (bins == b)
    np.testing.assert_array_equal(stack.histograms["residual_a"], expected)
    for name in ("residual_a", "factor_level_a"):
        values = np.stack([e.maps[name] for e in exposures]).astype(np.float64)
        np.testing.assert_array_equal(stack.sums[name], np.where(np.isfinite(values), values, 0).sum(axis=0))
        np.testing.assert_array_equal(stack.counts[name], np.isfinite(values).sum(axis=0))
    assert "factor_level_a" not in stack.histograms


def test_histogram_median_interpolates_within_the_bin() -> None:
    edges = np.array([0.0, 1.0, 10.0, np.inf])
    histogram = np.zeros((3, 1, 3), dtype=np.uint32)
    histogram[:, 0, 0] = [0, 2, 0]  # both in [1, 10): half-way geometrically -> sqrt(10)
    histogram[:, 0, 1] = [2, 0, 0]  # in [0, 1): linear -> 0.5
    median, total = histogram_median(histogram, edges)
    assert median[0, 0] == pytest.approx(np.sqrt(10), rel=1e-6)
    assert median[0, 1] == pytest.approx(0.5)
    assert np.isnan(median[0, 2])
    assert total.tolist() == [[2, 2, 0]]


def _median_by_numpy(histogram: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The median of each pixel's histogram in whole-array numpy operations, as the survey first had it."""
    counts = histogram.astype(np.float64)
    total = counts.sum(axis=0)
    cumulative = np.cumsum(counts, axis=0)
    half = total / 2
    index = np.minimum(np.argmax(cumulative >= half, axis=0), counts.shape[0] - 1)
    inside = np.take_along_axis(counts, index[np.newaxis], axis=0)[0]
    below = np.take_along_axis(cumulative, index[np.newaxis], axis=0)[0] - inside
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.clip((half - below) / inside, 0, 1)
        low, high = edges[index], edges[index + 1]
        geometric = low * (high / np.where(low > 0, low, 1)) ** fraction
        value = np.where(low > 0, geometric, low + (high - low) * fraction)
        value = np.where(np.isfinite(high), value, low)
    return np.where(total > 0, value, np.nan).astype(np.float32)


def test_histogram_median_is_numpys_arithmetic_bit_for_bit() -> None:
    rng = np.random.default_rng(3)
    histogram = rng.integers(0, 4, size=(len(RESIDUAL_EDGES) - 1, 37, 53)).astype(np.uint32)
    histogram *= rng.random(histogram.shape) < 0.2  # sparse: most pixels hold a few exposures in a few bins
    histogram[:, 0, :5] = 0  # empty pixels
    histogram[-1, 1, :5] = 7  # everything in the open last bin
    histogram[0, 2, :5] = 3  # everything in the first bin, which starts at 0
    median, total = histogram_median(histogram, RESIDUAL_EDGES)
    np.testing.assert_array_equal(median.view(np.uint32), _median_by_numpy(histogram, RESIDUAL_EDGES).view(np.uint32))
    np.testing.assert_array_equal(total, histogram.sum(axis=0))


def test_store_keeps_a_result_whole(files: dict[str, Path], tmp_path: Path) -> None:
    survey = survey_exposure(files["exposure"], SurveySettings(reference=files["a"]))
    store = SurveyStore(tmp_path / "survey")
    store.prepare()
    assert store.load("k") is None
    store.save("k", survey)
    kept = store.load("k")
    assert kept is not None and json.dumps(kept.row, sort_keys=True) == json.dumps(survey.row, sort_keys=True)
    for name, values in survey.maps.items():
        np.testing.assert_array_equal(kept.maps[name], values)
    assert sorted(p.name for p in (tmp_path / "survey").rglob("*")) == ["heads", "k.json", "k.npz", "partials", "rows", "seen"]
    assert DetectorStack.of(kept).exposures == 1


def test_against_context_judges_the_deliverys_pick_against_the_operational_one(
        files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from crds.core.utils import clear_function_caches

    picked = write_two_context_cache(tmp_path / "crds", files)
    for key in ("CRDS_PATH", "CRDS_SERVER_URL", "CRDS_CONTEXT", "CRDS_MODE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("CRDS_PATH", str(tmp_path / "crds"))
    monkeypatch.setenv("CRDS_SERVER_URL", SERVERLESS_URL)
    clear_function_caches()
    try:
        row = survey_exposure(files["exposure"], SurveySettings(against_context=DELIVERY, as_is=True)).row
    finally:
        clear_function_caches()
    assert (row["reference"], row["reference_b"]) == (PICKS[OPERATIONAL], PICKS[DELIVERY])
    assert OPERATIONAL in row["reference_origin"] and DELIVERY in row["reference_origin_b"]
    given = survey_exposure(files["exposure"], SurveySettings(reference=picked[OPERATIONAL],
                                                              against=picked[DELIVERY])).row
    for column in ("no_lin_corr_b", "factor_last_diff_median", "residual_after_diff_p95"):
        assert row[column] == given[column]


def test_stacked_mean_residual_is_exact(files: dict[str, Path]) -> None:
    surveys = [survey_exposure(files["exposure"], SurveySettings(reference=files[name])) for name in ("a", "b")]
    (stack,) = stack_all(surveys).values()
    residuals = np.stack([s.maps["residual_a"] for s in surveys]).astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanmean(residuals, axis=0)
    np.testing.assert_allclose(stack.maps()["residual_a_mean"], expected, rtol=1e-6)


def test_a_read_level_exposure_is_the_products_and_counts_the_inverses_causes(tmp_path: Path) -> None:
    """NFRAMES > 1 with INV_COEFFS: the read-level path, its NO_LIN_CORR causes, and its figures from the product."""
    from readlevel_files import inverse_coefficients

    shape = (2, 5, 24, 20)
    ny, nx = shape[2:]
    sci, groupdq = ramps(shape)
    exposure = write_ramp_file(tmp_path / "nframes4_lastframe.fits", sci=sci, groupdq=groupdq, nframes=4,
                               with_asdf=False, extra_header={"NGROUPS": shape[1]})
    inverse = inverse_coefficients(ny, nx, 2e-6)
    inverse[:, 3, 4] = np.nan  # NaN inverse: left uncorrected
    inverse[1, 5, 6] = 0.0  # zero linear term of the inverse: left uncorrected
    reference = write_linearity_reference(tmp_path / "inv.fits", coeffs=coefficients(ny, nx, 1, 2e-6),
                                          inv_coeffs=inverse)
    row = survey_exposure(exposure, SurveySettings(reference=reference, level=LEVEL)).row
    product = corrected_by_the_command(exposure, reference, tmp_path / "nframes4_linearity.fits")
    with fits.open(product) as hdul:
        corrected, pixeldq = hdul["SCI"].data.astype(np.float32), hdul["PIXELDQ"].data.astype(np.uint32)
    direct = _direct(sci, groupdq, corrected, pixeldq, reference)
    assert row["path"] == "read-level"
    assert row["no_lin_corr"] == int(np.count_nonzero(pixeldq & NO_LIN_CORR)) == 2
    assert (row["no_lin_corr_nan_inverse"], row["no_lin_corr_zero_inverse"]) == (1, 1)
    median, p05, p95 = _spread(direct["last"])
    assert (row["factor_last_median"], row["factor_last_p05"], row["factor_last_p95"]) == pytest.approx(
        (median, p05, p95), rel=1e-12)
    after = direct["after"]
    assert row["residual_after_median"] == pytest.approx(np.median(after[np.isfinite(after)]), rel=1e-6)
    assert row["residual_after_p95"] == pytest.approx(np.percentile(after[np.isfinite(after)], 95), rel=1e-6)


def test_results_are_keyed_by_the_references_content_the_level_and_the_version(
        files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from lininspect.core.survey import survey as survey_module

    base = SurveySettings(reference=files["a"], against=files["b"]).identity()
    renamed = tmp_path / "renamed_a.fits"
    shutil.copyfile(files["a"], renamed)
    assert SurveySettings(reference=renamed, against=files["b"]).identity() == base  # the content, not the name
    for other in (SurveySettings(reference=files["b"], against=files["b"]), SurveySettings(reference=files["a"]),
                  SurveySettings(reference=files["a"], against=files["b"], level=20_000.0),
                  SurveySettings(reference=files["a"], against=files["b"], as_is=True)):
        assert other.identity() != base
    monkeypatch.setattr(survey_module, "__version__", "999.0")
    assert SurveySettings(reference=files["a"], against=files["b"]).identity() != base
