"""Two references compared on one exposure: every map checked against the correction run whole."""

from __future__ import annotations

from pathlib import Path

import threading

import numpy as np
import pytest

from lininspect.core.analysis import analysis

from lininspect.core.analysis import comparison
from lininspect.core.analysis.comparison import UNCORRECTED_REASONS, compare_references
from lininspect.core.kernels.correction import correct_arrays
from lininspect.core.dq import NO_LIN_CORR, SATURATED
from lininspect.core.errors import CorrectionCancelled, LinInspectError
from lininspect.core.fits.exposure import open_exposure
from lininspect.core.kernels.readlevel import pipeline_read_pattern
from lininspect.core.references.reference import open_reference

from comparison_files import SHAPE, coefficients, ramps, write_comparison_files
from pipeline_oracle import write_linearity_reference, write_ramp_file


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return write_comparison_files(tmp_path)


def _independent(exposure_path: Path, reference_path: Path, **read_level) -> dict[str, np.ndarray]:
    """The exposure corrected whole by correct_arrays, and every figure computed from it directly."""
    exposure, reference = open_exposure(exposure_path), open_reference(reference_path)
    raw = np.asarray(exposure.sci[...], dtype=np.float32)
    groupdq = np.asarray(exposure.groupdq[...], dtype=np.uint8)
    corrected, pixeldq, _ = correct_arrays(raw, groupdq, exposure.pixeldq, reference.coeffs, reference.dq,
                                           **read_level)
    nints, ngroups, ny, nx = raw.shape
    # The saturation level: the first of the highest unsaturated finite samples, in (integration, group) order.
    ranked = np.where(np.isfinite(raw) & ((groupdq & SATURATED) == 0), raw, -np.inf).reshape(-1, ny, nx)
    first_highest = np.argmax(ranked, axis=0)
    signal = np.take_along_axis(ranked, first_highest[None], axis=0)[0].astype(np.float64)
    at_signal = np.take_along_axis(corrected.reshape(-1, ny, nx), first_highest[None], axis=0)[0]
    signal[np.isneginf(signal)] = np.nan
    factor = at_signal.astype(np.float64) / signal
    rms = np.full((ny, nx), np.nan)
    for y in range(ny):
        for x in range(nx):
            squares, count = 0.0, 0
            for i in range(nints):
                good = analysis.usable(corrected[i, :, y, x], groupdq[i, :, y, x])
                if good.sum() >= analysis.MIN_FIT_GROUPS:
                    residuals = analysis.line_fit_residuals(corrected[i, :, y, x], good)
                    squares += float(np.nansum(residuals**2))
                    count += int(good.sum())
            if count:
                rms[y, x] = np.sqrt(squares / count)
    return {"signal": signal, "factor": factor, "rms": rms, "no_lin_corr": (pixeldq & NO_LIN_CORR) != 0}


def _compare(files: dict[str, Path], **options) -> comparison.ReferenceComparison:
    return compare_references(open_exposure(files["exposure"]), open_reference(files["a"]),
                              open_reference(files["b"]), **options)


