"""Issue 17's speed target for the tools: every interaction on a 1 GB full frame answers in under 100 ms.

    python tests/benchmarks/bench_tools.py [--workdir DIR]

Offscreen Qt, private settings, a (1, 60, 2048, 2048) float32 ramp (1.0 GB of SCI, NIRCam's full
frame) and its reference, written to --workdir once and reused. Each figure is the median of
repeated real interactions, timed from the action to the end of the synchronous redraw of
every widget that follows it (the paint that follows is not included): typed limits in the Scale
tool (both panels restretched, both histograms redrawn), a stretch change, the histogram alone,
a pixel-table refresh on a cursor move (9 x 9, every quantity), one blink step, the next flagged
pixel in the DQ browser, the magnifier on a cursor move, the panner's pooling of a new plane, its
restretch on new limits (with both panels') and its rectangle on a zoom change (with the panels'
repooling), and a group step with every tool shown (the DQ overlay on). The ratio is the 100 ms target over the figure (above 1: within it).
"""

from __future__ import annotations

import os
import tempfile

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt
_SCRATCH = tempfile.TemporaryDirectory(prefix="lininspect-bench-tools-")
os.environ["LININSPECT_SETTINGS"] = os.path.join(_SCRATCH.name, "settings.ini")  # never the user's settings

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bench_file import write_big_ramp
from common import realistic_inputs
from pipeline_oracle import write_linearity_reference
from lininspect.core.analysis import analysis
from lininspect.gui.app import application, make_settings
from lininspect.gui.mainwindow import MainWindow
from lininspect.model.viewstate import PanelSource, Stretch

SHAPE = (1, 60, 2048, 2048)
TARGET_MS = 100.0
REPEATS = 15


def median_ms(action: Callable[[int], object], repeats: int = REPEATS) -> float:
    """Median wall time of ``action(k)`` for k = 0..repeats-1, in ms (k lets each run differ)."""
    times = []
    for k in range(repeats):
        started = time.perf_counter()
        action(k)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def inputs(workdir: Path) -> tuple[Path, Path]:
    exposure, reference = workdir / "full_frame_1gb.fits", workdir / "full_frame_ref.fits"
    if not exposure.is_file():
        write_big_ramp(exposure, SHAPE)
    if not reference.is_file():
        small = realistic_inputs((1, 1, *SHAPE[2:]))
        write_linearity_reference(reference, coeffs=small["coeffs"], dq=small["ref_dq"])
    return exposure, reference


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=None)
    options = parser.parse_args()
    workdir = options.workdir or Path(_SCRATCH.name)
    workdir.mkdir(parents=True, exist_ok=True)
    exposure, reference = inputs(workdir)
    print(f"exposure {SHAPE}: {exposure.stat().st_size / 1e9:.2f} GB on disk, in {workdir}")

    app = application()
    window = MainWindow(make_settings())
    window.resize(1600, 1000)
    window.show()
    window.open_input(exposure)
    window.open_reference(reference)
    window.set_frame(0, SHAPE[1] - 1)
    app.processEvents()
    window.select_pixel(1000, 1000)
    bare_step = median_ms(lambda k: window.step(0, -1 if k % 2 else 1))
    scale = window.tool_docks.show("scale")
    table = window.tool_docks.show("pixeltable")
    dq_browser = window.tool_docks.show("dqbrowser")
    app.processEvents()
    view = window.view
    plane = window.session.input_plane(0, SHAPE[1] - 1)
    low, high = analysis.display_limits(plane, "zscale")

    figures = {
        "typed limits (Scale tool, both panels)": median_ms(
            lambda k: scale.set_user_limits("left", low - k, high + k)),
        "stretch change (both panels, linked)": median_ms(
            lambda k: view.set_display("left", stretch=(Stretch.SQRT, Stretch.LINEAR)[k % 2])),
        "histogram equalisation (both panels)": median_ms(
            lambda k: view.set_display("left", stretch=(Stretch.HISTEQ, Stretch.LINEAR)[k % 2])),
        "histogram of one plane (core)": median_ms(lambda k: analysis.histogram(plane, low, high + k, 128)),
    }
    view.set_display("left", stretch=Stretch.LINEAR)
    table.size_box.setCurrentText("9 x 9")
    table.follow_cursor.setChecked(True)
    figures["pixel table on a cursor move (9 x 9)"] = median_ms(lambda k: table._on_hover(500 + 7 * k, 900 + 3 * k))
    figures["blink step (left panel only)"] = median_ms(
        lambda k: view.update(left=(PanelSource.CORRECTED_A, PanelSource.INPUT)[k % 2]))
    dq_browser.choose("PIXELDQ", "NO_LIN_CORR")
    window.select_pixel(0, 0)
    figures["next flagged pixel (DQ browser)"] = median_ms(lambda k: dq_browser.step(forward=True))
    dq_browser.on_left.setChecked(True)
    window.tool_docks.show("blink")
    magnifier, panner = window.tool_docks.show("magnifier"), window.tool_docks.show("panner")
    app.processEvents()
    figures["magnifier on a cursor move (4x)"] = median_ms(lambda k: magnifier._on_hover("left", 500 + 7 * k, 900 + 3 * k))

    def pool_again(_k: int) -> None:
        panner._pooled_from = None  # as after a group step: the whole plane pooled again
        panner.refresh()

    figures["panner: a new plane pooled and drawn"] = median_ms(pool_again)
    figures["panner: new limits (pooled plane restretched)"] = median_ms(
        lambda k: scale.set_user_limits("left", low - k, high + k))
    figures["panner: rectangle on a zoom change"] = median_ms(
        lambda k: window.left.view.setRange(xRange=(100 + k, 900 + k), yRange=(300, 1100), padding=0))
    figures["group step, every tool shown (both panels)"] = median_ms(lambda k: window.step(0, -1 if k % 2 else 1))
    for label, ms in figures.items():
        print(f"{label:<44} {ms:8.1f} ms   target {TARGET_MS:.0f} ms   ratio {TARGET_MS / ms:5.2f}x")
    shown = figures["group step, every tool shown (both panels)"]
    print(f"{'group step, no tool shown (yardstick)':<44} {bare_step:8.1f} ms   the tools add {shown - bare_step:+.1f} ms")
    window.close()


if __name__ == "__main__":
    main()
