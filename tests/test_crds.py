"""CRDS chooses the linearity reference as it does for the pipeline, offline, through a self-made cache.

jwst's LinearityStep resolves through the same cache (no override) and must write the same
bits and the same R_LINEAR; two observation dates pick different references, so a selection
that ignored the date would fail. Every failure is one line on stderr, exit 2, nothing written.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from crds_cache import (
    Rule,
    build_cache,
    cache_env,
    child_env,
    linearity_writer,
    refused_in_one_line,
    run_pipeline,
)
from pipeline_oracle import MIRI_DQ_DEF, read_pipeline_product, write_ramp_file

EARLY, LATE = "2024-01-01", "2025-03-01"
SWITCH = "2024-06-01 00:00:00"
MIRI_FULL, NRC_FULL = (1024, 1032), (2048, 2048)

#: case -> (instrument, detector, subarray name, (ny, nx), SUBSTRT, DATE-OBS, expected reference)
CASES = {
    "miri-full-early": ("MIRI", "MIRIMAGE", "FULL", MIRI_FULL, (1, 1), EARLY, "jwst_miri_linearity_0001.fits"),
    "miri-full-late": ("MIRI", "MIRIMAGE", "FULL", MIRI_FULL, (1, 1), LATE, "jwst_miri_linearity_0002.fits"),
    "miri-sub64-late": ("MIRI", "MIRIMAGE", "SUB64", (64, 72), (5, 9), LATE, "jwst_miri_linearity_0002.fits"),
    "nircam-full-early": ("NIRCAM", "NRCA1", "FULL", NRC_FULL, (1, 1), EARLY, "jwst_nircam_linearity_0001.fits"),
    "nircam-sub160-early": ("NIRCAM", "NRCA1", "SUB160", (160, 160), (101, 201), EARLY,
                            "jwst_nircam_linearity_0001.fits"),
    "nircam-sub160-late": ("NIRCAM", "NRCA1", "SUB160", (160, 160), (101, 201), LATE,
                           "jwst_nircam_linearity_0002.fits"),
}  # fmt: skip


#: Cases written as plain FITS (no ASDF extension): their metadata comes from the FITS keywords.
PLAIN_FITS = {"miri-full-early", "nircam-sub160-late"}


def _coefficients(rng: np.random.Generator, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    coeffs = np.empty((3, *shape), np.float32)
    coeffs[0] = rng.normal(0.0, 2.0, shape)
    coeffs[1] = 1.0 + rng.normal(0.0, 0.02, shape)
    coeffs[2] = rng.normal(0.0, 3e-6, shape)
    coeffs[:, 7, 11] = np.nan  # a NaN pixel gets identity and NO_LIN_CORR
    dq = np.zeros(shape, np.uint32)
    dq[::97, ::89] = 4  # NO_LIN_CORR through DQ_DEF
    return coeffs, dq


def _references(rng: np.random.Generator) -> dict:
    writers = {}
    for instrument, detector, shape in (("MIRI", "MIRIMAGE", MIRI_FULL), ("NIRCAM", "NRCA1", NRC_FULL)):
        for serial in (1, 2):
            coeffs, dq = _coefficients(rng, shape)
            name = f"jwst_{instrument.lower()}_linearity_{serial:04d}.fits"
            writers[name] = linearity_writer(
                coeffs, dq, instrument=instrument, detector=detector, subarray="FULL", dq_def=MIRI_DQ_DEF
            )
    return writers


def _rules(instrument: str, detector: str, subarray: str) -> Rule:
    stem = f"jwst_{instrument.lower()}_linearity"
    return Rule(detector, subarray, {"2000-01-01 00:00:00": f"{stem}_0001.fits", SWITCH: f"{stem}_0002.fits"})


def make_cache(root: Path):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(8)
    rules = {
        "MIRI": {
            "linearity": [
                _rules("MIRI", "MIRIMAGE", "FULL"),
                _rules("MIRI", "MIRIMAGE", "SUB64"),
                Rule("MIRIFULONG", "FULL", "N/A"),
            ],
            "ipc": "N/A",
        },
        "NIRCAM": {
            "linearity": [_rules("NIRCAM", "NRCA1", "FULL"), _rules("NIRCAM", "NRCA1", "SUB160")],
            "ipc": "N/A",
        },
    }
    return build_cache(root, rules, _references(rng))


def _ramp(path: Path, instrument: str, detector: str, subarray: str, shape: tuple[int, int],
          substrt: tuple[int, int], date: str, rng: np.random.Generator, *, zeroframe: bool = False,
          with_asdf: bool = True) -> Path:
    nints, ngroups = (2, 3) if instrument == "MIRI" else (1, 2)
    sci = rng.uniform(0.0, 40000.0, (nints, ngroups, *shape)).astype(np.float32)
    groupdq = np.zeros(sci.shape, np.uint8)
    groupdq[:, -1, ::13, ::17] = 2  # SATURATED groups keep their raw value
    zf = rng.uniform(0.0, 1000.0, (nints, *shape)).astype(np.float32) if zeroframe else None
    exp_type = "MIR_IMAGE" if instrument == "MIRI" else "NRC_IMAGE"
    readpatt = "FASTR1" if instrument == "MIRI" else "RAPID"
    return write_ramp_file(
        path, sci=sci, groupdq=groupdq, zeroframe=zf, instrument=instrument, detector=detector,
        substrt=substrt, exp_type=exp_type, readpatt=readpatt,
        extra_header={"SUBARRAY": subarray, "DATE-OBS": date}, with_asdf=with_asdf,
    )  # fmt: skip


def lininspect(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lininspect", *args],
        env=child_env(env), cwd=cwd, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


@pytest.fixture(scope="module")
def crds_run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The cache, every case's input, lininspect's products (one run) and the pipeline's."""
    work = tmp_path_factory.mktemp("crds")
    cache = make_cache(work / "cache")
    rng = np.random.default_rng(21)
    inputs = {}
    for name, (instrument, detector, subarray, shape, substrt, date, _) in CASES.items():
        inputs[name] = _ramp(work / f"{name}_lastframe.fits", instrument, detector, subarray, shape, substrt,
                             date, rng, zeroframe=name == "miri-sub64-late", with_asdf=name not in PLAIN_FITS)
    ours, theirs = work / "ours", work / "theirs"
    ours.mkdir()
    theirs.mkdir()
    result = lininspect("correct", *map(str, inputs.values()), "--output-dir", str(ours), env=cache.env, cwd=work)
    run_pipeline(
        [("linearity", path, theirs / f"{name}_linearity.fits", ()) for name, path in inputs.items()],
        cache.env,
        work,
    )
    return cache, inputs, result, ours, theirs


