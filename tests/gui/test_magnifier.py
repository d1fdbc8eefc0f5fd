"""The Magnifier (issue 17 item 8): the pixels around the cursor at the chosen factor, on the colour scale of
the panel under the cursor, the selected pixel once the cursor leaves the images."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from guihelpers import hover, menu_action
from PyQt6.QtCore import QEvent, QPointF, Qt
from PyQt6.QtGui import QMouseEvent
from PyQt6.QtWidgets import QApplication

from lininspect.core.analysis import analysis
from lininspect.gui.imagepanel import ImagePanel
from lininspect.gui.mainwindow import MainWindow
from lininspect.model.viewstate import Colourmap, RightView, Stretch


def _magnifier(window: MainWindow, qtbot):  # type: ignore[no-untyped-def]
    menu_action(window, "Tools", "Magnifier").trigger()
    tool = window.tool_docks.tools["magnifier"]
    qtbot.waitUntil(lambda: tool.running)
    return tool


def _expected(values: np.ndarray, x: int, y: int, half: int, low: float, high: float, kind: str) -> np.ndarray:
    """The plane around (x, y), NaN off the array, mapped to 0..1 as the panel maps it."""
    ny, nx = values.shape
    padded = np.full((ny + 2 * half, nx + 2 * half), np.nan, dtype=np.float32)
    padded[half : half + ny, half : half + nx] = values
    return analysis.stretch(padded[y : y + 2 * half + 1, x : x + 2 * half + 1], low, high, kind)


def _move(qtbot, panel: ImagePanel, local: QPointF, arrived: Callable[[], bool]) -> None:  # type: ignore[no-untyped-def]
    """The cursor to ``local`` in ``panel``, sent again until ``arrived`` (pyqtgraph drops moves that come too close)."""
    move = QMouseEvent(QEvent.Type.MouseMove, local, QPointF(panel.viewport().mapToGlobal(local.toPoint())),
                       Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip

    def sent() -> bool:
        if arrived():
            return True
        QApplication.sendEvent(panel.viewport(), move)
        return False

    qtbot.waitUntil(sent, timeout=5000)


def test_the_magnifier_shows_the_values_under_the_cursor_at_the_chosen_factor(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    tool = _magnifier(window, qtbot)
    window.view.set_display("left", stretch=Stretch.SQRT)
    i, g = window.view.integration, window.view.group
    plane = window.session.input_plane(i, g)
    low, high = window.panels.shown_limits("left")
    for factor in (2, 8, 16):
        tool.factor_box.setCurrentText(f"{factor}x")
        hover(qtbot, window, 13, 2)  # near the bottom edge: the rows below the array are empty
        shown = tool.shown
        assert shown is not None and shown.centre == (13, 2)
        half = shown.size // 2
        np.testing.assert_array_equal(tool.image.image, _expected(plane, 13, 2, half, low, high, "sqrt"))
        # As many detector pixels as the view holds at the factor: each pixel is ``factor`` screen pixels wide.
        np.testing.assert_allclose(tool.box.viewPixelSize(), (1 / factor, 1 / factor), rtol=1e-6)
        assert tool.caption.text() == f"left panel (13, 2): {plane[2, 13]:.6g} — {factor}x"
        assert tool.centre_frame.rect().topLeft() == QPointF(13, 2) and tool.centre_frame.isVisible()
        hover(qtbot, window, 30, 20)  # another pixel: the magnifier follows
        assert tool.shown is not None and tool.shown.centre == (30, 20)
    assert tool.image.getColorMap() is window.left.image.getColorMap()


def test_off_the_images_the_magnifier_shows_the_selected_pixel(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    tool = _magnifier(window, qtbot)
    assert tool.caption.text() == "Move the cursor over an image, or click a pixel"
    window.select_pixel(22, 11)
    hover(qtbot, window, 5, 5)
    # The cursor onto the left panel's title, above its image: off every pixel.
    _move(qtbot, window.left, QPointF(window.left.width() / 2, 4), lambda: tool.shown is not None and tool.shown.centre == (22, 11))
    plane = window.session.input_plane(window.view.integration, window.view.group)
    assert tool.caption.text() == f"left panel (22, 11): {plane[11, 22]:.6g} — 4x"
    window.view.update(right=RightView.NO_LIN_CORR_MASK)  # a mask, not a scaled image
    right = window.right
    right.view.updateMatrix()
    centre = QPointF(right.mapFromScene(right.view.mapViewToScene(QPointF(25.5, 20.5))))
    _move(qtbot, right, centre, lambda: tool.panel == "right")
    assert tool.caption.text() == "The right panel shows no scaled image here" and not tool.image.isVisible()


def test_over_the_right_panel_the_magnifier_takes_its_values_and_colour_map(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    tool = _magnifier(window, qtbot)
    window.view.link("colourmap", False)
    window.view.set_display("right", colourmap=Colourmap.GREY)
    window.display.mode_box.setCurrentText("Ratio")
    right = window.right
    right.view.updateMatrix()
    where = QPointF(right.mapFromScene(right.view.mapViewToScene(QPointF(21.5, 12.5))))
    _move(qtbot, right, where, lambda: tool.shown is not None and tool.panel == "right" and tool.shown.centre == (21, 12))
    shown = window.panels.shown["right"]
    np.testing.assert_array_equal(tool.image.image, _expected(shown.values, 21, 12, tool.shown.size // 2, shown.low, shown.high,
                                                              "linear"))  # fmt: skip
    assert tool.image.getColorMap() is right.image.getColorMap() is not window.left.image.getColorMap()
    assert tool.caption.text().startswith(f"right panel (21, 12): {shown.values[12, 21]:.6g}")


def test_a_map_that_arrives_from_a_job_is_magnified_at_once(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    tool = _magnifier(window, qtbot)
    right = window.right
    right.view.updateMatrix()
    where = QPointF(right.mapFromScene(right.view.mapViewToScene(QPointF(8.5, 6.5))))
    _move(qtbot, right, where, lambda: tool.shown is not None and tool.panel == "right" and tool.shown.centre == (8, 6))
    window.display.mode_box.setCurrentText("Residual map")  # computed in a job, drawn when it is done
    qtbot.waitUntil(lambda: "right" in window.panels.shown, timeout=30000)
    rms = window.panels.shown["right"]
    assert tool.caption.text().startswith(f"right panel (8, 6): {rms.values[6, 8]:.6g}")  # not the panel's earlier image
    np.testing.assert_array_equal(tool.image.image, _expected(rms.values, 8, 6, tool.shown.size // 2, rms.low, rms.high, "linear"))
