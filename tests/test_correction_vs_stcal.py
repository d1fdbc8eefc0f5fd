"""Differential tests: our correction core against stcal's own routine, every bit compared.

Inputs are generated (hypothesis) to reach each edge case in the facts file: NO_LIN_CORR
in the reference DQ, NaN coefficients, zero (and negative-zero) linear terms, saturated
groups, DO_NOT_USE and JUMP groups, NaN samples, ZEROFRAME zeros, 2 to 8 coefficients,
one integration or one group, float64 coefficients.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stcal.linearity.linearity import linearity_correction
from stdatamodels.jwst.datamodels import dqflags

from lininspect import correct_arrays
from lininspect.core.kernels.correction import evaluate
from lininspect.core.dq import NO_LIN_CORR
from lininspect.core.errors import CorrectionCancelled, LinInspectError

# Typical magnitudes of real coefficients: c0 ~ DN, c1 ~ 1, then rapidly smaller.
_COEFF_SCALES = np.array([10.0, 0.05, 1e-6, 1e-11, 1e-16, 1e-21, 1e-26, 1e-31])


def make_case(seed: int, nints: int, ngroups: int, ny: int, nx: int, ncoeffs: int, zeroframe: bool) -> dict:
    """A random exposure with every edge case sprinkled in, reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    shape = (nints, ngroups, ny, nx)
    data = (rng.random(shape) * 65000 - 500).astype(np.float32)
    data[rng.random(shape) < 0.02] = np.nan
    data[rng.random(shape) < 0.01] = 0.0
    groupdq = rng.choice(np.array([0, 1, 2, 3, 4, 6, 128], np.uint8), size=shape, p=[0.6, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05])
    pixeldq = np.where(rng.random((ny, nx)) < 0.2, rng.integers(0, 2**32, (ny, nx), dtype=np.uint32), 0).astype(np.uint32)
    coeffs = (rng.normal(size=(ncoeffs, ny, nx)) * _COEFF_SCALES[:ncoeffs, None, None]).astype(np.float32)
    coeffs[1] += 1.0
    bad = rng.random((ny, nx))
    coeffs[rng.integers(0, ncoeffs), bad < 0.05] = np.nan
    coeffs[1, (bad >= 0.05) & (bad < 0.08)] = 0.0
    coeffs[1, (bad >= 0.08) & (bad < 0.10)] = -0.0
    ref_dq = np.where(rng.random((ny, nx)) < 0.1, NO_LIN_CORR, 0).astype(np.uint32)
    ref_dq |= np.where(rng.random((ny, nx)) < 0.1, rng.integers(0, 2**32, (ny, nx), dtype=np.uint32), 0).astype(np.uint32)
    zf = None
    if zeroframe:
        zf = (rng.random((nints, ny, nx)) * 30000).astype(np.float32)
        zf[rng.random(zf.shape) < 0.1] = 0.0
        zf[rng.random(zf.shape) < 0.05] = -0.0
        zf[rng.random(zf.shape) < 0.02] = np.nan
    return dict(data=data, groupdq=groupdq, pixeldq=pixeldq, coeffs=coeffs, ref_dq=ref_dq, zeroframe=zf)


def run_stcal(case: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """stcal mutates its inputs, so it gets copies; coefficients as the datamodel gives them (float32)."""
    return linearity_correction(
        case["data"].copy(),
        case["groupdq"].copy(),
        case["pixeldq"].copy(),
        np.asarray(case["coeffs"], dtype=np.float32).copy(),
        case["ref_dq"].copy(),
        dqflags.pixel,
        zframe=None if case["zeroframe"] is None else case["zeroframe"].copy(),
    )


def assert_same_bits(ours: np.ndarray, theirs: np.ndarray) -> None:
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    ours_bytes = np.ascontiguousarray(ours).view(np.uint8).reshape(ours.size, -1)
    theirs_bytes = np.ascontiguousarray(theirs).view(np.uint8).reshape(theirs.size, -1)
    differ = np.count_nonzero((ours_bytes != theirs_bytes).any(axis=1))
    assert differ == 0, f"{differ} values differ in their bits"


def assert_same_bits_any_nan(ours: np.ndarray, theirs: np.ndarray) -> None:
    """Bit for bit, except that a NaN equals any NaN (Verify's rule): NaN in the same places, every
    other value identical in its bits."""
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    assert np.array_equal(np.isnan(ours), np.isnan(theirs)), "NaN in other places"
    kept = ~np.isnan(ours)
    if kept.any():
        assert_same_bits(ours[kept], theirs[kept])


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    nints=st.integers(1, 3),
    ngroups=st.integers(1, 6),
    ny=st.integers(1, 40),
    nx=st.integers(1, 40),
    ncoeffs=st.integers(2, 8),
    zeroframe=st.booleans(),
)
def test_identical_bits_to_stcal(seed, nints, ngroups, ny, nx, ncoeffs, zeroframe):
    case = make_case(seed, nints, ngroups, ny, nx, ncoeffs, zeroframe)
    before = {key: None if value is None else value.copy() for key, value in case.items()}
    data, pixeldq, zf = correct_arrays(**case)
    expected = run_stcal(case)
    assert_same_bits(data, expected[0])
    assert_same_bits(pixeldq, expected[1])
    if zeroframe:
        assert_same_bits(zf, expected[2])
    else:
        assert zf is None
    for key, value in before.items():  # inputs untouched
        if value is not None:
            assert_same_bits(case[key], value)


