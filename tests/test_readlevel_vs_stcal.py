"""Differential tests of the read-level path: our core against stcal's ``linearity_correction``
called with ``ilin_coeffs`` and ``read_pattern``, every bit of SCI, PIXELDQ and ZEROFRAME compared.

Inputs are generated (hypothesis) to reach each branch of that path: saturation that starts
at any group (so every anchor group is taken, including the clamp to group 1), isolated
SATURATED flags, NaN samples, NaN or zero linear terms in COEFFS and in INV_COEFFS apart,
reference NO_LIN_CORR, forward and inverse sets of different lengths, the pipeline's read
pattern for NFRAMES 2-8 and irregular patterns (groups of 1-5 reads, skipped reads).
"""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stcal.linearity.linearity import linearity_correction
from stdatamodels.jwst.datamodels import dqflags

from lininspect import correct_arrays
from lininspect.core.dq import NO_LIN_CORR, SATURATED
from lininspect.core.errors import CorrectionCancelled, LinInspectError
from lininspect.core.kernels.readlevel import pipeline_read_pattern
from test_correction_vs_stcal import assert_same_bits, assert_same_bits_any_nan

#: Magnitudes of a forward set (c0 ~ DN, c1 ~ 1, then rapidly smaller); the inverse set has opposite signs.
_SCALES = np.array([5.0, 0.02, 2e-7, 1e-12, 1e-17, 1e-22, 1e-27])


def irregular_pattern(rng: np.random.Generator, ngroups: int) -> list[list[int]]:
    """Groups of 1-5 consecutive reads with 0-3 reads skipped between groups."""
    pattern, read = [], 1
    for _ in range(ngroups):
        size = int(rng.integers(1, 6))
        pattern.append(list(range(read, read + size)))
        read += size + int(rng.integers(0, 4))
    return pattern


def make_readlevel_case(
    seed: int, nints: int, ngroups: int, ny: int, nx: int, nforward: int, ninverse: int,
    pattern: list[list[int]] | None, zeroframe: bool,
) -> dict:
    """Non-linear ramps with their DQ and both coefficient sets, reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    if pattern is None:
        pattern = irregular_pattern(rng, ngroups)
    mean_reads = np.array([np.mean(reads) for reads in pattern])
    shape = (nints, ngroups, ny, nx)
    rate = rng.random((nints, 1, ny, nx)) * 3000 / max(mean_reads[-1], 1)
    signal = 500 + rate * mean_reads[None, :, None, None]
    data = (signal - 2e-6 * signal**2 + rng.normal(scale=5, size=shape)).astype(np.float32)
    data[rng.random(shape) < 0.02] = np.nan
    data[rng.random(shape) < 0.01] = 0.0

    saturates_at = rng.integers(0, ngroups + 3, size=(nints, 1, ny, nx))  # >= ngroups: never
    groupdq = np.where(np.arange(ngroups)[None, :, None, None] >= saturates_at, SATURATED, 0).astype(np.uint8)
    groupdq |= rng.choice(np.array([0, 1, 2, 4, 128], np.uint8), size=shape, p=[0.8, 0.05, 0.05, 0.05, 0.05])
    pixeldq = np.where(rng.random((ny, nx)) < 0.2, rng.integers(0, 2**32, (ny, nx), dtype=np.uint32), 0)

    def coefficient_set(count: int, sign: float) -> np.ndarray:
        coeffs = (rng.normal(size=(count, ny, nx)) * _SCALES[:count, None, None] * sign).astype(np.float32)
        coeffs[1] = (1.0 + np.abs(coeffs[1])) if sign > 0 else (1.0 - np.abs(coeffs[1]))
        bad = rng.random((ny, nx))
        coeffs[rng.integers(0, count), bad < 0.04] = np.nan
        coeffs[1, (bad >= 0.04) & (bad < 0.06)] = 0.0
        coeffs[1, (bad >= 0.06) & (bad < 0.07)] = -0.0
        return coeffs

    ref_dq = np.where(rng.random((ny, nx)) < 0.08, NO_LIN_CORR, 0).astype(np.uint32)
    ref_dq |= np.where(rng.random((ny, nx)) < 0.1, rng.integers(0, 2**32, (ny, nx), dtype=np.uint32), 0).astype(
        np.uint32
    )
    zf = None
    if zeroframe:
        zf = (rng.random((nints, ny, nx)) * 3000).astype(np.float32)
        zf[rng.random(zf.shape) < 0.1] = 0.0
    return dict(
        data=data, groupdq=groupdq, pixeldq=pixeldq.astype(np.uint32), coeffs=coefficient_set(nforward, 1.0),
        ref_dq=ref_dq, zeroframe=zf, inv_coeffs=coefficient_set(ninverse, -1.0), read_pattern=pattern,
    )


def run_stcal_read_level(case: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """stcal's read-level call as jwst makes it (on copies: stcal corrects in place)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # stcal warns on NaN/inf; the bits are what count
        return linearity_correction(
            case["data"].copy(),
            case["groupdq"].copy(),
            case["pixeldq"].copy(),
            case["coeffs"].copy(),
            case["ref_dq"].copy(),
            dqflags.pixel,
            zframe=None if case["zeroframe"] is None else case["zeroframe"].copy(),
            ilin_coeffs=case["inv_coeffs"].copy(),
            read_pattern=case["read_pattern"],
        )


