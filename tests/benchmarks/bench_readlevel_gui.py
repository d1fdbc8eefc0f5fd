"""Issue 19, target 3: a read-level exposure in the app, against one classic ``correct`` of the same file.

    python tests/benchmarks/bench_readlevel_gui.py --workdir DIR [--shape 2 10 2048 2048]

Writes a NIRCam-sized read-level exposure (NFRAMES 4, INV_COEFFS) and the same reference
without INV_COEFFS (the classic path) into DIR once. Then, each in a fresh child process
(GNU time): one classic ``lininspect correct`` (the yardstick), one read-level ``correct``
(its time, and its peak memory against the largest integration); the app (offscreen) from
its launch until the right panel shows integration 0 corrected (target: within 3x the
yardstick). Last, in this process, it steps to integration 1 while a 5 ms timer ticks, and
prints the longest gap between ticks (the event loop's longest stall) and the time until
the right panel shows integration 1 corrected.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from common import peak_rss_of, realistic_inputs  # noqa: E402  (puts tests/ on the path)
from PyQt6.QtCore import QTimer  # noqa: E402
from PyQt6.QtWidgets import QApplication  # noqa: E402

from lininspect.gui.app import application, open_window  # noqa: E402
from pipeline_oracle import write_linearity_reference, write_ramp_file  # noqa: E402

#: Issue 19, target 3: the app's first corrected image within this many classic corrections; correct's memory.
FIRST_IMAGE_RATIO, MEMORY_RATIO = 3.0, 2.0

#: The app in a child: launched, the pair opened as ``lininspect EXPOSURE -r REFERENCE`` opens it, until the
#: right panel shows integration 0 corrected; prints nothing, exits at once (the parent times the process).
_FIRST_IMAGE = """
import os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["LININSPECT_SETTINGS"] = sys.argv[3]
from pathlib import Path
from lininspect.gui.app import application, open_window
app = application()
window = open_window(Path(sys.argv[1]), Path(sys.argv[2]), None)
window.resize(1400, 900); window.show()
while not window.right.title.text.startswith("Corrected — integration 0"):
    app.processEvents(); time.sleep(0.002)
app.processEvents()
os._exit(0)
"""


def read_level_pair(workdir: Path, shape: tuple[int, int, int, int]) -> tuple[Path, Path, Path]:
    """The exposure, its read-level reference, and the same coefficients without INV_COEFFS (classic)."""
    exposure, reference = workdir / "readlevel_lastframe.fits", workdir / "readlevel_ref.fits"
    classic = workdir / "readlevel_classic_ref.fits"
    if not exposure.is_file() or not reference.is_file() or not classic.is_file():
        case = realistic_inputs(shape)
        inverse = -case["coeffs"]
        inverse[1] = 2 - case["coeffs"][1]
        write_ramp_file(exposure, sci=case["data"], groupdq=case["groupdq"], nframes=4, instrument="NIRCAM",
                        detector="NRCA1", exp_type="NRC_IMAGE", readpatt="MEDIUM8", with_asdf=False,
                        extra_header={"NGROUPS": shape[1]})  # fmt: skip
        write_linearity_reference(reference, coeffs=case["coeffs"], dq=case["ref_dq"], inv_coeffs=inverse,
                                  instrument="NIRCAM", detector="NRCA1")  # fmt: skip
        write_linearity_reference(classic, coeffs=case["coeffs"], dq=case["ref_dq"], instrument="NIRCAM",
                                  detector="NRCA1")  # fmt: skip
    return exposure, reference, classic


def child_figures(exposure: Path, reference: Path, classic: Path, shape: tuple[int, int, int, int]) -> None:
    """The yardstick, read-level ``correct`` and the app's first image, each a fresh process."""
    with tempfile.TemporaryDirectory(prefix="lininspect-bench-readlevel-") as scratch:
        out = Path(scratch) / "out_linearity.fits"
        lininspect = [sys.executable, "-m", "lininspect", "correct", str(exposure), "-o", str(out), "--overwrite", "-r"]
        classic_s, _ = peak_rss_of([*lininspect, str(classic)])
        read_level_s, peak_mb = peak_rss_of([*lininspect, str(reference)])
        app_s, _ = peak_rss_of([sys.executable, "-c", _FIRST_IMAGE, str(exposure), str(reference),
                                str(Path(scratch) / "settings.ini")])  # fmt: skip
    integration_mb = shape[1] * shape[2] * shape[3] * 4 / 2**20
    load = f"(load {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores)"
    print(f"classic correct of the same file (yardstick)        {classic_s:6.2f} s   {load}")
    print(f"read-level correct                                  {read_level_s:6.2f} s   peak {peak_mb:5.0f} MB = "
          f"{peak_mb / integration_mb:.2f}x the largest integration ({integration_mb:.0f} MB)   target < {MEMORY_RATIO:.0f}x  "
          f"{'ok' if peak_mb < MEMORY_RATIO * integration_mb else 'MISSED'}")  # fmt: skip
    print(f"app: launch to integration 0 corrected on screen    {app_s:6.2f} s = {app_s / classic_s:.2f}x the yardstick   "
          f"target < {FIRST_IMAGE_RATIO:.0f}x  {'ok' if app_s < FIRST_IMAGE_RATIO * classic_s else 'MISSED'}   {load}")  # fmt: skip


def wait_until(condition, timeout: float = 600.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the panel never showed the integration")
        QApplication.processEvents()
        time.sleep(0.001)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--shape", type=int, nargs=4, default=(2, 10, 2048, 2048))
    options = parser.parse_args()
    options.workdir.mkdir(parents=True, exist_ok=True)
    shape = tuple(options.shape)
    exposure, reference, classic = read_level_pair(options.workdir, shape)
    child_figures(exposure, reference, classic, shape)
    app = application()
    window = open_window(exposure, reference, None)
    window.resize(1400, 900)
    window.show()

    def shows(integration: int) -> bool:
        return window.right.title.text.startswith(f"Corrected — integration {integration}")

    wait_until(lambda: shows(0))
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(5)
    wait_until(lambda: len(ticks) >= 3)
    started = time.perf_counter()
    window.step(1, 0)
    wait_until(lambda: shows(1))
    shown = time.perf_counter() - started
    wait_until(lambda: ticks[-1] > started + shown)  # one more tick after the panel was drawn
    timer.stop()
    moments = [started, *[t for t in ticks if t > started]]
    stall = max(b - a for a, b in zip(moments, moments[1:]))
    print(f"SCI {tuple(options.shape)}: integration 1 shown after {shown:.2f} s; longest event-loop stall {stall * 1000:.0f} ms")
    window.close()
    app.processEvents()


if __name__ == "__main__":
    main()
