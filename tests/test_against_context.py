"""B as the reference a second CRDS context picks (``--against-context``), as a reference delivery is judged.

A real crds client reads a self-made cache holding two contexts whose linearity rmaps pick
different files for the same exposure: jwst_0001 (the cache's operational one, which picks A) and
jwst_0002 (the "delivery", which picks B). The report must be the one ``--reference A --against B``
writes with the two files CRDS picked: only the choice of B is new.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table

from lininspect.core.analysis.comparisonreport import MAP_EXTENSIONS, report_files

from comparison_files import DELIVERY, OPERATIONAL, PICKS, write_comparison_files, write_two_context_cache
from crds_cache import cache_env, child_env, refused_in_one_line


def lininspect(*args: str | Path, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lininspect", *map(str, args)], env=child_env(env), cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def two_contexts(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The exposure and a cache whose two contexts pick the comparison's references A and B."""
    work = tmp_path_factory.mktemp("against_context")
    files = write_comparison_files(work)
    root = work / "crds"
    picked = write_two_context_cache(root, files)
    return work, files["exposure"], cache_env(root), picked


def _maps(directory: Path, exposure: Path) -> dict[str, np.ndarray]:
    with fits.open(report_files(directory, exposure).maps) as maps:
        return {name: maps[name].data.copy() for name, _, _ in MAP_EXTENSIONS} | {"primary": maps[0].header.copy()}


def test_the_report_is_the_one_of_the_two_files_crds_picked(two_contexts) -> None:  # type: ignore[no-untyped-def]
    work, exposure, env, picked = two_contexts
    by_context = lininspect("compare-references", exposure, "--against-context", DELIVERY, "-o", work / "ctx",
                            env=env, cwd=work)
    assert by_context.returncode == 0, by_context.stderr
    by_file = lininspect("compare-references", exposure, "--reference", picked[OPERATIONAL],
                         "--against", picked[DELIVERY], "-o", work / "files", env=env, cwd=work)
    assert by_file.returncode == 0, by_file.stderr

    ctx, files = _maps(work / "ctx", exposure), _maps(work / "files", exposure)
    assert ctx["primary"]["REF_A"] == str(picked[OPERATIONAL]) and ctx["primary"]["REF_B"] == str(picked[DELIVERY])
    assert np.count_nonzero(ctx["NLC_CHANGE"]) > 0  # the two contexts really pick different references
    for name, _, _ in MAP_EXTENSIONS:
        assert ctx[name].dtype == files[name].dtype and ctx[name].tobytes() == files[name].tobytes(), name
    for table in ("summary", "no_lin_corr", "histogram"):
        written = [Table.read(getattr(report_files(work / where, exposure), table), format="ascii.ecsv")
                   for where in ("ctx", "files")]
        assert written[0].pformat(max_lines=-1, max_width=-1) == written[1].pformat(max_lines=-1, max_width=-1)

    # Which context chose each reference is recorded, in the maps and the tables, and said on the terminal.
    assert ctx["primary"]["CHOSEN_A"].startswith(f"{PICKS[OPERATIONAL]} (CRDS {OPERATIONAL}; ")
    assert ctx["primary"]["CHOSEN_B"].startswith(f"{PICKS[DELIVERY]} (CRDS {DELIVERY}; ")
    assert files["primary"]["CHOSEN_B"] == f"{PICKS[DELIVERY]} (file given by the user)"
    summary = Table.read(report_files(work / "ctx", exposure).summary, format="ascii.ecsv")
    assert summary.meta["chosen_b"] == ctx["primary"]["CHOSEN_B"]
    assert f"note: {exposure}: reference {PICKS[OPERATIONAL]} (CRDS {OPERATIONAL}; " in by_context.stderr
    assert f"note: {exposure}: reference B {PICKS[DELIVERY]} (CRDS {DELIVERY}; " in by_context.stderr


def test_crds_context_chooses_a_and_against_context_b(two_contexts) -> None:  # type: ignore[no-untyped-def]
    """The usual context (--crds-context over the cache's) picks A; each context its own file."""
    work, exposure, env, picked = two_contexts
    result = lininspect("compare-references", exposure, "--crds-context", DELIVERY, "--against-context", OPERATIONAL,
                        "-o", work / "swapped", env=env, cwd=work)
    assert result.returncode == 0, result.stderr
    header = _maps(work / "swapped", exposure)["primary"]
    assert (header["REF_A"], header["REF_B"]) == (str(picked[DELIVERY]), str(picked[OPERATIONAL]))


def test_both_contexts_picking_one_file_is_a_report_of_no_change(two_contexts) -> None:  # type: ignore[no-untyped-def]
    work, exposure, env, _ = two_contexts
    result = lininspect("compare-references", exposure, "--against-context", OPERATIONAL, "-o", work / "same",
                        env=env, cwd=work)
    assert result.returncode == 0, result.stderr
    assert f"note: {exposure}: A and B are the same file, {PICKS[OPERATIONAL]}: every difference is zero\n" \
        in result.stderr
    maps = _maps(work / "same", exposure)
    assert not np.any(maps["NLC_CHANGE"])
    assert np.all(np.nan_to_num(maps["FACTOR_DIFF"]) == 0) and np.all(np.nan_to_num(maps["RMS_DIFF"]) == 0)
    assert np.isfinite(maps["FACTOR_A"]).any()
    assert "NO_LIN_CORR gained 0, lost 0" in result.stdout


