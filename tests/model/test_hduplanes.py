"""Any HDU as a plane on the exposure's grid: GROUPDQ per group, ZEROFRAME, a reference's planes cut
as the correction cuts them, and a truncated file refused rather than read through a memory map."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from lininspect.core.errors import LinInspectError
from lininspect.model.hduplanes import HduPlane, available_planes, flag_limits, read_plane
from lininspect.model.session import A, B, Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test helpers in tests/
from pipeline_oracle import write_linearity_reference, write_ramp_file  # noqa: E402

NINTS, NGROUPS, NY, NX = 2, 3, 6, 8
#: The exposure's subarray starts at detector column 5, row 3 of a 20 x 12 reference.
START, REF_SHAPE = (5, 3), (12, 20)


def _primary(start: tuple[int, int], size: tuple[int, int], **extra: object) -> fits.PrimaryHDU:
    primary = fits.PrimaryHDU()
    cards = {"TELESCOP": "JWST", "INSTRUME": "MIRI", "DETECTOR": "MIRIMAGE", "READPATT": "FASTR1", "NFRAMES": 1,
             "SUBSTRT1": start[0], "SUBSTRT2": start[1], "SUBSIZE1": size[0], "SUBSIZE2": size[1], **extra}  # fmt: skip
    for key, value in cards.items():
        primary.header[key] = value
    return primary


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("hdus")
    rng = np.random.default_rng(3)
    sci = rng.uniform(100, 1000, (NINTS, NGROUPS, NY, NX)).astype(np.float32)
    groupdq = rng.integers(0, 8, sci.shape).astype(np.uint8)
    zeroframe = rng.uniform(0, 50, (NINTS, NY, NX)).astype(np.float32)
    fits.HDUList([
        _primary(START, (NX, NY), NINTS=NINTS, NGROUPS=NGROUPS, EXP_TYPE="MIR_IMAGE", ZEROFRAM=True),
        fits.ImageHDU(sci, name="SCI"),
        fits.ImageHDU(np.zeros((NY, NX), dtype=np.uint32), name="PIXELDQ"),
        fits.ImageHDU(groupdq, name="GROUPDQ"),
        fits.ImageHDU(zeroframe, name="ZEROFRAME"),
    ]).writeto(directory / "exposure.fits")  # fmt: skip
    coeffs = rng.uniform(-1, 1, (4, *REF_SHAPE)).astype(np.float32)
    inverse = rng.uniform(-1, 1, (3, *REF_SHAPE)).astype(np.float32)
    dq = rng.integers(0, 4, REF_SHAPE).astype(np.uint32)
    dq[START[1] - 1, START[0] - 1] = 2**31 + 1  # the exposure's first pixel: exact only in 64-bit floats
    fits.HDUList([
        _primary((1, 1), REF_SHAPE[::-1], REFTYPE="LINEARITY"),
        fits.ImageHDU(coeffs, name="COEFFS"),
        fits.ImageHDU(dq, name="DQ"),
        fits.ImageHDU(inverse, name="INV_COEFFS"),
    ]).writeto(directory / "reference.fits")  # fmt: skip
    np.save(directory / "groupdq.npy", groupdq)
    np.save(directory / "zeroframe.npy", zeroframe)
    return {"exposure": directory / "exposure.fits", "reference": directory / "reference.fits", "dir": directory}


def _session(files: dict[str, Path]) -> Session:
    session = Session()
    session.open_input(files["exposure"])
    session.open_reference(files["reference"], A)
    return session


def test_every_plane_is_listed_and_read_on_the_exposure_grid(files: dict[str, Path]) -> None:
    session = _session(files)
    labels = [plane.label for plane in available_planes(session)]
    assert labels == ["GROUPDQ", "ZEROFRAME", *(f"A COEFFS c{k}" for k in range(4)),
                      *(f"A INV_COEFFS c{k}" for k in range(3)), "A DQ"]  # fmt: skip
    groupdq, zeroframe = np.load(files["dir"] / "groupdq.npy"), np.load(files["dir"] / "zeroframe.npy")
    np.testing.assert_array_equal(read_plane(session, HduPlane("GROUPDQ"), 1, 2), groupdq[1, 2])
    np.testing.assert_array_equal(read_plane(session, HduPlane("ZEROFRAME"), 1, 0), zeroframe[1])
    with fits.open(files["reference"]) as reference:
        cut = (slice(START[1] - 1, START[1] - 1 + NY), slice(START[0] - 1, START[0] - 1 + NX))
        np.testing.assert_array_equal(read_plane(session, HduPlane("COEFFS", A, 2), 0, 0), reference["COEFFS"].data[2][cut])
        np.testing.assert_array_equal(read_plane(session, HduPlane("INV_COEFFS", A, 1), 0, 0), reference["INV_COEFFS"].data[1][cut])
    assert read_plane(session, HduPlane("COEFFS", A, 2), 0, 0).shape == (NY, NX)


def test_reference_dq_keeps_every_bit(files: dict[str, Path]) -> None:
    """The reference's DQ cut to the exposure, its top bit and bit 0 both kept."""
    session = _session(files)
    whole = read_plane(session, HduPlane("DQ", A), 0, 0)
    assert whole.dtype == np.float64 and whole.shape == (NY, NX)
    np.testing.assert_array_equal(whole, session.references[A].dq[START[1] - 1 : START[1] - 1 + NY, START[0] - 1 : START[0] - 1 + NX])
    assert int(whole[0, 0]) == 2**31 + 1


