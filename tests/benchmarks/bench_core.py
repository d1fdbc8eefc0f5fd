"""Issue 4, target 1: the correction core in memory against stcal, in the same run.

    python tests/benchmarks/bench_core.py [--repeats 3]

Prints our time, stcal's, a plain numpy copy of SCI (the memory-bandwidth floor), and
checks that the outputs are identical bit for bit.
"""

from __future__ import annotations

import argparse

import numpy as np
from common import MIRI_SHAPE, best_of, realistic_inputs, row
from stcal.linearity.linearity import linearity_correction
from stdatamodels.jwst.datamodels import dqflags

from lininspect import correct_arrays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--shape", type=int, nargs=4, default=MIRI_SHAPE)
    options = parser.parse_args()
    case = realistic_inputs(tuple(options.shape))
    data = case["data"]
    print(f"SCI {data.shape} float32 = {data.nbytes / 1e6:.0f} MB, best of {options.repeats}")

    scratch = np.empty_like(data)
    copy_time = best_of(options.repeats, lambda: np.copyto(scratch, data))

    def run_stcal() -> None:
        np.copyto(scratch, data)  # stcal corrects in place; the copy is timed separately and subtracted
        linearity_correction(scratch, case["groupdq"], case["pixeldq"], case["coeffs"], case["ref_dq"], dqflags.pixel)

    stcal_time = best_of(options.repeats, run_stcal) - copy_time
    expected = scratch.copy()

    out = np.empty_like(data)
    ours_time = best_of(options.repeats, lambda: correct_arrays(**case, out=out))
    identical = np.array_equal(out.view(np.uint32), expected.view(np.uint32))

    print(row("core vs stcal linearity_correction", ours_time, stcal_time))
    print(f"{'numpy copy of SCI (bandwidth floor)':<44} {copy_time:9.3f} s   "
          f"lininspect / copy {ours_time / copy_time:5.2f}x   stcal / copy {stcal_time / copy_time:5.2f}x")
    print(f"identical bits: {identical}")
    if not identical:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
