"""Issue 19, target 5 (and issue 4, target 3): the inspector on a big exposure, driven through its real widgets.

    python tests/benchmarks/bench_gui.py [--workdir DIR] [--shape 2 100 1024 1032] [--no-load]

Offscreen Qt, private settings. By default the exposure is 2 x 100 x 1024 x 1032 (1.06 GB on
disk; ``--shape 4 250 1024 1032`` is issue 4's 4.2 GB), and a background loop of ``lininspect
correct`` on the demo keeps the machine busy throughout (``--no-load`` leaves it out). Measures
(a) opening the exposure and its reference until the first image is painted, with the longest
stall of the event loop meanwhile, (b) a pixel click until the inspector's plots are
repainted, (c) a group step (Right arrow) until both panels are repainted, steps following each
other as a held key's do and, warm, 0.3 s apart as a person's (the next group is read ahead), (d) the longest
stall of the event loop during a correction run, (e) a wheel-zoom notch on the left panel
until both panels are repainted, (f) a change of the colour limits (the toolbar's box) until
both are repainted. Stalls are seen by a 10 ms timer on the GUI thread; (b), (c), (e), (f)
run after the run, so both panels show a plane; each prints median and 95th percentile
against issue 19's targets. "cold" figures follow a drop of the page cache (needs root;
without it they are left out, or labelled warm). The same figures for the demo exposure are
printed for context. The big file is written to --workdir once and reused from there;
without --workdir it goes to a temporary folder that is deleted at the end.
"""

from __future__ import annotations

import os
import tempfile

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt
_SCRATCH = tempfile.TemporaryDirectory(prefix="lininspect-bench-gui-")
os.environ["LININSPECT_SETTINGS"] = os.path.join(_SCRATCH.name, "settings.ini")  # never the user's settings

import argparse
import resource
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
from bench_file import BIG_SHAPE, write_big_ramp
from common import realistic_inputs
from pipeline_oracle import write_linearity_reference
from PyQt6.QtCore import QEvent, QEventLoop, QObject, QPoint, QPointF, Qt, QTimer
from PyQt6.QtGui import QWheelEvent
from PyQt6.QtTest import QTest
from PyQt6.QtWidgets import QApplication, QWidget

from lininspect.core.fits import fitsfile
from lininspect.core.demo import ensure_demo
from lininspect.core.fits.fitsfile import BLOCK
from lininspect.gui.app import application, make_settings
from lininspect.gui.mainwindow import MainWindow
from lininspect.model.sources import start_loading_compiled_loop
from lininspect.model.viewstate import Limits

#: Issue 4, target 3, in milliseconds: open to first image, and the run's longest stall.
OPEN_TARGET, STALL_TARGET = 1500.0, 100.0
#: Issue 19, target 5, in milliseconds: each interaction's median and 95th percentile; opening's longest stall.
MEDIAN_TARGET, P95_TARGET, OPEN_STALL_TARGET = 100.0, 200.0, 50.0
#: The 1 GB exposure of issue 19 (as bench_compare's).
DEFAULT_SHAPE = (2, 100, 1024, 1032)
PROBE_MS = 10
SAMPLES = 20
#: Seconds between a person's steps through the groups (held keys repeat 25-30 times a second).
STEP_PAUSE_S = 0.3
#: Columns between a cold click and its warm neighbour: beyond a click's rounding, within its 4 KB page.
WARM_SHIFT = 4
#: Longest wait for a repaint, and for a run, before the benchmark gives up.
PAINT_TIMEOUT_S, RUN_TIMEOUT_S = 30.0, 600.0


class PaintCounter(QObject):
    """Counts paint events reaching watched widgets: a repaint is the user-visible end of an action."""

    def __init__(self, widgets: list[QWidget]) -> None:
        super().__init__()
        self.counts = {id(w): 0 for w in widgets}
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint and id(watched) in self.counts:
            self.counts[id(watched)] += 1
        return False

    def snapshot(self) -> dict[int, int]:
        return dict(self.counts)


