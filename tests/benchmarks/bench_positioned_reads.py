"""The exposure's reads by checked ``pread`` (issue 16 item 1) against the memory map they replaced.

    python tests/benchmarks/bench_positioned_reads.py                  # 2 x 40 x 1024 x 1032
    python tests/benchmarks/bench_positioned_reads.py --shape 4 250 2048 2048

Times, warm (the file in the page cache), the reads the app makes: a group plane for the
image panels, one sample for the status-bar readout, and one pixel's ramp. Prints the
time of each by ``Exposure`` (pread) and by a read-only ``np.memmap`` (the yardstick, the
former path), and their ratio.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench_file import write_big_ramp

from lininspect.core.fits import fitsfile
from lininspect.core.fits.exposure import open_exposure


def best_of(action: Callable[[], object], repeats: int) -> float:
    """The fastest of ``repeats`` runs, in seconds: the least disturbed by the machine's other work."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", nargs=4, type=int, default=(2, 40, 1024, 1032),
                        metavar=("NINTS", "NGROUPS", "NY", "NX"))  # fmt: skip
    parser.add_argument("--repeats", type=int, default=20)
    options = parser.parse_args()
    shape = tuple(options.shape)
    with tempfile.TemporaryDirectory(prefix="lininspect-bench-") as folder:
        path = Path(folder) / "big_lastframe.fits"
        write_big_ramp(path, shape)
        exposure = open_exposure(path)
        info = fitsfile.find(exposure.hdus, "SCI")
        mapped = fitsfile.StoredImage(
            np.memmap(path, mode="r", dtype=">f4", offset=info.data_offset, shape=info.shape), info.header
        )
        nints, ngroups, ny, nx = shape
        i, g, y, x = nints - 1, ngroups // 2, ny // 2, nx // 3
        reads = {
            "group plane": (lambda: exposure.sci[i, g], lambda: mapped[i, g]),
            "readout sample": (lambda: exposure.sci[i, g, y, x], lambda: mapped[i, g, y, x]),
            "pixel ramp": (lambda: exposure.sci[:, :, y, x], lambda: mapped[:, :, y, x]),
        }
        print(f"exposure {shape}, {path.stat().st_size / 1e9:.2f} GB, best of {options.repeats}, warm")
        for what, (ours, yardstick) in reads.items():
            assert np.array_equal(ours(), yardstick())
            ours_s, map_s = best_of(ours, options.repeats), best_of(yardstick, options.repeats)
            print(f"{what:15s} pread {ours_s * 1e3:8.3f} ms   memmap {map_s * 1e3:8.3f} ms   ratio {ours_s / map_s:6.2f}")


if __name__ == "__main__":
    main()
