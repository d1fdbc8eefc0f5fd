"""``lininspect compare-references`` as a user runs it: the files it writes, and what it refuses."""

from __future__ import annotations

import hashlib
import os
import pty
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table

from lininspect.core.analysis.comparison import compare_references
from lininspect.core.analysis.comparisonreport import MAP_EXTENSIONS, report_files
from lininspect.core.fits.exposure import open_exposure
from lininspect.core.references.reference import open_reference

from comparison_files import SHAPE, coefficients, write_comparison_files
from crds_cache import Rule, build_cache, child_env
from pipeline_oracle import write_linearity_reference


def lininspect(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lininspect", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=env)


def compare(files: dict[str, Path], output: Path, *extra: str | Path) -> subprocess.CompletedProcess[str]:
    return lininspect("compare-references", files["exposure"], "--reference", files["a"], "--against", files["b"],
                      "-o", output, *extra, cwd=files["exposure"].parent)


def digest(directory: Path) -> dict[str, str]:
    return {str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(directory.rglob("*")) if path.is_file()}


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return write_comparison_files(tmp_path)


def test_writes_maps_tables_and_picture_with_the_core_s_numbers(files, tmp_path: Path) -> None:
    result = compare(files, tmp_path / "report")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no progress bar off a terminal, and no warning
    written = report_files(tmp_path / "report", files["exposure"])
    assert result.stdout.splitlines()[:5] == [f"wrote {path}" for path in written.paths()]
    assert "NO_LIN_CORR gained 3, lost 1" in result.stdout
    expected = compare_references(open_exposure(files["exposure"]), open_reference(files["a"]),
                                  open_reference(files["b"]))

    with fits.open(written.maps) as maps:
        assert [hdu.name for hdu in maps[1:]] == [name for name, _, _ in MAP_EXTENSIONS]
        assert maps[0].header["REF_B"] == str(files["b"])
        for name, values in (("SIGNAL", expected.signal), ("FACTOR_A", expected.factor_a),
                             ("FACTOR_B", expected.factor_b), ("FACTOR_DIFF", expected.factor_difference),
                             ("NLC_CHANGE", expected.no_lin_corr_change), ("RMS_A", expected.rms_a),
                             ("RMS_B", expected.rms_b), ("RMS_DIFF", expected.rms_difference)):
            np.testing.assert_array_equal(maps[name].data, values, err_msg=name)

    summary = Table.read(written.summary, format="ascii.ecsv")
    assert list(summary["map"]) == ["factor_a", "factor_b", "factor_b_minus_a", "rms_a", "rms_b", "rms_b_minus_a"]
    both = expected.both_correct
    assert summary["median"][2] == np.nanmedian(expected.factor_difference[both])
    assert summary["pixels"][3] == np.count_nonzero(np.isfinite(expected.rms_a))
    assert summary.meta["no_lin_corr_gained"] == 3 and summary.meta["no_lin_corr_lost"] == 1
    assert summary.meta["reference_a"] == str(files["a"])

    changes = Table.read(written.no_lin_corr, format="ascii.ecsv")
    assert [tuple(row) for row in changes] == [tuple(row) for row in expected.changed_pixels()]

    histogram = Table.read(written.histogram, format="ascii.ecsv")
    np.testing.assert_array_equal(histogram["count"], expected.histogram.counts)
    np.testing.assert_array_equal(histogram["low"], expected.histogram.edges[:-1])

    assert png_size(written.picture) == (1800, 1150)
    assert not [path for path in (tmp_path / "report").iterdir() if path.name.startswith(".")]  # no temporaries


def test_level_option_sets_the_signal_of_every_factor(files, tmp_path: Path) -> None:
    result = compare(files, tmp_path / "report", "--level", "20000")
    assert result.returncode == 0, result.stderr
    with fits.open(report_files(tmp_path / "report", files["exposure"]).maps) as maps:
        assert np.all(maps["SIGNAL"].data == 20000.0)
        assert maps[0].header["LEVEL"] == "20000 DN"


def test_existing_files_need_overwrite_and_are_then_replaced(files, tmp_path: Path) -> None:
    output = tmp_path / "report"
    assert compare(files, output).returncode == 0
    written = report_files(output, files["exposure"])
    written.picture.write_bytes(b"old")
    before = digest(output)
    refused = compare(files, output)
    assert refused.returncode == 2
    assert refused.stderr == f"lininspect: error: {written.maps}: already exists (use --overwrite to replace it)\n"
    assert digest(output) == before
    assert compare(files, output, "--overwrite").returncode == 0
    assert png_size(written.picture) == (1800, 1150)


def test_an_output_that_is_an_input_is_refused_before_anything_is_written(files, tmp_path: Path) -> None:
    output = tmp_path / "report"
    output.mkdir()
    disguised = report_files(output, files["exposure"]).picture  # reference B under the picture's name
    disguised.write_bytes(files["b"].read_bytes())
    files["b"] = disguised
    before = digest(tmp_path)
    result = compare(files, output, "--overwrite")
    assert result.returncode == 2
    assert result.stderr == f"lininspect: error: {disguised}: output would overwrite the input {disguised}\n"
    assert digest(tmp_path) == before


def _other_detector(files: dict[str, Path]) -> None:
    write_linearity_reference(files["b"], coeffs=coefficients(*SHAPE[2:], 1, 2e-6), detector="MIRIFULONG")


def _too_small(files: dict[str, Path]) -> None:
    write_linearity_reference(files["a"], coeffs=coefficients(10, 10, 1, 2e-6))


def _missing(files: dict[str, Path]) -> None:
    files["b"].unlink()


def _exposure_as_reference(files: dict[str, Path]) -> None:
    files["b"] = files["exposure"]


@pytest.mark.parametrize(
    "damage, message",
    [
        (_other_detector, "ref_b.fits: DETECTOR = MIRIFULONG, but "),
        (_too_small, "ref_a.fits: reference does not cover this subarray"),
        (_missing, "ref_b.fits: no such file"),
        (_exposure_as_reference, "ramp_lastframe.fits: is an exposure (SCI), not a linearity reference"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(files, tmp_path: Path, damage, message) -> None:
    damage(files)
    before = digest(tmp_path)
    result = compare(files, tmp_path / "report")
    assert result.returncode == 2
    assert result.stderr.startswith("lininspect: error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1
    assert digest(tmp_path) == before and not (tmp_path / "report").exists()


def test_an_output_directory_without_parent_is_refused(files, tmp_path: Path) -> None:
    result = compare(files, tmp_path / "missing" / "report")
    assert result.returncode == 2
    assert result.stderr == f"lininspect: error: {tmp_path / 'missing'}: directory does not exist\n"


def test_progress_bar_on_a_terminal(files, tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "lininspect", "compare-references", str(files["exposure"]), "-r", str(files["a"]),
         "--against", str(files["b"]), "-o", str(tmp_path / "report")],
        stdout=subprocess.PIPE, stderr=follower, text=True,
    )
    os.close(follower)
    terminal = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        terminal += chunk
    process.communicate(timeout=120)
    os.close(leader)
    assert process.returncode == 0
    assert b"100.0%" in terminal and b"[" in terminal


def test_without_reference_a_is_crds_s_pick(files, tmp_path: Path) -> None:
    name = "jwst_miri_linearity_0001.fits"
    rules = {"MIRI": {"linearity": [Rule("MIRIMAGE", "GENERIC", {"2000-01-01 00:00:00": name})]}}
    cache = build_cache(tmp_path / "crds", rules, {name: lambda target: shutil.copyfile(files["a"], target)})
    result = lininspect("compare-references", files["exposure"], "--against", files["b"], "-o", tmp_path / "crds_pick",
                        cwd=tmp_path, env=child_env(cache.env))
    assert result.returncode == 0, result.stderr
    assert name in result.stderr  # CRDS's pick is named in a note
    assert compare(files, tmp_path / "explicit").returncode == 0
    picked, explicit = (report_files(tmp_path / where, files["exposure"]).maps for where in ("crds_pick", "explicit"))
    with fits.open(picked) as first, fits.open(explicit) as second:
        assert first[0].header["REF_A"] == str(cache.reference("MIRI", name))
        for extension in ("FACTOR_A", "FACTOR_DIFF", "NLC_CHANGE", "RMS_A"):
            np.testing.assert_array_equal(first[extension].data, second[extension].data)
