"""Shared set-up of the GUI benchmarks: offscreen Qt, private settings, a full frame and the shown window.

Import it before anything that imports Qt (isort's order does: lininspect comes after): importing
it chooses the offscreen platform and points the settings at a scratch folder (never the user's).
Qt stays out of common.py, which the core benchmarks use.
"""

from __future__ import annotations

import os
import sys
import tempfile

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt
#: Deleted, with what the benchmark wrote there, when the process ends.
SCRATCH = tempfile.TemporaryDirectory(
    prefix=f"lininspect-{os.path.basename(sys.argv[0]).removesuffix('.py')}-"
)
os.environ["LININSPECT_SETTINGS"] = os.path.join(SCRATCH.name, "settings.ini")

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bench_file import write_big_ramp
from common import realistic_inputs
from pipeline_oracle import write_linearity_reference
from PyQt6.QtWidgets import QApplication

from lininspect.gui.app import application, make_settings
from lininspect.gui.mainwindow import MainWindow

Shape = tuple[int, int, int, int]
#: NIRCam's full frame, 60 groups: 1.0 GB of float32 SCI (issue 17's speed targets).
FULL_FRAME_1GB: Shape = (1, 60, 2048, 2048)
FULL_FRAME = 2048
#: Issue 17's speed target for an interaction.
TARGET_MS = 100.0


def median_ms(action: Callable[[int], object], repeats: int = 15) -> float:
    """Median wall time of ``action(k)`` for k = 0..repeats-1, in ms (k lets each run differ)."""
    times = []
    for k in range(repeats):
        started = time.perf_counter()
        action(k)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def print_against_target(figures: dict[str, float]) -> None:
    """One line per figure (ms) with its ratio to issue 17's target (above 1: within it)."""
    for label, ms in figures.items():
        print(f"{label:<44} {ms:8.1f} ms   target {TARGET_MS:.0f} ms   ratio {TARGET_MS / ms:5.2f}x")


def inputs(description: str, shape: Shape, *, announce: bool = True) -> tuple[Shape, Path, Path]:
    """The options parsed, and the exposure's shape, ramp and reference (kept in --workdir and reused).

    ``--shape`` runs a benchmark on a small exposure to check it still runs to the end.
    """
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workdir", type=Path, default=None, help="keep (and reuse) the input files here")
    parser.add_argument("--shape", nargs=4, type=int, default=shape, metavar=("NINTS", "NGROUPS", "NY", "NX"))
    parsed = parser.parse_args()
    workdir = parsed.workdir or Path(SCRATCH.name)
    workdir.mkdir(parents=True, exist_ok=True)
    shape = tuple(parsed.shape)  # type: ignore[assignment]
    exposure, reference = ramp_pair(workdir, shape)
    if announce:
        print(f"exposure {shape}: {exposure.stat().st_size / 1e9:.2f} GB on disk, in {workdir}")
    return shape, exposure, reference


def ramp_pair(workdir: Path, shape: Shape) -> tuple[Path, Path]:
    """A ramp of ``shape`` and a reference of its frame, written once to ``workdir`` and reused."""
    nints, ngroups, ny, nx = shape
    exposure, reference = workdir / f"ramp_{nints}x{ngroups}x{ny}x{nx}.fits", workdir / f"ref_{ny}x{nx}.fits"
    if not exposure.is_file():
        write_big_ramp(exposure, shape)
    if not reference.is_file():
        small = realistic_inputs((1, 1, ny, nx))
        write_linearity_reference(reference, coeffs=small["coeffs"], dq=small["ref_dq"])
    return exposure, reference


def shown_window(
    exposure: Path, reference: Path, group: int | None = None
) -> tuple[QApplication, MainWindow]:
    """The main window as a user sees it (1600 x 1000), the pair opened (at ``group`` if given)."""
    app = application()
    window = MainWindow(make_settings())
    window.resize(1600, 1000)
    window.show()
    window.open_input_now(exposure)  # what follows measures interactions, not opening
    window.open_reference(reference)
    if group is not None:
        window.set_frame(0, group)
        app.processEvents()
    return app, window


def group_step(window: MainWindow) -> Callable[[int], None]:
    """A group step back and forth (the Right and Left keys): the yardstick of the GUI benchmarks."""
    return lambda k: window.step(0, -1 if k % 2 else 1)


def scaled(shape: Shape, x: float, y: float) -> tuple[int, int]:
    """A full frame's pixel (x, y) moved to the same place of a smaller frame (unchanged on a full frame)."""
    return int(x * shape[3] // FULL_FRAME), int(y * shape[2] // FULL_FRAME)
