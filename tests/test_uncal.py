"""``_uncal`` and intermediate files: the missing Detector1 steps run through jwst, then our linearity.

The product must equal Detector1Pipeline run through linearity (later steps skipped), bit for bit
in SCI, PIXELDQ, GROUPDQ and ZEROFRAME, every reference from the same self-made CRDS cache.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from crds_cache import THROUGH_LINEARITY_SKIPS, child_env, run_pipeline
from pipeline_oracle import read_pipeline_product
from uncal_files import make_uncal_cache, write_uncal

from lininspect.installation import pipeline_install_hint

EARLY, LATE = "2024-01-01", "2025-03-01"

#: case -> (instrument, subarray?, date, nints, zero frame?)
CASES = {
    "miri_full": ("MIRI", False, LATE, 2, False),
    "miri_sub": ("MIRI", True, EARLY, 2, True),
    "nrc_full": ("NIRCAM", False, EARLY, 1, True),
    "nrc_sub": ("NIRCAM", True, LATE, 2, False),
}
#: The steps up to saturation, each run on its own (as ``strun`` does), for an intermediate product.
UP_TO_SATURATION = {
    "MIRI": ("group_scale", "dq_init", "emicorr", "saturation"),
    "NIRCAM": ("group_scale", "dq_init", "saturation"),
}


def lininspect(*args: str, env: dict[str, str], cwd: Path, pythonpath: str | None = None) -> subprocess.CompletedProcess[str]:
    full = child_env(env)
    if pythonpath is not None:
        full["PYTHONPATH"] = pythonpath + os.pathsep + full.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-m", "lininspect", *args], env=full, cwd=cwd, capture_output=True, text=True, timeout=900
    )


@pytest.fixture(scope="module")
def uncal_run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    work = tmp_path_factory.mktemp("uncal")
    cache = make_uncal_cache(work / "crds")
    env = cache.env | {"LININSPECT_CACHE_DIR": str(work / "prepared")}
    rng = np.random.default_rng(4)
    inputs = {}
    for name, (instrument, subarray, date, nints, zeroframe) in CASES.items():
        inputs[name] = write_uncal(work / f"jw_{name}_uncal.fits", instrument, subarray=subarray, date=date,
                                   rng=rng, nints=nints, zeroframe=zeroframe)
    theirs = work / "theirs"
    theirs.mkdir()
    jobs = [("detector1", path, theirs / f"jw_{name}_linearity.fits", THROUGH_LINEARITY_SKIPS[CASES[name][0]])
            for name, path in inputs.items()]
    for name in ("miri_sub", "nrc_sub"):  # intermediate products: Detector1 stopped after saturation
        jobs.append(("steps", inputs[name], work / f"jw_{name}_saturation.fits", UP_TO_SATURATION[CASES[name][0]]))
    run_pipeline(jobs, cache.env, work)
    result = lininspect("correct", *map(str, inputs.values()), env=env, cwd=work)
    return cache, env, work, inputs, result


@pytest.mark.parametrize("case", sorted(CASES))
def test_uncal_equals_detector1_through_linearity(uncal_run, case: str) -> None:  # type: ignore[no-untyped-def]
    _, _, work, inputs, result = uncal_run
    assert result.returncode == 0, result.stderr
    ours = read_pipeline_product(work / f"jw_{case}_linearity.fits")  # X_uncal.fits -> X_linearity.fits
    theirs = read_pipeline_product(work / "theirs" / f"jw_{case}_linearity.fits")
    for name in ("SCI", "PIXELDQ", "GROUPDQ", "ZEROFRAME"):
        assert (name in ours) == (name in theirs), name
        if name in ours:
            assert ours[name].tobytes() == theirs[name].tobytes(), name
    assert ours["R_LINEAR"] == theirs["R_LINEAR"]
    assert ("ZEROFRAME" in ours) == CASES[case][4]
    assert np.count_nonzero(ours["GROUPDQ"] & 2), "the test data must saturate somewhere"
    mine, pipeline = fits.getheader(work / f"jw_{case}_linearity.fits"), fits.getheader(work / "theirs" / f"jw_{case}_linearity.fits")
    for key in ("S_DQINIT", "S_SATURA", "S_IPC", "R_MASK", "R_SATURA", "CRDS_CTX", "FILENAME"):
        assert mine.get(key) == pipeline.get(key), key


def test_only_missing_steps_run_on_an_intermediate_product(uncal_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, env, work, _, _ = uncal_run
    later_steps = {"miri_sub": "ipc, firstframe, lastframe, reset", "nrc_sub": "ipc, superbias, refpix"}
    intermediates = {case: work / f"jw_{case}_saturation.fits" for case in later_steps}
    # Both in one command (one jwst start-up, not two); each file's note names it and its own steps.
    result = lininspect("correct", *map(str, intermediates.values()), "--output-dir", str(tmp_path), env=env, cwd=work)
    assert result.returncode == 0, result.stderr
    notes = result.stderr.splitlines()
    for case, later in later_steps.items():
        intermediate = intermediates[case]
        assert fits.getheader(intermediate)["S_SATURA"] == "COMPLETE"
        assert any(line.startswith(f"lininspect: note: {intermediate}: pipeline steps {later} run first")
                   for line in notes), result.stderr
        ours = read_pipeline_product(tmp_path / f"jw_{case}_linearity.fits")
        theirs = read_pipeline_product(work / "theirs" / f"jw_{case}_linearity.fits")
        for name in ("SCI", "PIXELDQ", "GROUPDQ"):
            assert ours[name].tobytes() == theirs[name].tobytes(), (case, name)


def test_prepared_ramp_is_cached_and_may_be_cleared(uncal_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, env, work, inputs, first = uncal_run
    prepared = Path(env["LININSPECT_CACHE_DIR"])
    assert "run first" in first.stderr and len(list(prepared.glob("*_prepared.fits"))) >= len(CASES)
    again = lininspect("correct", str(inputs["miri_sub"]), "-o", str(tmp_path / "again.fits"), env=env, cwd=work)
    assert again.returncode == 0 and "cached first" in again.stderr, again.stderr
    for path in prepared.iterdir():  # a user clears the cache
        path.unlink()
    cleared = lininspect("correct", str(inputs["miri_sub"]), "-o", str(tmp_path / "cleared.fits"), env=env, cwd=work)
    assert cleared.returncode == 0 and "run first" in cleared.stderr, cleared.stderr
    reference = read_pipeline_product(work / "jw_miri_sub_linearity.fits")
    for output in ("again.fits", "cleared.fits"):
        assert read_pipeline_product(tmp_path / output)["SCI"].tobytes() == reference["SCI"].tobytes()


@pytest.fixture
def without_jwst(tmp_path: Path) -> str:
    """A directory that, first on PYTHONPATH, makes ``import jwst`` fail as if it were not installed."""
    fake = tmp_path / "nojwst" / "jwst"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('No module named jwst')\n")
    return str(fake.parent)


def test_without_jwst_one_line_names_the_extra(uncal_run, without_jwst: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, env, work, inputs, _ = uncal_run
    fresh = env | {"LININSPECT_CACHE_DIR": str(tmp_path / "empty")}
    output = tmp_path / "out.fits"
    result = lininspect("correct", str(inputs["nrc_sub"]), "-o", str(output), env=fresh, cwd=work,
                        pythonpath=without_jwst)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert pipeline_install_hint() in lines[0] and "--as-is" in lines[0]
    assert "group_scale, dq_init, saturation, ipc, superbias, refpix" in lines[0]
    assert not output.exists()


def test_as_is_corrects_without_the_earlier_steps(uncal_run, without_jwst: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, env, work, inputs, _ = uncal_run
    output = tmp_path / "asis.fits"
    result = lininspect("correct", str(inputs["nrc_sub"]), "--as-is", "-o", str(output), env=env, cwd=work,
                        pythonpath=without_jwst)
    assert result.returncode == 0, result.stderr
    assert "uncalibrated (_uncal) file" in result.stderr and "run first" not in result.stderr
    product = read_pipeline_product(output)
    with fits.open(inputs["nrc_sub"]) as source:
        raw = source["SCI"].data.astype(np.float32)
    assert product["SCI"].shape == raw.shape and not np.array_equal(product["SCI"], raw)
    assert not np.count_nonzero(product["GROUPDQ"])  # no saturation step: nothing flagged


def test_demo_needs_neither_crds_nor_jwst(without_jwst: str, tmp_path: Path) -> None:
    from lininspect.core.demo import write_demo

    demo = write_demo(tmp_path / "demo")
    env = {"CRDS_PATH": str(tmp_path / "nowhere"), "CRDS_SERVER_URL": "http://127.0.0.1:9"}
    result = lininspect("correct", str(demo.exposure), "--reference", str(demo.reference), env=env, cwd=tmp_path,
                        pythonpath=without_jwst)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "demo" / "demo_miri_linearity.fits").is_file()


def test_uncal_without_asdf_extension_is_refused_in_one_line(uncal_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """jwst 3.0 opens Detector1's input through its ASDF extension; a plain-FITS _uncal cannot be prepared."""
    from pipeline_oracle import write_uncal_file

    _, env, work, _, _ = uncal_run
    plain = write_uncal_file(tmp_path / "plain_uncal.fits", sci=np.full((1, 4, 64, 72), 20000, np.uint16),
                             substrt=(5, 9))
    with fits.open(plain, mode="update") as hdul:
        hdul[0].header["SUBARRAY"] = "SUB64"
    result = lininspect("correct", str(plain), env=env, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "jwst could not open it" in lines[0] and "--as-is" in lines[0], result.stderr
    assert not (tmp_path / "plain_linearity.fits").exists()
