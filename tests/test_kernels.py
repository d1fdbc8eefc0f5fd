"""The compiled correction loops against stcal on the values where arithmetic goes wrong first:
NaN, infinities, signed zeros, denormals, float32 overflow, saturated samples; and their machine
code, which must hold no fused multiply-add (one rounding where the pipeline rounds twice)."""

from __future__ import annotations

import re
import subprocess
import sys
import warnings

import numba
import numpy as np
import pytest
from astropy.io import fits
from hypothesis import given, settings
from hypothesis import strategies as st

from lininspect import correct_arrays
from lininspect.core.kernels import compiled as kernels
from lininspect.core.analysis.analysis import MIN_FIT_GROUPS, line_fit_sums, usable
from lininspect.core.kernels.correction import correct_ramps, prepare_coefficients
from lininspect.core.kernels.readlevel import _pairwise_row, pipeline_read_pattern
from test_correction_vs_stcal import assert_same_bits, run_stcal
from pipeline_oracle import write_linearity_reference, write_ramp_file
from test_readlevel_vs_stcal import assert_same_as_stcal, make_readlevel_case

#: Samples where float32 arithmetic is delicate, mixed with ordinary ones.
_EDGE_SAMPLES = np.array(
    [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-45, -1e-45, 1e-39, -3e-39, 3.4e38, -3.4e38, 1e30, 1e19, 65535.0],
    dtype=np.float32,
)
#: Coefficients likewise: denormal and huge terms, signed zeros, infinities.
_EDGE_COEFFS = np.array([0.0, -0.0, 1e-45, 2e-40, -1e-38, 1e38, -1e38, np.inf, -np.inf, 1.0, -1.0], dtype=np.float32)

_FUSED = re.compile(r"\bv?f(n)?m(add|sub)\d*[sp][sd]\b")


def edge_case(seed: int, nints: int, ngroups: int, ny: int, nx: int, ncoeffs: int) -> dict:
    """Ordinary ramps and coefficients, a fifth of each replaced by edge values; any GROUPDQ byte."""
    rng = np.random.default_rng(seed)
    shape = (nints, ngroups, ny, nx)
    data = (rng.random(shape) * 65000 - 500).astype(np.float32)
    edges = rng.random(shape) < 0.2
    data[edges] = rng.choice(_EDGE_SAMPLES, size=int(edges.sum()))
    coeffs = (rng.normal(size=(ncoeffs, ny, nx)) * np.logspace(1, -5 * ncoeffs, ncoeffs)[:, None, None]).astype(np.float32)
    coeffs[1] += 1
    odd = rng.random(coeffs.shape) < 0.2
    coeffs[odd] = rng.choice(_EDGE_COEFFS, size=int(odd.sum()))
    return dict(
        data=data, groupdq=rng.integers(0, 256, shape, dtype=np.uint8), pixeldq=np.zeros((ny, nx), np.uint32),
        coeffs=coeffs, ref_dq=np.zeros((ny, nx), np.uint32), zeroframe=None,
    )


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    ngroups=st.integers(1, 5),
    ny=st.integers(1, 20),
    nx=st.integers(1, 20),
    ncoeffs=st.integers(2, 7),
)
def test_classic_loop_matches_stcal_on_edge_values(seed, ngroups, ny, nx, ncoeffs):
    case = edge_case(seed, 2, ngroups, ny, nx, ncoeffs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # stcal's numpy warns on overflow; the bits count
        expected = run_stcal(case)
    data, pixeldq, _ = correct_arrays(**case)
    assert_same_bits(data, expected[0])
    assert_same_bits(pixeldq, expected[1])


def test_classic_loop_reads_big_endian_float64_and_integer_ramps_as_the_datamodel_does():
    """Ramps not in native float32 go through tile buffers; the result is the float32 ramp's."""
    case = edge_case(3, 2, 4, 30, 17, 5)
    counts = np.random.default_rng(4).integers(0, 65536, case["data"].shape, dtype=np.uint16)
    big = case["data"].astype(np.float64)
    big[0, 0, 0, :4] = [1e39, -1e300, 3.4028235677973366e38, 1e-50]  # beyond float32: inf, inf, rounding, zero
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # stcal's numpy warns on overflow; the bits count
        as_float32 = big.astype(np.float32)
        expected = run_stcal(dict(case, data=as_float32))[0]
        from_counts = run_stcal(dict(case, data=counts.astype(np.float32)))[0]
    for data in (big, as_float32.astype(">f4")):
        assert_same_bits(correct_arrays(**dict(case, data=data)).data, expected)
    assert_same_bits(correct_arrays(**dict(case, data=counts)).data, from_counts)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), ny=st.integers(1, 12), nx=st.integers(1, 12), nframes=st.integers(2, 10))
