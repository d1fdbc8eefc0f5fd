"""The DQ browser: counts per bit as the planes hold them, the chosen bits overlaid, next/previous flagged pixel."""

from __future__ import annotations

import numpy as np
from astropy.io import fits
from guihelpers import menu_action, shown_window
from PyQt6.QtCore import QPoint, Qt

from lininspect.core.analysis import analysis

from lininspect.core import dq
from lininspect.gui.mainwindow import MainWindow
from lininspect.gui.tools.dqbrowser import bit_colour


def _dq_browser(window: MainWindow, qtbot):  # type: ignore[no-untyped-def]
    menu_action(window, "Tools", "DQ browser").trigger()
    tool = window.tool_docks.tools["dqbrowser"]
    qtbot.waitUntil(lambda: tool.running)
    return tool


def _click(qtbot, check) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=QPoint(8, check.height() // 2))


def test_counts_overlay_and_stepping_of_the_chosen_bits(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    session = window.session
    window.set_frame(1, 4)
    tool = _dq_browser(window, qtbot)
    pixeldq = session.result_pixeldq()
    groupdq = session.exposure.groupdq_plane(1, 4)
    for row, (name, bit) in enumerate(dq.FLAGS.items()):
        assert tool.table.item(row, 0).text().endswith(name)
        assert tool.table.item(row, 1).text() == str(int(np.count_nonzero(pixeldq & bit)))
    assert tool.table.item(2, 2).text() == str(int(np.count_nonzero(groupdq & dq.JUMP_DET))) == "1"
    assert "integration 1, group 4" in tool.caption.text()

    # NO_LIN_CORR ticked in its PIXELDQ cell, drawn on the left panel in its colour.
    row = list(dq.FLAGS).index("NO_LIN_CORR")
    tool.table.item(row, 1).setCheckState(Qt.CheckState.Checked)
    _click(qtbot, tool.on_left)
    overlay = tool.overlays["left"]
    assert overlay.isVisible() and not tool.overlays["right"].isVisible()
    factor = analysis.pool_factor(max(window.left.view.viewPixelSize()))
    mask = (pixeldq & dq.NO_LIN_CORR) != 0
    painted = np.all(overlay.image == np.array(bit_colour(row), dtype=np.uint8), axis=-1)
    np.testing.assert_array_equal(painted, analysis.max_pool(mask, factor))

    # Next and previous walk the flagged pixels in row order.
    ys, xs = np.nonzero(mask)
    window.select_pixel(0, 0)
    qtbot.mouseClick(tool.next_button, Qt.MouseButton.LeftButton)
    assert window.pixel == (int(xs[0]), int(ys[0])) and tool.place.text() == f"1 of {mask.sum()}"
    qtbot.mouseClick(tool.previous_button, Qt.MouseButton.LeftButton)
    assert window.pixel == (int(xs[-1]), int(ys[-1])) and tool.place.text() == f"{mask.sum()} of {mask.sum()}"

    # Adding the jump (GROUPDQ) joins its pixel to the walk; hiding the tool takes the overlay away.
    tool.table.item(2, 2).setCheckState(Qt.CheckState.Checked)
    both = mask | ((groupdq & dq.JUMP_DET) != 0)
    assert not mask[5, 7] and both[5, 7]
    assert tool.place.text() == f"{both.sum()} of {both.sum()}"  # still on the last one, now among one more
    menu_action(window, "Tools", "DQ browser").trigger()
    qtbot.waitUntil(lambda: not tool.running)
    assert not overlay.isVisible()
    menu_action(window, "Tools", "DQ browser").trigger()  # shown again: drawn again
    qtbot.waitUntil(lambda: tool.running)
    assert overlay.isVisible()
    window.step(0, -1)  # another group: the GROUPDQ counts follow
    assert tool.table.item(2, 2).text() == str(int(np.count_nonzero(session.exposure.groupdq_plane(1, 3) & dq.JUMP_DET)))


def test_reference_pixels_are_skipped_when_asked(qtbot, small_files, tmp_path) -> None:  # type: ignore[no-untyped-def]
    exposure = tmp_path / "reference_columns.fits"
    with fits.open(small_files.exposure) as hdul:
        pixeldq = hdul["PIXELDQ"].data.astype(np.uint32)
        pixeldq[:, :2] |= np.uint32(dq.FLAGS["REFERENCE_PIXEL"] | dq.FLAGS["HOT"])  # two reference columns, hot
        pixeldq[10, 20] |= np.uint32(dq.FLAGS["HOT"])
        hdul["PIXELDQ"].data = pixeldq
        hdul.writeto(exposure)
    window = shown_window(qtbot, exposure, small_files.reference)
    tool = _dq_browser(window, qtbot)
    tool.choose("PIXELDQ", "HOT")
    window.select_pixel(0, 0)
    qtbot.mouseClick(tool.next_button, Qt.MouseButton.LeftButton)
    assert window.pixel == (20, 10)  # the 20 reference pixels of rows 0-10 before it are not visited
    _click(qtbot, tool.skip_reference)
    qtbot.mouseClick(tool.next_button, Qt.MouseButton.LeftButton)
    assert window.pixel == (0, 11)
    window.close()
