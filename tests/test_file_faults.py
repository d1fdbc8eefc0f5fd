"""Hostile files, round 2 (issue 16): each fault ends in one plain line naming the file, HDU and
keyword, exit 2, or in a product the pipeline would write too. Commands run as a user runs them."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from comparison_files import write_comparison_files
from hostile_files import card_offset, continue_after, set_card
from lininspect.core.analysis.comparisonreport import report_files
from lininspect.core.errors import LinInspectError
from lininspect.core.fits.product import check_product
from pipeline_oracle import write_linearity_reference, write_ramp_file
from test_cli_bad_input import lininspect


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    """A small ramp with the pipeline's ASDF extension and a reference for it."""
    rng = np.random.default_rng(3)
    sci = (rng.random((1, 3, 12, 16)) * 1000).astype(np.float32)
    ramp = write_ramp_file(tmp_path / "jw_good_lastframe.fits", sci=sci, substrt=(11, 21), with_asdf=True)
    coeffs = np.zeros((3, 64, 64), np.float32)
    coeffs[1] = 1
    return ramp, write_linearity_reference(tmp_path / "ref.fits", coeffs=coeffs)


@pytest.mark.parametrize(
    ("hdu", "key", "named"),
    [("PRIMARY", "NFRAMES", "HDU 0 (PRIMARY)"), ("SCI", "NAXIS4", "HDU 1 (SCI)"), ("ASDF", "TFIELDS", "HDU 4 (ASDF)")],
)
def test_a_continue_card_after_a_value_not_a_string_is_refused_naming_hdu_and_keyword(pair, hdu: str, key: str, named: str) -> None:  # type: ignore[no-untyped-def]
    """Item 5: "internal error: VerifyError: CONTINUE cards must have string values", exit 1."""
    ramp, reference = pair
    damaged = continue_after(ramp.read_bytes(), hdu, key)
    ramp.write_bytes(damaged)
    result = lininspect("correct", str(ramp), "--reference", str(reference), "-q", cwd=ramp.parent)
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        f"lininspect: error: {ramp}: {named} keyword {key} is followed by a CONTINUE card, "
        "which may only continue a string value\n"
    )
    assert ramp.read_bytes() == damaged


HOSTILE_NAME = "jw_\x1b]0;PWNED\x07\x1b[2J_a\nb_lastframe.fits"


