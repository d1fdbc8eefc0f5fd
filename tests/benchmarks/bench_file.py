"""Issue 4, targets 2 and 4, issue 19 target 1: file to file against cp and jwst's LinearityStep.

    python tests/benchmarks/bench_file.py               # MIRI 2 x 25 full frame vs cp and the pipeline
    python tests/benchmarks/bench_file.py --runs 5      # median of 5 runs of cp and correct, interleaved
    python tests/benchmarks/bench_file.py --big         # also a 4 x 250 x 1024 x 1032 (4.2 GB) file
    python tests/benchmarks/bench_file.py --many 8      # also 8 files in one run vs one after another

Wall time and peak resident memory of each command are measured on a fresh child process. Each
run writes a new file on a disk with nothing left to write back: no command pays for dropping an
earlier output (on a file system mounted with ``discard`` that costs 0.2 s a synced 268 MB file)
or for writing back another's. Besides ``cp``, three yardsticks say what any Python tool and
durability cost: ``cp`` followed by ``sync`` of the copy (the same bytes on the disk as
``correct``'s product), a Python process that imports numpy and copies the file through its
memory, and the same copy made durable (fsync, rename).
Files go to --workdir (default: a temporary folder), which needs ~6 GB free for --big.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
from astropy.io import fits
from common import MIRI_SHAPE, cost_of, peak_rss_of, realistic_inputs, row

from pipeline_oracle import offline_crds_env, read_pipeline_product, write_linearity_reference, write_ramp_file

BIG_SHAPE = (4, 250, 1024, 1032)

#: The least any Python tool pays to turn the file into a durable product beside it: start, import
#: numpy, copy in blocks, fsync, rename. ``correct`` pays this, then astropy, the kernel and the checks.
_PYTHON_FLOOR = """
import os, sys
import numpy
source, target = sys.argv[1], sys.argv[2]
with open(source, "rb") as inp, open(target + ".part", "wb") as out:
    while block := inp.read(1 << 23):
        out.write(block)
    out.flush()
    os.fsync(out.fileno())
os.replace(target + ".part", target)
"""

#: The same without making it durable: what reading the file through Python's memory and writing it costs.
_PYTHON_COPY = """
import sys
import numpy
with open(sys.argv[1], "rb") as inp, open(sys.argv[2], "wb") as out:
    while block := inp.read(1 << 23):
        out.write(block)
