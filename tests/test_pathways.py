"""The rules that pick the pipeline's path, and the one-line refusals where it has none."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from stdatamodels.jwst.datamodels import RampModel

from lininspect.core.errors import LinInspectError
from lininspect.core.fits.exposure import open_exposure
from lininspect.core.fits.metadata import KEYWORDS
from lininspect.core.kernels.pathway import plan_correction
from lininspect.core.references.reference import open_reference
from pipeline_oracle import write_linearity_reference, write_ramp_file

#: A multistripe readout as real files carry it: SSTR_NST = 0 too (without it jwst 3.0.0 cannot cut at all).
_STRIPES = {"FASTAXIS": 1, "SLOWAXIS": 2, "MSTR_RD1": 2, "MSTR_SK1": 10, "MSTR_RD2": 4, "MSTR_SK2": 6,
            "MSTR_RPT": 0, "MSTR_ILV": 0, "SSTR_NST": 0}


def _coefficients(ny: int, nx: int) -> np.ndarray:
    coeffs = np.zeros((3, ny, nx), np.float32)
    coeffs[1] = 1
    return coeffs


def _plan(tmp_path: Path, *, shape=(1, 3, 6, 8), header=None, inv=True, ref_shape=(2048, 8), with_asdf=True):
    reference = write_linearity_reference(
        tmp_path / "ref.fits", coeffs=_coefficients(*ref_shape), inv_coeffs=_coefficients(*ref_shape) if inv else None,
        instrument="NIRCAM", detector="NRCA1",
    )
    exposure = write_ramp_file(tmp_path / "ramp.fits", sci=np.ones(shape, np.float32), instrument="NIRCAM",
                               detector="NRCA1", extra_header=header, with_asdf=with_asdf)
    return plan_correction(open_exposure(exposure), open_reference(reference))


def test_metadata_keywords_are_the_schema_s() -> None:
    model = RampModel()
    for name, keyword in KEYWORDS.items():
        assert model.find_fits_keyword(keyword) == [f"meta.{name}"]


@pytest.mark.parametrize(
    "header, message",
    [
        ({**_STRIPES, "FASTAXIS": None}, "without FASTAXIS"),
        ({**_STRIPES, "SLOWAXIS": 1}, "is not a readout geometry"),
        ({**_STRIPES, "MSTR_RD2": 0}, "MSTR_RD2 = 0"),
        ({**_STRIPES, "MSTR_RD2": 5}, "read 7 rows but the array has 6"),
        ({**_STRIPES, "MSTR_SK1": 3000}, "outside the reference"),
        ({**_STRIPES, "SUBSIZE2": 9}, "SUBSIZE1/SUBSIZE2"),
        ({**_STRIPES, "SSTR_NST": 2}, "superstripe exposure"),
        ({**_STRIPES, "SUBSTRT1": 3}, "does not cover this multistripe subarray along SUBSTRT1"),
    ],
)
def test_multistripe_geometries_the_pipeline_cannot_cut_are_refused(tmp_path: Path, header, message) -> None:
    header = {key: value for key, value in header.items() if value is not None}
    with pytest.raises(LinInspectError, match=message):
        _plan(tmp_path, header=header, with_asdf=False)


def test_multistripe_rows_are_the_rows_read(tmp_path: Path) -> None:
    reference_coeffs = _coefficients(2048, 8)
    reference_coeffs[0] = np.arange(2048, dtype=np.float32)[:, None]  # c0 = detector row
    reference = write_linearity_reference(tmp_path / "ref.fits", coeffs=reference_coeffs, instrument="NIRCAM",
                                          detector="NRCA1")
    exposure = write_ramp_file(tmp_path / "ramp.fits", sci=np.ones((1, 2, 6, 8), np.float32), instrument="NIRCAM",
                               detector="NRCA1", substrt=(1, 3), extra_header=_STRIPES, with_asdf=False)
    plan = plan_correction(open_exposure(exposure), open_reference(reference))
    # From row 3 (index 2): 2 rows read, 10 skipped, 4 read.
    assert plan.coeffs[0, :, 0].tolist() == [2, 3, 14, 15, 16, 17]
    assert not plan.read_level


@pytest.mark.parametrize(
    "header, message",
    [
        ({"NFRAMES": None}, "NFRAMES missing"),
        ({"NFRAMES": 4, "NGROUPS": 2}, "NGROUPS = 2 but SCI has 3 groups"),
        ({"NFRAMES": "four"}, "NFRAMES = 'four' is not an integer"),
    ],
)
def test_read_level_metadata_the_pipeline_fails_on_is_refused(tmp_path: Path, header, message) -> None:
    def drop(hdul: fits.HDUList) -> None:
        for key, value in header.items():
            if value is None:
                del hdul[0].header[key]
            else:
                hdul[0].header[key] = value

    reference = write_linearity_reference(tmp_path / "ref.fits", coeffs=_coefficients(6, 8),
                                          inv_coeffs=_coefficients(6, 8))
    path = write_ramp_file(tmp_path / "ramp.fits", sci=np.ones((1, 3, 6, 8), np.float32), nframes=4, with_asdf=False)
    with fits.open(path, mode="update") as hdul:
        drop(hdul)
    with pytest.raises(LinInspectError, match=message):
        plan_correction(open_exposure(path), open_reference(reference))


@pytest.mark.parametrize("inverse", [_coefficients(6, 7), _coefficients(6, 8)[:1]])
def test_inverse_coefficients_the_pipeline_cannot_use_are_refused(tmp_path: Path, inverse: np.ndarray) -> None:
    reference = write_linearity_reference(tmp_path / "ref.fits", coeffs=_coefficients(6, 8), inv_coeffs=inverse)
    path = write_ramp_file(tmp_path / "ramp.fits", sci=np.ones((1, 3, 6, 8), np.float32), nframes=2, with_asdf=False)
    with pytest.raises(LinInspectError, match=r"ref.fits: INV_COEFFS has shape"):
        plan_correction(open_exposure(path), open_reference(reference))


def test_a_damaged_asdf_extension_is_one_line(tmp_path: Path) -> None:
    path = write_ramp_file(tmp_path / "ramp.fits", sci=np.ones((1, 2, 4, 4), np.float32))
    with fits.open(path, mode="update") as hdul:
        hdul["ASDF"].data["ASDF_METADATA"][0][:40] = np.frombuffer(b"not yaml at all: [[[ {{{ ::: ---- !!!!!!", np.uint8)
    with pytest.raises(LinInspectError, match="ASDF extension unreadable"):
        open_exposure(path)


def _read_level_pair(tmp_path: Path):
    """A read-level exposure and a reference over exactly its pixels, one pixel with a NaN coefficient."""
    shape = (1, 3, 6, 8)
    coeffs, inverse = _coefficients(6, 8), _coefficients(6, 8)
    coeffs[2, 1, 2] = np.nan
    reference = write_linearity_reference(tmp_path / "ref.fits", coeffs=coeffs, inv_coeffs=inverse,
                                          instrument="NIRCAM", detector="NRCA1", substrt=(1, 1))
    exposure = write_ramp_file(tmp_path / "ramp.fits", sci=np.ones(shape, np.float32), instrument="NIRCAM",
                               detector="NRCA1", nframes=4, with_asdf=False, extra_header={"NGROUPS": 3})
    return open_exposure(exposure), open_reference(reference)


def test_a_consumed_reference_is_prepared_where_it_is_not_copied(tmp_path: Path) -> None:
    exposure, reference = _read_level_pair(tmp_path)
    kept = plan_correction(exposure, reference).prepare(exposure.pixeldq, exposure.ngroups)
    assert np.isnan(reference.coeffs[2, 1, 2])  # a reference still in use keeps its raw values
    assert not np.shares_memory(kept.coeffs, reference.coeffs)

    consumed = plan_correction(exposure, reference, consume=True).prepare(exposure.pixeldq, exposure.ngroups)
    assert np.shares_memory(consumed.coeffs, reference.coeffs)
    assert np.shares_memory(consumed.inverse, reference.inv_coeffs)
    assert np.array_equal(consumed.coeffs, kept.coeffs) and np.array_equal(consumed.inverse, kept.inverse)
    assert np.array_equal(consumed.pixeldq, kept.pixeldq) and kept.pixeldq[1, 2] != 0


def test_correct_file_prepares_only_a_reference_given_up_in_place(tmp_path: Path) -> None:
    from lininspect.core.fits.product import correct_file

    exposure, reference = _read_level_pair(tmp_path)
    correct_file(exposure, reference, tmp_path / "kept_linearity.fits")
    assert np.isnan(reference.coeffs[2, 1, 2])  # the app's reference, shown raw afterwards
    correct_file(exposure, reference, tmp_path / "given_linearity.fits", consume_reference=True)
    assert reference.coeffs[2, 1, 2] == 0 and reference.coeffs[1, 1, 2] == 1  # identity: prepared, not copied
    with fits.open(tmp_path / "kept_linearity.fits") as kept, fits.open(tmp_path / "given_linearity.fits") as given:
        assert np.array_equal(kept["SCI"].data, given["SCI"].data)
        assert np.array_equal(kept["PIXELDQ"].data, given["PIXELDQ"].data)
