"""Every class of bad input: one clear line on stderr, exit 2, no traceback, nothing left behind,
inputs unchanged. The command runs in a subprocess, exactly as a user runs it."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import stat
import subprocess
import sys
import time
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


# ------------------------------------------------------------------ issue 11: hostile files and faults

from hostile_files import blank_card, run_measured, set_card  # noqa: E402


def _corrupt(workdir: Path, source: str, name: str, edits: list[tuple[str, str, str | None]]) -> str:
    """Copy ``source`` to ``name`` with cards edited: (HDU, key, raw value or None to blank it)."""
    data = (workdir / source).read_bytes()
    for hdu, key, value in edits:
        data = blank_card(data, hdu, key) if value is None else set_card(data, hdu, key, value)
    (workdir / name).write_bytes(data)
    return name


def _write_dq_def_reference(workdir: Path) -> None:
    from pipeline_oracle import MIRI_DQ_DEF

    coeffs = np.zeros((3, 64, 64), np.float32)
    coeffs[1] = 1
    write_linearity_reference(workdir / "ref_dqdef.fits", coeffs=coeffs, dq_def=MIRI_DQ_DEF)


MUTATIONS = {
    # item 6: sizes astropy's lazy HDU list loops on
    "PIXELDQ NAXIS2 negative": ("good_lastframe.fits", [("PIXELDQ", "NAXIS2", "-1")], "PIXELDQ) has a negative NAXIS2"),
    "GROUPDQ GCOUNT -1": ("good_lastframe.fits", [("GROUPDQ", "GCOUNT", "-1")], "GROUPDQ) has PCOUNT = 0, GCOUNT = -1"),
    "reference DQ NAXIS1 negative": ("ref.fits", [("DQ", "NAXIS1", "-5")], "(DQ) has a negative NAXIS1"),
    # item 7: a declared size that shrinks, a missing END
    "SCI NAXIS1 zero": ("good_lastframe.fits", [("SCI", "NAXIS1", "0")], "no extension header at byte"),
    "SCI BITPIX 0": ("good_lastframe.fits", [("SCI", "BITPIX", "0")], "(SCI) has BITPIX = 0"),
    "SCI BITPIX 7": ("good_lastframe.fits", [("SCI", "BITPIX", "7")], "(SCI) has BITPIX = 7"),
    "SCI GCOUNT 0": ("good_lastframe.fits", [("SCI", "GCOUNT", "0")], "GCOUNT = 0"),
    "SCI END missing": ("good_lastframe.fits", [("SCI", "END", None)], "header holds non-text bytes"),
    # item 10: keywords and tables that ended in "internal error"
    "GROUPDQ BSCALE text": ("good_lastframe.fits", [("GROUPDQ", "PCOUNT>BSCALE", "abc")], "keyword BSCALE = 'abc' is not a usable scale"),
    "GROUPDQ BSCALE 2.5": ("good_lastframe.fits", [("GROUPDQ", "PCOUNT>BSCALE", "2.5")], "GROUPDQ has BSCALE = 2.5"),
    "GROUPDQ float": ("good_lastframe.fits", [("GROUPDQ", "BITPIX", "-32"), ("GROUPDQ", "NAXIS1", "4")], "GROUPDQ is stored as floating point"),
    "PIXELDQ BITPIX 0": ("good_lastframe.fits", [("PIXELDQ", "BITPIX", "0")], "(PIXELDQ) has BITPIX = 0"),
    "PIXELDQ BZERO text": ("good_lastframe.fits", [("PIXELDQ", "BZERO", "abc")], "keyword BZERO = 'abc' is not a usable scale"),
    "PIXELDQ BZERO 7": ("good_lastframe.fits", [("PIXELDQ", "BZERO", "7")], "PIXELDQ has BSCALE = 1, BZERO = 7; DQ flags"),
    "PIXELDQ BSCALE 2.5": ("good_lastframe.fits", [("PIXELDQ", "BSCALE", "2.5")], "PIXELDQ has BSCALE = 2.5"),
    "NFRAMES text": ("good_lastframe.fits", [("PRIMARY", "NFRAMES", "'abc'")], "PRIMARY keyword NFRAMES = 'abc' is not an integer"),
    "NFRAMES unparsable": ("good_lastframe.fits", [("PRIMARY", "NFRAMES", "abc")], "PRIMARY keyword NFRAMES = 'abc' is not an integer"),
    "SUBSTRT1 float": ("good_lastframe.fits", [("PRIMARY", "SUBSTRT1", "11.5")], "SUBSTRT1 = 11.5 is not an integer"),
    "reference SUBSTRT2 text": ("ref.fits", [("PRIMARY", "SUBSTRT2", "'abc'")], "PRIMARY keyword SUBSTRT2 = 'abc' is not an integer"),
    "DQ_DEF TFORM2 1000J": ("ref_dqdef.fits", [("DQ_DEF", "TFORM2", "'1000J'")], "TFORMn columns add up to"),
    "DQ_DEF TFORM2 junk": ("ref_dqdef.fits", [("DQ_DEF", "TFORM2", "'Z'")], "TFORM2 = 'Z' is not a binary-table format"),
    "DQ_DEF TFIELDS missing": ("ref_dqdef.fits", [("DQ_DEF", "TFIELDS", None)], "DQ_DEF header lacks the TFIELDS keyword"),
    "DQ_DEF VALUE as text": ("ref_dqdef.fits", [("DQ_DEF", "TFORM2", "'4A'")], "column VALUE has TFORM2 = 4A"),
    "DQ_DEF TZERO text": ("ref_dqdef.fits", [("DQ_DEF", "TTYPE1>TZERO2", "'abc'")], "keyword TZERO2 = 'abc' is not a whole number"),
    "two SCI extensions": ("good_lastframe.fits", [("PIXELDQ", "EXTNAME", "'SCI'")], "has 2 SCI extensions (HDUs [1, 2])"),
    # item 12: accepted before, and the product was invalid FITS
    "SCI is a BINTABLE": ("good_lastframe.fits", [("SCI", "XTENSION", "'BINTABLE'")], "(SCI) is a BINTABLE with BITPIX = -32"),
    "PIXELDQ BITPIX 8": ("good_lastframe.fits", [("PIXELDQ", "BITPIX", "8")], "PIXELDQ has BSCALE = 1, BZERO = 2147483648"),
}


@pytest.mark.parametrize("name", MUTATIONS)
def test_damaged_file_is_refused_naming_file_hdu_and_keyword(workdir: Path, name: str) -> None:
    """Issue 11 items 6, 7, 10, 12: each of these hung, ate memory, ended in "internal error", or
    was accepted into an invalid product; now each is one line, exit 2, within seconds."""
    _write_dq_def_reference(workdir)
    source, edits, message = MUTATIONS[name]
    damaged = _corrupt(workdir, source, "damaged.fits", edits)
    args = ["correct", damaged, "--reference", "ref.fits"] if source != "ref.fits" and source != "ref_dqdef.fits" else [
        "correct", "good_lastframe.fits", "--reference", damaged]
    before = digest(workdir)
    result = run_measured(args, cwd=workdir, timeout=60)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"lininspect: error: {damaged}: " in lines[0] and message in lines[0], lines[0]
    assert lines[0].isascii() and lines[0].isprintable()  # no binary junk quoted from the file
    assert result.seconds < 20
    assert digest(workdir) == before


def test_refusing_a_shrunken_header_is_bounded_by_headers_not_file_size(tmp_path: Path) -> None:
    """Item 7: SCI NAXIS1 = 0 on a 60 MB ramp made astropy read data as header text (seconds,
    ~8x the file in memory). The refusal must cost what a tiny file costs, quoting no junk."""
    rng = np.random.default_rng(3)
    sci = rng.normal(1000, 300, (1, 15, 1024, 1032)).astype(np.float32)
    write_ramp_file(tmp_path / "big_lastframe.fits", sci=sci, with_asdf=False)
    coeffs = np.zeros((2, 1024, 1032), np.float32)
    coeffs[1] = 1
    write_linearity_reference(tmp_path / "ref.fits", coeffs=coeffs)
    for key, value in (("NAXIS1", "0"), ("BITPIX", "8"), ("END", None)):
        _corrupt(tmp_path, "big_lastframe.fits", "bad.fits", [("SCI", key, value)])
        result = run_measured(["correct", "bad.fits", "--reference", "ref.fits"], cwd=tmp_path, timeout=60)
        assert result.returncode == 2, result.stderr
        assert result.stderr.isascii() and "Traceback" not in result.stderr
        assert result.peak_mb < 200, (key, result.peak_mb)
        assert result.seconds < 10, (key, result.seconds)


def test_a_huge_sparse_reference_is_refused_not_allocated(tmp_path: Path) -> None:
    """Item 9: a reference claiming 29 GB of COEFFS (a sparse file) was read in full."""
    from astropy.io import fits as afits

    good = np.zeros((1, 2, 4, 4), np.float32)
    write_ramp_file(tmp_path / "r_lastframe.fits", sci=good, with_asdf=False)
    primary = afits.PrimaryHDU().header
    for key, value in {"INSTRUME": "MIRI", "DETECTOR": "MIRIMAGE", "SUBSTRT1": 1, "SUBSTRT2": 1,
                       "SUBSIZE1": 60000, "SUBSIZE2": 60000}.items():
        primary[key] = value
    coeffs = afits.ImageHDU(np.zeros((2, 1, 1), np.float32), name="COEFFS").header
    coeffs["NAXIS1"] = coeffs["NAXIS2"] = 60000
    dq = afits.ImageHDU(np.zeros((1, 1), np.int32), name="DQ").header
    dq["NAXIS1"] = dq["NAXIS2"] = 60000
    with open(tmp_path / "huge_ref.fits", "wb") as stream:
        stream.write(primary.tostring(padding=True).encode())
        stream.write(coeffs.tostring(padding=True).encode())
        stream.seek(stream.tell() + -(-2 * 60000 * 60000 * 4 // 2880) * 2880)
        stream.write(dq.tostring(padding=True).encode())
        stream.truncate(stream.tell() + -(-60000 * 60000 * 4 // 2880) * 2880)
    result = run_measured(["correct", "r_lastframe.fits", "--reference", "huge_ref.fits"], cwd=tmp_path, timeout=60)
    assert result.returncode == 2, result.stderr
    # One input: COEFFS stay in the file (read a tile at a time), so the first array read whole, DQ, is refused.
    assert "huge_ref.fits: DQ needs" in result.stderr and "GB in memory, more than the" in result.stderr
    assert result.peak_mb < 300


# ------------------------------------------------------------------ data loss (items 1-5)


def test_snapshot_never_writes_over_an_input_and_needs_overwrite(workdir: Path) -> None:
    """Item 1 and issue 7 item 12: ``snapshot -o RAMP`` replaced the exposure with a PNG."""
    before = digest(workdir)
    for target in ("good_lastframe.fits", "./ref.fits"):
        result = lininspect("snapshot", "good_lastframe.fits", "--reference", "ref.fits", "--pixel", "1", "1",
                            "-o", target, "--overwrite", cwd=workdir)
        assert result.returncode == 2 and "output would overwrite the input" in result.stderr, result.stderr
    (workdir / "shot.png").write_bytes(b"an earlier picture")
    before = digest(workdir)
    result = lininspect("snapshot", "good_lastframe.fits", "--reference", "ref.fits", "--pixel", "1", "1",
                        "-o", "shot.png", cwd=workdir)
    assert result.returncode == 2 and "shot.png: already exists (use --overwrite" in result.stderr
    assert digest(workdir) == before


def test_snapshot_size_is_bounded(workdir: Path) -> None:
    """Item 8: ``--size 100000 100000`` grew to 21.6 GB."""
    result = run_measured(["snapshot", "good_lastframe.fits", "--reference", "ref.fits", "--pixel", "1", "1",
                           "-o", "shot.png", "--size", "100000", "100000"], cwd=workdir, timeout=60)
    assert result.returncode == 2 and "each side must be 1 to 16384 pixels" in result.stderr
    assert result.peak_mb < 300 and not (workdir / "shot.png").exists()


def test_an_output_that_is_another_input_is_refused_before_anything_is_written(workdir: Path) -> None:
    """Item 2: the first input's product was written over the second input."""
    import shutil

    shutil.copy(workdir / "good_lastframe.fits", workdir / "x_lastframe.fits")
    shutil.copy(workdir / "good_lastframe.fits", workdir / "x_linearity.fits")
    before = digest(workdir)
    result = lininspect("correct", "x_lastframe.fits", "x_linearity.fits", "--reference", "ref.fits", "--overwrite",
                        cwd=workdir)
    assert result.returncode == 2
    assert "x_linearity.fits: output would overwrite the input x_linearity.fits (it is the output of x_lastframe.fits)" in result.stderr
    assert digest(workdir) == before