@pytest.mark.parametrize("case", sorted(CASES))
def test_crds_pick_equals_pipeline(crds_run, case: str) -> None:  # type: ignore[no-untyped-def]
    cache, inputs, result, ours, theirs = crds_run
    assert result.returncode == 0, result.stderr
    mine = read_pipeline_product(ours / f"{case}_linearity.fits")
    pipeline = read_pipeline_product(theirs / f"{case}_linearity.fits")
    for name in ("SCI", "PIXELDQ", "GROUPDQ", "ZEROFRAME"):
        assert (name in mine) == (name in pipeline), name
        if name in mine:
            assert mine[name].tobytes() == pipeline[name].tobytes(), name
    expected = CASES[case][-1]
    assert pipeline["R_LINEAR"] == f"crds://{expected}"
    assert mine["R_LINEAR"] == pipeline["R_LINEAR"]
    mine_header = fits.getheader(ours / f"{case}_linearity.fits")
    pipeline_header = fits.getheader(theirs / f"{case}_linearity.fits")
    assert mine_header["CRDS_CTX"] == pipeline_header["CRDS_CTX"] == cache.context
    assert mine_header["CRDS_VER"] == pipeline_header["CRDS_VER"]
    assert mine_header["FILENAME"] == pipeline_header["FILENAME"] == f"{case}_linearity.fits"
    assert f"reference {expected} (CRDS {cache.context}" in result.stderr


