"""Self-tests for the pipeline oracle: if these fail, differential tests cannot be trusted."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

try:
    import pipeline_oracle as oracle
except ImportError:  # tests/ imported as a package (e.g. importmode=importlib)
    from tests import pipeline_oracle as oracle

NO_LIN_CORR = 1 << 20


def _ramp(shape: tuple[int, int, int, int] = (1, 3, 4, 5)) -> np.ndarray:
    """Deterministic, nonlinear-looking counts with a NaN sample, as real ramps may have."""
    sci = np.random.default_rng(42).uniform(100.0, 30000.0, shape).astype(np.float32)
    sci[0, 1, 2, 3] = np.nan
    return sci


def test_stcal_identity_coefficients_leave_data_unchanged() -> None:
    """Identity polynomial must be an exact no-op (NaN included) and inputs must not be mutated."""
    sci = _ramp()
    sci_before = sci.copy()
    gdq = np.zeros(sci.shape, np.uint8)
    pdq = np.zeros(sci.shape[-2:], np.uint32)
    coeffs = np.zeros((3, *sci.shape[-2:]), np.float32)
    coeffs[1] = 1.0
    data, new_pdq, zf = oracle.run_stcal(sci, gdq, pdq, coeffs, np.zeros_like(pdq))
    assert data.dtype == np.float32
    np.testing.assert_array_equal(data, sci_before)  # treats NaN == NaN
    assert np.isnan(data[0, 1, 2, 3])
    np.testing.assert_array_equal(sci, sci_before, err_msg="stcal input was mutated")
    assert not new_pdq.any()
    assert zf is None


def test_reference_dq_def_is_decoded_by_linearity_model(tmp_path: Path) -> None:
    """Our reference writer must produce something stdatamodels reads like a CRDS file."""
    from stdatamodels.jwst.datamodels import LinearityModel

    coeffs = np.zeros((2, 4, 5), np.float64)
    coeffs[1] = 1.0
    dq = np.zeros((4, 5), np.uint32)
    dq[1, 2] = 4  # compressed NO_LIN_CORR under MIRI_DQ_DEF
    ref = oracle.write_linearity_reference(
        tmp_path / "ref.fits", coeffs=coeffs, dq=dq, dq_def=oracle.MIRI_DQ_DEF, coeffs_dtype=np.float64
    )
    with LinearityModel(str(ref)) as model:
        assert model.dq[1, 2] == NO_LIN_CORR
        assert model.dq.sum() == NO_LIN_CORR
        assert model.coeffs.dtype == np.float32


def test_offline_crds_context_restores_environment(tmp_path: Path) -> None:
    """The context manager must not leak CRDS settings into later tests."""
    before = dict(os.environ)
    with oracle.offline_crds(tmp_path) as env:
        assert "serverless" in os.environ["CRDS_SERVER_URL"]
        assert os.environ["CRDS_CONTEXT"] == "jwst_0000.pmap"
        assert (Path(env["CRDS_PATH"]) / "config" / "jwst" / "server_config").is_file()
    assert dict(os.environ) == before


def test_plain_fits_ramp_meta_is_read_from_headers(tmp_path: Path) -> None:
    """Without an ASDF extension RampModel must still see ZEROFRAM and S_LINEAR."""
    sci = _ramp()
    zf = np.ones((1, 4, 5), np.float32)
    path = oracle.write_ramp_file(
        tmp_path / "plain.fits", sci=sci, zeroframe=zf, with_asdf=False, extra_header={"S_LINEAR": "SKIPPED"}
    )
    got = oracle.read_with_ramp_model(path)
    assert got["zero_frame"] is True
    assert got["cal_step_linearity"] == "SKIPPED"
    np.testing.assert_array_equal(got["data"], sci)
    np.testing.assert_array_equal(got["zeroframe"], zf)


def test_linearity_step_matches_stcal(tmp_path: Path) -> None:
    """One subprocess, two inputs (ASDF and plain FITS): S_LINEAR COMPLETE and stcal's numbers."""
    sci = _ramp((1, 3, 16, 20))
    gdq = np.zeros(sci.shape, np.uint8)
    gdq[0, 2, 5, 5] = 2  # saturated: must keep its raw value
    pdq = np.zeros(sci.shape[-2:], np.uint32)
    zf = np.random.default_rng(7).uniform(0.0, 30000.0, (1, 16, 20)).astype(np.float32)
    zf[0, 3, 3] = 0.0
    coeffs = np.zeros((4, 16, 20), np.float32)
    coeffs[1], coeffs[2], coeffs[3] = 1.0, 1.3e-6, 1.7e-11
    ref_dq = np.zeros((16, 20), np.uint32)
    ref_dq[0, 0] = 4
    ref = oracle.write_linearity_reference(
        tmp_path / "ref.fits", coeffs=coeffs, dq=ref_dq, dq_def=oracle.MIRI_DQ_DEF
    )
    inputs = {
        "asdf": oracle.write_ramp_file(
            tmp_path / "asdf.fits", sci=sci, groupdq=gdq, pixeldq=pdq, zeroframe=zf
        ),
        "plain": oracle.write_ramp_file(
            tmp_path / "plain.fits", sci=sci, groupdq=gdq, pixeldq=pdq, zeroframe=zf, with_asdf=False
        ),
    }
    outputs = {name: tmp_path / f"{name}_linearity.fits" for name in inputs}
    oracle.run_linearity_steps([(inputs[n], ref, outputs[n]) for n in inputs], tmp_path / "crds")

    expected = oracle.run_stcal(sci, gdq, pdq, coeffs, np.where(ref_dq == 4, NO_LIN_CORR, 0), zf)
    for name, out in outputs.items():
        got = oracle.read_pipeline_product(out)
        assert got["S_LINEAR"] == "COMPLETE", name
        assert got["R_LINEAR"] == str(ref.resolve()), name
        assert got["SCI"].dtype.isnative and got["PIXELDQ"].dtype == np.uint32
        np.testing.assert_array_equal(got["SCI"], expected[0], err_msg=name)
        np.testing.assert_array_equal(got["PIXELDQ"], expected[1], err_msg=name)
        np.testing.assert_array_equal(got["ZEROFRAME"], expected[2], err_msg=name)
        np.testing.assert_array_equal(got["GROUPDQ"], gdq, err_msg=name)
        assert got["SCI"][0, 2, 5, 5] == sci[0, 2, 5, 5]
        assert got["PIXELDQ"][0, 0] == NO_LIN_CORR


def test_pipeline_failure_reports_stderr(tmp_path: Path) -> None:
    """A broken job must raise with the traceback, not pass silently."""
    with pytest.raises(oracle.PipelineRunError, match="1 of 1"):
        oracle.run_linearity_step(
            tmp_path / "missing.fits", tmp_path / "ref.fits", tmp_path / "out.fits", tmp_path / "crds"
        )