def test_a_file_truncated_after_opening_is_refused(tmp_path: Path, files: dict[str, Path]) -> None:
    copy = tmp_path / "exposure.fits"
    copy.write_bytes(files["exposure"].read_bytes())
    session = Session()
    session.open_input(copy)
    os.truncate(copy, 2880 * 3)
    with pytest.raises(LinInspectError, match="ended early"):
        read_plane(session, HduPlane("GROUPDQ"), 1, 2)
    with pytest.raises(LinInspectError, match="ended early"):
        read_plane(session, HduPlane("ZEROFRAME"), 1, 0)


def test_multistripe_planes_are_the_rows_read(tmp_path: Path) -> None:
    """A multistripe exposure: each reference plane cut to the rows read, as the correction cuts COEFFS."""
    stripes = {"FASTAXIS": 1, "SLOWAXIS": 2, "MSTR_RD1": 2, "MSTR_SK1": 10, "MSTR_RD2": 4, "MSTR_SK2": 6,
               "MSTR_RPT": 0, "MSTR_ILV": 0, "SSTR_NST": 0}  # fmt: skip
    rows = np.arange(2048, dtype=np.float32)[:, None] * np.ones((1, 8), np.float32)
    coeffs = np.stack([rows, np.ones_like(rows), 10 * rows])  # c0 = detector row, c2 = 10 x row
    inverse = np.stack([-rows, np.ones_like(rows)])
    reference = write_linearity_reference(tmp_path / "ref.fits", coeffs=coeffs, inv_coeffs=inverse,
                                          instrument="NIRCAM", detector="NRCA1")  # fmt: skip
    exposure = write_ramp_file(tmp_path / "ramp.fits", sci=np.ones((1, 2, 6, 8), np.float32), instrument="NIRCAM",
                               detector="NRCA1", substrt=(1, 3), extra_header=stripes, with_asdf=False)  # fmt: skip
    session = Session()
    session.open_input(exposure)
    session.open_reference(reference, A)
    read = [2, 3, 14, 15, 16, 17]  # from row 3 (index 2): 2 rows read, 10 skipped, 4 read
    assert read_plane(session, HduPlane("COEFFS", A, 0), 0, 0)[:, 0].tolist() == read
    assert read_plane(session, HduPlane("COEFFS", A, 2), 0, 1)[:, 5].tolist() == [10 * row for row in read]
    assert read_plane(session, HduPlane("INV_COEFFS", A, 0), 0, 0)[:, 7].tolist() == [-row for row in read]
    np.testing.assert_array_equal(read_plane(session, HduPlane("COEFFS", A, 1), 0, 0), session.plan(A).coeffs[1])


def test_flags_are_scaled_from_none_to_the_largest_set() -> None:
    assert flag_limits(np.array([[0.0, 4.0], [2.0, 0.0]])) == (0.0, 4.0)
    assert flag_limits(np.zeros((2, 2))) == (0.0, 1.0)  # nothing set: still a scale


def test_reference_b_planes_follow_a_s_and_go_with_it(files: dict[str, Path]) -> None:
    session = _session(files)
    session.open_reference(files["reference"], B)
    labels = [plane.label for plane in available_planes(session)]
    assert labels[-8:] == [*(f"B COEFFS c{k}" for k in range(4)), *(f"B INV_COEFFS c{k}" for k in range(3)), "B DQ"]
    np.testing.assert_array_equal(read_plane(session, HduPlane("COEFFS", B, 3), 0, 0),
                                  read_plane(session, HduPlane("COEFFS", A, 3), 0, 0))  # fmt: skip
    session.drop_reference(B)
    assert not any(plane.reference == B for plane in available_planes(session))
    with pytest.raises(LinInspectError, match="reference B is not loaded"):
        read_plane(session, HduPlane("COEFFS", B, 3), 0, 0)