def test_dates_pick_different_references(crds_run) -> None:  # type: ignore[no-untyped-def]
    """The two dates of one detector+subarray get different files and different numbers."""
    _, _, _, ours, _ = crds_run
    early = fits.getheader(ours / "nircam-sub160-early_linearity.fits")["R_LINEAR"]
    late = fits.getheader(ours / "nircam-sub160-late_linearity.fits")["R_LINEAR"]
    assert early != late


# ---------------------------------------------------------------------------------------------
# Failures: one line, exit 2, nothing written, and the line says what to set
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_inputs(tmp_path_factory: pytest.TempPathFactory, crds_run):  # type: ignore[no-untyped-def]
    cache = crds_run[0]
    work = tmp_path_factory.mktemp("crds_fail")
    rng = np.random.default_rng(3)
    files = {
        "sub64": _ramp(work / "sub64_ramp.fits", "MIRI", "MIRIMAGE", "SUB64", (64, 72), (5, 9), EARLY, rng),
        "fulong": _ramp(work / "fulong_ramp.fits", "MIRI", "MIRIFULONG", "FULL", MIRI_FULL, (1, 1), EARLY, rng),
        "nomatch": _ramp(work / "nrcb1_ramp.fits", "NIRCAM", "NRCB1", "SUB160", (160, 160), (1, 1), EARLY, rng),
    }
    return cache, work, files


def _outputs(work: Path) -> list[Path]:
    return sorted(work.rglob("*_linearity.fits"))


@pytest.mark.parametrize("command", ["correct", "snapshot"])
def test_not_applicable_says_the_pipeline_skips(small_inputs, command: str) -> None:  # type: ignore[no-untyped-def]
    cache, work, files = small_inputs
    args = [command, str(files["fulong"])] + (["--pixel", "1", "1", "-o", "shot.png"] if command == "snapshot" else [])
    line = refused_in_one_line(lininspect(*args, env=cache.env, cwd=work), "N/A", "S_LINEAR = SKIPPED", "skips")
    assert "fulong_ramp.fits" in line
    assert not _outputs(work) and not (work / "shot.png").exists()


def test_no_match_says_give_a_reference(small_inputs) -> None:  # type: ignore[no-untyped-def]
    cache, work, files = small_inputs
    refused_in_one_line(lininspect("correct", str(files["nomatch"]), env=cache.env, cwd=work), "NRCB1", "--reference")
    assert not _outputs(work)


