"""Issue 8: prepare and correct a full-frame ``_uncal`` file, lininspect against the pipeline.

    python tests/benchmarks/bench_uncal.py                      # MIRI 2 x 25 x 1024 x 1032
    python tests/benchmarks/bench_uncal.py --instrument NIRCAM  # NIRCam 1 x 10 x 2048 x 2048

Both sides run in fresh child processes in the same run, references from the same self-made
CRDS cache (offline): ``lininspect correct X_uncal.fits`` (jwst's own steps up to reset/refpix,
then our linearity), and ``Detector1Pipeline`` through linearity (later steps skipped) + save.
The preparation is the pipeline's code, so the ratio should be near 1; the second lininspect
run finds the prepared ramp in its cache and only corrects. The products are compared bit for bit.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
from common import peak_rss_of

import uncal_files
from crds_cache import THROUGH_LINEARITY_SKIPS, child_env
from pipeline_oracle import read_pipeline_product

_PIPELINE = """
import json, sys
from jwst.pipeline import Detector1Pipeline
skips = json.loads(sys.argv[3])
result = Detector1Pipeline.call(sys.argv[1], steps={name: {"skip": True} for name in skips})
result.save(sys.argv[2])
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instrument", choices=("MIRI", "NIRCAM"), default="MIRI")
    parser.add_argument("--groups", type=int, default=None, help="groups per integration")
    parser.add_argument("--ints", type=int, default=None, help="integrations")
    parser.add_argument("--workdir", type=Path, default=None)
    options = parser.parse_args()
    instrument = options.instrument
    ngroups = options.groups or (25 if instrument == "MIRI" else 10)
    nints = options.ints or (2 if instrument == "MIRI" else 1)
    uncal_files.NGROUPS[instrument] = ngroups  # the MIRI reset reference follows the exposure

    with tempfile.TemporaryDirectory(dir=options.workdir) as folder:
        work = Path(folder)
        cache = uncal_files.make_uncal_cache(work / "crds")
        uncal = uncal_files.write_uncal(work / "jw_bench_uncal.fits", instrument, subarray=False,
                                        date="2025-03-01", rng=np.random.default_rng(1), nints=nints)
        env = child_env(cache.env | {"LININSPECT_CACHE_DIR": str(work / "prepared")})
        ny, nx = uncal_files.FULL[instrument]
        print(f"{instrument} _uncal {nints} x {ngroups} x {ny} x {nx}, {uncal.stat().st_size / 2**20:.0f} MB, "
              f"{os.cpu_count()} cores")

        ours = [sys.executable, "-m", "lininspect", "correct", str(uncal), "-o", str(work / "ours.fits"),
                "--overwrite", "--quiet"]
        skips = json.dumps(list(THROUGH_LINEARITY_SKIPS[instrument]))
        theirs = [sys.executable, "-c", _PIPELINE, str(uncal), str(work / "theirs.fits"), skips]
        pipeline_time, pipeline_rss = peak_rss_of(theirs, env=env, cwd=work)
        cold_time, cold_rss = peak_rss_of(ours, env=env, cwd=work)
        warm_time, warm_rss = peak_rss_of(ours, env=env, cwd=work)

        mine, pipeline = read_pipeline_product(work / "ours.fits"), read_pipeline_product(work / "theirs.fits")
        same = all(mine[k].tobytes() == pipeline[k].tobytes() for k in ("SCI", "PIXELDQ", "GROUPDQ"))
        print(f"{'prepare + correct (cold cache)':<34} lininspect {cold_time:7.2f} s {cold_rss:7.0f} MB   "
              f"pipeline {pipeline_time:7.2f} s {pipeline_rss:7.0f} MB   ratio {pipeline_time / cold_time:4.2f}x")
        print(f"{'again, prepared ramp cached':<34} lininspect {warm_time:7.2f} s {warm_rss:7.0f} MB   "
              f"ratio {pipeline_time / warm_time:4.2f}x")
        print(f"identical SCI, PIXELDQ, GROUPDQ: {same}")


if __name__ == "__main__":
    main()
