"""Groups from the plots on a 1 GB full frame: how fast Play can go, and what a plot click costs.

    python tests/benchmarks/bench_playback.py [--workdir DIR] [--shape 1 60 2048 2048]

Offscreen Qt, private settings, the (1, 60, 2048, 2048) float32 ramp of bench_tools.py (written to
--workdir once and reused). Each figure is the median of repeated real interactions, timed from
the action to the end of the synchronous redraw of every widget that follows it (the paint is not
included): one Play frame (the timer's tick) with input and corrected shown, one with both panels on
group differences (g−(g−1) left, A g−(g−1) right), and a click on the ramp plot
(the group it picks shown). The yardstick is the Right key's group step on the default panels; the
highest steady Play rate is 1000 ms over a frame's figure.
"""

from __future__ import annotations

from guibench import FULL_FRAME_1GB, group_step, inputs, median_ms, scaled, shown_window

from lininspect.model.viewstate import PanelSource, RightView


def main() -> None:
    shape, exposure, reference = inputs(__doc__, FULL_FRAME_1GB)

    app, window = shown_window(exposure, reference)
    window.set_frame(0, 1)
    window.select_pixel(*scaled(shape, 1000, 1000))
    app.processEvents()
    frame, view = window.frame, window.view

    def play_frame(k: int) -> None:
        if view.group == shape[1] - 1:
            window.set_frame(0, 1)  # not timed apart: a frame of its own, as the play's wrap is
        frame._next()

    yardstick = median_ms(group_step(window))
    figures = {"Play frame, input and corrected": median_ms(play_frame)}
    view.update(left=PanelSource.INPUT_STEPS, right=RightView.CORRECTED_A_STEPS)
    app.processEvents()
    figures["Play frame, both panels on group differences"] = median_ms(play_frame)
    inspector = window.inspector
    figures["click on the ramp plot (its group shown)"] = median_ms(
        lambda k: inspector.groupClicked.emit(2 + k % min(40, shape[1] - 2)))
    print(f"{'group step, Right key (yardstick)':<46} {yardstick:8.1f} ms")
    for label, ms in figures.items():
        print(f"{label:<46} {ms:8.1f} ms   ratio to yardstick {ms / yardstick:5.2f}x   at most {1000 / ms:5.1f} frames/s")
    window.close()


if __name__ == "__main__":
    main()