def test_float64_coefficients_are_cast_like_the_datamodel():
    case = make_case(7, 2, 4, 16, 24, 5, False)
    as_float64 = dict(case, coeffs=case["coeffs"].astype(np.float64) * (1 + 1e-12))
    data, _, _ = correct_arrays(**as_float64)
    assert_same_bits(data, run_stcal(as_float64)[0])


def test_tiles_split_rows_and_run_in_threads_with_identical_bits():
    """Tall and wide enough that rows split into several tiles of the default tile size."""
    case = make_case(11, 2, 3, 300, 1032, 4, True)
    for workers in (1, 2, 4):
        data, pixeldq, zf = correct_arrays(**case, workers=workers)
        expected = run_stcal(case)
        assert_same_bits(data, expected[0])
        assert_same_bits(zf, expected[2])


def test_in_place_correction_needs_no_second_copy():
    case = make_case(5, 2, 5, 30, 30, 3, False)
    expected = run_stcal(case)
    data = case["data"]
    result = correct_arrays(**case, out=data)
    assert result.data is data
    assert_same_bits(data, expected[0])


def test_saturated_groups_keep_raw_value_and_others_are_corrected():
    data = np.full((1, 3, 1, 2), 1000.0, np.float32)
    groupdq = np.array([0, 2, 1 | 4], np.uint8)[None, :, None, None] * np.ones((1, 3, 1, 2), np.uint8)
    coeffs = np.zeros((2, 1, 2), np.float32)
    coeffs[1] = 2.0
    out, _, _ = correct_arrays(data, groupdq, None, coeffs, None)
    assert out[0, :, 0, 0].tolist() == [2000.0, 1000.0, 2000.0]


def test_progress_reaches_total_and_cancel_stops_with_an_error():
    case = make_case(3, 2, 2, 64, 512, 3, False)
    seen: list[tuple[int, int]] = []
    correct_arrays(**case, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1][0] == seen[-1][1] == 2 * 64
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:]))
    cancelled = threading.Event()
    cancelled.set()
    with pytest.raises(CorrectionCancelled):
        correct_arrays(**case, cancel=cancelled)


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(coeffs=np.ones((1, 4, 4), np.float32)), "at least 2"),
        (dict(coeffs=np.ones((3, 5, 4), np.float32)), "coefficients cover"),
        (dict(groupdq=np.zeros((1, 2, 4, 4), np.uint8)), "GROUPDQ shape"),
        (dict(ref_dq=np.zeros((3, 3), np.uint32)), "reference DQ"),
        (dict(data=np.zeros((2, 4, 4), np.float32)), "4-D"),
    ],
)
def test_bad_arrays_are_refused_with_a_reason(change, message):
    arguments = dict(
        data=np.zeros((1, 3, 4, 4), np.float32),
        groupdq=None,
        pixeldq=None,
        coeffs=np.ones((3, 4, 4), np.float32),
        ref_dq=None,
    )
    arguments.update(change)
    with pytest.raises(LinInspectError, match=message):
        correct_arrays(**arguments)


def test_evaluate_matches_the_correction_for_one_pixel():
    """The GUI's correction curve uses evaluate(); it must give the corrected samples."""
    case = make_case(9, 1, 6, 5, 5, 5, False)
    case["groupdq"][:] = 0
    case["ref_dq"][:] = 0
    case["coeffs"][np.isnan(case["coeffs"])] = 0.0
    case["coeffs"][1] = np.where(case["coeffs"][1] == 0, 1.0, case["coeffs"][1])
    data, _, _ = correct_arrays(**case)
    curve = evaluate(case["coeffs"][:, 2, 3], case["data"][0, :, 2, 3])
    assert_same_bits(curve, data[0, :, 2, 3])
