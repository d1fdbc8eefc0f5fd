"""Issue 19, target 2: the correction core in memory against stcal and a numpy copy, in the same run.

    python tests/benchmarks/bench_core.py [--repeats 5] [--shape 2 25 1024 1032] [--shape 1 50 1024 1032]
    python tests/benchmarks/bench_core.py --cpu     # one thread only, timed in CPU seconds

``--cpu`` times the one-thread runs (ours, stcal's, the copy) by the process's CPU time: on a machine
shared with other jobs, wall times mostly measure waiting for a core and their ratios swing by 2x
from run to run; CPU time does not count that wait (contention for memory bandwidth still shows).

For each shape prints our time with one thread and with all, stcal's (one thread: it is one numpy
pass per operation), a plain numpy copy of SCI (the memory-bandwidth floor: reading the ramp and
writing it once) and the ratios, and checks that the outputs are identical bit for bit. The first
call compiles (or loads from numba's cache) the kernel and is not timed.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from common import MIRI_SHAPE, best_of, realistic_inputs, row
from stcal.linearity.linearity import linearity_correction
from stdatamodels.jwst.datamodels import dqflags

from lininspect import correct_arrays


def bench(shape: tuple[int, int, int, int], repeats: int, cpu: bool = False) -> bool:
    case = realistic_inputs(shape)
    data = case["data"]
    print(f"SCI {data.shape} float32 = {data.nbytes / 1e6:.0f} MB, best of {repeats}")

    scratch = np.empty_like(data)

    def run_stcal() -> None:
        np.copyto(scratch, data)  # stcal corrects in place; the copy is timed separately and subtracted
        linearity_correction(scratch, case["groupdq"], case["pixeldq"], case["coeffs"], case["ref_dq"], dqflags.pixel)

    out = np.empty_like(data)
    correct_arrays(**case, out=out)  # compiles or loads the kernel
    clock = time.process_time if cpu else time.perf_counter
    copy_time = best_of(repeats, lambda: np.copyto(scratch, data), clock)
    stcal_time = best_of(repeats, run_stcal, clock) - copy_time
    expected = scratch.copy()
    one_thread = best_of(repeats, lambda: correct_arrays(**case, out=out, workers=1), clock)
    all_threads = None if cpu else best_of(repeats, lambda: correct_arrays(**case, out=out))
    copy_again = best_of(repeats, lambda: np.copyto(scratch, data), clock)
    copy_time = min(copy_time, copy_again)
    identical = np.array_equal(out.view(np.uint32), expected.view(np.uint32))

    unit = "CPU s" if cpu else "s"
    print(row("core, one thread vs stcal", one_thread, stcal_time, unit=unit))
    threads = ""
    if all_threads is not None:
        print(row("core, all threads vs stcal", all_threads, stcal_time))
        threads = f"   all threads / copy {all_threads / copy_time:5.2f}x"
    print(f"{'numpy copy of SCI (bandwidth floor)':<44} {copy_time:9.3f} {unit}   one thread / copy "
          f"{one_thread / copy_time:5.2f}x{threads}   stcal / copy {stcal_time / copy_time:5.2f}x")
    print(f"identical bits: {identical}")
    return identical


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--shape", type=int, nargs=4, action="append", help="default: 2 25 1024 1032 and 1 50 1024 1032")
    parser.add_argument("--cpu", action="store_true", help="one thread only, timed in CPU seconds (a shared machine)")
    options = parser.parse_args()
    shapes = [tuple(shape) for shape in options.shape or [MIRI_SHAPE, (1, 50, 1024, 1032)]]
    if not all([bench(shape, options.repeats, options.cpu) for shape in shapes]):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
