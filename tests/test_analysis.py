"""The inspector's numpy helpers: fits, region means, residual maps and display limits."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from lininspect.core.analysis import analysis
from lininspect.core.kernels.correction import evaluate
from lininspect.core.errors import CorrectionCancelled


def test_line_fit_residuals_of_a_line_are_zero_and_flagged_groups_are_nan() -> None:
    ramp = 3.0 + 2.5 * np.arange(8)
    ramp[5] += 100.0  # a flagged outlier must not bend the fit
    good = np.ones(8, dtype=bool)
    good[5] = False
    residuals = analysis.line_fit_residuals(ramp, good)
    assert np.isnan(residuals[5])
    np.testing.assert_allclose(np.delete(residuals, 5), 0.0, atol=1e-9)


def test_line_fit_residuals_need_three_groups() -> None:
    assert np.isnan(analysis.line_fit_residuals(np.arange(4.0), np.array([1, 1, 0, 0], bool))).all()


def test_line_fit_residuals_of_a_curve() -> None:
    ramp = np.arange(5.0) ** 2
    residuals = analysis.line_fit_residuals(ramp, np.ones(5, dtype=bool))
    np.testing.assert_allclose(residuals, ramp - np.polyval(np.polyfit(np.arange(5), ramp, 1), np.arange(5)))
    assert abs(residuals.sum()) < 1e-9


def test_region_mean_ramp_skips_flagged_and_nan_samples() -> None:
    values = np.arange(2 * 2 * 3, dtype=np.float32).reshape(2, 2, 3)
    groupdq = np.zeros(values.shape, dtype=np.uint8)
    groupdq[0, 0, 0] = 2
    values[1, 1, 2] = np.nan
    groupdq[1] = 4  # every sample of group 1 flagged
    mean, count = analysis.region_mean_ramp(values, groupdq)
    assert count.tolist() == [5, 0]
    assert mean[0] == pytest.approx(np.mean([1, 2, 3, 4, 5]))
    assert np.isnan(mean[1])


def test_region_mean_ramp_without_groupdq() -> None:
    values = np.ones((3, 4, 4))
    mean, count = analysis.region_mean_ramp(values, None)
    assert count.tolist() == [16, 16, 16]
    np.testing.assert_array_equal(mean, 1.0)


def test_residual_rms_map_matches_per_pixel_fits() -> None:
    rng = np.random.default_rng(1)
    ramps = (np.arange(7)[:, None, None] * 10.0 + rng.normal(0, 1, (7, 9, 5))).astype(np.float32)
    groupdq = np.zeros(ramps.shape, dtype=np.uint8)
    groupdq[4:, 2, 3] = 2
    groupdq[2:, 0, 0] = 1  # only 2 usable groups left
    rms = analysis.residual_rms_map(ramps, groupdq, rows=4)
    for y in range(9):
        for x in range(5):
            good = analysis.usable(ramps[:, y, x], groupdq[:, y, x])
            residuals = analysis.line_fit_residuals(ramps[:, y, x], good)
            expected = np.sqrt(np.nanmean(residuals**2)) if good.sum() >= 3 else np.nan
            np.testing.assert_allclose(rms[y, x], expected, rtol=1e-4, atol=1e-5)
    assert np.isnan(rms[0, 0])


def test_residual_rms_map_cancels() -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(CorrectionCancelled):
        analysis.residual_rms_map(np.zeros((3, 4, 4)), None, cancel=cancel)


def test_zscale_ignores_a_bright_source() -> None:
    rng = np.random.default_rng(2)
    image = rng.normal(100.0, 5.0, (200, 200))
    image[90:110, 90:110] = 1e5
    low, high = analysis.zscale(image)
    assert 70 < low < 100 < high < 130


def test_zscale_of_a_flat_or_empty_image() -> None:
    assert analysis.zscale(np.full((10, 10), np.nan)) == (0.0, 1.0)
    low, high = analysis.zscale(np.full((10, 10), 7.0))
    assert low == high == 7.0


@pytest.mark.parametrize("method", analysis.LIMITS)
def test_display_limits_are_ordered(method: str) -> None:
    image = np.linspace(0, 1000, 10000).reshape(100, 100)
    low, high = analysis.display_limits(image, method)
    assert 0 <= low < high <= 1000
    assert analysis.display_limits(np.ones((4, 4)), method)[1] > 1.0 - 1e-12


def test_display_limits_percentile() -> None:
    image = np.arange(1001.0)
    assert analysis.display_limits(image, "99%") == pytest.approx((5.0, 995.0))
    assert analysis.display_limits(image, "min-max") == (0.0, 1000.0)


@pytest.mark.parametrize("kind", analysis.STRETCHES)
def test_stretches_are_monotonic_from_0_to_1(kind: str) -> None:
    values = np.array([-5, 0, 2.5, 5, 7.5, 10, 20, np.nan])
    out = analysis.stretch(values, 0.0, 10.0, kind)
    assert out[0] == 0 and out[1] == 0 and out[5] == pytest.approx(1) and out[6] == pytest.approx(1)
    assert np.all(np.diff(out[1:6]) > 0)
    assert np.isnan(out[7])


def test_nice_ticks() -> None:
    assert analysis.nice_ticks(0, 100, 5) == [0, 20, 40, 60, 80, 100]
    assert analysis.nice_ticks(3, 3) == [3]


def test_nice_ticks_never_say_minus_zero() -> None:
    assert [str(v) for v in analysis.nice_ticks(-1e-3, 60000, 3)[:1]] == ["0.0"]


@pytest.mark.parametrize(("low", "high", "most", "expected"), [
    (-0.3, 5.3, 10, [0, 1, 2, 3, 4, 5]),
    (0, 5, 3, [0, 2, 4]),
    (0.2, 0.8, 5, []),
    (-0.5, 249.5, 6, [0, 50, 100, 150, 200]),
])  # fmt: skip
def test_integer_ticks_are_whole_and_few_enough(low: float, high: float, most: int, expected: list[int]) -> None:
    assert analysis.integer_ticks(low, high, most) == expected


def test_max_pool_keeps_every_set_pixel_and_pads_edges() -> None:
    mask = np.zeros((7, 10), dtype=bool)
    mask[0, 0] = mask[6, 9] = mask[3, 4] = True
    pooled = analysis.max_pool(mask, 3)
    assert pooled.shape == (3, 4)
    assert set(zip(*np.nonzero(pooled), strict=True)) == {(0, 0), (2, 3), (1, 1)}
    np.testing.assert_array_equal(analysis.max_pool(mask, 1), mask)


@pytest.mark.parametrize(("per_pixel", "factor"), [(0.4, 1), (1.0, 1), (1.2, 3), (2.3, 5), (3.0, 6), (np.nan, 1)])
def test_pool_factor_makes_blocks_at_least_a_screen_pixel(per_pixel: float, factor: int) -> None:
    assert analysis.pool_factor(per_pixel) == factor


def test_flagged_pixels_are_x_y_row_by_row() -> None:
    mask = np.zeros((3, 4), dtype=bool)
    mask[2, 1] = mask[0, 3] = True
    assert analysis.flagged_pixels(mask).tolist() == [[3, 0], [1, 2]]


def test_ramp_ratio_is_nan_at_saturated_samples_only() -> None:
    raw = np.array([10.0, 20.0, 30.0, 40.0], dtype=np.float32)
    corrected = np.array([11.0, 22.0, 30.0, 40.0], dtype=np.float32)
    groupdq = np.array([0, 1, 2, 2 | 4], dtype=np.uint8)
    ratio = analysis.ramp_ratio(raw, corrected, groupdq)
    assert ratio[:2].tolist() == [10 / 11, 20 / 22] and np.isnan(ratio[2:]).all()


def test_correction_curve_spans_zero_to_full_scale_and_beyond_any_sample() -> None:
    prepared = np.array([0.0, 1.0, 1e-6], dtype=np.float32)
    xs, ys = analysis.correction_curve(prepared, np.array([[1000.0, 2000.0, np.nan]]))
    assert xs[0] == 0 and xs[-1] == analysis.ADC_FULL_SCALE
    np.testing.assert_array_equal(ys, evaluate(prepared, xs))
    xs, _ = analysis.correction_curve(prepared, np.array([-50.0, 70000.0]))
    assert xs[0] == -50 and xs[-1] == 70000
