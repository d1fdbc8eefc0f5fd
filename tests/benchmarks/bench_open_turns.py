"""Issue 19, target 5: the GUI thread's worst turn while opening the 1 GB exposure and its reference, repeated.

    python tests/benchmarks/bench_open_turns.py --workdir DIR [--warm 5]

Opens the exposure and then its reference as ``bench_gui.py`` does (each read in a job), once
after a drop of the page cache (cold, needs root; else left out) and ``--warm`` times from
the cache, without a background load of its own. For each opening it prints the longest gap
between ticks of a 10 ms timer on the GUI thread (wall) and the GUI thread's own CPU time in
its worst gap: the CPU time tells a change apart on a machine shared with other work, where
the wall time is mostly waiting for a core. Same files as ``bench_gui.py`` in the same DIR.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import guibench  # noqa: F401  (offscreen Qt and private settings, before PyQt6 is imported)
import numpy as np
from bench_gui import DEFAULT_SHAPE, PROBE_MS, big_pair, drop_caches
from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtTest import QTest

from lininspect.gui.app import application, make_settings
from lininspect.gui.mainwindow import MainWindow
from lininspect.model.sources import start_loading_compiled_loop

#: Between openings: the settings' later write and the last paints, out of the next opening's way.
SETTLE_MS = 1500


def open_once(window: MainWindow, exposure: Path, reference: Path) -> tuple[float, float]:
    """Milliseconds of the longest probe gap and of the GUI thread's CPU time in its worst gap."""
    window.session.drop_reference("A")
    ticks: list[tuple[float, float]] = [(time.perf_counter(), time.thread_time())]
    probe = QTimer()
    probe.setTimerType(Qt.TimerType.PreciseTimer)
    probe.setInterval(PROBE_MS)
    probe.timeout.connect(lambda: ticks.append((time.perf_counter(), time.thread_time())))
    probe.start()
    job = window.open_input(exposure, then=lambda: window.open_reference_in_background(reference))
    while not job.done or window.session.reference is None:
        QTest.qWait(1)
    QTest.qWait(3 * PROBE_MS)
    probe.stop()
    ticks.append((time.perf_counter(), time.thread_time()))
    gaps = 1000 * np.diff(np.array(ticks), axis=0)
    return float(gaps[:, 0].max()), float(gaps[:, 1].max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--warm", type=int, default=5)
    args = parser.parse_args()
    app = application()  # kept: the application lives as long as the benchmark
    exposure, reference = big_pair(args.workdir, DEFAULT_SHAPE)
    window = MainWindow(make_settings())
    window.resize(1600, 1000)
    window.show()
    start_loading_compiled_loop()
    window.apply_default_layout()
    QTest.qWait(2500)  # the first paints, numba's loop loaded
    runs = (["cold"] if drop_caches() else []) + ["warm"] * args.warm
    figures: dict[str, list[tuple[float, float]]] = {}
    for label in runs:
        if label == "cold":
            drop_caches()
        figures.setdefault(label, []).append(open_once(window, exposure, reference))
        QTest.qWait(SETTLE_MS)
    for label, rows in figures.items():
        walls, cpus = [round(w) for w, _ in rows], [round(c) for _, c in rows]
        print(f"{label}: longest stall {walls} ms (median {statistics.median(walls):.0f}); GUI-thread CPU in the worst "
              f"turn {cpus} ms (median {statistics.median(cpus):.0f}); target 50 ms; load {os.getloadavg()[0]:.2f}")
    window.close()
    app.processEvents()


if __name__ == "__main__":
    main()
