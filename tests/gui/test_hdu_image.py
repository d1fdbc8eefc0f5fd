"""Tools ▸ HDU image: either panel shows GROUPDQ of the displayed group or a reference's plane, and gets its own view back."""

from __future__ import annotations

import numpy as np
from astropy.io import fits
from guihelpers import choose_by_keys, hover, menu_action, visible_status_texts

from lininspect.gui.mainwindow import MainWindow
from lininspect.gui.tools.hduimage import OWN_VIEW


def test_groupdq_and_coefficient_planes_in_either_panel(window: MainWindow, qtbot, small_files) -> None:  # type: ignore[no-untyped-def]
    menu_action(window, "Tools", "HDU image").trigger()
    tool = window.tool_docks.tools["hduimage"]
    qtbot.waitUntil(lambda: tool.running)
    right, left = tool.choices["right"], tool.choices["left"]
    offered = [right.itemText(n) for n in range(right.count())]
    assert offered == [OWN_VIEW, "GROUPDQ", *(f"A COEFFS c{k}" for k in range(4)), "A DQ"]

    window.set_frame(1, 3)
    choose_by_keys(qtbot, right, "GROUPDQ")
    with fits.open(small_files.exposure) as exposure:
        groupdq = exposure["GROUPDQ"].data
        np.testing.assert_array_equal(window.panels.shown["right"].values, groupdq[1, 3])
        assert window.right.title.text == "GROUPDQ — integration 1, group 3"
        # Flags scaled from none to the largest set, not by zscale (0 to 1 for mostly-zero flags).
        assert window.panels.shown_limits("right") == (0.0, float(groupdq[1, 3].max()))
        window.set_frame(1, 4)  # the plane follows the displayed group
        np.testing.assert_array_equal(window.panels.shown["right"].values, groupdq[1, 4])
        assert window.right.title.text == "GROUPDQ — integration 1, group 4"
    x, y = 7, 5  # the jump flagged from group 3 of integration 1
    assert window.panels.map_readout(x, y).strip() == window.panels.shown_map.readout(x, y)
    assert window.panels.shown_map.values[y, x] == 4

    choose_by_keys(qtbot, left, "A COEFFS c2")
    with fits.open(small_files.reference) as reference:
        np.testing.assert_array_equal(window.panels.shown["left"].values, reference["COEFFS"].data[2])
        c2 = f"A COEFFS c2 {float(reference['COEFFS'].data[2][y, x]):.6g}"
    assert window.left.title.text == f"A COEFFS c2 ({small_files.reference.name})"
    hover(qtbot, window, x, y)  # the status bar reads both planes under the cursor
    qtbot.waitUntil(lambda: any(f"{c2}  GROUPDQ 4" in text for text in visible_status_texts(window)))

    # Choosing the left panel's own source in the toolbar shows it instead of the plane.
    choose_by_keys(qtbot, window.display.left_box, "corrected A")
    assert window.left.title.text.startswith("corrected A — integration 1, group 4")
    assert left.currentText() == OWN_VIEW
    choose_by_keys(qtbot, window.display.left_box, "input")
    choose_by_keys(qtbot, left, "A COEFFS c2")

    choose_by_keys(qtbot, right, OWN_VIEW)
    assert window.right.title.text.startswith("Corrected — integration 1, group 4")
    assert window.left.title.text.startswith("A COEFFS c2")

    # Hiding the tool gives the left panel its own view back too.
    window.tool_docks.docks["hduimage"].hide()
    qtbot.waitUntil(lambda: not tool.running)
    assert window.left.title.text.startswith("Input — integration 1, group 4")
