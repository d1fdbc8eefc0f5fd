"""The survey and batch correction on real Dask clusters on 127.0.0.1: a LocalCluster of two worker
processes (conftest's ``local_client``), and a `dask scheduler` with two `dask worker` processes started and
stopped here."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table
from distributed import Client

from lininspect.cli import main
from lininspect.cluster import progress_text, run_survey
from lininspect.core.fits.product import correct_file
from lininspect.core.survey.survey import SurveySettings, stack_all, survey_exposure
from lininspect.core.survey.surveyreport import MAPS_FOLDER, read_stacked_maps

from comparison_files import coefficients, ramps
from pipeline_oracle import write_linearity_reference, write_ramp_file

SHAPE = (2, 6, 18, 20)
DASK = Path(sys.executable).with_name("dask")


def _exposures(folder: Path, count: int) -> list[Path]:
    """Tiny exposures of distinct content (so distinct keys), each with its start time."""
    folder.mkdir(exist_ok=True)
    files = []
    for n in range(count):
        sci, groupdq = ramps(SHAPE, seed=100 + n)
        files.append(write_ramp_file(folder / f"exp{n:02d}_lastframe.fits", sci=sci, groupdq=groupdq,
                                     with_asdf=False, extra_header={"EXPSTART": 60000.0 + n}))
    return files


@pytest.fixture(scope="module")
def survey_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("cluster")
    ny, nx = SHAPE[2:]
    return {
        "exposures": _exposures(root / "in", 6),
        "a": write_linearity_reference(root / "ref_a.fits", coeffs=coefficients(ny, nx, 1, 2e-6)),
        "b": write_linearity_reference(root / "ref_b.fits", coeffs=coefficients(ny, nx, 2, 3e-6)),
        "root": root,
    }


def _figures(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in ("worker", "seconds", "kept", "key")}


def test_local_cluster_rows_and_maps_equal_the_serial_survey(survey_files: dict, local_client: Client,
                                                             tmp_path: Path) -> None:
    settings = SurveySettings(reference=survey_files["a"], against=survey_files["b"])
    broken = tmp_path / "broken.fits"
    broken.write_bytes(b"SIMPLE  =  not really")
    files = [*survey_files["exposures"], broken]
    rows = run_survey(local_client, files, settings, tmp_path / "out")
    serial = [survey_exposure(path, settings) for path in survey_files["exposures"]]
    assert [row["file"] for row in rows] == [str(path) for path in files]
    for row, expected in zip(rows, serial):
        assert _figures(row) == pytest.approx(_figures(expected.row | {"error": ""}), nan_ok=True)
    workers = {str(info["name"]) for info in local_client.scheduler_info()["workers"].values()}
    assert {row["worker"] for row in rows[:-1]} <= workers
    assert "broken.fits" in rows[-1]["error"] and "stack" not in rows[-1]
    (maps_file,) = (tmp_path / "out" / MAPS_FOLDER).glob("*.fits")
    (stack,) = stack_all(serial).values()
    for name, values in stack.maps().items():
        np.testing.assert_array_equal(read_stacked_maps(maps_file)[name], values)
    assert fits.getheader(maps_file)["NEXPOSE"] == len(serial)
    # Dask's nanny pins malloc's thresholds low (4x the CPU on a full frame); the tasks gave them room.
    tuned = local_client.run(lambda: __import__("lininspect.cluster").cluster._malloc_roomy)
    names = {address: str(info["name"]) for address, info in local_client.scheduler_info()["workers"].items()}
    assert all(tuned[address] for address, name in names.items() if name in {row["worker"] for row in rows})
    assert local_client.run(lambda: "MALLOC_TRIM_THRESHOLD_" in __import__("os").environ) == dict.fromkeys(names, True)


def test_rerun_keeps_what_is_done_and_stacks_the_kept_partials(survey_files: dict, local_client: Client,
                                                               tmp_path: Path) -> None:
    settings = SurveySettings(reference=survey_files["a"])
    first_files = survey_files["exposures"][:3]
    first = run_survey(local_client, first_files, settings, tmp_path / "out")
    maps_file = next((tmp_path / "out" / MAPS_FOLDER).glob("*.fits"))
    maps_file.unlink()
    again = run_survey(local_client, survey_files["exposures"], settings, tmp_path / "out")
    assert [row["kept"] for row in again] == [True] * 3 + [False] * 3
    for before, after in zip(first, again):
        assert _figures(after) == pytest.approx(_figures(before), nan_ok=True)
        assert after["worker"] == before["worker"]  # the worker that computed it, then
    assert fits.getheader(maps_file)["NEXPOSE"] == 6  # kept partials and new ones, each once
    other = run_survey(local_client, first_files, SurveySettings(reference=survey_files["b"]), tmp_path / "out")
    assert not any(row["kept"] for row in other)  # another reference is another result


def test_a_rerun_leaves_only_its_own_detectors_maps(survey_files: dict, local_client: Client, tmp_path: Path) -> None:
    """The maps of a detector whose exposures a rerun does not have are not left beside its table."""
    sci, groupdq = ramps((2, 6, 18, 24), seed=7)
    wider = write_ramp_file(tmp_path / "wider_lastframe.fits", sci=sci, groupdq=groupdq, with_asdf=False)
    settings = SurveySettings(reference=survey_files["a"], as_is=True)
    first = run_survey(local_client, [survey_files["exposures"][0], wider], settings, tmp_path / "out")
    assert first[1]["error"]  # A is 20 pixels wide: the wider exposure fails
    (tmp_path / "out" / MAPS_FOLDER / "MIRIMAGE_1_1_24x18.fits").write_bytes(b"maps of an earlier run")
    (tmp_path / "out" / MAPS_FOLDER / "MIRIMAGE_1_1_24x18.png").write_bytes(b"their picture")
    run_survey(local_client, [survey_files["exposures"][0]], settings, tmp_path / "out")
    assert sorted(path.name for path in (tmp_path / "out" / MAPS_FOLDER).iterdir()) == ["MIRIMAGE_1_1_20x18.fits"]
    run_survey(local_client, [wider], settings, tmp_path / "out")  # no exposure stacked: no maps
    assert list((tmp_path / "out" / MAPS_FOLDER).iterdir()) == []


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def real_cluster(tmp_path: Path) -> Iterator[tuple[str, dict[str, subprocess.Popen]]]:
    """`dask scheduler` and two `dask worker` processes (no nanny: a killed worker stays dead)."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": tmp_path}
    processes = {"scheduler": subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                                "--no-dashboard"], **quiet)}
    for name in ("w1", "w2"):
        processes[name] = subprocess.Popen([DASK, "worker", address, "--name", name, "--nthreads", "1",
                                            "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"], **quiet)
    try:
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=90)
        yield address, processes
    finally:
        # Workers first, while their scheduler still answers their goodbye, then the scheduler; a process
        # not gone in 10 s is killed. Stopped all at once with 20 s each, both teardowns took 20 s in the
        # loaded full suite (never alone): the wait's limit, not a shutdown's.
        workers = [process for name, process in processes.items() if name != "scheduler"]
        for group in (workers, [processes["scheduler"]]):
            for process in group:
                if process.poll() is None:
                    process.send_signal(signal.SIGINT)
            for process in group:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _lininspect(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lininspect", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_survey_and_correct_on_a_dask_scheduler(survey_files: dict, real_cluster: tuple, tmp_path: Path) -> None:
    address, _ = real_cluster
    exposures = survey_files["exposures"][:4]
    result = _lininspect("survey", *exposures, "--reference", survey_files["a"], "-o", tmp_path / "s",
                         "--scheduler", address, "--votable", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    table = Table.read(tmp_path / "s" / "survey.ecsv")
    assert list(table["file"]) == [str(path) for path in exposures]
    assert set(table["worker"]) <= {"w1", "w2"}
    assert list(table.colnames[:3]) == ["file", "no_lin_corr", "worker"]
    assert (tmp_path / "s" / "survey.png").stat().st_size > 0 and (tmp_path / "s" / "survey.vot").is_file()
    (maps_picture,) = (tmp_path / "s" / MAPS_FOLDER).glob("*.png")
    for picture in (tmp_path / "s" / "trends.png", maps_picture):
        assert f"wrote {picture}\n" in result.stdout and picture.stat().st_size > 0
    assert "surveyed 4 files (0 kept from an earlier run, 0 failed)" in result.stdout

    result = _lininspect("correct", *exposures, "--reference", survey_files["a"], "--output-dir", tmp_path,
                         "--scheduler", address, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for n, path in enumerate(exposures):
        serial = correct_file(path, survey_files["a"], tmp_path / f"serial{n}.fits")
        product = tmp_path / path.name.replace("_lastframe", "_linearity")
        with fits.open(product) as cluster_made, fits.open(serial.output) as serial_made:
            np.testing.assert_array_equal(cluster_made["SCI"].data, serial_made["SCI"].data)
            np.testing.assert_array_equal(cluster_made["PIXELDQ"].data, serial_made["PIXELDQ"].data)
        assert f"wrote {product}: {serial.no_lin_corr_pixels} pixels NO_LIN_CORR" in result.stdout


def test_a_worker_killed_mid_survey_loses_and_duplicates_no_row(survey_files: dict, real_cluster: tuple,
                                                                 tmp_path: Path) -> None:
    address, processes = real_cluster
    exposures = _exposures(tmp_path / "many", 16)
    settings = SurveySettings(reference=survey_files["a"])
    killed_at = []
    with Client(address, timeout="60s") as client:
        def kill_w1(done: int, total: int) -> None:
            if not killed_at:
                killed_at.append(done)
                processes["w1"].kill()

        rows = run_survey(client, exposures, settings, tmp_path / "out", progress=kill_w1)
    assert processes["w1"].wait(timeout=10) == -signal.SIGKILL
    assert killed_at[0] < len(exposures)
    assert [row["file"] for row in rows] == [str(path) for path in exposures]
    assert not any(row.get("error") for row in rows)
    maps_file = next((tmp_path / "out" / MAPS_FOLDER).glob("*.fits"))
    assert fits.getheader(maps_file)["NEXPOSE"] == len(exposures)
    assert read_stacked_maps(maps_file)["residual_a_exposures"].max() <= len(exposures)


def _profiling() -> bool:
    import dask

    return bool(dask.config.get("distributed.worker.profile.enabled"))


def test_the_local_cluster_spends_no_cpu_on_a_profile_nobody_reads() -> None:
    """Dask samples each worker's stack every 10 ms for its dashboard; lininspect's cluster has none."""
    from lininspect.cluster import dask_client

    with dask_client(None, 1) as client:
        assert list(client.run(_profiling).values()) == [False]
        # Nor does it take Dask's dashboard port, which the user's own cluster may want next.
        assert client.scheduler_info()["services"].get("dashboard") != 8787
    assert _profiling()  # this process's setting is left as it was


def test_progress_bar_gives_count_rate_and_eta() -> None:
    assert progress_text(0, 50, 0.0) == "[....................] 0/50 files"
    assert progress_text(10, 50, 120.0) == "[####................] 10/50 files  5.0 files/min  ETA 0:08:00"
    assert progress_text(50, 50, 600.0).startswith("[####################] 50/50 files")


@pytest.mark.parametrize("args, needle", [
    (["--level", "0"], "--level 0.0: must be a finite, non-zero number of DN"),
    (["--level", "nan"], "--level nan: must be a finite"),
    (["--reference", "notes.txt"], "notes.txt"),
    (["-o", "notes.txt"], "notes.txt: is not a directory"),
    (["--workers", "0"], "--workers 0: must be at least 1"),
    (["--scheduler", "tcp://127.0.0.1:{port}"], "no Dask scheduler answers"),
])
def test_survey_refuses_bad_options_in_one_line(survey_files: dict, tmp_path: Path, args: list[str],
                                                needle: str) -> None:
    (tmp_path / "notes.txt").write_text("not a reference\n")
    args = [arg.format(port=_free_port()) for arg in args]
    options = ["-o", "out"] if "-o" not in args else []
    if "--reference" not in args:
        options += ["--reference", str(survey_files["a"])]
    result = _lininspect("survey", survey_files["exposures"][0], *options, *args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and needle in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


def test_survey_and_correct_on_local_workers_from_the_command_line(survey_files: dict, tmp_path: Path) -> None:
    """--workers 2: a LocalCluster started and stopped by the command; the terminal sees only the failed file."""
    exposures = survey_files["exposures"][:2]
    missing = tmp_path / "missing_lastframe.fits"
    result = _lininspect("survey", *exposures, missing, "-r", survey_files["a"], "-o", tmp_path / "s",
                         "--workers", "2", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == f"lininspect: error: {missing}: No such file or directory\n"
    table = Table.read(tmp_path / "s" / "survey.ecsv")
    assert list(table["error"].filled("")) == ["", "", f"{missing}: No such file or directory"]
    assert set(table["worker"][:2]) <= {"0", "1"}
    result = _lininspect("correct", *exposures, "-r", survey_files["a"], "--output-dir", tmp_path, "--workers", "2",
                         cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert sorted(line.split(":")[0] for line in result.stdout.splitlines()) == sorted(
        f"wrote {tmp_path / path.name.replace('_lastframe', '_linearity')}" for path in exposures)


def test_a_survey_directory_opens_with_no_other_file(survey_files: dict, tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "survey.ecsv").write_text("# %ECSV 1.0\n")
    result = _lininspect(tmp_path / "s", "--reference", survey_files["a"], cwd=tmp_path)
    assert (result.returncode, result.stderr) == (2, f"lininspect: error: {tmp_path / 's'} is a survey: it opens "
                                                     "with no other file\n")


def test_relative_paths_reach_workers_in_another_directory(survey_files: dict, local_client: Client, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A scheduler's workers run in their own directory (here the test's, not this one): the paths a user gives
    relative to the command's reach them whole, and the terminal names them as given."""
    monkeypatch.chdir(tmp_path)
    for path in (*survey_files["exposures"][:2], survey_files["a"]):
        (tmp_path / path.name).symlink_to(path)
    exposures = [path.name for path in survey_files["exposures"][:2]]
    address = local_client.scheduler.address
    assert main(["survey", *exposures, "-r", "ref_a.fits", "-o", "s", "--scheduler", address, "--quiet"]) == 0
    table = Table.read(tmp_path / "s" / "survey.ecsv")
    assert list(table["error"].filled("")) == ["", ""] and len(list((tmp_path / "s" / MAPS_FOLDER).glob("*.fits"))) == 1
    (tmp_path / "out").mkdir()
    capsys.readouterr()
    assert main(["correct", *exposures, "-r", "ref_a.fits", "--output-dir", "out", "--scheduler", address]) == 0
    wrote = sorted(line.split(":")[0] for line in capsys.readouterr().out.splitlines())
    products = [str(Path("out") / name.replace("_lastframe", "_linearity")) for name in exposures]
    assert wrote == [f"wrote {product}" for product in products]
    assert all((tmp_path / product).is_file() for product in products)
