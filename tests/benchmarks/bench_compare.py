"""compare-references streams: its peak memory stays at a few blocks, like ``correct``'s, whatever the file,
and (issue 19, target 4) it takes at most 2x one ``correct`` pass of the same exposure, measured alternately.

    python tests/benchmarks/bench_compare.py                    # 2 x 100 x 1024 x 1032 (1 GB file)
    python tests/benchmarks/bench_compare.py --shape 4 250 1024 1032   # the 4.2 GB layout

Wall time and peak resident memory of each command are measured on a fresh child process
(GNU time). Files go to --workdir (default: a temporary folder).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench_file import write_big_ramp
from common import cost_of, realistic_inputs

from pipeline_oracle import write_linearity_reference


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", nargs=4, type=int, default=(2, 100, 1024, 1032),
                        metavar=("NINTS", "NGROUPS", "NY", "NX"))
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=1, help="alternate runs of each command (medians compared)")
    options = parser.parse_args()
    workdir = options.workdir or Path(tempfile.mkdtemp(prefix="lininspect-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    shape = tuple(options.shape)
    exposure = workdir / "big_lastframe.fits"
    write_big_ramp(exposure, shape)
    references = []
    for seed, name in ((0, "ref_a.fits"), (1, "ref_b.fits")):
        coeffs = realistic_inputs((1, 1) + shape[2:], seed=seed)["coeffs"]
        references.append(write_linearity_reference(workdir / name, coeffs=coeffs))
    print(f"exposure {shape}: {exposure.stat().st_size / 1e9:.2f} GB on disk, in {workdir}")

    base = [sys.executable, "-m", "lininspect"]
    correct = [*base, "correct", str(exposure), "-r", str(references[0]), "-o", str(workdir / "out.fits"),
               "--overwrite", "--quiet", "--as-is"]
    compare = [*base, "compare-references", str(exposure), "-r", str(references[0]), "--against",
               str(references[1]), "-o", str(workdir / "report"), "--overwrite", "--quiet", "--as-is"]
    times: dict[str, list[tuple[float, float]]] = {"correct (one reference)": [], "compare-references (A and B)": []}
    for _ in range(options.runs):
        for label, command in zip(times, (correct, compare)):
            seconds, cpu, megabytes = cost_of(command)
            times[label].append((seconds, cpu))
            print(f"{label:<32} {seconds:7.1f} s   CPU {cpu:7.1f} s   peak {megabytes:7.0f} MB")
    for what, column in (("wall", 0), ("CPU", 1)):
        correct_time, compare_time = (sorted(run[column] for run in runs)[len(runs) // 2] for runs in times.values())
        print(f"compare-references / correct (medians, {what} time): {compare_time / correct_time:5.2f}x (target <= 2x)")


if __name__ == "__main__":
    main()
