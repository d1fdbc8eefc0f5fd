"""Shared pieces of the benchmarks: realistic inputs, timing, peak memory of a child process."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

#: MIRI full frame, 2 integrations x 25 groups: 211 MB of SCI (issue 4, target 1).
MIRI_SHAPE = (2, 25, 1024, 1032)


def realistic_inputs(shape: tuple[int, int, int, int], ncoeffs: int = 5, seed: int = 0) -> dict:
    """Rising ramps up to ~60000 DN, 2 % saturated groups, MIRI-like coefficient magnitudes."""
    rng = np.random.default_rng(seed)
    nints, ngroups, ny, nx = shape
    rate = rng.gamma(2.0, 600.0 / ngroups, size=(ny, nx)).astype(np.float32)
    data = np.empty(shape, np.float32)
    for g in range(ngroups):
        data[:, g] = 11000 + rate * (g + 1) * 4
    data += rng.normal(0, 6, size=(1, 1, ny, nx)).astype(np.float32)
    groupdq = np.zeros(shape, np.uint8)
    groupdq[data > 60000] = 2
    scales = np.array([1.0, 0.01, 1e-6, 1e-11, 1e-16, 1e-21, 1e-26])[:ncoeffs]
    coeffs = (rng.normal(size=(ncoeffs, ny, nx)) * scales[:, None, None]).astype(np.float32)
    coeffs[1] += 1
    ref_dq = np.zeros((ny, nx), np.uint32)
    ref_dq[:, :4] = ref_dq[:, -4:] = 1 << 20
    return dict(data=data, groupdq=groupdq, pixeldq=np.zeros((ny, nx), np.uint32), coeffs=coeffs, ref_dq=ref_dq)


def best_of(repeats: int, action: Callable[[], object], clock: Callable[[], float] = time.perf_counter) -> float:
    """Fastest of ``repeats`` runs in seconds: the least disturbed by a noisy machine.

    ``clock=time.process_time`` counts the CPU time of the process instead, which waiting for a core on
    a shared machine does not inflate (waiting for memory still does): for single-threaded actions.
    """
    times = []
    for _ in range(repeats):
        started = clock()
        action()
        times.append(clock() - started)
    return min(times)


def peak_rss_of(command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> tuple[float, float]:
    """Wall time (s) and peak resident memory (MB) of ``command``."""
    elapsed, _, peak = cost_of(command, env, cwd)
    return elapsed, peak


def cost_of(command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> tuple[float, float, float]:
    """Wall time (s), CPU time (user + system, s) and peak resident memory (MB) of ``command``.

    Measured through GNU time (Debian package ``time``): a child forked straight from this
    large benchmark process would report this process's pages in its own maximum. On a machine
    shared with other jobs the CPU time is the steadier figure: it leaves out waiting for a core.
    """
    if not Path("/usr/bin/time").exists():
        raise SystemExit("the benchmarks need GNU time: apt-get install time")
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as report:
        started = time.perf_counter()
        result = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", report.name, *command],
                                env=env, cwd=cwd, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(map(str, command[:4]))} failed:\n{result.stderr[-3000:]}")
        user, system, peak = report.read().split()[-3:]
        return elapsed, float(user) + float(system), int(peak) / 1024


def row(label: str, ours: float, theirs: float, unit: str = "s", better: str = "lower") -> str:
    ratio = theirs / ours if better == "lower" else ours / theirs
    return f"{label:<44} lininspect {ours:9.3f} {unit}   peer {theirs:9.3f} {unit}   ratio {ratio:5.2f}x"