def test_snapshot_with_b_from_a_second_context(two_contexts) -> None:  # type: ignore[no-untyped-def]
    work, exposure, env, _ = two_contexts
    output = work / "ab.png"
    result = lininspect("snapshot", exposure, "--against-context", DELIVERY, "--pixel", "3", "4", "-o", output,
                        env=env | {"QT_QPA_PLATFORM": "offscreen"}, cwd=work)
    assert result.returncode == 0, result.stderr
    assert output.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"reference B {PICKS[DELIVERY]} (CRDS {DELIVERY}; " in result.stderr


@pytest.mark.parametrize("command", ["compare-references", "snapshot"])
def test_a_context_not_in_an_offline_cache_is_one_line(two_contexts, command: str) -> None:  # type: ignore[no-untyped-def]
    work, exposure, env, _ = two_contexts
    output = work / f"unknown_{command}"
    args = {
        "compare-references": ["compare-references", exposure, "-o", output],
        "snapshot": ["snapshot", exposure, "--pixel", "1", "1", "-o", output],
    }[command]
    result = lininspect(*args, "--against-context", "jwst_0999.pmap", env=env | {"QT_QPA_PLATFORM": "offscreen"},
                       cwd=work)
    refused_in_one_line(result, "CRDS context jwst_0999.pmap is not in the cache", "name a context the cache holds",
           "give reference B with --against")
    assert not output.exists()


def test_a_context_the_server_does_not_have_is_one_line(two_contexts, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from crds_server import crds_server

    work, exposure, env, _ = two_contexts
    with crds_server(Path(env["CRDS_PATH"]), OPERATIONAL) as (url, _):
        result = lininspect("compare-references", exposure, "--against-context", "jwst_0999.pmap",
                            "-o", tmp_path / "report", env=cache_env(tmp_path / "user_cache", server=url), cwd=work)
    refused_in_one_line(result, f"CRDS context jwst_0999.pmap is not in the cache ({tmp_path / 'user_cache'}",
           f"server {url} does not have it", "name a context the server has, or give reference B with --against")
    assert not (tmp_path / "report").exists()


def test_a_context_the_server_lacks_is_not_an_unanswering_server(two_contexts, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The same lookup for A (``correct --crds-context``): the server answered, it just lacks the context."""
    from crds_server import crds_server

    work, exposure, env, _ = two_contexts
    with crds_server(Path(env["CRDS_PATH"]), OPERATIONAL) as (url, _):
        result = lininspect("correct", exposure, "--crds-context", "jwst_0999.pmap", "-o", tmp_path / "out.fits",
                            env=cache_env(tmp_path / "user_cache", server=url), cwd=work)
    line = refused_in_one_line(result, "CRDS context jwst_0999.pmap is not in the cache", f"server {url} does not have it",
                  "set CRDS_CONTEXT to a context the server has, or give the reference with --reference")
    assert "did not answer" not in line
    assert not (tmp_path / "out.fits").exists()


def test_b_is_downloaded_from_a_server_that_answers(two_contexts, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from crds_server import crds_server

    work, exposure, env, picked = two_contexts
    user_cache = tmp_path / "user_cache"
    with crds_server(Path(env["CRDS_PATH"]), OPERATIONAL) as (url, requests):
        result = lininspect("compare-references", exposure, "--against-context", DELIVERY, "-o", tmp_path / "report",
                            env=cache_env(user_cache, server=url), cwd=work)
    assert result.returncode == 0, result.stderr
    assert f"GET {PICKS[DELIVERY]}" in requests
    downloaded = user_cache / "references" / "jwst" / "miri" / PICKS[DELIVERY]
    assert downloaded.read_bytes() == picked[DELIVERY].read_bytes()
    assert _maps(tmp_path / "report", exposure)["primary"]["REF_B"] == str(downloaded)


@pytest.mark.parametrize(
    "args",
    [
        ["compare-references", "{exposure}", "-o", "{work}/both"],
        ["snapshot", "{exposure}", "--pixel", "1", "1", "-o", "{work}/both.png"],
        ["{exposure}"],
    ],
)
def test_against_and_against_context_are_mutually_exclusive(two_contexts, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    work, exposure, env, picked = two_contexts
    filled = [arg.format(exposure=exposure, work=work) for arg in args]
    result = lininspect(*filled, "--against", picked[DELIVERY], "--against-context", DELIVERY, env=env, cwd=work)
    refused_in_one_line(result, "argument --against-context: not allowed with argument --against")


def test_compare_references_needs_one_of_the_two(two_contexts) -> None:  # type: ignore[no-untyped-def]
    work, exposure, env, _ = two_contexts
    result = lininspect("compare-references", exposure, "-o", work / "neither", env=env, cwd=work)
    refused_in_one_line(result, "one of the arguments --against --against-context is required")


def test_a_survey_rerun_under_another_crds_context_is_computed_again(two_contexts) -> None:  # type: ignore[no-untyped-def]
    """Results are keyed by the reference: when CRDS picks it, the context in force (CRDS_CONTEXT here, not
    --crds-context) is part of the key, so a rerun under a new context does not keep the old pick's rows."""
    work, exposure, env, _ = two_contexts
    rows = {}
    for context in (OPERATIONAL, DELIVERY):
        result = lininspect("survey", exposure, "--as-is", "--workers", "1", "-o", work / "by_context",
                            env=env | {"CRDS_CONTEXT": context}, cwd=work)
        assert result.returncode == 0, result.stderr
        (rows[context],) = Table.read(work / "by_context" / "survey.ecsv")
    assert rows[OPERATIONAL]["reference"] == PICKS[OPERATIONAL]
    assert (rows[DELIVERY]["reference"], rows[DELIVERY]["kept"]) == (PICKS[DELIVERY], False)
    assert DELIVERY in rows[DELIVERY]["reference_origin"]
