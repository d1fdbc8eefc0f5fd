"""The survey on Dask: files per minute serial against a LocalCluster of 2 worker processes, per-file cost
against ``cp`` of the same file, and the client's peak memory for few against many files.

    python tests/benchmarks/bench_survey.py                       # 50 MIRI full frames, 2 x 25 x 1024 x 1032
    python tests/benchmarks/bench_survey.py --files 10 --memory-files 50 200

Serial runs the per-exposure task in one process, one file after another; the cluster runs
``lininspect survey --scheduler`` on a LocalCluster started first (its start is printed apart). The client's
peak memory is measured on small exposures (--memory-shape): it must not grow with the file count.
Files go to --workdir (default: a temporary folder); each copy differs by one sample, so no
two share a survey key.
"""

from __future__ import annotations

import argparse
import shutil
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
    print(f"{len(files)} exposures {tuple(options.shape)}, {size / 1e6:.0f} MB each, in {workdir}")
    cp = best_of(3, lambda: shutil.copyfile(files[0], workdir / "cp_yardstick.fits"))
    settings = SurveySettings(reference=reference, as_is=True)
    identity = settings.identity()
    serial_dir = workdir / "serial"
    shutil.rmtree(serial_dir, ignore_errors=True)
    SurveyStore(serial_dir).prepare()
    started, cpu_started = time.perf_counter(), time.process_time()
    for path in files:
        survey_task(str(path), settings, identity, str(serial_dir))
    serial, serial_cpu = time.perf_counter() - started, time.process_time() - cpu_started

    few, many = options.memory_files
    small, small_reference = inputs(workdir, tuple(options.memory_shape), many, "small")
    started = time.perf_counter()
    # The cluster's processes are this one's children, so GNU time's peak of the command is the client's own.
    with dask_client(None, 2) as client:
        startup = time.perf_counter() - started
        address = client.scheduler.address
        cluster_dir = workdir / "cluster"
        shutil.rmtree(cluster_dir, ignore_errors=True)
        cluster, client_mb = peak_rss_of(survey_command(files, reference, cluster_dir, address))
        memory = {}
        for count in (few, many):
            directory = workdir / f"memory{count}"
            shutil.rmtree(directory, ignore_errors=True)
            memory[count] = peak_rss_of(survey_command(small[:count], small_reference, directory, address))
    print(f"cp of one file (yardstick)      {cp:8.2f} s")
    print(f"serial, one process             {serial:8.1f} s   {len(files) / serial * 60:6.1f} files/min   "
          f"{serial / len(files) / cp:5.2f}x cp per file   (CPU {serial_cpu / len(files):.2f} s per file: on a "
          "shared machine the wall times say more about the neighbours)")
    print(f"LocalCluster, 2 workers         {cluster:8.1f} s   {len(files) / cluster * 60:6.1f} files/min   "
          f"{cluster / len(files) * 2 / cp:5.2f}x cp per file per worker   (cluster start {startup:.1f} s)")
    print(f"speed-up 2 workers / serial     {serial / cluster:8.2f}x")
    print(f"client peak memory              {client_mb:8.0f} MB ({len(files)} files)")
    for count, (seconds, megabytes) in memory.items():
        print(f"client peak memory, {count:4d} files {tuple(options.memory_shape)} {megabytes:6.0f} MB   ({seconds:.0f} s)")


if __name__ == "__main__":
    main()