def settle(counter: PaintCounter, before: dict[int, int], widgets: list[QWidget]) -> None:
    """Process events until each widget has been repainted since ``before``.

    A paint event is handled inside processEvents, so when this returns the paint is done.
    """
    app = QApplication.instance()
    deadline = time.perf_counter() + PAINT_TIMEOUT_S
    while any(counter.counts[id(w)] <= before[id(w)] for w in widgets):
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        if time.perf_counter() > deadline:
            raise SystemExit("a widget was never repainted")


def drop_caches() -> bool:
    """Empty the page cache so the next reads come from the disk; False when not allowed."""
    os.sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as control:
            control.write("3\n")
    except OSError:
        return False
    return True


def big_pair(workdir: Path, shape: tuple[int, int, int, int] = BIG_SHAPE) -> tuple[Path, Path]:
    """The big ramp (written once, one plane at a time) and a full-frame 5-coefficient reference."""
    nints, ngroups, ny, nx = shape
    name = "big" if shape == BIG_SHAPE else f"big_{nints}x{ngroups}x{ny}x{nx}"
    frame = "" if (ny, nx) == BIG_SHAPE[2:] else f"_{ny}x{nx}"
    exposure, reference = workdir / f"{name}_lastframe.fits", workdir / f"big{frame}_linearity_ref.fits"
    plane = ny * nx
    expected = 2 * BLOCK + _padded(4 * nints * ngroups * plane) + BLOCK + _padded(nints * ngroups * plane)
    if not exposure.is_file() or exposure.stat().st_size != expected:
        print(f"writing {exposure} ({expected / 1e9:.1f} GB)...", flush=True)
        write_big_ramp(exposure, shape)
    if exposure.stat().st_blocks * 512 < expected:
        fill_groupdq(exposure)
    if not reference.is_file():
        small = realistic_inputs((1, 1, ny, nx))  # only its coefficients and reference DQ are used
        write_linearity_reference(reference, coeffs=small["coeffs"], dq=small["ref_dq"])
    return exposure, reference


def fill_groupdq(path: Path) -> None:
    """Write GROUPDQ's zeros out, as a pipeline-written file has them.

    write_big_ramp leaves GROUPDQ a sparse hole, and reading a hole costs no disk access.
    """
    info = fitsfile.find(fitsfile.scan(path), "GROUPDQ")
    assert info is not None
    zeros = bytes(64 << 20)
    with open(path, "r+b") as stream:
        stream.seek(info.data_offset)
        stream.writelines(zeros[: info.data_span - start] for start in range(0, info.data_span, len(zeros)))