def assert_same_as_stcal(case: dict, *, any_nan: bool = False, **options) -> None:
    """Our read-level correction of ``case`` against stcal's, bit for bit (with ``any_nan``, a NaN
    equals any NaN in SCI: see test_kernels' edge-value test for why)."""
    before = {key: value.copy() for key, value in case.items() if isinstance(value, np.ndarray)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # our path must stay silent
        data, pixeldq, zeroframe = correct_arrays(**case, **options)
    expected = run_stcal_read_level(case)
    (assert_same_bits_any_nan if any_nan else assert_same_bits)(data, expected[0])
    assert_same_bits(pixeldq, expected[1])
    if case["zeroframe"] is None:
        assert zeroframe is None
    else:
        assert_same_bits(zeroframe, expected[2])
    for key, value in before.items():  # inputs untouched
        assert_same_bits(case[key], value)


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    nints=st.integers(1, 2),
    ngroups=st.integers(2, 7),
    ny=st.integers(1, 24),
    nx=st.integers(1, 24),
    nforward=st.integers(2, 7),
    ninverse=st.integers(2, 7),
    nframes=st.one_of(st.none(), st.integers(2, 8)),
    zeroframe=st.booleans(),
)
def test_identical_bits_to_stcal_read_level(seed, nints, ngroups, ny, nx, nforward, ninverse, nframes, zeroframe):
    pattern = None if nframes is None else [list(reads) for reads in pipeline_read_pattern(ngroups, nframes)]
    case = make_readlevel_case(seed, nints, ngroups, ny, nx, nforward, ninverse, pattern, zeroframe)
    assert_same_as_stcal(case)


def test_tiles_threads_and_in_place_give_identical_bits():
    """Tall and wide enough for many tiles; one and several threads, separate output and in place."""
    case = make_readlevel_case(21, 2, 5, 70, 700, 5, 4, [list(r) for r in pipeline_read_pattern(5, 4)], True)
    for workers in (1, 2, 3):
        assert_same_as_stcal(case, workers=workers)
    expected = run_stcal_read_level(case)[0]
    data = case["data"].copy()
    result = correct_arrays(**dict(case, data=data), out=data)
    assert result.data is data
    assert_same_bits(data, expected)


def test_read_level_differs_from_classic_where_reads_are_averaged():
    """The path must matter: with NFRAMES = 4 most unsaturated samples differ from the classic correction."""
    case = make_readlevel_case(5, 1, 6, 20, 20, 4, 4, [list(r) for r in pipeline_read_pattern(6, 4)], False)
    read_level = correct_arrays(**case).data
    classic = correct_arrays(**dict(case, inv_coeffs=None, read_pattern=None)).data
    unsaturated = (case["groupdq"] & SATURATED) == 0
    finite = np.isfinite(read_level) & unsaturated
    assert np.count_nonzero(read_level[finite] != classic[finite]) > 0.5 * np.count_nonzero(finite)


def test_pipeline_read_pattern_numbers_reads_from_one_without_gaps():
    assert pipeline_read_pattern(3, 4) == ((1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12))


def test_one_group_is_refused_with_a_reason():
    """stcal fails on NGROUPS = 1 with an IndexError; we refuse with one line."""
    case = make_readlevel_case(1, 1, 2, 4, 4, 3, 3, [[1, 2], [3, 4]], False)
    one = dict(case, data=case["data"][:, :1], groupdq=case["groupdq"][:, :1], read_pattern=[[1, 2]])
    with pytest.raises(IndexError):
        run_stcal_read_level(one)
    with pytest.raises(LinInspectError, match="at least 2 groups"):
        correct_arrays(**one)


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(read_pattern=None), "needs a read_pattern"),
        (dict(read_pattern=[[1, 2]]), "for each of the 3 groups"),
        (dict(read_pattern=[[1], [], [3]]), "for each of the 3 groups"),
        (dict(inv_coeffs=np.ones((3, 4, 5), np.float32)), "INV_COEFFS has shape"),
        (dict(inv_coeffs=np.ones((1, 4, 4), np.float32)), "at least 2"),
    ],
)
def test_bad_read_level_arguments_are_refused(change, message):
    case = make_readlevel_case(2, 1, 3, 4, 4, 3, 3, [[1, 2], [3, 4], [5, 6]], False)
    with pytest.raises(LinInspectError, match=message):
        correct_arrays(**dict(case, **change))


def test_progress_reaches_total_and_cancel_stops_with_an_error():
    case = make_readlevel_case(3, 2, 3, 40, 600, 3, 3, [list(r) for r in pipeline_read_pattern(3, 2)], False)
    seen: list[tuple[int, int]] = []
    correct_arrays(**case, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1][0] == seen[-1][1] == 2 * 40 and len(seen) > 2
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:]))
    cancelled = threading.Event()
    cancelled.set()
    with pytest.raises(CorrectionCancelled):
        correct_arrays(**case, cancel=cancelled)