def test_read_level_loop_matches_stcal_on_edge_values(seed, ny, nx, nframes):
    """Every value bit for bit, except the sign of a NaN born where a NaN sample meets reads made
    NaN by inf - inf: stcal's ``reads += offset`` keeps the first operand's NaN in numpy's vector
    loop and the second's in its scalar tail (seen: seeds 0 and 1372 on this machine), so which NaN
    survives depends on a pixel's place in numpy's SIMD blocks and on the CPU, not on the data.
    Such a sample is NaN in both, as Verify counts NaNs equal."""
    case = make_readlevel_case(seed, 1, 4, ny, nx, 4, 3, pipeline_read_pattern(4, nframes), False)
    rng = np.random.default_rng(seed)
    edges = rng.random(case["data"].shape) < 0.2
    case["data"][edges] = rng.choice(_EDGE_SAMPLES, size=int(edges.sum()))
    for name in ("coeffs", "inv_coeffs"):
        odd = rng.random(case[name].shape) < 0.1
        case[name][odd] = rng.choice(_EDGE_COEFFS, size=int(odd.sum()))
    assert_same_as_stcal(case, any_nan=True)


@pytest.mark.parametrize("reads", [1, 2, 7, 8, 9, 15, 16, 17, 128, 129, 300, 1031])
def test_compiled_mean_sums_the_reads_in_numpys_order(reads):
    """np.mean over the reads axis adds plane after plane from +0.0, except for a one-pixel tile,
    whose reads it sums pairwise; cancelling magnitudes make every other order visible."""
    rng = np.random.default_rng(reads)
    for trial in range(20):
        values = rng.normal(size=reads) * 10.0 ** rng.integers(-6, 17, size=reads)
        values[rng.random(reads) < 0.1] = -0.0
        if trial == 0:
            values[:] = -0.0
        lone = np.mean(values.reshape(reads, 1, 1), axis=0)[0, 0]
        tiled = np.mean(np.repeat(values, 6).reshape(reads, 2, 3), axis=0)[0, 0]
        assert np.float64(kernels._mean(values, reads, True)).tobytes() == lone.tobytes()
        assert np.float64(kernels._mean(values, reads, False)).tobytes() == tiled.tobytes()


@pytest.mark.parametrize(
    ("ny", "nx", "first", "last", "row"),
    [(65, 1, 0, 65, 64), (65, 1, 64, 65, 0), (65, 1, 0, 64, -1), (64, 1, 0, 64, -1), (1, 1, 0, 1, 0),
     (129, 1, 100, 129, 28), (65, 2, 0, 65, -1)],
)
def test_pairwise_row_is_the_pipelines_lone_pixel_tile(ny, nx, first, last, row):
    assert _pairwise_row(ny, nx, first, last) == row


def test_compiled_loops_hold_no_fused_multiply_add():
    """Compiled afresh (not from the cache, whose code cannot be inspected) for this machine: the
    classic loop and each of the read-level loop's row functions (the polynomials are evaluated there)."""
    options = dict(kernels._COMPILE, cache=False)
    plane = np.ones((3, 8), np.float32)
    block = np.ones((2, 3, 8), np.float32)
    flags = np.zeros((2, 3, 8), np.uint8)
    row, rows = np.ones(8), np.ones((2, 8))

    def compiled_afresh(function, *arguments):
        dispatcher = numba.njit(**options)(function.py_func)
        dispatcher(*arguments)
        return "\n".join(dispatcher.inspect_asm().values())

    single, double = r"\bv?mul[ps]s\b", r"\bv?mul[ps]d\b"
    for code, multiply in (
        (compiled_afresh(kernels.classic_rows, (plane, plane), plane, block, 0, flags, 0, block.copy(), 0), single),
        (compiled_afresh(kernels._first_and_rate_row, (plane, plane), plane, block, 0, flags, 0, 0, np.array([1.5, 3.5]),
                         row.copy(), row.copy()), single),  # fmt: skip
        (compiled_afresh(kernels._reads_on_the_line_row, (plane,), plane, 0, row, row, np.array([0.0, 1.0]), 2,
                         rows.copy()), double),  # fmt: skip
        (compiled_afresh(kernels._corrected_reads_row, (plane, plane), plane, 0, rows, row, 2, rows.copy()), double),
        (compiled_afresh(
            kernels.read_level_rows, (plane, plane), plane, (plane,), plane, block, 0, flags, 0, block.copy(), 0,
            np.array([[0.0, 1.0], [2.0, 3.0]]), np.array([2, 2]), np.array([1.5, 3.5]), -1, 0, 2,
        ), None),
    ):
        if multiply is not None:
            assert re.search(multiply, code)  # the arithmetic is in what we inspect
        assert not _FUSED.findall(code)