def test_two_inputs_mapping_to_one_output_are_refused_before_writing(workdir: Path) -> None:
    """Item 3: both said "wrote" and the first result was lost."""
    import shutil

    shutil.copy(workdir / "good_lastframe.fits", workdir / "q_lastframe.fits")
    shutil.copy(workdir / "good_lastframe.fits", workdir / "q_jump.fits")
    before = digest(workdir)
    result = lininspect("correct", "q_lastframe.fits", "q_jump.fits", "--reference", "ref.fits", "--overwrite",
                        cwd=workdir)
    assert result.returncode == 2
    assert "q_linearity.fits: both q_lastframe.fits and q_jump.fits would be written here" in result.stderr
    assert digest(workdir) == before


def test_racing_runs_for_one_new_output_leave_exactly_one_winner(tmp_path: Path) -> None:
    """Item 4: without --overwrite, two runs both exited 0 and the second replaced the first.
    (A 40 MB exposure, so that the runs overlap: each checks for the output before writing.)"""
    write_ramp_file(tmp_path / "big_lastframe.fits", sci=np.ones((1, 10, 1024, 1032), np.float32), with_asdf=False)
    coeffs = np.zeros((2, 1024, 1032), np.float32)
    coeffs[1] = 1
    write_linearity_reference(tmp_path / "ref.fits", coeffs=coeffs)
    workdir = tmp_path
    processes = [
        subprocess.Popen([sys.executable, "-m", "lininspect", "correct", "big_lastframe.fits", "--reference",
                          "ref.fits", "-o", "same.fits", "-q"], cwd=workdir, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in processes]
    assert sorted(code for code, _ in results) == [0, 2, 2, 2], results
    assert all("same.fits: already exists (use --overwrite" in err for code, err in results if code == 2)
    assert not [p for p in workdir.iterdir() if ".part" in p.name]


def test_overwrite_replaces_only_regular_files(workdir: Path) -> None:
    """Item 5: --overwrite replaced a FIFO (and, as root, would replace /dev/null)."""
    os.mkfifo(workdir / "pipe.fits")
    result = lininspect("correct", "good_lastframe.fits", "--reference", "ref.fits", "-o", "pipe.fits",
                        "--overwrite", cwd=workdir)
    assert result.returncode == 2 and "pipe.fits: is not a regular file" in result.stderr
    assert stat.S_ISFIFO(os.lstat(workdir / "pipe.fits").st_mode)


# ------------------------------------------------------------------ faults (items 13-15)


def test_sigterm_removes_the_temporary_and_exits_143(tmp_path: Path) -> None:
    """Item 13: SIGTERM left a hidden .part file of up to 2 GB."""
    sci = np.ones((4, 30, 1024, 1032), np.float32)
    write_ramp_file(tmp_path / "big_lastframe.fits", sci=sci, with_asdf=False)
    coeffs = np.zeros((2, 1024, 1032), np.float32)
    coeffs[1] = 1
    write_linearity_reference(tmp_path / "ref.fits", coeffs=coeffs)
    process = subprocess.Popen([sys.executable, "-m", "lininspect", "correct", "big_lastframe.fits", "--reference",
                                "ref.fits", "-q"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    deadline = time.monotonic() + 60
    while not [p for p in tmp_path.iterdir() if ".part" in p.name] and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 143
    assert "Traceback" not in process.stderr.read()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big_lastframe.fits", "ref.fits"]


def test_a_later_run_removes_temporaries_of_dead_runs_only(workdir: Path) -> None:
    """Item 13: after ``kill -9`` the temporary stayed forever."""
    from lininspect.core.fits import atomic

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = workdir / f".lininspect-{atomic._HOST}-{dead.pid}-abcdef.part.fits"
    live = workdir / f".lininspect-{atomic._HOST}-{os.getpid()}-abcdef.part.fits"
    other_host = workdir / f".lininspect-zzzz-{dead.pid}-abcdef.part.fits"
    for path in (stale, live, other_host):
        path.write_bytes(b"half a product")
    result = lininspect("correct", "good_lastframe.fits", "--reference", "ref.fits", cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert not stale.exists() and live.exists() and other_host.exists()


def test_a_legal_long_output_name_works_and_too_long_names_the_target(workdir: Path) -> None:
    """Item 14: the temporary's longer name made a legal 245-character output name fail."""
    name = "n" * 240 + ".fits"
    result = lininspect("correct", "good_lastframe.fits", "--reference", "ref.fits", "-o", name, cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert (workdir / name).is_file() and not [p for p in workdir.iterdir() if ".part" in p.name]
    too_long = "n" * 260 + ".fits"
    result = lininspect("correct", "good_lastframe.fits", "--reference", "ref.fits", "-o", too_long, cwd=workdir)
    assert result.returncode == 2 and f"{too_long}: file name too long" in result.stderr.lower()


def test_ctrl_c_at_any_moment_exits_130_quietly(workdir: Path) -> None:
    """Item 15: Ctrl-C in the first ~0.4 s (imports) printed a 30-line traceback.

    Only the interpreter's own start-up (its site module and runpy, before any of lininspect's
    code runs: tens of milliseconds, a few hundred on a busy machine) is out of reach; such a
    run is recognised by a traceback naming no lininspect file and not counted. -2 is a kill by
    SIGINT after Python restored the default handler in its final shutdown, which a shell
    reports as 130 too. A Ctrl-C dropped by Python in a weakref callback during an import
    (CI saw "Exception ignored in ... _get_module_lock") must still end the command.
    """
    reached = 0
    for delay in (0.12, 0.2, 0.3, 0.45, 0.6, 0.8, 1.0, 1.3, 1.7, 2.2, 3.0):  # later ones only on a busy machine
        if reached == 7:
            break
        process = subprocess.Popen([sys.executable, "-m", "lininspect", "correct", "good_lastframe.fits",
                                    "--reference", "ref.fits", "-o", f"c{delay}.fits"], cwd=workdir,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=60)
        stderr = process.stderr.read()
        in_site = "init_import_site" in stderr  # Python's site module, editable-install finders included
        ours = set(re.findall(r'File "[^"]*lininspect/([^"/]+)"', stderr))
        in_runpy = "<frozen runpy>" in stderr and ours <= {"__init__.py", "__main__.py", "interrupts.py"}
        if in_site or in_runpy:
            continue  # the interpreter's start-up, before the first handler (interrupts.py) is in place
        reached += 1
        assert code in (0, 130, -signal.SIGINT), (delay, code, stderr)
        assert "Traceback" not in stderr and len(stderr.strip().splitlines()) <= 1, (delay, stderr)
        assert "Exception ignored" not in stderr, (delay, stderr)
        assert not [p for p in workdir.iterdir() if ".part" in p.name]
    assert reached >= 4, "the signals all came before lininspect started: the machine is too slow for this test"


def test_a_successful_run_on_extreme_values_prints_no_warning(workdir: Path) -> None:
    """Item 15 and issue 7 item 10: numpy's RuntimeWarnings (overflow) reached the terminal."""
    sci = np.full((1, 3, 12, 16), 3e38, np.float32)
    sci[0, 1] = np.inf
    sci[0, 2] = -np.inf
    write_ramp_file(workdir / "hot_lastframe.fits", sci=sci, substrt=(11, 21), with_asdf=False)
    coeffs = np.zeros((3, 64, 64), np.float32)
    coeffs[1] = 2
    coeffs[2] = 1e30
    write_linearity_reference(workdir / "ref_big.fits", coeffs=coeffs)
    result = lininspect("correct", "hot_lastframe.fits", "--reference", "ref_big.fits", cwd=workdir)
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_unknown_option_is_named_even_when_arguments_are_missing(workdir: Path) -> None:
    """Issue 7 item 12: ``correct --bogus`` said required arguments were missing."""
    for command in ("correct", "snapshot"):
        result = lininspect(command, "--bogus", cwd=workdir)
        assert result.returncode == 2 and "unrecognized option --bogus" in result.stderr, result.stderr
    assert lininspect("correct", "--overw", "good_lastframe.fits", "-r", "ref.fits", cwd=workdir).returncode == 0


# ------------------------------------------------------------------ where the pipeline fails (issue 9, section 4)


def test_references_the_pipeline_cannot_use_are_refused(workdir: Path) -> None:
    """jwst's LinearityStep fails on a reference without DQ, and on one without SUBSTRT/SUBSIZE."""
    from astropy.io import fits as afits

    with afits.open(workdir / "ref.fits") as hdul:
        afits.HDUList([hdul[0].copy(), hdul["COEFFS"].copy()]).writeto(workdir / "ref_nodq.fits")
        header = hdul[0].header.copy()
        for key in ("SUBSTRT1", "SUBSTRT2", "SUBSIZE1", "SUBSIZE2"):
            del header[key]
        full = np.zeros((2, 1024, 1032), np.float32)
        full[1] = 1
        afits.HDUList([afits.PrimaryHDU(header=header), afits.ImageHDU(full, name="COEFFS"),
                       afits.ImageHDU(np.zeros((1024, 1032), np.uint32), name="DQ")]).writeto(workdir / "ref_nosub.fits")
    for reference, message in (("ref_nodq.fits", "has no DQ extension"),
                               ("ref_nosub.fits", "lacks SUBSTRT1, SUBSTRT2, SUBSIZE1, SUBSIZE2")):
        result = lininspect("correct", "good_lastframe.fits", "--reference", reference, cwd=workdir)
        assert result.returncode == 2 and f"{reference}: {message}" in result.stderr, result.stderr


def test_a_subsize_that_disagrees_with_the_array_is_refused_when_a_cut_is_needed(workdir: Path) -> None:
    """The pipeline cuts the reference to SUBSIZE1/2, so a disagreeing SUBSIZE fails there too."""
    _corrupt(workdir, "good_lastframe.fits", "odd_lastframe.fits", [("PRIMARY", "SUBSIZE1", "20")])
    result = lininspect("correct", "odd_lastframe.fits", "--reference", "ref.fits", cwd=workdir)
    assert result.returncode == 2 and "SUBSIZE1/SUBSIZE2 = (20, 12) disagree with the SCI array's 16 x 12" in result.stderr
    _corrupt(workdir, "ref.fits", "ref_narrow.fits", [("PRIMARY", "SUBSIZE1", "20")])
    result = lininspect("correct", "good_lastframe.fits", "--reference", "ref_narrow.fits", cwd=workdir)
    assert result.returncode == 2 and "by its SUBSIZE1/SUBSIZE2 = (20, 64)" in result.stderr


def test_temporaries_another_host_writes_on_a_shared_file_system_are_left_alone(tmp_path: Path) -> None:
    """A survey's workers on many hosts write one survey directory and one prepared cache. A 16-bit host
    tag made two hosts of a few hundred share a tag, and a PID dead here was a live writer there."""
    import itertools
    import socket

    from lininspect.core.fits import atomic

    ours = socket.gethostname()
    short = hashlib.blake2s(ours.encode(), digest_size=2).digest()
    other = next(name for n in itertools.count() if (name := f"node{n:05d}") != ours
                 and hashlib.blake2s(name.encode(), digest_size=2).digest() == short)
    as_other_host = (f"import socket; socket.gethostname = lambda: {other!r}; "
                     "from lininspect.core.fits import atomic; print(atomic._HOST)")
    tag = subprocess.run([sys.executable, "-c", as_other_host], capture_output=True, text=True,
                         check=True).stdout.strip()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    theirs = tmp_path / f".lininspect-{tag}-{dead.pid}-abcdef.part.fits"  # being written on the other host
    theirs.write_bytes(b"half a product")
    atomic.remove_stale_temporaries(tmp_path)
    assert theirs.exists()
