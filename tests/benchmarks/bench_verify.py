"""Verify (core) on the 4.2 GB exposure against its own product: time and peak memory.

    python tests/benchmarks/bench_verify.py --workdir DIR

Uses bench_gui's 4 x 250 x 1024 x 1032 file in DIR (written there once if missing) and
writes its product beside it with `lininspect correct`. Verify corrects one group at a
time, so its memory should stay near a few planes, far below the 4.2 GB of SCI.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench_gui import big_pair

from lininspect.core.fits.exposure import open_exposure
from lininspect.core.kernels.pathway import plan_correction
from lininspect.core.references.reference import open_reference
from lininspect.core.analysis.verify import compare_product


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, required=True, help="where the 4.2 GB file is kept")
    workdir = parser.parse_args().workdir
    workdir.mkdir(parents=True, exist_ok=True)
    exposure_path, reference_path = big_pair(workdir)
    product_path = workdir / "big_linearity.fits"
    if not product_path.is_file():
        subprocess.run([sys.executable, "-m", "lininspect", "correct", str(exposure_path), "-r", str(reference_path),
                        "-o", str(product_path), "-q"], check=True)  # fmt: skip
    exposure, product = open_exposure(exposure_path), open_exposure(product_path)
    plan = plan_correction(exposure, open_reference(reference_path))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    verification = compare_product(exposure, plan, product)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Verify {exposure.shape}: identical={verification.identical}  {elapsed:.1f} s  "
          f"peak RSS {peak:.0f} MB (before {before:.0f} MB)")  # fmt: skip


if __name__ == "__main__":
    main()
