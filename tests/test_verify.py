"""Verify (core, no Qt): a pipeline product compared with lininspect's correction, array by array."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from lininspect.core.dq import NO_LIN_CORR
from lininspect.core.errors import CorrectionCancelled
from lininspect.core.fits.exposure import open_exposure
from lininspect.core.fits.product import correct_file
from lininspect.core.kernels.pathway import plan_correction
from lininspect.core.references.reference import open_reference
from lininspect.core.analysis.verify import Location, compare_product

sys.path.insert(0, str(Path(__file__).parent / "gui"))
from smallfiles import SmallFiles, write_small_pair  # noqa: E402


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> SmallFiles:
    return write_small_pair(tmp_path_factory.mktemp("verify"))


def product_of(files: SmallFiles, directory: Path, edit=None) -> Path:  # type: ignore[no-untyped-def]
    """Our own product of the small pair, optionally edited the way a faulty writer would."""
    path = directory / "small_linearity.fits"
    correct_file(files.exposure, files.reference, path)
    if edit is not None:
        with fits.open(path, mode="update") as hdul:
            edit(hdul)
    return path


def verify(files: SmallFiles, product: Path, **kwargs):  # type: ignore[no-untyped-def]
    exposure = open_exposure(files.exposure)
    plan = plan_correction(exposure, open_reference(files.reference))
    return compare_product(exposure, plan, open_exposure(product), **kwargs)


def counts(verification) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {array.name: array.differing for array in verification.arrays}


def test_an_identical_product_is_identical(files: SmallFiles, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    verification = verify(files, product_of(files, tmp_path), progress=lambda d, t: seen.append((d, t)))
    assert verification.identical and verification.worst is None
    assert counts(verification) == {"SCI": 0, "PIXELDQ": 0, "GROUPDQ": 0, "ZEROFRAME": 0}
    sci = verification.arrays[0]
    assert sci.compared == 2 * 6 * 40 * 50
    assert seen[-1] == (12, 12) and len(seen) == 12  # one report per group
    assert not verification.where.any()


def test_zeroed_no_lin_corr_flags_are_found(files: SmallFiles, tmp_path: Path) -> None:
    """The issue's case: every NO_LIN_CORR flag zeroed in the product; SCI alone looked identical."""

    def zero_flags(hdul: fits.HDUList) -> None:
        hdul["PIXELDQ"].data &= ~np.uint32(NO_LIN_CORR)

    verification = verify(files, product_of(files, tmp_path, zero_flags))
    pixeldq = verification.arrays[1]
    assert counts(verification) == {"SCI": 0, "PIXELDQ": 11, "GROUPDQ": 0, "ZEROFRAME": 0}
    assert pixeldq.bits == NO_LIN_CORR and pixeldq.largest == NO_LIN_CORR
    assert int(verification.where.sum()) == 11 and verification.where[2, 3] == 1
    assert verification.worst is not None and verification.worst.integration is None


def test_sci_bits_groupdq_and_the_worst_value(files: SmallFiles, tmp_path: Path) -> None:
    def damage(hdul: fits.HDUList) -> None:
        hdul["SCI"].data[1, 4, 7, 9] += 250.0  # the worst
        hdul["SCI"].data[0, 2, 3, 3] += 1.0
        hdul["SCI"].data[0, 0, 0, 0] = -0.0 if hdul["SCI"].data[0, 0, 0, 0] == 0 else np.nextafter(
            hdul["SCI"].data[0, 0, 0, 0], np.float32(np.inf))  # one bit: a difference too
        hdul["GROUPDQ"].data[1, 5, 39, 49] ^= 4

    verification = verify(files, product_of(files, tmp_path, damage))
    sci, _, groupdq, _ = verification.arrays
    assert sci.differing == 3 and groupdq.differing == 1 and groupdq.bits == 4
    assert sci.largest == pytest.approx(250.0, rel=1e-3)
    assert verification.worst == Location(9, 7, 1, 4)
    assert verification.where[7, 9] == 1 and verification.where[39, 49] == 1


