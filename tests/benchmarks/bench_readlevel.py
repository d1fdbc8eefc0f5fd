"""The read-level correction in memory against stcal's, in the same run, on a NIRCam-sized exposure.

    python tests/benchmarks/bench_readlevel.py [--shape 1 10 2048 2048] [--nframes 4] [--repeats 3] [--workers N]

Prints our time, stcal's (``linearity_correction`` with ``ilin_coeffs`` and the read pattern
jwst builds), their ratio, and checks that SCI and PIXELDQ are identical bit for bit.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
from common import best_of, realistic_inputs, row
from stcal.linearity.linearity import linearity_correction
from stdatamodels.jwst.datamodels import dqflags

from lininspect import correct_arrays
from lininspect.core.kernels.readlevel import pipeline_read_pattern


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shape", type=int, nargs=4, default=(1, 10, 2048, 2048))
    parser.add_argument("--nframes", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None, help="threads for lininspect (default: all cores)")
    options = parser.parse_args()
    case = realistic_inputs(tuple(options.shape))
    inverse = -case["coeffs"]  # roughly the inverse polynomial: c0 -> -c0, c1 -> 2 - c1, higher terms negated
    inverse[1] = 2 - case["coeffs"][1]
    pattern = [list(reads) for reads in pipeline_read_pattern(options.shape[1], options.nframes)]
    data = case["data"]
    print(f"SCI {data.shape} float32 = {data.nbytes / 1e6:.0f} MB, NFRAMES = {options.nframes}, "
          f"{options.repeats} runs each, alternating")

    scratch = np.empty_like(data)
    copy_time = best_of(options.repeats, lambda: np.copyto(scratch, data))
    pixeldq: list[np.ndarray] = []

    def run_stcal() -> None:
        np.copyto(scratch, data)  # stcal corrects in place; the copy is timed separately and subtracted
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            result = linearity_correction(
                scratch, case["groupdq"], case["pixeldq"].copy(), case["coeffs"].copy(), case["ref_dq"],
                dqflags.pixel, ilin_coeffs=inverse.copy(), read_pattern=pattern,
            )
        pixeldq[:] = [result[1]]

    out = np.empty_like(data)
    ours: list[np.ndarray] = []

    def run_ours() -> None:
        ours[:] = [correct_arrays(**case, inv_coeffs=inverse, read_pattern=pattern, out=out,
                                    workers=options.workers).pixeldq]

    run_ours()  # compiles the kernel, or loads it from numba's cache: not what is measured
    # Alternate the two so that both see the same load on a shared machine; each pair gives a ratio.
    pairs = [(best_of(1, run_stcal) - copy_time, best_of(1, run_ours)) for _ in range(options.repeats)]
    for stcal_time, ours_time in pairs:
        print(row("read-level vs stcal linearity_correction", ours_time, stcal_time))
    ratios = sorted(theirs / mine for theirs, mine in pairs)
    print(f"ratio median {ratios[len(ratios) // 2]:.2f}x, range {ratios[0]:.2f}-{ratios[-1]:.2f}x")
    identical = np.array_equal(out.view(np.uint32), scratch.view(np.uint32)) and np.array_equal(ours[0], pixeldq[0])
    print(f"identical bits: {identical}")
    if not identical:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