def _padded(size: int) -> int:
    return -(-size // BLOCK) * BLOCK


#: The GUI thread's own CPU time of each :func:`elapsed_ms` since :func:`interaction` last read them: what
#: the app spends, whatever share of the cores the machine's load leaves it.
GUI_CPU_MS: list[float] = []


def elapsed_ms(action: Callable[[], object], counter: PaintCounter, widgets: list[QWidget]) -> float:
    """Milliseconds from ``action`` until each of ``widgets`` has been repainted."""
    before = counter.snapshot()
    started, cpu = time.perf_counter(), time.thread_time()
    action()
    settle(counter, before, widgets)
    GUI_CPU_MS.append(1000 * (time.thread_time() - cpu))
    return 1000 * (time.perf_counter() - started)


class StallProbe:
    """A 10 ms timer on the GUI thread: the longest gap between its ticks is the event loop's longest stall."""

    def __init__(self) -> None:
        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(PROBE_MS)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def __enter__(self) -> StallProbe:
        self.ticks = [time.perf_counter()]
        self.timer.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.timer.stop()
        self.ticks.append(time.perf_counter())

    @property
    def longest_ms(self) -> float:
        return 1000 * float(np.max(np.diff(self.ticks)))


def measure_open(window: MainWindow, counter: PaintCounter, exposure: Path, reference: Path) -> tuple[float, float]:
    """Open as File ▸ Open input and File ▸ Choose reference do (each read in a job), until the input image is painted.

    Milliseconds to the first image, and the event loop's longest stall meanwhile.
    """

    def open_pair() -> None:  # the exposure is read in a job; the reference follows once it is shown
        window.session.drop_reference("A")  # the warm run reads it again too
        job = window.open_input(exposure, then=lambda: window.open_reference_in_background(reference))
        while not job.done or window.session.reference is None:
            QTest.qWait(1)

    with StallProbe() as probe:
        milliseconds = elapsed_ms(open_pair, counter, [window.left.viewport()])
        QTest.qWait(3 * PROBE_MS)  # a tick after the paint, so a stall at the end is seen
    assert window.left.image.image is not None and window.left.image.isVisible()
    return milliseconds, probe.longest_ms


def spread_pixels(ny: int, nx: int) -> list[tuple[int, int]]:
    """SAMPLES pixels spread over the frame on a 5 x 4 grid, nudged so no two share a row or column."""
    xs = np.linspace(0.07, 0.93, 5) * nx
    ys = np.linspace(0.08, 0.92, 4) * ny
    return [(int(x) + 3 * k, int(y) + k) for k, (y, x) in enumerate((y, x) for y in ys for x in xs)]


def measure_clicks(window: MainWindow, counter: PaintCounter, pixels: list[tuple[int, int]]) -> list[float]:
    """Click each pixel through the view's coordinate mapping, as tests/gui does; check the curves."""
    panel, plots = window.left, window.inspector.plots.viewport()
    times = []
    for x, y in pixels:
        panel.view.updateMatrix()
        scene = panel.image.mapToScene(QPointF(x + 0.5, y + 0.5))
        click = partial(QTest.mouseClick, panel.viewport(), Qt.MouseButton.LeftButton,
                        Qt.KeyboardModifier.NoModifier, panel.mapFromScene(scene))
        times.append(elapsed_ms(click, counter, [plots]))
        assert window.pixel is not None and abs(window.pixel[0] - x) <= 2 and abs(window.pixel[1] - y) <= 2
        check_curves(window)
    return times


def check_curves(window: MainWindow) -> None:
    """The inspector plots the selected pixel's input (and corrected) ramp of the shown integration."""
    assert window.pixel is not None
    x, y = window.pixel
    session, i = window.session, window.integration
    curves = window.inspector.curves
    assert session.exposure is not None
    np.testing.assert_array_equal(curves["input"][0].getData()[1], session.exposure.ramp(y, x)[i])
    if session.result is not None:
        np.testing.assert_array_equal(curves["corrected"][0].getData()[1], session.result.data[i, :, y, x])


def measure_steps(window: MainWindow, counter: PaintCounter, first_group: int, pause_s: float = 0.0) -> list[float]:
    """Right arrow SAMPLES times from ``first_group``, each until both panels are repainted.

    A short ramp (the demo) goes back to ``first_group``, untimed, at its last group. ``pause_s``: the
    event loop runs that long between steps, as between a person's key presses (the next group is
    read ahead meanwhile); without it the steps follow each other as a held key's do.
    """
    assert window.session.exposure is not None
    last = window.session.exposure.ngroups - 1
    panels = [window.left.viewport(), window.right.viewport()]
    times = []
    while len(times) < SAMPLES:
        if window.group == last or not times:
            elapsed_ms(lambda: window.set_frame(0, first_group), counter, panels)
        group = window.group
        QTest.qWait(int(pause_s * 1000))
        times.append(elapsed_ms(lambda: QTest.keyClick(window.left, Qt.Key.Key_Right), counter, panels))
        assert window.group == group + 1, "the Right arrow did not reach the window"
        assert window.right.image.image is not None, "the right panel shows no corrected plane"
    return times


def measure_run(window: MainWindow) -> tuple[float, float]:
    """Ctrl+R; seconds until the result is shown, and the longest gap between 10 ms probe ticks."""
    loop = QEventLoop()
    done: list[float] = []

    def finished() -> None:
        """Checked at every probe tick: the run's handlers have run once its job is done."""
        job = window.jobs.correction
        if not done and job is not None and job.done:
            done.append(time.perf_counter())
            QTimer.singleShot(300, loop.quit)  # keep probing while the result is drawn

    with StallProbe() as probe:
        probe.timer.timeout.connect(finished)
        QTimer.singleShot(int(RUN_TIMEOUT_S * 1000), loop.quit)
        started = time.perf_counter()
        QTest.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
        loop.exec()
    if not done or window.session.result is None:
        raise SystemExit("the run did not finish")
    return done[0] - started, probe.longest_ms


def measure_zooms(window: MainWindow, counter: PaintCounter) -> list[float]:
    """SAMPLES wheel notches over the left panel's centre, in then out in turn, each until both panels are repainted.

    The panels share their view range (linked), so a notch on one redraws both.
    """
    viewport = window.left.viewport()
    centre = QPointF(viewport.width() / 2, viewport.height() / 2)
    panels = [window.left.viewport(), window.right.viewport()]
    times = []
    for n in range(SAMPLES):
        delta = 120 if n % 2 == 0 else -120

        def notch(delta: int = delta) -> None:
            event = QWheelEvent(centre, viewport.mapToGlobal(centre), QPoint(), QPoint(0, delta),
                                Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                                False)  # fmt: skip
            QApplication.sendEvent(viewport, event)

        times.append(elapsed_ms(notch, counter, panels))
    return times


def measure_limits(window: MainWindow, counter: PaintCounter) -> list[float]:
    """SAMPLES changes of the toolbar's colour limits (99.5 % and min-max in turn), each until both panels are repainted."""
    box = window.display.limits_box
    panels = [window.left.viewport(), window.right.viewport()]
    choices = (Limits.P99_5, Limits.MINMAX)
    times = []
    for n in range(SAMPLES):
        choice = choices[n % 2]
        times.append(elapsed_ms(lambda choice=choice: box.setCurrentText(choice.value), counter, panels))
        assert window.view.display("left").limits is choice
    return times


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def line(label: str, milliseconds: list[float], target: float) -> str:
    """One figure (or the max of several) against a target."""
    worst = max(milliseconds)
    verdict = "ok" if worst <= target else "MISSED"
    spread = f"median {statistics.median(milliseconds):7.1f} ms  max {worst:7.1f} ms" if len(milliseconds) > 1 else f"{worst:7.1f} ms"
    return f"{label:<46} {spread:<34} target < {target:.0f} ms  {verdict}{load_note()}"


def interaction(label: str, milliseconds: list[float]) -> str:
    """Median and 95th percentile of an interaction's samples against issue 19's targets."""
    median = statistics.median(milliseconds)
    p95 = statistics.quantiles(milliseconds, n=20, method="inclusive")[18]
    verdict = "ok" if median < MEDIAN_TARGET and p95 < P95_TARGET else "MISSED"
    cpu = statistics.median(GUI_CPU_MS[-len(milliseconds):])
    GUI_CPU_MS.clear()
    return (f"{label:<46} median {median:6.1f} ms  p95 {p95:6.1f} ms  max {max(milliseconds):6.1f} ms   "
            f"target < {MEDIAN_TARGET:.0f} / < {P95_TARGET:.0f} ms  {verdict}   GUI-thread CPU median {cpu:5.1f} ms"
            f"{load_note()}")  # fmt: skip


def load_note() -> str:
    return f"   (load {os.getloadavg()[0]:.2f})"


class BackgroundLoad:
    """``lininspect correct`` of the demo, over and over in a child process group, while the figures are taken."""

    def __init__(self, demo_exposure: Path, demo_reference: Path, workdir: Path) -> None:
        command = (f'while true; do "{sys.executable}" -m lininspect correct "{demo_exposure}" -r "{demo_reference}" '
                   f'-o "{workdir / "load_linearity.fits"}" --overwrite >/dev/null 2>&1; done')  # fmt: skip
        self.process = subprocess.Popen(["sh", "-c", command], start_new_session=True)

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)  # its own session: the loop and its current correct
        self.process.wait(30)