def test_no_cache_says_set_crds_path(small_inputs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, work, files = small_inputs
    env = cache_env(tmp_path / "nowhere")
    refused_in_one_line(lininspect("correct", str(files["sub64"]), env=env, cwd=work), "CRDS_PATH", "--reference")
    assert not _outputs(work) and not (tmp_path / "nowhere").exists()


def test_no_server_says_set_the_server(small_inputs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, work, files = small_inputs
    env = cache_env(tmp_path, server="http://127.0.0.1:9")  # nothing listens on the discard port
    refused_in_one_line(lininspect("correct", str(files["sub64"]), env=env, cwd=work), "CRDS_SERVER_URL", "CRDS_PATH")
    assert not _outputs(work)


def test_unreadable_mapping(small_inputs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cache, work, files = small_inputs
    broken = tmp_path / "cache"
    shutil.copytree(cache.root, broken)
    rmap = broken / "mappings" / "jwst" / "jwst_miri_linearity_0001.rmap"
    rmap.write_text(rmap.read_text().replace("UseAfter({", "UseAfter({(", 1))
    env = cache_env(broken, cache.context)
    refused_in_one_line(lininspect("correct", str(files["sub64"]), env=env, cwd=work), "mapping", "unreadable", "CRDS_PATH")
    assert not _outputs(work)


def test_reference_missing_from_offline_cache(small_inputs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cache, work, files = small_inputs
    partial = tmp_path / "cache"
    shutil.copytree(cache.root, partial)
    (partial / "references" / "jwst" / "miri" / "jwst_miri_linearity_0001.fits").unlink()
    env = cache_env(partial, cache.context)
    refused_in_one_line(
        lininspect("correct", str(files["sub64"]), env=env, cwd=work),
        "jwst_miri_linearity_0001.fits", "not in the cache", "CRDS_SERVER_URL", "CRDS_PATH",
    )  # fmt: skip
    assert not _outputs(work)


def test_context_not_in_cache(small_inputs) -> None:  # type: ignore[no-untyped-def]
    cache, work, files = small_inputs
    args = ("correct", str(files["sub64"]), "--crds-context", "jwst_0999.pmap")
    refused_in_one_line(lininspect(*args, env=cache.env, cwd=work), "jwst_0999.pmap", "CRDS_CONTEXT", "CRDS_SERVER_URL")
    assert not _outputs(work)


def test_one_bad_input_does_not_stop_the_others(small_inputs) -> None:  # type: ignore[no-untyped-def]
    cache, work, files = small_inputs
    out = work / "several"
    out.mkdir(exist_ok=True)
    args = ("correct", str(files["fulong"]), str(files["sub64"]), "--output-dir", str(out))
    result = lininspect(*args, env=cache.env, cwd=work)
    assert result.returncode == 2
    assert [p.name for p in out.iterdir()] == ["sub64_linearity.fits"]
    assert fits.getheader(out / "sub64_linearity.fits")["R_LINEAR"] == "crds://jwst_miri_linearity_0001.fits"


# ---------------------------------------------------------------------------------------------
# Which context: --crds-context, else CRDS_CONTEXT, else the cache's server_config
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_contexts(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """jwst_0001 picks one MIRI SUB64 reference, jwst_0002 (the cache's operational) another."""
    root = tmp_path_factory.mktemp("contexts") / "cache"
    rng = np.random.default_rng(5)
    writers = {}
    for serial in (1, 2):
        coeffs, dq = _coefficients(rng, (64, 72))
        writers[f"jwst_miri_linearity_{serial:04d}.fits"] = linearity_writer(
            coeffs, dq, instrument="MIRI", detector="MIRIMAGE", subarray="SUB64", substrt=(5, 9)
        )
    for serial in (1, 2):
        name = f"jwst_miri_linearity_{serial:04d}.fits"
        build_cache(root, {"MIRI": {"linearity": [Rule("MIRIMAGE", "SUB64", {"2000-01-01 00:00:00": name})]}},
                    {name: writers[name]}, serial=serial)
    ramp = _ramp(root.parent / "ramp.fits", "MIRI", "MIRIMAGE", "SUB64", (64, 72), (5, 9), EARLY, rng)
    return root, ramp


@pytest.mark.parametrize(
    ("env_context", "option", "expected"),
    [(None, None, 2), ("jwst_0001.pmap", None, 1), ("jwst_0001.pmap", "jwst_0002.pmap", 2), (None, "jwst_0001.pmap", 1)],
)
def test_context_precedence(two_contexts, tmp_path: Path, env_context, option, expected) -> None:  # type: ignore[no-untyped-def]
    root, ramp = two_contexts
    args = ["correct", str(ramp), "-o", str(tmp_path / "out.fits")] + (["--crds-context", option] if option else [])
    result = lininspect(*args, env=cache_env(root, env_context), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    header = fits.getheader(tmp_path / "out.fits")
    assert header["R_LINEAR"] == f"crds://jwst_miri_linearity_{expected:04d}.fits"
    assert header["CRDS_CTX"] == f"jwst_{expected:04d}.pmap"


# ---------------------------------------------------------------------------------------------
# In process: the pick and its origin, with crds' per-process caches cleared between tests
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def crds_session(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Set CRDS variables for this process and clear crds' cached configuration around the test."""
    from crds.core.utils import clear_function_caches

    def use(env: dict[str, str]) -> None:
        # Only the user's variables: crds keeps its own settings in os.environ too (CRDS_CONFIG_URI ...).
        for key in ("CRDS_PATH", "CRDS_SERVER_URL", "CRDS_CONTEXT", "CRDS_MODE"):
            monkeypatch.delenv(key, raising=False)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        clear_function_caches()

    yield use
    clear_function_caches()


def test_pick_names_context_file_and_matched_parameters(crds_session, small_inputs, capfd) -> None:  # type: ignore[no-untyped-def]
    from lininspect.core.references.crdsref import choose_reference

    cache, _, files = small_inputs
    crds_session(cache.env)
    pick = choose_reference(files["sub64"])
    assert pick.path == cache.files["jwst_miri_linearity_0001.fits"]
    assert pick.uri == "crds://jwst_miri_linearity_0001.fits" and pick.context == cache.context
    assert dict(pick.matched) == {
        "meta.instrument.detector": "MIRIMAGE",
        "meta.subarray.name": "SUB64",
        "meta.observation.date": EARLY,
        "meta.observation.time": "00:00:00.000",
    }
    assert capfd.readouterr().err == ""  # no crds log on the terminal


def test_not_applicable_is_its_own_error(crds_session, small_inputs, capfd) -> None:  # type: ignore[no-untyped-def]
    from lininspect.core.references.crdsref import CrdsNotApplicable, choose_reference

    cache, _, files = small_inputs
    crds_session(cache.env)
    with pytest.raises(CrdsNotApplicable):
        choose_reference(files["fulong"])
    with pytest.raises(CrdsNotApplicable, match="ipc is N/A"):
        choose_reference(files["sub64"], "ipc")
    assert capfd.readouterr().err == ""


def test_environment_change_is_seen_after_clearing(crds_session, small_inputs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Within one process a new CRDS_PATH is honoured once crds' caches are cleared."""
    from lininspect.core.references.crdsref import choose_reference
    from lininspect.core.errors import LinInspectError

    cache, _, files = small_inputs
    crds_session(cache.env)
    assert choose_reference(files["sub64"]).path.is_file()
    crds_session(cache_env(tmp_path / "nowhere"))
    with pytest.raises(LinInspectError, match="CRDS_PATH"):
        choose_reference(files["sub64"])


# ---------------------------------------------------------------------------------------------
# A server that answers: what the cache lacks is downloaded into CRDS_PATH, as the pipeline does
# ---------------------------------------------------------------------------------------------


def test_missing_files_are_downloaded_when_the_server_answers(small_inputs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from crds_server import crds_server

    cache, work, files = small_inputs
    empty = tmp_path / "user_cache"
    output = tmp_path / "downloaded.fits"
    with crds_server(cache.root, cache.context) as (url, requests):
        result = lininspect("correct", str(files["sub64"]), "-o", str(output),
                            env=cache_env(empty, server=url), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "get_server_info" in requests and "GET jwst_miri_linearity_0001.fits" in requests
    assert (empty / "mappings" / "jwst" / cache.context).is_file()
    downloaded = empty / "references" / "jwst" / "miri" / "jwst_miri_linearity_0001.fits"
    assert downloaded.read_bytes() == cache.files["jwst_miri_linearity_0001.fits"].read_bytes()
    assert (empty / "config" / "jwst" / "server_config").is_file()  # what crds keeps for offline use
    header = fits.getheader(output)
    assert header["R_LINEAR"] == "crds://jwst_miri_linearity_0001.fits" and header["CRDS_CTX"] == cache.context
    offline = tmp_path / "offline.fits"  # the same cache, now without the server
    again = lininspect("correct", str(files["sub64"]), "-o", str(offline), env=cache_env(empty), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert read_pipeline_product(offline)["SCI"].tobytes() == read_pipeline_product(output)["SCI"].tobytes()
