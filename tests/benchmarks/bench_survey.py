"""The survey on Dask: files per minute with 1 and 2 worker processes (the same command, the same work),
per-file cost against ``cp`` of the same file, and the client's peak memory for few against many files.

    python tests/benchmarks/bench_survey.py                       # 50 MIRI full frames, 2 x 25 x 1024 x 1032
    python tests/benchmarks/bench_survey.py --files 10 --memory-files 50 200

Serial runs the per-exposure task in this process, one file after another (the pure per-file cost,
no stacking, no report). Then ``lininspect survey --scheduler`` runs on a LocalCluster of 1 worker and
on one of 2 workers, each started first (their start is printed apart): the speed-up is 2 workers
against 1 on the same command. Each cluster then surveys the first fifth of the files again into a
new directory: the difference between the two runs is what the other files cost alone, without
what a run pays once (the command's and the workers' imports, the last merges, the table and the
pictures), which is what a survey of thousands of files pays per file. CPU seconds are counted for every process of a run (the command,
the scheduler in this process, the workers), so the cost per file is seen apart from the machine's
load; the load average is printed with each run. The client's peak memory is measured on small
exposures (--memory-shape): it must not grow with the file count. Files go to --workdir (default: a
temporary folder); each copy differs by one sample, so no two share a survey key.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_file import write_big_ramp
from common import MIRI_SHAPE, best_of, peak_rss_of, realistic_inputs

from lininspect.cluster import dask_client, survey_task
from lininspect.core.fits import fitsfile
from lininspect.core.survey.survey import SurveySettings, SurveyStore
from pipeline_oracle import write_linearity_reference


def distinct_copies(template: Path, folder: Path, count: int) -> list[Path]:
    """``count`` copies of ``template``, the first SCI sample of copy n set to n (distinct content)."""
    folder.mkdir(parents=True, exist_ok=True)
    sci = fitsfile.find(fitsfile.scan(template), "SCI")
    copies = []
    for n in range(count):
        path = folder / f"exp{n:04d}_lastframe.fits"
        if not path.exists():
            shutil.copyfile(template, path)
            with open(path, "r+b") as stream:
                stream.seek(sci.data_offset)
                stream.write(np.array([11000 + n], dtype=">f4").tobytes())
        copies.append(path)
    return copies


def inputs(workdir: Path, shape: tuple[int, int, int, int], count: int, name: str) -> tuple[list[Path], Path]:
    template = workdir / f"{name}_template.fits"
    if not template.exists():
        write_big_ramp(template, shape)
    reference = workdir / f"{name}_ref.fits"
    if not reference.exists():
        write_linearity_reference(reference, coeffs=realistic_inputs((1, 1) + shape[2:])["coeffs"])
    return distinct_copies(template, workdir / name, count), reference


def survey_command(files: list[Path], reference: Path, directory: Path, scheduler: str) -> list[str]:
    return [sys.executable, "-m", "lininspect", "survey", *map(str, files), "--reference", str(reference),
            "--as-is", "-o", str(directory), "--scheduler", scheduler, "--quiet"]


def load() -> str:
    return "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cluster_run(files: list[Path], reference: Path, directory: Path, workers: int) -> dict[str, float]:
    """``lininspect survey`` on a fresh LocalCluster of ``workers`` processes: wall, CPU of every process, peak."""
    started = time.perf_counter()
    with dask_client(None, workers) as client:
        startup = time.perf_counter() - started
        shutil.rmtree(directory, ignore_errors=True)
        workers_before = sum(client.run(time.process_time).values())
        own_before, command_before, load_before = time.process_time(), children_cpu(), os.getloadavg()[0]
        wall, peak = peak_rss_of(survey_command(files, reference, directory, client.scheduler.address))
        own, command = time.process_time() - own_before, children_cpu() - command_before
        worker_cpu = sum(client.run(time.process_time).values()) - workers_before
        load_after = os.getloadavg()[0]
    return {"wall": wall, "startup": startup, "peak": peak, "workers": worker_cpu, "scheduler": own,
            "command": command, "load": (load_before + load_after) / 2}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--shape", nargs=4, type=int, default=MIRI_SHAPE, metavar=("NINTS", "NGROUPS", "NY", "NX"))
    parser.add_argument("--memory-files", nargs=2, type=int, default=(50, 200), metavar=("FEW", "MANY"))
    parser.add_argument("--memory-shape", nargs=4, type=int, default=(2, 10, 256, 258),
                        metavar=("NINTS", "NGROUPS", "NY", "NX"))
    parser.add_argument("--workdir", type=Path, default=None)
    options = parser.parse_args()
    workdir = options.workdir or Path(tempfile.mkdtemp(prefix="lininspect-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)

    files, reference = inputs(workdir, tuple(options.shape), options.files, "frames")
    size = files[0].stat().st_size
    count = len(files)
    print(f"{count} exposures {tuple(options.shape)}, {size / 1e6:.0f} MB each, in {workdir}")
    cp_cpu_before = children_cpu()
    cp = best_of(3, lambda: subprocess.run(["cp", str(files[0]), str(workdir / "cp_yardstick.fits")], check=True))
    cp_cpu = (children_cpu() - cp_cpu_before) / 3
    settings = SurveySettings(reference=reference, as_is=True)
    identity = settings.identity()
    serial_dir = workdir / "serial"
    shutil.rmtree(serial_dir, ignore_errors=True)
    SurveyStore(serial_dir).prepare()
    SurveyStore(workdir / "serial_warm").prepare()
    survey_task(str(files[-1]), settings, identity, str(workdir / "serial_warm"))  # imports, compiled kernels
    serial_load = os.getloadavg()[0]
    started, cpu_started = time.perf_counter(), time.process_time()
    for path in files:
        survey_task(str(path), settings, identity, str(serial_dir))
    serial, serial_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    serial_load = (serial_load + os.getloadavg()[0]) / 2

    # The clusters' processes are this one's children, so GNU time's peak of the command is the client's own.
    # Each cluster also surveys a fifth of the files: the difference is the cost of the other files alone,
    # without what a run pays once (the command's and the workers' start, the last stacking, the pictures).
    runs = {n: cluster_run(files, reference, workdir / f"cluster{n}", n) for n in (1, 2)}
    fifth = max(1, count // 5)
    short_runs = {n: cluster_run(files[:fifth], reference, workdir / f"cluster{n}_fifth", n) for n in (1, 2)}
    marginal = {n: (runs[n]["wall"] - short_runs[n]["wall"]) / (count - fifth) for n in (1, 2)}
    few, many = options.memory_files
    small, small_reference = inputs(workdir, tuple(options.memory_shape), many, "small")
    memory = {}
    with dask_client(None, 2) as client:
        for number in (few, many):
            directory = workdir / f"memory{number}"
            shutil.rmtree(directory, ignore_errors=True)
            memory[number] = peak_rss_of(survey_command(small[:number], small_reference, directory,
                                                        client.scheduler.address))
    print(f"cp of one file (yardstick)      {cp:8.2f} s wall   CPU {cp_cpu:.2f} s")
    print(f"serial, one process             {serial:8.1f} s   {count / serial * 60:6.1f} files/min   "
          f"CPU {serial_cpu / count:.2f} s per file = {serial_cpu / count / cp_cpu:.1f}x cp's CPU   "
          f"(load {serial_load:.1f})")
    for n, run in runs.items():
        cpu = run["workers"] + run["scheduler"] + run["command"]
        print(f"LocalCluster, {n} worker{'s' if n > 1 else ' '}        {run['wall']:8.1f} s   "
              f"{count / run['wall'] * 60:6.1f} files/min   CPU {cpu / count:.2f} s per file (workers "
              f"{run['workers'] / count:.2f}, scheduler {run['scheduler'] / count:.2f}, command "
              f"{run['command'] / count:.2f}) = {cpu / count / cp_cpu:.1f}x cp's CPU   (load {run['load']:.1f}, "
              f"cluster start {run['startup']:.1f} s)")
    print(f"speed-up 2 workers / 1 worker   {runs[1]['wall'] / runs[2]['wall']:8.2f}x   "
          f"(2 workers / serial {serial / runs[2]['wall']:.2f}x)")
    for n in (1, 2):
        print(f"each file beyond the first {fifth:<3d}   {marginal[n]:8.3f} s with {n} worker{'s' if n > 1 else ' '}"
              f" = {marginal[n] / cp:.2f}x cp   (run of {fifth}: {short_runs[n]['wall']:.1f} s)")
    print(f"speed-up of those files         {marginal[1] / marginal[2]:8.2f}x   (target >= 1.7x; per file "
          f"target <= 2.5x cp)")
    print(f"client peak memory              {runs[2]['peak']:8.0f} MB ({count} files)")
    for number, (seconds, megabytes) in memory.items():
        print(f"client peak memory, {number:4d} files {tuple(options.memory_shape)} {megabytes:6.0f} MB   ({seconds:.0f} s)")


if __name__ == "__main__":
    main()