def bench(name: str, exposure: Path, reference: Path) -> None:
    """Every figure for one exposure, in a fresh window."""
    window = MainWindow(make_settings())
    window.resize(1600, 1000)
    window.show()
    start_loading_compiled_loop()  # as the app's start does (gui/app.py, show_window)
    window.apply_default_layout()
    window.activateWindow()
    QTest.qWaitForWindowActive(window)
    widgets = [window.left.viewport(), window.right.viewport(), window.inspector.plots.viewport()]
    counter = PaintCounter(widgets)
    QTest.qWait(200)  # the first layout and paints
    size = exposure.stat().st_size / 1e9
    print(f"\n{name}: {exposure.name}, {size:.2f} GB on disk", flush=True)

    cold = drop_caches()
    tag = "cold" if cold else "warm (page cache could not be dropped)"
    for label in (tag, "warm"):
        milliseconds, stall = measure_open(window, counter, exposure, reference)
        print(line(f"(a) open to first image, {label}", [milliseconds], OPEN_TARGET))
        print(line(f"(a) longest event-loop stall while opening, {label.split()[0]}", [stall], OPEN_STALL_TARGET))

    assert window.session.exposure is not None
    _, ngroups, ny, nx = window.session.exposure.shape
    pixels = spread_pixels(ny, nx)
    first_group = max(0, ngroups - 1 - SAMPLES)

    seconds, stall = measure_run(window)
    print(line("(d) longest event-loop stall during the run", [stall], STALL_TARGET))
    print(f"{'    run (Ctrl+R to result shown)':<46} {seconds:7.2f} s   peak RSS so far {peak_rss_mb():7.0f} MB", flush=True)

    for label in ("cold", "warm"):
        if label == "cold" and not drop_caches():
            continue
        # Warm: the neighbours, in the file pages just read, but new to the session's memory of pixels.
        clicked = pixels if label == "cold" else [(x + WARM_SHIFT, y) for x, y in pixels]
        print(interaction(f"(b) pixel click to plots, {label}", measure_clicks(window, counter, clicked)), flush=True)
        print(interaction(f"(c) group step to both panels, {label}", measure_steps(window, counter, first_group)), flush=True)
    steps = measure_steps(window, counter, first_group, STEP_PAUSE_S)
    print(interaction(f"(c) group step, {STEP_PAUSE_S} s after the last", steps), flush=True)
    print(interaction("(e) wheel-zoom notch to both panels", measure_zooms(window, counter)), flush=True)
    print(interaction("(f) colour limits change to both panels", measure_limits(window, counter)), flush=True)
    window.close()
    window.deleteLater()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=None, help="keep (and reuse) the big file here")
    parser.add_argument("--shape", nargs=4, type=int, default=DEFAULT_SHAPE, metavar=("NINTS", "NGROUPS", "NY", "NX"))
    parser.add_argument("--no-load", action="store_true", help="no background lininspect correct loop")
    options = parser.parse_args()
    workdir = options.workdir or Path(_SCRATCH.name)  # the scratch folder goes, files and all, at exit
    workdir.mkdir(parents=True, exist_ok=True)
    shape = tuple(options.shape)
    exposure, reference = big_pair(workdir, shape)
    demo = ensure_demo(workdir / "demo")
    app = application()
    load = None if options.no_load else BackgroundLoad(demo.exposure, demo.reference, workdir)
    try:
        time.sleep(0 if load is None else 3.0)  # the loop past its first imports
        busy = "none" if load is None else "a lininspect correct loop on the demo"
        print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; background load: {busy}; files in {workdir}")
        bench(f"exposure {shape}", exposure, reference)
        app.processEvents()  # the window's deferred deletion
        print(f"{'peak RSS of this process':<46} {peak_rss_mb():7.0f} MB (corrected views on demand; the run keeps PIXELDQ and counts)")
        bench("demo exposure, for context", demo.exposure, demo.reference)
        app.processEvents()
    finally:
        if load is not None:
            load.stop()


if __name__ == "__main__":
    main()
