"""Issue 9 in the inspector: a read-level pixel shows its path, the classic correction beside it and its rebuilt reads."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from lininspect.core.fits.exposure import open_exposure
from lininspect.core.kernels.pathway import plan_correction
from lininspect.core.fits.product import correct_file
from lininspect.core.references.reference import open_reference
from lininspect.gui.mainwindow import MainWindow

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test helpers in tests/
from comparison_files import coefficients, ramps  # noqa: E402
from pipeline_oracle import write_linearity_reference, write_ramp_file  # noqa: E402

PIXEL = (4, 3)


@pytest.fixture
def read_level_files(tmp_path: Path) -> dict[str, Path]:
    sci, groupdq = ramps()
    ny, nx = sci.shape[2:]
    inverse = np.zeros((3, ny, nx), np.float32)
    inverse[1], inverse[2] = 1.0, -2e-6
    return {
        "exposure": write_ramp_file(tmp_path / "nframes4_lastframe.fits", sci=sci, groupdq=groupdq, nframes=4,
                                    with_asdf=False, extra_header={"NGROUPS": sci.shape[1]}),
        "reference": write_linearity_reference(tmp_path / "inv_ref.fits", coeffs=coefficients(ny, nx, 1, 2e-6),
                                               inv_coeffs=inverse),
    }  # fmt: skip


def test_a_read_level_pixel_is_opened_up(qtbot, read_level_files: dict[str, Path], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from lininspect.gui.app import application, open_window

    exposure, reference = open_exposure(read_level_files["exposure"]), open_reference(read_level_files["reference"])
    assert plan_correction(exposure, reference).read_level
    application()
    window: MainWindow = open_window(read_level_files["exposure"], read_level_files["reference"], None)
    qtbot.addWidget(window)
    window.show()
    window.select_pixel(*PIXEL)
    x, y = PIXEL
    i = window.integration
    written = correct_file(read_level_files["exposure"], reference, tmp_path / "out_linearity.fits", overwrite=True)
    ours = np.asarray(open_exposure(written.output).sci[...], dtype=np.float32)[i, :, y, x]
    curves = window.inspector.curves
    np.testing.assert_array_equal(curves["corrected"][0].getData()[1], ours)
    classic = curves["classic"][0].getData()[1]
    assert not np.array_equal(classic, ours)  # the paths differ where reads are averaged
    np.testing.assert_allclose(classic, ours, rtol=1e-2)
    reads_y = curves["reads"][0].getData()[1]
    assert len(reads_y) == 4 * sum(1 for g in range(exposure.ngroups) if not exposure.groupdq[i, g, y, x] & 2)
    card = window.inspector.card.toPlainText()
    assert "read-level correction: the reference has INV_COEFFS, NFRAMES = 4" in card
    assert f"reads, group {window.group}" in card and "saturated: the group keeps its raw value" in card
    window.set_frame(i, 2)  # the card follows the displayed group
    card = window.inspector.card.toPlainText()
    assert "reads, group 2" in card and f"mean {float(ours[2]):.7g}" in card and "9, 10, 11, 12:" in card
    window.close()
