"""Every class of bad input: one clear line on stderr, exit 2, no traceback, nothing left behind,
inputs unchanged. The command runs in a subprocess, exactly as a user runs it."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from pipeline_oracle import write_linearity_reference, write_ramp_file


def lininspect(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lininspect", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def digest(directory: Path) -> dict[str, str]:
    """Every file below ``directory`` (hidden ones too) with a hash of its bytes."""
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A good ramp (SUBSTRT 11, 21; 12 x 16 pixels) and a good full reference, plus bad files."""
    rng = np.random.default_rng(1)
    sci = (rng.random((1, 3, 12, 16)) * 1000).astype(np.float32)
    write_ramp_file(tmp_path / "good_lastframe.fits", sci=sci, substrt=(11, 21), with_asdf=False)
    coeffs = np.zeros((3, 64, 64), np.float32)
    coeffs[1] = 1
    write_linearity_reference(tmp_path / "ref.fits", coeffs=coeffs)

    (tmp_path / "empty.fits").write_bytes(b"")
    (tmp_path / "notfits.fits").write_text("this is a text file, not FITS\n" * 200)
    good = (tmp_path / "good_lastframe.fits").read_bytes()
    (tmp_path / "truncated.fits").write_bytes(good[: len(good) - 5000])
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(np.zeros((12, 16), np.float32), name="ERR")]).writeto(
        tmp_path / "nosci.fits"
    )
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(np.zeros((12, 16), np.float32), name="SCI")]).writeto(
        tmp_path / "rate.fits"
    )
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(np.zeros((64, 64), np.uint32), name="DQ")]).writeto(
        tmp_path / "ref_nocoeffs.fits"
    )
    write_linearity_reference(tmp_path / "ref_onecoeff.fits", coeffs=np.ones((1, 64, 64), np.float32))
    fits.HDUList(
        [
            fits.PrimaryHDU(header=fits.getheader(tmp_path / "ref.fits")),
            fits.ImageHDU(coeffs, name="COEFFS"),
            fits.ImageHDU(np.zeros((32, 64), np.uint32), name="DQ"),
        ]
    ).writeto(tmp_path / "ref_dqshape.fits")
    write_linearity_reference(tmp_path / "ref_small.fits", coeffs=coeffs[:, :20, :20])
    return tmp_path


