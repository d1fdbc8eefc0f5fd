"""A reference opened for the correction of one file leaves its coefficients in the file (issue 19, target 3).

They are read and prepared a row tile at a time: the product is the same bit for bit as with the
sets read whole, ``correct``'s peak memory no longer holds them, and a reference truncated or
replaced after the first pass over them gives a one-line error and no product.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from hostile_files import run_measured
from pipeline_oracle import write_linearity_reference, write_ramp_file

from lininspect.core.dq import NO_LIN_CORR
from lininspect.core.errors import LinInspectError
from lininspect.core.fits.product import correct_file
from lininspect.core.kernels import correction
from lininspect.core.references.reference import CoefficientsInFile, open_reference


def _read_level_reference(path: Path, ny: int, nx: int, faults_at: tuple[int, int] = (1, 1)) -> Path:
    """Forward and inverse sets of 5 planes, with a NaN in each, a zero linear term and NO_LIN_CORR
    on the diagonal from ``faults_at``."""
    y, x = faults_at
    rng = np.random.default_rng(7)
    coeffs = np.zeros((5, ny, nx), np.float32)
    coeffs[1] = 1 + rng.normal(0, 1e-3, (ny, nx))
    coeffs[2] = 2e-6
    inverse = -coeffs
    inverse[1] = 2 - coeffs[1]
    coeffs[3, y, x] = np.nan
    coeffs[1, y + 1, x + 1] = 0
    inverse[2, y + 2, x + 2] = np.nan
    dq = np.zeros((ny, nx), np.uint32)
    dq[y + 3, x + 3] = NO_LIN_CORR
    return write_linearity_reference(path, coeffs=coeffs, dq=dq, inv_coeffs=inverse)


def _read_level_exposure(path: Path, shape: tuple[int, int, int, int], **keywords: object) -> Path:
    nints, ngroups, ny, nx = shape
    rate = np.linspace(100, 3000, ny * nx, dtype=np.float32).reshape(ny, nx)
    sci = (1000 + rate * np.arange(1, ngroups + 1, dtype=np.float32)[None, :, None, None]).repeat(nints, axis=0)
    return write_ramp_file(path, sci=sci, nframes=4, with_asdf=False, extra_header={"NGROUPS": ngroups},
                           **keywords)  # type: ignore[arg-type]  # fmt: skip


def test_coefficients_left_in_the_file_give_the_bits_of_the_sets_read_whole(tmp_path: Path) -> None:
    """A subarray cut (a window of the file) with ZEROFRAME: tiles prepared one by one give the same product."""
    reference = _read_level_reference(tmp_path / "ref.fits", 150, 90, faults_at=(40, 30))
    zeroframe = np.full((2, 100, 64), 900, np.float32)
    zeroframe[:, 3, 4] = 0
    exposure = _read_level_exposure(tmp_path / "sub_lastframe.fits", (2, 3, 100, 64), substrt=(11, 21),
                                    zeroframe=zeroframe)  # fmt: skip
    assert isinstance(open_reference(reference, coefficients_in_file=True).coeffs, CoefficientsInFile)
    products = []
    for name, opened in (("in_file", reference), ("whole", open_reference(reference))):
        (tmp_path / name).mkdir()
        summary = correct_file(exposure, opened, tmp_path / name / "sub_linearity.fits")
        assert summary.no_lin_corr_pixels == 4
        products.append(summary.output.read_bytes())
    assert products[0] == products[1]


def test_correct_of_one_file_does_not_hold_the_coefficient_sets(tmp_path: Path) -> None:
    """The two sets of a full-frame read-level reference are 168 MB: ``correct`` of one file stays
    well below what holding them once costs (400 MB here when they were read whole)."""
    _read_level_reference(tmp_path / "small_ref.fits", 8, 8)
    _read_level_exposure(tmp_path / "small_lastframe.fits", (1, 2, 8, 8))
    # The compiled read-level kernel for 5 coefficients, loaded (or compiled into numba's cache) first.
    warm = run_measured(["correct", "small_lastframe.fits", "-r", "small_ref.fits"], cwd=tmp_path, timeout=600)
    assert warm.returncode == 0, warm.stderr
    _read_level_reference(tmp_path / "ref.fits", 2048, 2048)
    _read_level_exposure(tmp_path / "full_lastframe.fits", (1, 2, 2048, 2048))
    result = run_measured(["correct", "full_lastframe.fits", "-r", "ref.fits"], cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "read-level correction" in result.stderr
    assert result.peak_mb < 300, result.peak_mb


@pytest.mark.parametrize("fault", ["truncated", "replaced", "rewritten"])
def test_a_reference_changed_after_the_first_pass_gives_one_line_and_no_product(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    reference = _read_level_reference(tmp_path / "ref.fits", 300, 64)
    os.utime(reference, ns=(10**18, 10**18))  # written long before: a coarse clock cannot hide the rewrite below
    exposure = _read_level_exposure(tmp_path / "r_lastframe.fits", (2, 3, 300, 64))
    first_pass = correction.PreparedPerTile.after_first_pass

    def then_fault(*args: object) -> correction.PreparedPerTile:
        prepared = first_pass(*args)  # type: ignore[arg-type]
        if fault == "truncated":
            os.truncate(reference, os.path.getsize(reference) // 2)
        elif fault == "rewritten":  # same file, same size, other coefficients: only the time of the write tells
            with open(reference, "r+b") as stream:
                stream.seek(-2880, os.SEEK_END)
                stream.write(bytes(range(256)) * 11)
        else:
            shutil.copy(reference, tmp_path / "other.fits")
            os.replace(tmp_path / "other.fits", reference)
        return prepared

    monkeypatch.setattr(correction.PreparedPerTile, "after_first_pass", staticmethod(then_fault))
    with pytest.raises(LinInspectError) as raised:
        correct_file(exposure, reference, tmp_path / "r_linearity.fits")
    message = str(raised.value)
    assert "\n" not in message and message.startswith(f"{reference}: ")
    expected = {"truncated": "ended early", "replaced": "replaced by another file while it was being read",
                "rewritten": "rewritten in place while it was being read"}[fault]
    assert expected in message
    assert sorted(path.name for path in tmp_path.iterdir()) == ["r_lastframe.fits", "ref.fits"]
