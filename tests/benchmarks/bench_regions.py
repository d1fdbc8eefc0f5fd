"""Issue 17's speed target for regions: statistics of a 10,000-pixel region on a 1 GB full frame in under 100 ms.

    python tests/benchmarks/bench_regions.py [--workdir DIR] [--shape 1 60 2048 2048]

Offscreen Qt, private settings, the (1, 60, 2048, 2048) float32 ramp of bench_tools.py (1.0 GB
of SCI) and its reference, written to --workdir once and reused. Figures are medians of
repeated real actions: the Regions tool's statistics of a 10,000-pixel circle on both panels'
displayed planes (the table refreshed), the same for one panel in the model alone, the region's
ramps (input and corrected A, 60 groups, read as the bounding box by positioned reads; the
first, cold read reported apart; in the tool, read in a job and drawn), and a group step with the tool shown. The ratio is the
100 ms target over the figure (above 1: within it); a group step with no tool is the yardstick.
"""

from __future__ import annotations

import math
import time

from guibench import FULL_FRAME_1GB, group_step, inputs, median_ms, print_against_target, scaled, shown_window
from regions import CirclePixelRegion, PixCoord

from lininspect.core.analysis.regionstats import footprint
from lininspect.model.regionmeasures import panel_statistics, region_ramps

PIXELS = 10_000


def shown_ramps(app, tool) -> None:  # type: ignore[no-untyped-def]
    """Ask the tool for its region's ramps and wait (the event loop running) until they are drawn."""
    tool.refresh_ramps()
    while tool.ramps is None:
        app.processEvents()
        time.sleep(0.001)


def main() -> None:
    shape, exposure, reference = inputs(__doc__, FULL_FRAME_1GB)

    app, window = shown_window(exposure, reference, group=shape[1] - 1)
    bare_step = median_ms(group_step(window))
    region = CirclePixelRegion(PixCoord(*map(float, scaled(shape, 1200, 900))), math.sqrt(PIXELS / math.pi))
    print(f"region: a circle of {footprint(region, shape[2:]).count} pixels")
    tool = window.tool_docks.show("regions")
    window.view.update(regions=(region,))
    app.processEvents()
    session, view = window.session, window.view
    plane = session.input_plane(view.integration, view.group)
    started = time.perf_counter()
    cold = region_ramps(session, region, 0, "mean", individual=20)
    cold_ms = (time.perf_counter() - started) * 1000
    figures = {
        "region statistics, both panels (tool)": median_ms(lambda k: tool.refresh_statistics()),
        "region statistics, one panel (model)": median_ms(
            lambda k: panel_statistics(session, view.integration, view.group, plane, region)),
        "region ramps, input + corrected A (model)": median_ms(
            lambda k: region_ramps(session, region, 0, ("mean", "median")[k % 2], individual=20)),
        "region ramps, read in a job and drawn (tool)": median_ms(lambda k: shown_ramps(app, tool), repeats=7),
        "group step, Regions tool shown": median_ms(group_step(window)),
    }
    assert cold.pixels == footprint(region, shape[2:]).count
    print_against_target(figures)
    print(f"{'region ramps, first (cold) read':<44} {cold_ms:8.1f} ms")
    shown = figures["group step, Regions tool shown"]
    print(f"{'group step, no tool shown (yardstick)':<44} {bare_step:8.1f} ms   the tool adds {shown - bare_step:+.1f} ms")
    window.close()


if __name__ == "__main__":
    main()
