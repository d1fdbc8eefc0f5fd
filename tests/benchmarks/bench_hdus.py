"""Issue 17 item 9's speed: an HDU plane in a panel on a full frame, against the panels' own views.

    python tests/benchmarks/bench_hdus.py [--workdir DIR] [--shape 1 10 2048 2048]

Offscreen Qt, private settings, a (1, 10, 2048, 2048) float32 ramp with GROUPDQ (NIRCam's full
frame; the plane read does not depend on the number of groups) and a full-frame reference,
written to --workdir once and reused. Each figure is the median of 15 real interactions, timed
from the action to the end of the synchronous redraw (not the paint): a group step with GROUPDQ in
the right panel, with the corrected plane there (the yardstick: the ratio is the yardstick over the
figure), a change of the COEFFS plane shown in the left panel, and the header search as a key is typed.
"""

from __future__ import annotations

from guibench import group_step, inputs, median_ms, shown_window

from lininspect.model.hduplanes import HduPlane

#: NIRCam's full frame; the plane read does not depend on the number of groups.
SHAPE = (1, 10, 2048, 2048)


def main() -> None:
    shape, exposure, reference = inputs(__doc__, SHAPE, announce=False)

    app, window = shown_window(exposure, reference)
    app.processEvents()
    tool = window.tool_docks.show("hduimage")
    app.processEvents()
    view = window.view

    step = group_step(window)
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
