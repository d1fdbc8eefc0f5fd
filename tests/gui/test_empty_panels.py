"""Image panels with no exposure loaded are neutral: the unit square, no numbers on the axes."""

from __future__ import annotations

import pytest

from lininspect.gui.app import application, open_window
from lininspect.gui.mainwindow import MainWindow


def axis_values_shown(panel, side: str) -> bool:  # type: ignore[no-untyped-def]
    return bool(panel.plot.getAxis(side).style["showValues"])


def test_empty_panels_show_the_unit_square_without_numbers(qtbot) -> None:  # type: ignore[no-untyped-def]
    """They showed x from -1.29 to 1.29 and y from -500 to 500 "(x0.001)"."""
    application()
    window = open_window(None, None, None)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    for panel in (window.left, window.right):
        (x0, x1), (y0, y1) = panel.view.viewRange()
        assert (x0 + x1) / 2 == pytest.approx(0.5) and (y0 + y1) / 2 == pytest.approx(0.5)
        assert min(x1 - x0, y1 - y0) == pytest.approx(1.0)  # square pixels: the other side is wider
        for side in ("bottom", "left"):
            assert not axis_values_shown(panel, side)
            assert panel.plot.getAxis(side).autoSIPrefixScale == 1.0
        assert panel.message.pos() == panel.view.viewRect().center()


def test_an_exposure_brings_the_numbers_back(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    ny, nx = window.session.exposure.shape[2:]
    (x0, x1), (y0, y1) = window.left.view.viewRange()
    assert x0 <= 0 and x1 >= nx and y0 <= 0 and y1 >= ny
    assert axis_values_shown(window.left, "bottom") and axis_values_shown(window.left, "left")