CASES = {
    "missing input": (["correct", "nothere.fits", "--reference", "ref.fits"], "nothere.fits: no such file"),
    "empty input": (["correct", "empty.fits", "--reference", "ref.fits"], "empty.fits: file is empty"),
    "non-FITS input": (["correct", "notfits.fits", "--reference", "ref.fits"], "notfits.fits: not a FITS file"),
    "truncated input": (["correct", "truncated.fits", "--reference", "ref.fits"], "truncated.fits: file is truncated"),
    "no SCI": (["correct", "nosci.fits", "--reference", "ref.fits"], "nosci.fits: has no SCI extension"),
    "rate image": (["correct", "rate.fits", "--reference", "ref.fits"], "rate.fits: SCI is 2-D"),
    "missing reference": (["correct", "good_lastframe.fits", "--reference", "nope.fits"], "nope.fits: no such file"),
    "truncated reference": (["correct", "good_lastframe.fits", "--reference", "truncated.fits"], "truncated.fits: file is truncated"),
    "reference without COEFFS": (
        ["correct", "good_lastframe.fits", "--reference", "ref_nocoeffs.fits"],
        "ref_nocoeffs.fits: has no COEFFS extension",
    ),
    "one coefficient": (
        ["correct", "good_lastframe.fits", "--reference", "ref_onecoeff.fits"],
        "ref_onecoeff.fits: has 1 coefficient(s); at least 2 are needed",
    ),
    "DQ shape differs": (
        ["correct", "good_lastframe.fits", "--reference", "ref_dqshape.fits"],
        "ref_dqshape.fits: DQ shape (32, 64) differs from COEFFS pixels (64, 64)",
    ),
    "subarray not covered": (
        ["correct", "good_lastframe.fits", "--reference", "ref_small.fits"],
        "ref_small.fits: reference does not cover this subarray",
    ),
    "ramp as reference": (
        ["correct", "good_lastframe.fits", "--reference", "good_lastframe.fits"],
        "good_lastframe.fits: is an exposure (SCI), not a linearity reference",
    ),
    "reference as input": (
        ["correct", "ref.fits", "--reference", "ref.fits"],
        "ref.fits: is a linearity reference (COEFFS), not an exposure",
    ),
    "output directory missing": (
        ["correct", "good_lastframe.fits", "--reference", "ref.fits", "--output-dir", "no/such/dir"],
        "no/such/dir: output directory does not exist",
    ),
    "output file in missing directory": (
        ["correct", "good_lastframe.fits", "--reference", "ref.fits", "-o", "nodir/out.fits"],
        "nodir: output directory does not exist",
    ),
    "output equals input": (
        ["correct", "good_lastframe.fits", "--reference", "ref.fits", "-o", "good_lastframe.fits"],
        "output would overwrite the input",
    ),
    "output equals input even with --overwrite": (
        ["correct", "good_lastframe.fits", "--reference", "ref.fits", "-o", "./good_lastframe.fits", "--overwrite"],
        "output would overwrite the input",
    ),
    "output equals reference": (
        ["correct", "good_lastframe.fits", "--reference", "ref.fits", "-o", "ref.fits", "--overwrite"],
        "output would overwrite the input ref.fits",
    ),
    "missing --reference": (["correct", "good_lastframe.fits"], "--reference"),
    "unknown option": (["correct", "good_lastframe.fits", "--reference", "ref.fits", "--bogus"], "--bogus"),
}


@pytest.mark.parametrize("name", CASES)
def test_bad_input_is_refused_in_one_line(workdir: Path, name: str) -> None:
    args, message = CASES[name]
    before = digest(workdir)
    result = lininspect(*args, cwd=workdir)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert lines[0].startswith("lininspect")
    assert "Traceback" not in result.stderr + result.stdout
    assert digest(workdir) == before  # nothing written, nothing changed, no temporary left


def test_existing_output_needs_overwrite(workdir: Path) -> None:
    first = lininspect("correct", "good_lastframe.fits", "--reference", "ref.fits", cwd=workdir)
    assert first.returncode == 0, first.stderr
    output = workdir / "good_linearity.fits"
    written = output.read_bytes()
    again = lininspect("correct", "good_lastframe.fits", "--reference", "ref.fits", cwd=workdir)
    assert again.returncode == 2
    assert "already exists (use --overwrite" in again.stderr
    assert output.read_bytes() == written
    forced = lininspect("correct", "good_lastframe.fits", "--reference", "ref.fits", "--overwrite", cwd=workdir)
    assert forced.returncode == 0, forced.stderr
    assert not [p for p in workdir.iterdir() if ".part" in p.name]


def test_one_bad_file_among_several_does_not_stop_the_others(workdir: Path) -> None:
    (workdir / "out").mkdir()
    result = lininspect(
        "correct", "empty.fits", "good_lastframe.fits", "--reference", "ref.fits", "--output-dir", "out", cwd=workdir
    )
    assert result.returncode == 2
    assert "empty.fits: file is empty" in result.stderr
    assert [p.name for p in (workdir / "out").iterdir()] == ["good_linearity.fits"]
    assert "wrote out/good_linearity.fits: 0 pixels NO_LIN_CORR" in result.stdout


def test_version_and_help_on_every_command(workdir: Path) -> None:
    version = lininspect("--version", cwd=workdir)
    assert version.returncode == 0 and version.stdout.startswith("lininspect 0.")
    for command in ([], ["correct"], ["snapshot"], ["demo"]):
        shown = lininspect(*command, "--help", cwd=workdir)
        assert shown.returncode == 0 and "usage: lininspect" in shown.stdout
