"""Figures and movies on a 1 GB full frame: what the GUI thread spends, and how long a movie takes.

    python tests/benchmarks/bench_figures.py [--workdir DIR] [--shape 1 60 2048 2048]

Offscreen Qt, private settings, the (1, 60, 2048, 2048) float32 ramp of bench_tools.py (written to
--workdir once and reused), input left and corrected right. Figures (median of a few): both panels
as a 7 x 3.5 inch PNG at 300 DPI and as a PDF, the four plots as an SVG: the GUI thread's part (the
copy drawn into a picture: the scene can only be drawn there) and the job's (the file written). Movie of the right panel, 60 groups at 512 px: the
longest the GUI thread is held by one step of it (the caption painting), and the time to the file.
The yardstick is the Right key's group step on the default panels.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from guibench import FULL_FRAME_1GB, SCRATCH, group_step, inputs, median_ms, scaled, shown_window

from lininspect.gui.figurecopy import background, figure_layout
from lininspect.gui.figurefile import figure_job, record_figure
from lininspect.model.figurespec import FigureSize, FigureTarget, Theme


def main() -> None:
    shape, exposure, reference = inputs(__doc__, FULL_FRAME_1GB)
    out = Path(SCRATCH.name)

    app, window = shown_window(exposure, reference)
    window.select_pixel(*scaled(shape, 1000, 1000))
    app.processEvents()

    recorded = {}

    def draw(target: FigureTarget, size: FigureSize, name: str) -> None:
        """The GUI thread's part: the styled copy, drawn into a picture."""
        copy = figure_layout(window.inspector, window.left, window.right, target, Theme.LIGHT)
        recorded[name] = record_figure(copy, background(Theme.LIGHT), size)
        copy.deleteLater()

    def write(size: FigureSize, name: str) -> None:
        """The job's part, here in this thread: the picture replayed into the file."""
        figure_job(recorded[name], size, out / name, "bench")(lambda done, total: None, threading.Event())

    for _ in range(20):
        app.processEvents()  # the window's own first paint, not counted below
    yardstick = median_ms(group_step(window))
    paper = FigureSize(7.0, 3.5, 300)
    print(f"yardstick (Right key group step): {yardstick:.1f} ms")
    for label, target, name in (("both panels, PNG 2100 x 1050 px", FigureTarget.PANELS, "p.png"),
                                ("both panels, PDF 7 x 3.5 in", FigureTarget.PANELS, "p.pdf"),
                                ("four plots, SVG 7 x 3.5 in", FigureTarget.PLOTS, "p.svg")):  # fmt: skip
        gui = median_ms(lambda k: draw(target, paper, name), 5)
        job = median_ms(lambda k: write(paper, name), 3)
        print(f"{label}: GUI thread {gui:.0f} ms ({gui / yardstick:.1f} x yardstick), then the job {job:.0f} ms")

    # The movie: the longest event-loop turn while it is prepared and written, and the time to the file.
    for _ in range(20):
        app.processEvents()
    dialog = window.actions.movie_dialog
    longest_turn, last = 0.0, time.perf_counter()
    started = time.perf_counter()
    dialog.start(out / "movie.gif", "right", 10.0, 512)
    while not window.status.message_text.startswith("wrote movie.gif"):
        app.processEvents()
        now = time.perf_counter()
        longest_turn, last = max(longest_turn, now - last), now
        if now - started > 600:
            raise SystemExit("the movie took over 10 minutes")
    total = time.perf_counter() - started
    print(f"movie of {shape[1]} groups at 512 px: {total:.1f} s to the file "
          f"({(out / 'movie.gif').stat().st_size / 1e6:.1f} MB); longest GUI-thread turn {longest_turn * 1000:.0f} ms "
          f"({longest_turn * 1000 / yardstick:.1f} x yardstick)")  # fmt: skip
    window.close()


if __name__ == "__main__":
    main()
