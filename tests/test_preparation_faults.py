"""Preparation of ``_uncal`` files under faults: a damaged prepared-ramp cache, garbage ``S_*`` keywords.

A cached ramp that no longer opens must not lock a user out of a file (it is prepared again),
and a step keyword the pipeline never writes must not be read as "this step has run".
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from crds_cache import child_env
from pipeline_oracle import read_pipeline_product
from test_uncal import lininspect
from uncal_files import make_uncal_cache, write_uncal


@pytest.fixture(scope="module")
def prepared_once(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A NIRCam subarray _uncal file, corrected once through its prepared ramp (now cached)."""
    work = tmp_path_factory.mktemp("preparation_faults")
    cache = make_uncal_cache(work / "crds")
    env = cache.env | {"LININSPECT_CACHE_DIR": str(work / "prepared")}
    uncal = write_uncal(work / "jw_nrc_uncal.fits", "NIRCAM", subarray=True, date="2024-01-01",
                        rng=np.random.default_rng(5), nints=1)
    first = lininspect("correct", str(uncal), "-o", str(work / "first.fits"), env=env, cwd=work)
    assert first.returncode == 0 and "run first" in first.stderr, first.stderr
    return env, work, uncal


@pytest.fixture(scope="module")
def other_exposure(prepared_once):  # type: ignore[no-untyped-def]
    """The prepared ramp of another exposure of the same shape, instrument and steps (other counts)."""
    env, work, _ = prepared_once
    other_cache = work / "other_prepared"
    other = write_uncal(work / "jw_other_uncal.fits", "NIRCAM", subarray=True, date="2024-01-01",
                        rng=np.random.default_rng(6), nints=1)
    result = lininspect("correct", str(other), "-o", str(work / "other.fits"), env=env | {
        "LININSPECT_CACHE_DIR": str(other_cache)}, cwd=work)
    assert result.returncode == 0, result.stderr
    [entry] = other_cache.glob("*_prepared.fits")
    return entry