def test_control_characters_in_a_file_name_are_printed_escaped(pair, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Item 9: a name holding an escape sequence retitled and cleared the terminal; a newline split the line."""
    ramp, reference = pair
    hostile = ramp.rename(tmp_path / HOSTILE_NAME)
    escaped = str(tmp_path / "jw_\\x1b]0;PWNED\\x07\\x1b[2J_a\\x0ab_lastframe.fits")
    good = lininspect("correct", str(hostile), "--reference", str(reference), cwd=tmp_path)
    assert good.returncode == 0, good.stderr
    assert good.stdout.startswith(f"wrote {escaped.replace('_lastframe', '_linearity')}: ")
    damaged = tmp_path / ("bad_" + HOSTILE_NAME)
    damaged.write_bytes(hostile.read_bytes()[:5000])
    bad = lininspect("correct", str(damaged), "--reference", str(reference), cwd=tmp_path)
    assert bad.returncode == 2
    for output in (good.stdout + good.stderr, bad.stderr):
        assert "\x1b" not in output and "\x07" not in output
        assert all(line.startswith(("lininspect: ", "wrote ")) for line in output.splitlines()), output
    assert bad.stderr.startswith(f"lininspect: error: {escaped.replace('jw_', 'bad_jw_')}: ") and bad.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("hdu", "value", "what"),
    [("SCI", "5", "on floating-point pixels (BITPIX = -32)"), ("GROUPDQ", "1.5", "not an integer"),
     ("PIXELDQ", "'abc'", "not an integer")],
)
def test_an_invalid_blank_card_is_refused_not_carried_into_the_product(pair, hdu: str, value: str, what: str) -> None:  # type: ignore[no-untyped-def]
    """Item 12: an invalid BLANK was copied onto the product, which astropy then warned about on every read."""
    ramp, reference = pair
    damaged = set_card(ramp.read_bytes(), hdu, "EXTVER>BLANK", value)
    ramp.write_bytes(damaged)
    result = lininspect("correct", str(ramp), "--reference", str(reference), "-q", cwd=ramp.parent)
    assert result.returncode == 2, result.stderr
    index = {"SCI": 1, "PIXELDQ": 2, "GROUPDQ": 3}[hdu]
    assert result.stderr == (
        f"lininspect: error: {ramp}: HDU {index} ({hdu}) keyword BLANK = {value} is {what}; "
        "FITS allows BLANK only as an integer on integer pixels: the input is damaged\n"
    )
    assert sorted(p.name for p in ramp.parent.iterdir()) == ["jw_good_lastframe.fits", "ref.fits"]


def test_text_after_end_in_the_end_card_is_refused(pair) -> None:  # type: ignore[no-untyped-def]
    """Item 12: "END     junk" was carried through byte for byte; astropy does not take it for END."""
    ramp, reference = pair
    data = ramp.read_bytes()
    end = card_offset(data, "GROUPDQ", "EXTVER") + 80
    assert data[end : end + 8] == b"END     "
    ramp.write_bytes(data[: end + 8] + b"junk" + data[end + 12 :])
    result = lininspect("correct", str(ramp), "--reference", str(reference), "-q", cwd=ramp.parent)
    assert result.returncode == 2
    assert result.stderr == (
        f"lininspect: error: {ramp}: HDU 3's END card holds text after END near byte {end} "
        "(FITS requires it blank): the header is damaged\n"
    )


def test_the_product_check_fails_on_what_astropy_warns_about_naming_the_hdu(tmp_path: Path) -> None:
    """Items 12 and 11: the check passed products astropy warns about, and its refusals ended in
    "(Verification reported errors:)", naming no HDU."""
    warned = tmp_path / "warned.fits"
    extra = fits.ImageHDU(np.zeros((2, 2), np.float32), name="EXTRA")
    extra.header["BLANK"] = 7
    fits.HDUList([fits.PrimaryHDU(), extra]).writeto(warned, output_verify="ignore")
    with pytest.raises(LinInspectError) as refused:
        check_product(warned, tmp_path / "out.fits", tmp_path / "in.fits")
    assert str(refused.value).startswith(
        f"{tmp_path / 'in.fits'}: not written: its product would not be valid FITS (HDU 1 (EXTRA): Invalid 'BLANK' keyword"
    )
    unverified = tmp_path / "unverified.fits"
    primary = fits.PrimaryHDU()
    primary.header["NAXIS1"] = 3  # an axis length where NAXIS = 0: astropy's verify() raises
    fits.HDUList([primary]).writeto(unverified, output_verify="ignore")
    with pytest.raises(LinInspectError) as refused:
        check_product(unverified, tmp_path / "out.fits", tmp_path / "in.fits")
    assert "HDU 0 (PRIMARY): NAXISj keyword out of range ('NAXIS1' when NAXIS == 0)" in str(refused.value)
    assert "Verification reported" not in str(refused.value)


def _with_file_size_limit(limit: int) -> Callable[[], None]:
    """For a child: files it writes stop at ``limit`` bytes (EFBIG), as a full disk stops them (ENOSPC)."""

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limited


def _limited_run(args: list[str], cwd: Path, limit: int) -> subprocess.CompletedProcess[str]:
    """With numba's cache empty, so the compiled loops' cache files meet the limit too (a fresh install)."""
    with tempfile.TemporaryDirectory() as cache:
        return subprocess.run([sys.executable, "-m", "lininspect", *args], cwd=cwd, capture_output=True, text=True,
                              timeout=120, preexec_fn=_with_file_size_limit(limit),
                              env=os.environ | {"NUMBA_CACHE_DIR": cache})  # fmt: skip


def test_a_snapshot_that_cannot_be_written_says_so_in_our_one_line(pair) -> None:  # type: ignore[no-untyped-def]
    """Item 11: a full disk printed "libpng error: Write Error" before our line."""
    ramp, reference = pair
    result = _limited_run(["snapshot", str(ramp), "--reference", str(reference), "--pixel", "1", "1", "-o", "shot.png"],
                          ramp.parent, 2000)  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == f"lininspect: error: file too large writing shot.png\n"
    assert sorted(p.name for p in ramp.parent.iterdir()) == ["jw_good_lastframe.fits", "ref.fits"]


def test_a_report_that_cannot_be_written_names_the_file_and_the_cause(tmp_path: Path) -> None:
    """Item 11: astropy's "not enough space on disk: requested 44544, available 0..." was printed naming the PNG."""
    files = write_comparison_files(tmp_path)
    result = _limited_run(["compare-references", str(files["exposure"]), "--reference", str(files["a"]),
                           "--against", str(files["b"]), "-o", "report"], tmp_path, 20000)  # fmt: skip
    assert result.returncode == 2
    maps = report_files(tmp_path / "report", files["exposure"]).maps
    assert result.stderr == f"lininspect: error: file too large writing {maps.relative_to(tmp_path)}\n"
