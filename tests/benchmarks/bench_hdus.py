"""Issue 17 item 9's speed: an HDU plane in a panel on a full frame, against the panels' own views.

    python tests/benchmarks/bench_hdus.py [--workdir DIR]

Offscreen Qt, private settings, a (1, 10, 2048, 2048) float32 ramp with GROUPDQ (NIRCam's full
frame; the plane read does not depend on the number of groups) and a full-frame reference,
written to --workdir once and reused. Each figure is the median of 15 real interactions, timed
from the action to the end of the synchronous redraw (not the paint): a group step with GROUPDQ in
the right panel, with the corrected plane there (the yardstick: the ratio is the yardstick over the
figure), a change of the COEFFS plane shown in the left panel, and the header search as a key is typed.
"""

from __future__ import annotations

import os
import tempfile

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt
_SCRATCH = tempfile.TemporaryDirectory(prefix="lininspect-bench-hdus-")
os.environ["LININSPECT_SETTINGS"] = os.path.join(_SCRATCH.name, "settings.ini")  # never the user's settings

import argparse
from pathlib import Path

from bench_file import write_big_ramp
from bench_tools import median_ms
from common import realistic_inputs
from pipeline_oracle import write_linearity_reference
from lininspect.gui.app import application, make_settings
from lininspect.gui.mainwindow import MainWindow
from lininspect.model.hduplanes import HduPlane

SHAPE = (1, 10, 2048, 2048)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=None)
    options = parser.parse_args()
    workdir = options.workdir or Path(_SCRATCH.name)
    workdir.mkdir(parents=True, exist_ok=True)
    exposure, reference = workdir / "full_frame_hdus.fits", workdir / "full_frame_hdus_ref.fits"
    if not exposure.is_file():
        write_big_ramp(exposure, SHAPE)
    if not reference.is_file():
        small = realistic_inputs((1, 1, *SHAPE[2:]))
        write_linearity_reference(reference, coeffs=small["coeffs"], dq=small["ref_dq"])

    app = application()
    window = MainWindow(make_settings())
    window.resize(1600, 1000)
    window.show()
    window.open_input(exposure)
    window.open_reference(reference)
    app.processEvents()
    tool = window.tool_docks.show("hduimage")
    app.processEvents()
    view = window.view

    def step(k: int) -> None:
        window.step(0, -1 if k % 2 else 1)

    yardstick = median_ms(step)
    view.update(right_hdu=HduPlane("GROUPDQ"))
    figures = {"group step, GROUPDQ on the right": median_ms(step)}
    ncoeffs = window.session.reference.coeffs.shape[0]
    figures["COEFFS plane change, left panel"] = median_ms(
        lambda k: view.update(left_hdu=HduPlane("COEFFS", "A", k % ncoeffs)))
    viewer = window.dialogs.show_headers(find=True)
    assert viewer is not None and tool.running
    figures["header search, one key typed"] = median_ms(lambda k: viewer.search.setText("NAXIS"[: 1 + k % 5]))
    print(f"{'group step, corrected on the right (yardstick)':<48} {yardstick:8.1f} ms")
    for label, ms in figures.items():
        print(f"{label:<48} {ms:8.1f} ms   ratio {yardstick / ms:5.2f}x")
    window.close()


if __name__ == "__main__":
    main()