def test_maps_are_those_of_each_reference_s_full_correction(files, monkeypatch) -> None:
    monkeypatch.setattr(comparison, "_BLOCK_SAMPLES", 7 * 30 * 5)  # blocks of 5 rows: several blocks, threads
    result = _compare(files, workers=3)
    a, b = _independent(files["exposure"], files["a"]), _independent(files["exposure"], files["b"])
    np.testing.assert_array_equal(result.signal, a["signal"])
    np.testing.assert_array_equal(result.factor_a, a["factor"])
    np.testing.assert_array_equal(result.factor_b, b["factor"])
    np.testing.assert_array_equal(result.factor_difference, b["factor"] - a["factor"])
    np.testing.assert_array_equal(result.no_lin_corr_a, a["no_lin_corr"])
    np.testing.assert_array_equal(result.no_lin_corr_b, b["no_lin_corr"])
    np.testing.assert_allclose(result.rms_a, a["rms"], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(result.rms_b, b["rms"], rtol=1e-6, atol=1e-9)
    assert np.isfinite(result.rms_a[16, 17])
    assert np.isnan(result.signal[9, 9]) and np.isnan(result.factor_a[9, 9]) and np.isnan(result.rms_a[9, 9])
    assert not np.allclose(result.factor_a, result.factor_b, equal_nan=True)  # the references do differ
    assert result.factor_a[4, 7] == 1.0 and result.factor_b[10, 11] == 1.0  # uncorrected: factor exactly 1


def test_gained_and_lost_pixels_say_why(files) -> None:
    result = _compare(files)
    assert result.changed_pixels() == [
        (7, 4, "lost", UNCORRECTED_REASONS[1]),
        (11, 10, "gained", UNCORRECTED_REASONS[2]),
        (13, 12, "gained", UNCORRECTED_REASONS[3]),
        (15, 14, "gained", UNCORRECTED_REASONS[1]),
    ]
    assert result.no_lin_corr_change[10, 11] == 1 and result.no_lin_corr_change[4, 7] == -1
    assert result.no_lin_corr_change[1, 2] == 0 and result.no_lin_corr_change[20, 21] == 0


def test_histogram_counts_every_pixel_both_correct(files) -> None:
    result = _compare(files)
    difference = result.factor_difference[result.both_correct]
    finite = difference[np.isfinite(difference)]
    histogram = result.histogram
    assert histogram.counts.sum() + histogram.below + histogram.above == finite.size
    expected, _ = np.histogram(finite, bins=histogram.edges)
    np.testing.assert_array_equal(histogram.counts, expected)
    assert histogram.edges[0] == pytest.approx(np.percentile(finite, 0.1))


def test_factor_at_a_set_level_is_the_correction_of_a_sample_at_that_level(files) -> None:
    result = _compare(files, level=25000.0)
    ny, nx = SHAPE[2:]
    for key, path in (("factor_a", files["a"]), ("factor_b", files["b"])):
        reference = open_reference(path)
        flat = np.full((1, 1, ny, nx), 25000.0, np.float32)
        corrected = correct_arrays(flat, None, None, reference.coeffs, reference.dq).data[0, 0]
        np.testing.assert_array_equal(getattr(result, key), corrected.astype(np.float64) / 25000.0)
    assert np.all(result.signal == 25000.0)


def test_read_level_reference_is_compared_with_the_read_level_correction(tmp_path: Path) -> None:
    sci, groupdq = ramps(seed=5)
    ny, nx = SHAPE[2:]
    coeffs = coefficients(ny, nx, 1, 2e-6)
    inverse = np.zeros_like(coeffs)
    inverse[1], inverse[2] = 1.0, -2e-6
    exposure = write_ramp_file(tmp_path / "ramp.fits", sci=sci, groupdq=groupdq, nframes=4, with_asdf=False)
    classic = write_linearity_reference(tmp_path / "classic.fits", coeffs=coeffs)
    read_level = write_linearity_reference(tmp_path / "readlevel.fits", coeffs=coeffs, inv_coeffs=inverse)
    result = compare_references(open_exposure(exposure), open_reference(classic), open_reference(read_level))
    assert result.correction_a.startswith("classic") and result.correction_b.startswith("read-level")
    a = _independent(exposure, classic)
    b = _independent(exposure, read_level, inv_coeffs=inverse, read_pattern=pipeline_read_pattern(SHAPE[1], 4))
    np.testing.assert_array_equal(result.factor_a, a["factor"])
    np.testing.assert_array_equal(result.factor_b, b["factor"])
    np.testing.assert_allclose(result.rms_b, b["rms"], rtol=1e-6, atol=1e-9)
    assert np.count_nonzero(result.factor_a != result.factor_b) > 0.9 * ny * nx  # same COEFFS, other path


@pytest.mark.parametrize(
    "which, keywords, message",
    [
        ("b", {"instrument": "NIRCAM", "detector": "NRCA1"}, "INSTRUME = NIRCAM, but"),
        ("b", {"detector": "MIRIFULONG"}, "DETECTOR = MIRIFULONG, but"),
        ("a", {"detector": "MIRIFUSHORT"}, "DETECTOR = MIRIFUSHORT, but"),
    ],
)
def test_references_for_another_detector_are_refused(files, which, keywords, message) -> None:
    ny, nx = SHAPE[2:]
    write_linearity_reference(files[which], coeffs=coefficients(ny, nx, 1, 2e-6), **keywords)
    with pytest.raises(LinInspectError, match=f"^{files[which]}: {message}"):
        _compare(files)


def test_a_reference_that_does_not_cover_the_subarray_is_refused(files) -> None:
    write_linearity_reference(files["b"], coeffs=coefficients(20, 30, 1, 2e-6))
    with pytest.raises(LinInspectError, match="reference does not cover this subarray"):
        _compare(files)


def test_a_reference_cut_from_a_larger_one_is_compared_on_the_exposure_s_pixels(files, tmp_path: Path) -> None:
    ny, nx = SHAPE[2:]
    whole = coefficients(ny + 10, nx + 10, 4, 2e-6)
    write_linearity_reference(files["b"], coeffs=whole, substrt=(1, 1))
    cut = write_linearity_reference(tmp_path / "cut.fits", coeffs=whole[:, :ny, :nx])
    np.testing.assert_array_equal(_compare(files).factor_b, _independent(files["exposure"], cut)["factor"])


@pytest.mark.parametrize("level", [0.0, float("nan"), float("inf")])
def test_a_level_that_gives_no_factor_is_refused(files, level) -> None:
    with pytest.raises(LinInspectError, match="finite, non-zero"):
        _compare(files, level=level)


def test_a_cancelled_comparison_stops_with_no_result(files) -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(CorrectionCancelled):
        _compare(files, cancel=cancel)


def test_progress_counts_every_row_once_and_only_grows(files, monkeypatch) -> None:
    monkeypatch.setattr(comparison, "_BLOCK_SAMPLES", 7 * 30 * 5)
    reports: list[tuple[int, int]] = []
    _compare(files, progress=lambda done, total: reports.append((done, total)))
    assert reports[-1] == (SHAPE[2], SHAPE[2]) and len(reports) == 5  # 24 rows in blocks of 5
    assert [done for done, _ in reports] == sorted(done for done, _ in reports)