def _damage(cached: Path, damage: str, other: Path) -> None:
    """What a crash, a full disk, a user's edit or a copy does to a cached ramp or its manifest."""
    if damage == "truncated":
        with open(cached, "r+b") as stream:
            stream.truncate(cached.stat().st_size // 2)
    elif damage == "empty":
        cached.write_bytes(b"")
    elif damage == "not_fits":
        cached.write_bytes(b"\x00garbage" * 4000)
    elif damage == "flipped_sci":
        with fits.open(cached) as hdul:
            offset = hdul.fileinfo(hdul.index_of("SCI"))["datLoc"] + 1000
        data = bytearray(cached.read_bytes())
        data[offset] ^= 0x40
        cached.write_bytes(bytes(data))
    elif damage == "renamed_groupdq":
        with fits.open(cached, mode="update") as hdul:
            hdul["GROUPDQ"].header["EXTNAME"] = "GROUPDX"
    elif damage == "other_exposure":
        cached.write_bytes(other.read_bytes())
    else:
        [manifest] = cached.parent.glob(_manifest_name(cached))
        manifest.unlink()
        if damage == "manifest_fifo":
            os.mkfifo(manifest)
        else:
            manifest.write_bytes(b"{\"entry\": " + b"[" * 100000)


def _manifest_name(entry: Path) -> str:
    """The manifest beside a cached ramp: ``<stem>_<digest>_<token>_prepared.fits`` -> ``<stem>_<digest>_prepared.json``."""
    return entry.name.rsplit("_", 2)[0] + "_prepared.json"


DAMAGES = ["truncated", "empty", "not_fits", "flipped_sci", "renamed_groupdq", "other_exposure", "manifest_fifo",
           "manifest_garbage"]


@pytest.fixture(scope="module")
def damaged_runs(prepared_once, other_exposure, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Every damage at once: a copy of the input per damage, prepared together by one command, each copy's
    cached ramp damaged its own way, then all corrected again by one command. One jwst start-up per pass
    instead of one per damage; each copy has its own manifest and entry, so each damage meets only its own."""
    env, work, uncal = prepared_once
    folder = tmp_path_factory.mktemp("damaged")
    run_env = env | {"LININSPECT_CACHE_DIR": str(folder / "prepared")}
    copies = {damage: folder / f"jw_{damage}_uncal.fits" for damage in DAMAGES}
    for copy in copies.values():
        shutil.copyfile(uncal, copy)
    (folder / "first").mkdir()
    first = lininspect("correct", *map(str, copies.values()), "--output-dir", str(folder / "first"), env=run_env,
                       cwd=work)
    assert first.returncode == 0, first.stderr
    for damage, copy in copies.items():
        [cached] = (folder / "prepared").glob(f"{copy.name.split('.')[0]}_*_prepared.fits")
        _damage(cached, damage, other_exposure)
    (folder / "again").mkdir()
    again = lininspect("correct", *map(str, copies.values()), "--output-dir", str(folder / "again"), env=run_env,
                       cwd=work)
    return folder, copies, again


@pytest.mark.parametrize("damage", DAMAGES)
def test_damaged_cached_ramp_is_prepared_again(prepared_once, damaged_runs, damage: str) -> None:  # type: ignore[no-untyped-def]
    """Anything but the entry written for this input (checked by its manifest) is prepared again, never used."""
    _, work, _ = prepared_once
    folder, copies, result = damaged_runs
    copy = copies[damage]
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    notes = [line for line in result.stderr.splitlines() if line.startswith(f"lininspect: note: {copy}: ")]
    assert any("run first" in line for line in notes) and not any("cached first" in line for line in notes), notes
    output = folder / "again" / copy.name.replace("_uncal", "_linearity")
    again, first = read_pipeline_product(output), read_pipeline_product(work / "first.fits")
    for name in ("SCI", "PIXELDQ", "GROUPDQ"):
        assert again[name].tobytes() == first[name].tobytes(), name
    [manifest] = (folder / "prepared").glob(f"{copy.name.split('.')[0]}_*_prepared.json")
    entry = folder / "prepared" / json.loads(manifest.read_text())["entry"]
    assert fits.getheader(entry)["S_SATURA"] == "COMPLETE"  # the cache holds a whole prepared ramp again


def test_many_processes_preparing_one_file_at_once_all_get_a_whole_entry(prepared_once, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A survey's workers may prepare the same file at once: no torn entry, the same product for each."""
    env, work, uncal = prepared_once
    shared = env | {"LININSPECT_CACHE_DIR": str(tmp_path / "shared")}
    runs = [subprocess.Popen([sys.executable, "-m", "lininspect", "correct", str(uncal), "-o",
                              str(tmp_path / f"out{n}.fits"), "-q"], env=child_env(shared), cwd=work,
                             stderr=subprocess.PIPE, text=True) for n in range(3)]
    for run in runs:
        assert run.wait(timeout=900) == 0, run.stderr.read() if run.stderr else ""
    first = read_pipeline_product(work / "first.fits")
    for n in range(3):
        ours = read_pipeline_product(tmp_path / f"out{n}.fits")
        assert all(ours[name].tobytes() == first[name].tobytes() for name in ("SCI", "PIXELDQ", "GROUPDQ")), n
    [manifest] = (tmp_path / "shared").glob("*_prepared.json")
    again = lininspect("correct", str(uncal), "-o", str(tmp_path / "again.fits"), env=shared, cwd=work)
    assert again.returncode == 0 and "run first" not in again.stderr, again.stderr  # the published entry is used


@pytest.mark.parametrize(("keyword", "value"), [("S_SATURA", 12), ("S_DQINIT", "garbage"), ("S_DQINIT", True),
                                                ("S_SUPERB", "FAILED")])
def test_step_keyword_neither_complete_nor_skipped_is_refused(prepared_once, tmp_path: Path, keyword: str,
                                                              value: object) -> None:  # type: ignore[no-untyped-def]
    """jwst writes COMPLETE, SKIPPED or FAILED; anything else (or FAILED) cannot say whether the step ran."""
    env, work, uncal = prepared_once
    edited = tmp_path / "jw_edited_uncal.fits"
    edited.write_bytes(uncal.read_bytes())
    with fits.open(edited, mode="update") as hdul:
        hdul[0].header[keyword] = value
    before = edited.read_bytes()
    result = lininspect("correct", str(edited), env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert keyword in lines[0] and str(edited) in lines[0] and "--as-is" in lines[0], lines[0]
    assert not (tmp_path / "jw_edited_linearity.fits").exists()
    assert edited.read_bytes() == before


def test_step_keywords_are_the_datamodels_own() -> None:
    from stdatamodels.jwst.datamodels import RampModel

    from lininspect.core.references.preparation import MIRI_STEPS, NEAR_IR_STEPS, STEP_KEYWORDS

    with RampModel() as model:
        schema = model.meta.cal_step._schema["properties"]
        assert set(STEP_KEYWORDS) == set(MIRI_STEPS) | set(NEAR_IR_STEPS)
        assert {step: schema[step]["fits_keyword"] for step in STEP_KEYWORDS} == STEP_KEYWORDS


@pytest.mark.parametrize(
    "refused",
    [
        ("snapshot", "--pixel", "5000", "5", "-o", "{tmp}/shot.png"),
        ("snapshot", "--pixel", "5", "5", "--integration", "9", "-o", "{tmp}/shot.png"),
        ("compare-references", "--against", "{demo_reference}", "-o", "{tmp}/compared"),
    ],
)
def test_a_refusal_after_crds_and_preparation_is_one_line(prepared_once, tmp_path: Path,
                                                          refused: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    """Notes on CRDS's pick and the cached steps are for a run that succeeds, not printed before a refusal."""
    from lininspect.core.demo import write_demo

    env, work, uncal = prepared_once
    command, *options = refused
    if any("{demo_reference}" in option for option in options):  # written only for the case that names it
        demo_reference = write_demo(tmp_path / "demo").reference  # MIRI: refused against this NIRCam exposure
    else:
        demo_reference = None
    options = [option.format(tmp=tmp_path, demo_reference=demo_reference) for option in options]
    result = lininspect(command, str(uncal), *options, env=env, cwd=work)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lininspect: error:"), result.stderr
    assert "_prepared" not in lines[0], lines[0]  # the user's file is named, not our cache's
    assert not (tmp_path / "shot.png").exists() and not (tmp_path / "compared").exists()


@pytest.mark.parametrize("where", ["a_file", "under_a_file"])
def test_an_unusable_cache_folder_is_named_as_such(prepared_once, tmp_path: Path, where: str) -> None:  # type: ignore[no-untyped-def]
    """A LININSPECT_CACHE_DIR that cannot be a folder is refused in one line saying what it is, before
    the pipeline's steps run for nothing; the bare 'File exists' named no setting."""
    env, work, uncal = prepared_once
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    cache = blocker if where == "a_file" else blocker / "prepared"
    result = lininspect("correct", str(uncal), "-o", str(tmp_path / "out.fits"),
                        env=env | {"LININSPECT_CACHE_DIR": str(cache)}, cwd=work)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "LININSPECT_CACHE_DIR" in lines[0] and str(cache) in lines[0], result.stderr
    assert not (tmp_path / "out.fits").exists() and blocker.read_text() == "not a folder"


def test_steps_without_crds_do_not_ask_for_the_reference_already_given(prepared_once, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """With --reference given, CRDS is still needed for the earlier steps' references; the line must say
    that (and offer --as-is), not tell the user to give the reference they gave."""
    from crds_cache import cache_env

    env, work, uncal = prepared_once
    reference = next(Path(env["CRDS_PATH"]).rglob("jwst_nircam_linearity_0001.fits"))
    no_crds = env | cache_env(tmp_path / "no_cache") | {"LININSPECT_CACHE_DIR": str(tmp_path / "prepared")}
    result = lininspect("correct", str(uncal), "--reference", str(reference), "-o", str(tmp_path / "out.fits"),
                        env=no_crds, cwd=work)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(uncal) in lines[0] and "superbias" in lines[0] and "CRDS_PATH" in lines[0], lines[0]
    assert "--as-is" in lines[0] and "--reference" not in lines[0], lines[0]
    assert not (tmp_path / "out.fits").exists()


def test_a_prepared_ramp_carries_the_inputs_name_not_a_temporary(prepared_once) -> None:  # type: ignore[no-untyped-def]
    """The prepared ramp is written through a hidden temporary; its FILENAME card must name the
    user's file, not ``.lininspect-....part.fits``; the product names itself, as jwst's does."""
    env, work, uncal = prepared_once
    [cached] = Path(env["LININSPECT_CACHE_DIR"]).glob("*_prepared.fits")
    assert fits.getheader(cached)["FILENAME"] == uncal.name
    assert fits.getheader(work / "first.fits")["FILENAME"] == "first.fits"


def test_a_cache_never_synced_for_its_context_is_one_line_not_crds_traceback(prepared_once, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """An offline cache with the server's config but not the context's mappings, the server in serverless
    mode: crds prints its own traceback while jwst's steps ask it; only lininspect's line may show."""
    from crds_cache import cache_env, write_server_config

    env, work, uncal = prepared_once
    reference = next(Path(env["CRDS_PATH"]).rglob("jwst_nircam_linearity_0001.fits"))
    unsynced = tmp_path / "unsynced"
    write_server_config(unsynced, "jwst_0000.pmap")
    offline = env | cache_env(unsynced) | {"LININSPECT_CACHE_DIR": str(tmp_path / "prepared")}
    offline.pop("CRDS_CONTEXT", None)
    result = lininspect("correct", str(uncal), "--reference", str(reference), "-o", str(tmp_path / "out.fits"),
                        env=offline, cwd=work)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lininspect: error:"), result.stderr
    assert "jwst_0000.pmap" in lines[0] and str(unsynced) in lines[0] and "--as-is" in lines[0], lines[0]
    assert f"{uncal}: no record of the pipeline's steps" in lines[0], lines[0]  # what is missing, said first
    assert not result.stdout and not (tmp_path / "out.fits").exists()


def _cache_copy(source: Path, target: Path) -> Path:
    """The CRDS cache as links to its files, so one test can replace a reference without touching the others'."""
    shutil.copytree(source, target, copy_function=os.symlink)
    return target


@pytest.mark.parametrize("fault", ["fifo", "missing"])
def test_a_reference_of_an_earlier_step_unusable_in_the_cache_is_one_line_saying_what_to_set(
    prepared_once, tmp_path: Path, fault: str
) -> None:  # type: ignore[no-untyped-def]
    """A FIFO in place of the saturation reference blocked forever in stpipe's check_reference_open; a
    reference missing from an offline cache said "saturation step failed (Failed downloading cache config
    ... server-less mode)". Both must be refused before any step runs, naming the step and what to set."""
    env, work, uncal = prepared_once
    cache = _cache_copy(Path(env["CRDS_PATH"]), tmp_path / "crds")
    for reference in cache.rglob("jwst_nircam_saturation_*.fits"):
        reference.unlink()
        if fault == "fifo":
            os.mkfifo(reference)
    output = tmp_path / "out.fits"
    run_env = child_env(env | {"CRDS_PATH": str(cache), "LININSPECT_CACHE_DIR": str(tmp_path / "prepared")})
    try:
        result = subprocess.run([sys.executable, "-m", "lininspect", "correct", str(uncal), "-o", str(output)],
                                env=run_env, cwd=work, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        pytest.fail(f"hung with a {fault} reference in the CRDS cache")
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert str(uncal) in lines[0] and "saturation step" in lines[0] and "--as-is" in lines[0], lines[0]
    if fault == "fifo":
        assert "not a regular file" in lines[0] and "CRDS_PATH" in lines[0], lines[0]
    else:
        assert "not in the CRDS cache" in lines[0], lines[0]
        assert "CRDS_PATH" in lines[0] and "CRDS_SERVER_URL" in lines[0] and "Failed downloading" not in lines[0]
    assert not output.exists() and not list((tmp_path / "prepared").glob("*_prepared.*"))
