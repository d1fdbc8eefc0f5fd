"""Acting on a full-frame map: pooling it to a new zoom, ranking its worst pixels, a pixel's place.

Run by hand: ``python tests/benchmarks/bench_maps.py``. Prints milliseconds per call and the
ratio to the NO_LIN_CORR mask's boolean pooling (``analysis.max_pool``), the yardstick.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from lininspect.core.analysis.analysis import max_pool
from lininspect.model.maps import Ranking, extreme_pool

SHAPE = (2048, 2048)


def milliseconds(call: Callable[[], object], repeats: int = 5) -> float:
    call()
    start = time.perf_counter()
    for _ in range(repeats):
        call()
    return (time.perf_counter() - start) / repeats * 1000


def main() -> None:
    rng = np.random.default_rng(0)
    residuals = rng.random(SHAPE, dtype=np.float32)  # every pixel non-zero: the worst case to rank
    yardstick = milliseconds(lambda: max_pool(residuals > 0.5, 3))
    print(f"yardstick max_pool (bool, factor 3): {yardstick:.0f} ms")
    for name, call in (
        ("extreme_pool (float, factor 3)", lambda: extreme_pool(residuals, 3, 0.0)),
        ("Ranking + first pixel (all 4.2 M ranked)", lambda: Ranking(residuals).pixel(0)),
        ("Ranking.index_of a pixel", lambda ranking=Ranking(residuals): ranking.index_of(1000, 1000)),
    ):
        took = milliseconds(call)
        print(f"{name}: {took:.0f} ms ({took / yardstick:.1f} x yardstick)")


if __name__ == "__main__":
    main()