"""

_PIPELINE = """
import sys
from stdatamodels.jwst.datamodels import RampModel
from jwst.linearity import LinearityStep
result = LinearityStep.call(RampModel(sys.argv[1]), override_linearity=sys.argv[2])
result.save(sys.argv[3])
"""


def lininspect(*args: str) -> list[str]:
    return [sys.executable, "-m", "lininspect", "correct", *args, "--overwrite", "--quiet", "--as-is"]


def fresh_start(*outputs: Path) -> None:
    """Remove the earlier outputs and wait for the disk, so the next command pays only for its own file."""
    for path in outputs:
        path.unlink(missing_ok=True)
    os.sync()


def write_big_ramp(path: Path, shape: tuple[int, int, int, int]) -> None:
    """A plain-FITS ramp too big to build in memory, written one group plane at a time."""
    nints, ngroups, ny, nx = shape
    primary = fits.Header()
    primary.update(SIMPLE=True, BITPIX=8, NAXIS=0, EXTEND=True, INSTRUME="MIRI", DETECTOR="MIRIMAGE",
                   SUBARRAY="FULL", SUBSTRT1=1, SUBSTRT2=1, SUBSIZE1=nx, SUBSIZE2=ny, NINTS=nints,
                   NGROUPS=ngroups, NFRAMES=1, GROUPGAP=0, READPATT="FASTR1", EXP_TYPE="MIR_IMAGE")
    sci = fits.Header()
    sci.update(XTENSION="IMAGE", BITPIX=-32, NAXIS=4, NAXIS1=nx, NAXIS2=ny, NAXIS3=ngroups, NAXIS4=nints,
               PCOUNT=0, GCOUNT=1, EXTNAME="SCI")
    gdq = fits.Header()
    gdq.update(XTENSION="IMAGE", BITPIX=8, NAXIS=4, NAXIS1=nx, NAXIS2=ny, NAXIS3=ngroups, NAXIS4=nints,
               PCOUNT=0, GCOUNT=1, EXTNAME="GROUPDQ")
    rng = np.random.default_rng(0)
    rate = rng.gamma(2.0, 200.0 / ngroups, size=(ny, nx)).astype(np.float32)
    with open(path, "wb") as stream:
        stream.write(primary.tostring(padding=True).encode())
        stream.write(sci.tostring(padding=True).encode())
        for _ in range(nints):
            for g in range(ngroups):
                stream.write((11000 + rate * (g + 1)).astype(">f4").tobytes())
        stream.write(b"\0" * (-stream.tell() % 2880))
        stream.write(gdq.tostring(padding=True).encode())
        stream.truncate(stream.tell() + -(-nints * ngroups * ny * nx // 2880) * 2880)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--big", action="store_true", help="also stream a 4.2 GB exposure")
    parser.add_argument("--many", type=int, default=0, help="also correct this many files in one run")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=3, help="runs of cp and correct, interleaved (median)")
    options = parser.parse_args()
    workdir = options.workdir or Path(tempfile.mkdtemp(prefix="lininspect-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)

    case = realistic_inputs(MIRI_SHAPE)
    exposure = write_ramp_file(workdir / "miri_lastframe.fits", sci=case["data"], groupdq=case["groupdq"])
    reference = write_linearity_reference(workdir / "ref.fits", coeffs=case["coeffs"])
    del case
    env = dict(os.environ, **offline_crds_env(workdir / "crds"))
    print(f"exposure {MIRI_SHAPE}: {exposure.stat().st_size / 1e6:.0f} MB on disk, in {workdir}")

    # Issue 19, target 1: the yardstick is copying the same file, measured alternately in the same run.
    # The others say how much of the gap durability and any Python tool pay (see the module's docstring).
    copy, synced_copy, floor, ours = (workdir / name for name in ("copy.fits", "synced.fits", "floor.fits", "ours.fits"))
    commands = {
        "cp": ["cp", str(exposure), str(copy)],
        "cp + sync": ["sh", "-c", 'cp "$0" "$1" && sync "$1"', str(exposure), str(synced_copy)],
        "Python copy, no fsync": [sys.executable, "-c", _PYTHON_COPY, str(exposure), str(floor)],
        "Python durable copy": [sys.executable, "-c", _PYTHON_FLOOR, str(exposure), str(floor)],
        "correct": lininspect(str(exposure), "-r", str(reference), "-o", str(ours)),
    }
    runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in commands}
    for _ in range(options.runs):
        for name, command in commands.items():
            fresh_start(copy, synced_copy, floor, ours)
            runs[name].append(cost_of(command))
    for label, column, unit in (("", 0, "s"), (", CPU", 1, "CPU s")):
        median = {name: sorted(run[column] for run in measured)[len(measured) // 2] for name, measured in runs.items()}
        print(f"{'correct vs cp of the file' + label + ' (median)':<44} lininspect {median['correct']:9.3f} {unit}   cp "
              f"{median['cp']:9.3f} {unit}   ratio {median['correct'] / median['cp']:5.2f}x cp (target <= 2.5x)")
        for name in ("cp + sync", "Python copy, no fsync", "Python durable copy"):
            print(f"{'  ' + name + label + ' (median)':<44} {median[name]:9.3f} {unit} = {median[name] / median['cp']:5.2f}x cp; "
                  f"correct = {median['correct'] / median[name]:5.2f}x it")
    print(f"{'correct, peak memory':<44} {max(run[2] for run in runs['correct']):9.0f} MB")

    theirs_time, theirs_peak = peak_rss_of([sys.executable, "-c", _PIPELINE, str(exposure), str(reference),
                                            str(workdir / "pipeline.fits")], env=env)
    ours_time, ours_peak = peak_rss_of(lininspect(str(exposure), "-r", str(reference), "-o", str(workdir / "ours.fits")))
    print(row("file to file: correct vs LinearityStep+save", ours_time, theirs_time))
    print(row("peak memory", ours_peak, theirs_peak, unit="MB"))
    ours, pipeline = read_pipeline_product(workdir / "ours.fits"), read_pipeline_product(workdir / "pipeline.fits")
    identical = all(np.array_equal(ours[k].view(np.uint8), pipeline[k].view(np.uint8)) for k in ("SCI", "PIXELDQ", "GROUPDQ"))
    print(f"identical to the pipeline's product: {identical}")

    if options.many:
        small = realistic_inputs((1, 10, 1024, 1032), seed=1)
        paths = [write_ramp_file(workdir / f"many{k}_lastframe.fits", sci=small["data"], groupdq=small["groupdq"],
                                 with_asdf=False) for k in range(options.many)]
        small_ref = write_linearity_reference(workdir / "ref_small.fits", coeffs=small["coeffs"])
        together, _ = peak_rss_of(lininspect(*map(str, paths), "-r", str(small_ref)))
        alone = sum(peak_rss_of(lininspect(str(p), "-r", str(small_ref)))[0] for p in paths)
        print(f"{options.many} files (1 x 10 x 1024 x 1032): one run {60 * options.many / together:6.1f} files/min, "
              f"one after another {60 * options.many / alone:6.1f} files/min, ratio {alone / together:4.2f}x")

    if options.big:
        big = workdir / "big_lastframe.fits"
        write_big_ramp(big, BIG_SHAPE)
        elapsed, peak = peak_rss_of(lininspect(str(big), "-r", str(reference), "-o", str(workdir / "big_linearity.fits")))
        print(f"{'4.2 GB exposure ' + str(BIG_SHAPE):<44} lininspect {elapsed:9.3f} s   peak memory {peak:7.0f} MB "
              f"(target < 400 MB)")
    if not identical:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
