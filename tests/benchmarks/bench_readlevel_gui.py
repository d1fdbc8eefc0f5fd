"""Stepping to a new integration of a read-level exposure in the app: how long the GUI thread stalls.

    python tests/benchmarks/bench_readlevel_gui.py --workdir DIR [--shape 2 10 2048 2048]

Writes a NIRCam-sized read-level exposure (NFRAMES 4, INV_COEFFS) into DIR once, opens it in
the app (offscreen), waits for integration 0, then steps to integration 1 while a 5 ms timer
ticks, and prints the longest gap between ticks (the event loop's longest stall) and the time
until the right panel shows integration 1 corrected. Run it on another checkout for a before/after.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from common import realistic_inputs  # noqa: E402  (puts tests/ on the path)
from PyQt6.QtCore import QTimer  # noqa: E402
from PyQt6.QtWidgets import QApplication  # noqa: E402

from lininspect.gui.app import application, open_window  # noqa: E402
from pipeline_oracle import write_linearity_reference, write_ramp_file  # noqa: E402


def read_level_pair(workdir: Path, shape: tuple[int, int, int, int]) -> tuple[Path, Path]:
    exposure, reference = workdir / "readlevel_lastframe.fits", workdir / "readlevel_ref.fits"
    if not exposure.is_file() or not reference.is_file():
        case = realistic_inputs(shape)
        inverse = -case["coeffs"]
        inverse[1] = 2 - case["coeffs"][1]
        write_ramp_file(exposure, sci=case["data"], groupdq=case["groupdq"], nframes=4, instrument="NIRCAM",
                        detector="NRCA1", exp_type="NRC_IMAGE", readpatt="MEDIUM8", with_asdf=False,
                        extra_header={"NGROUPS": shape[1]})  # fmt: skip
        write_linearity_reference(reference, coeffs=case["coeffs"], dq=case["ref_dq"], inv_coeffs=inverse,
                                  instrument="NIRCAM", detector="NRCA1")  # fmt: skip
    return exposure, reference


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
    exposure, reference = read_level_pair(options.workdir, tuple(options.shape))
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
