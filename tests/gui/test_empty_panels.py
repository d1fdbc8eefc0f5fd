"""Image panels with no exposure loaded are neutral: the unit square, no numbers on the axes."""

from __future__ import annotations

import pytest

from lininspect.gui.app import application, open_window
from lininspect.gui.mainwindow import MainWindow


def axis_values_shown(panel, side: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether the axis draws any number, as its next paint would."""
    from PyQt6.QtGui import QImage, QPainter

    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = panel.plot.getAxis(side).generateDrawSpecs(painter)
    finally:
        painter.end()
    return specs is not None and any(text for _, _, text in specs[2])


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


def test_a_panel_keeps_its_size_when_its_image_goes_and_comes_back(qtbot, window: MainWindow, small_files) -> None:  # type: ignore[no-untyped-def]
    """Emptied, the axes gave back the numbers' room: the view grew, the linked view moved, both painted again."""
    qtbot.wait(200)  # laid out and painted with an image
    size = window.right.view.size()
    assert axis_values_shown(window.right, "left")
    window.session.drop_reference("A")
    window.panels.redraw()
    qtbot.wait(200)
    assert not axis_values_shown(window.right, "left") and not axis_values_shown(window.right, "bottom")
    assert window.right.view.size() == size
    window.open_reference_in_background(small_files.reference)
    qtbot.waitUntil(lambda: window.session.reference is not None, timeout=20_000)
    qtbot.wait(200)
    assert axis_values_shown(window.right, "left")
    assert window.right.view.size() == size
