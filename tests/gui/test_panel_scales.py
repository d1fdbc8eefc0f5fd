"""Each panel is scaled from its own data (issue 15 item 4); a link shares a choice or the very limits."""

from __future__ import annotations

import numpy as np

from lininspect.core import analysis
from lininspect.gui.mainwindow import MainWindow


def _ticks(panel) -> dict[float, float]:  # type: ignore[no-untyped-def]
    """The numbers on a panel's colour bar, as the user reads them, and where on the bar (0..1) each sits."""
    return {float(label): position for position, label in panel.colourbar.getAxis("right")._tickLevels[0]}


def test_the_corrected_panel_takes_its_limits_from_its_own_data(window: MainWindow) -> None:
    """Under zscale a correction a few per cent above the input gets its own limits, not the input's."""
    assert window.display.limits_box.currentText() == "zscale"
    window.set_frame(0, window.view.frames[1] - 1)
    i, g = window.view.integration, window.view.group
    plane, corrected = window.session.input_plane(i, g), window.session.corrected_plane(i, g)
    own, inputs = analysis.display_limits(corrected, "zscale"), analysis.display_limits(plane, "zscale")
    assert own[1] > inputs[1] * 1.01  # on the input's limits the correction's bright end would clip
    np.testing.assert_array_equal(window.right.image.image, analysis.stretch(corrected, *own, "linear"))
    np.testing.assert_array_equal(window.left.image.image, analysis.stretch(plane, *inputs, "linear"))
    for value, position in _ticks(window.right).items():  # the colour bar is the correction's own
        assert position == analysis.stretch(value, *own, "linear")