def test_nan_equals_nan_whatever_its_payload(files: SmallFiles, tmp_path: Path) -> None:
    exposure = open_exposure(files.exposure)
    sci = np.array(exposure.sci[...], dtype=np.float32)
    sci[0, 3, 20, 20] = np.nan
    nan_input = tmp_path / "nan_lastframe.fits"
    with fits.open(files.exposure) as hdul:
        hdul["SCI"].data = sci
        hdul.writeto(nan_input)
    other_nan = np.array([0x7FC00123], dtype=np.uint32).view(np.float32)[0]

    def payload(hdul: fits.HDUList) -> None:
        assert np.isnan(hdul["SCI"].data[0, 3, 20, 20])
        hdul["SCI"].data[0, 3, 20, 20] = other_nan

    product = tmp_path / "nan_linearity.fits"
    correct_file(nan_input, files.reference, product)
    with fits.open(product, mode="update") as hdul:
        payload(hdul)
    nan_files = SmallFiles(nan_input, files.reference)
    assert verify(nan_files, product).identical

    with fits.open(product, mode="update") as hdul:
        hdul["SCI"].data[0, 3, 20, 21] = np.nan  # NaN where lininspect has a number
    verification = verify(nan_files, product)
    assert counts(verification)["SCI"] == 1 and verification.arrays[0].largest == np.inf


def test_zeroframe_is_compared(tmp_path: Path, files: SmallFiles) -> None:
    with_zero = tmp_path / "zero_lastframe.fits"
    with fits.open(files.exposure) as hdul:
        hdul[0].header["ZEROFRAM"] = True
        hdul.append(fits.ImageHDU(np.full((2, 40, 50), 500.0, dtype=np.float32), name="ZEROFRAME"))
        hdul.writeto(with_zero)
    zero_files = SmallFiles(with_zero, files.reference)
    product = tmp_path / "zero_linearity.fits"
    correct_file(with_zero, files.reference, product)
    assert verify(zero_files, product).identical
    with fits.open(product, mode="update") as hdul:
        hdul["ZEROFRAME"].data[1, 10, 10] = 0.0
    verification = verify(zero_files, product)
    assert counts(verification)["ZEROFRAME"] == 1
    assert verification.worst == Location(10, 10, 1, None)


def test_cancel_stops_it(files: SmallFiles, tmp_path: Path) -> None:
    class AlreadySet:
        def is_set(self) -> bool:
            return True

    with pytest.raises(CorrectionCancelled):
        verify(files, product_of(files, tmp_path), cancel=AlreadySet())


def test_a_read_level_product_is_verified_by_the_read_level_path(tmp_path: Path) -> None:
    """Verify corrects as `correct` does: a classic-only Verify would call this good product wrong."""
    import dataclasses

    from pipeline_oracle import write_linearity_reference, write_ramp_file


    forward, inverse = np.zeros((3, 64, 8), np.float32), np.zeros((3, 64, 8), np.float32)
    forward[1], forward[2] = 1, 2e-5
    inverse[1], inverse[2] = 1, -2e-5
    reference = write_linearity_reference(tmp_path / "ref.fits", coeffs=forward, inv_coeffs=inverse,
                                          instrument="NIRCAM", detector="NRCA1")  # fmt: skip
    ramp = np.cumsum(np.full((2, 5, 6, 8), 900, np.float32), axis=1) + np.arange(48, dtype=np.float32).reshape(6, 8)
    exposure_path = write_ramp_file(tmp_path / "ramp.fits", sci=ramp, nframes=4, instrument="NIRCAM",
                                    detector="NRCA1", with_asdf=False)  # fmt: skip
    product = tmp_path / "ramp_linearity.fits"
    correct_file(exposure_path, reference, product)
    exposure = open_exposure(exposure_path)
    plan = plan_correction(exposure, open_reference(reference))
    assert plan.read_level
    assert compare_product(exposure, plan, open_exposure(product)).identical
    classic = dataclasses.replace(plan, inv_coeffs=None, read_pattern=None)
    assert counts(compare_product(exposure, classic, open_exposure(product)))["SCI"] > 0
