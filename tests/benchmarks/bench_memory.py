"""Issue 10, section 2: memory bounded on the 5.3 GB exposure (4 x 250 x 1024 x 1032 and its GROUPDQ).

    python tests/benchmarks/bench_memory.py [--workdir DIR]

Each figure is a fresh child process measured by GNU time (wall time, peak resident memory):
(a) ``lininspect snapshot`` of one pixel and group, corrected view included (target < 4 s,
< 700 MB); (b) an app session, offscreen, through the window's real methods: open the
exposure and reference, run the correction to its end, click 20 pixels, step 50 groups
(target < 1 GB for the whole session). The file is bench_gui's, written to --workdir once.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from common import peak_rss_of

SNAPSHOT_TARGET = (4.0, 700.0)  # s, MB
SESSION_TARGET_MB = 1000.0

#: The app session, run in the child: the same calls the menus and clicks make.
_SESSION = """
import os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["LININSPECT_SETTINGS"] = sys.argv[3]
from pathlib import Path
from PyQt6.QtCore import QThreadPool
from PyQt6.QtWidgets import QApplication
from lininspect.gui.app import application, open_window
app = application()
started = time.perf_counter()
window = open_window(Path(sys.argv[1]), Path(sys.argv[2]), None)
window.resize(1400, 900); window.show(); app.processEvents()
opened = time.perf_counter()
job = window.run_correction()
while not job.done:
    app.processEvents(); time.sleep(0.01)
corrected = time.perf_counter()
for n in range(20):
    window.select_pixel(37 * n + 11, 41 * n + 5); app.processEvents()
clicked = time.perf_counter()
for _ in range(50):
    window.step(0, -1); app.processEvents()
stepped = time.perf_counter()
print(f"open {opened - started:.1f} s, run {corrected - opened:.1f} s, 20 clicks {clicked - corrected:.1f} s, "
      f"50 steps {stepped - clicked:.1f} s")
window.close()
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=None, help="keep (and reuse) the 5.3 GB file here")
    options = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from bench_gui import big_pair

    with tempfile.TemporaryDirectory(prefix="lininspect-bench-memory-") as scratch:
        workdir = options.workdir or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        exposure, reference = big_pair(workdir)
        print(f"{exposure}: {exposure.stat().st_size / 1e9:.1f} GB; load average {os.getloadavg()[0]:.2f}")
        shot = Path(scratch) / "shot.png"
        seconds, megabytes = peak_rss_of([sys.executable, "-m", "lininspect", "snapshot", str(exposure), "--reference",
                                          str(reference), "--as-is", "--pixel", "500", "500", "--group", "120", "-o",
                                          str(shot)])  # fmt: skip
        verdict = "met" if seconds < SNAPSHOT_TARGET[0] and megabytes < SNAPSHOT_TARGET[1] else "MISSED"
        print(f"snapshot of one pixel and group: {seconds:.1f} s, {megabytes:.0f} MB peak "
              f"(target < {SNAPSHOT_TARGET[0]:.0f} s, < {SNAPSHOT_TARGET[1]:.0f} MB: {verdict})")  # fmt: skip
        settings = str(Path(scratch) / "settings.ini")
        seconds, megabytes = peak_rss_of([sys.executable, "-c", _SESSION, str(exposure), str(reference), settings])
        verdict = "met" if megabytes < SESSION_TARGET_MB else "MISSED"
        print(f"app session (open, run, 20 clicks, 50 group steps): {seconds:.1f} s, {megabytes:.0f} MB peak "
              f"(target < {SESSION_TARGET_MB:.0f} MB: {verdict})")  # fmt: skip


if __name__ == "__main__":
    main()