def test_numpy_and_compiled_classic_tiles_give_the_same_bits():
    """``correct`` of a file evaluates with numpy operations; everything else with the compiled loop."""
    case = edge_case(9, 2, 5, 70, 33, 6)
    prepared = prepare_coefficients(case["coeffs"], case["ref_dq"], case["pixeldq"])
    outputs = []
    for compiled in (True, False):
        out = np.empty_like(case["data"])
        kept = correct_ramps(case["data"], case["groupdq"], prepared, out, compiled=compiled, workers=2)
        outputs.append((out, kept))
    assert_same_bits(outputs[0][0], outputs[1][0])
    assert outputs[0][1] == outputs[1][1] == np.count_nonzero(case["groupdq"] & 2)


def test_classic_correct_of_a_file_does_not_load_numba(tmp_path):
    """Loading numba costs a one-file command more CPU time and ~130 MB more memory than it saves."""
    case = edge_case(1, 1, 3, 16, 12, 4)
    ramp = write_ramp_file(tmp_path / "ramp_lastframe.fits", sci=case["data"], groupdq=case["groupdq"])
    reference = write_linearity_reference(tmp_path / "ref.fits", coeffs=np.nan_to_num(case["coeffs"]))
    script = (
        "import sys; from lininspect.core.fits.product import correct_file; "
        f"correct_file({str(ramp)!r}, {str(reference)!r}, {str(tmp_path / 'out.fits')!r}); "
        "print('numba' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
    with fits.open(tmp_path / "out.fits") as product:
        expected = correct_arrays(**dict(case, coeffs=np.nan_to_num(case["coeffs"]))).data
        assert_same_bits(product["SCI"].data.astype(np.float32), expected)


@pytest.mark.parametrize("ngroups", [1, 2, 3, 10, 40])
def test_compiled_line_fit_sums_are_the_analysis_modules(ngroups):
    """The A/B comparison's one-pass fit: the same sums as analysis.line_fit_sums, bit for bit,
    with NaN samples, flagged groups and pixels left with too few groups."""
    rng = np.random.default_rng(ngroups)
    values = (rng.normal(size=(ngroups, 6, 9)) * 50 + np.arange(ngroups)[:, None, None] * 300).astype(np.float32)
    values[rng.random(values.shape) < 0.15] = np.nan
    flags = np.where(rng.random(values.shape) < 0.15, rng.integers(1, 256, values.shape), 0).astype(np.uint8)
    rss, count = np.empty((6, 9)), np.empty((6, 9))
    kernels.line_fit_rows(values, flags, rss, count)
    with np.errstate(all="ignore"):
        expected_rss, expected_count = line_fit_sums(values, usable(values, flags))
    assert_same_bits(count, expected_count)
    fitted = expected_count >= MIN_FIT_GROUPS
    assert np.array_equal(rss[fitted].view(np.uint64), expected_rss[fitted].view(np.uint64))
    # The survey's call, which also asks for the rise, compiles apart: the same sums there.
    rss_with_rise, count_with_rise = np.empty((6, 9)), np.empty((6, 9))
    kernels.line_fit_rows(values, flags, rss_with_rise, count_with_rise, np.empty((6, 9)))
    assert_same_bits(count_with_rise, count)
    assert np.array_equal(rss_with_rise[fitted].view(np.uint64), rss[fitted].view(np.uint64))


@pytest.mark.parametrize("ngroups", [1, 2, 5, 30])
def test_compiled_signal_search_is_numpys_argmax_of_the_usable_samples(ngroups):
    """The A/B comparison's signal level: the first group of the highest finite unsaturated sample, as
    ``np.argmax`` finds it, with ties, signed zeros, infinities, NaN and pixels with no usable sample."""
    rng = np.random.default_rng(ngroups)
    raw = rng.choice(np.array([0.0, -0.0, 1.0, 5.0, -3.0, np.inf, -np.inf, np.nan, 6e4], np.float32), size=(ngroups, 7, 11))
    raw[:, 0, :] = np.nan  # a row with no usable sample
    flags = np.where(rng.random(raw.shape) < 0.3, rng.integers(0, 256, raw.shape), 0).astype(np.uint8)
    group, best = np.empty((7, 11), np.intp), np.empty((7, 11))
    kernels.highest_usable_rows(raw, flags, group, best)
    ranked = np.where(np.isfinite(raw) & ((flags & 2) == 0), raw, np.float32(-np.inf))
    expected_group = np.argmax(ranked, axis=0)
    assert np.array_equal(group, expected_group)
    expected = np.take_along_axis(ranked, expected_group[np.newaxis], axis=0)[0].astype(np.float64)
    assert np.array_equal(best.view(np.uint64), expected.view(np.uint64))
