"""The Panner (issue 17 item 8): a full frame's plane at fit zoom keeps an isolated hot pixel, the rectangle
follows the main view's zoom, and dragging it or clicking beside it pans the (linked) panels."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from guihelpers import menu_action, shown_window
from PyQt6.QtCore import QEvent, QPointF, Qt
from PyQt6.QtGui import QMouseEvent
from PyQt6.QtWidgets import QApplication

from lininspect.core.analysis import analysis
from lininspect.gui.tools import panner as panner_module
from lininspect.model.viewstate import Limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test helpers in tests/
from pipeline_oracle import write_ramp_file  # noqa: E402

NY, NX = 1024, 1032
HOT = (611, 397)  # x, y: a pixel no sampling at fit zoom keeps


@pytest.fixture(scope="module")
def full_frame(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(11)
    sci = rng.normal(1000.0, 3.0, (1, 2, NY, NX)).astype(np.float32)
    sci[:, :, HOT[1], HOT[0]] = 60000.0
    return write_ramp_file(tmp_path_factory.mktemp("panner") / "full_lastframe.fits", sci=sci, with_asdf=False,
                           extra_header={"SUBARRAY": "FULL"})  # fmt: skip


@pytest.fixture
def panner(qtbot, full_frame: Path):  # type: ignore[no-untyped-def]
    window = shown_window(qtbot, full_frame, None)
    menu_action(window, "Tools", "Panner").trigger()
    tool = window.tool_docks.tools["panner"]
    qtbot.waitUntil(lambda: tool.running and tool.overview is not None)
    yield window, tool
    window.close()


def _screen(tool, x: float, y: float) -> QPointF:  # type: ignore[no-untyped-def]
    """Where array point (x, y) is in the panner's widget."""
    tool.box.updateMatrix()
    return QPointF(tool.graphics.mapFromScene(tool.box.mapViewToScene(QPointF(x, y))))


def _mouse(tool, kind: QEvent.Type, where: QPointF, buttons: Qt.MouseButton) -> None:  # type: ignore[no-untyped-def]
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else Qt.MouseButton.LeftButton
    viewport = tool.graphics.viewport()
    event = QMouseEvent(kind, where, QPointF(viewport.mapToGlobal(where.toPoint())), button, buttons,
                        Qt.KeyboardModifier.NoModifier)  # fmt: skip
    QApplication.sendEvent(viewport, event)


def test_the_panner_keeps_an_isolated_hot_pixel_visible_at_fit_zoom(panner, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, tool = panner
    earlier = tool.image.image
    window.view.set_display("left", limits=Limits.MINMAX)  # the hot pixel at the top, the noise at the bottom
    qtbot.waitUntil(lambda: tool.image.image is not earlier)  # the panner follows the panel a turn later
    shown = window.panels.shown["left"]
    factor = tool.overview.factor
    assert factor > 1 and tool.image.image.shape == (-(-NY // factor), -(-NX // factor))
    drawn = tool.image.image
    x, y = HOT
    assert drawn[y // factor, x // factor] == 1.0  # the hot pixel, at the top of the left panel's scale
    others = np.delete(drawn.ravel(), (y // factor) * drawn.shape[1] + x // factor)
    assert others.max() < 0.01
    # What a shrunk image would have shown: the plane sampled every ``factor`` pixels, the hot pixel gone.
    sampled = analysis.stretch(shown.values[::factor, ::factor], shown.low, shown.high, "linear")
    assert sampled.max() < 0.01
    assert tool.image.getColorMap() is window.left.image.getColorMap()
    assert tool.caption.text().startswith(f"left panel, {NX} x {NY} pixels: each block of {factor} x {factor}")


def test_zooming_moves_the_rectangle_and_dragging_it_pans_both_panels(panner, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, tool = panner
    window.left.view.setRange(xRange=(100, 300), yRange=(200, 400), padding=0)
    qtbot.wait(50)
    (x0, x1), (y0, y1) = window.left.view.viewRange()
    assert tuple(tool.frame.pos()) == pytest.approx((x0, y0)) and tuple(tool.frame.size()) == pytest.approx((x1 - x0, y1 - y0))
    assert tool.frame.isVisible()

    start = _screen(tool, (x0 + x1) / 2, (y0 + y1) / 2)
    _mouse(tool, QEvent.Type.MouseButtonPress, start, Qt.MouseButton.LeftButton)
    for step in range(1, 11):  # a drag of 60 screen pixels right and 30 up, in moves pyqtgraph does not drop
        qtbot.wait(40)
        _mouse(tool, QEvent.Type.MouseMove, start + QPointF(6 * step, -3 * step), Qt.MouseButton.LeftButton)
    _mouse(tool, QEvent.Type.MouseButtonRelease, start + QPointF(60, -30), Qt.MouseButton.NoButton)
    qtbot.waitUntil(lambda: window.left.view.viewRange()[0][0] > x0 + 100)
    (nx0, nx1), (ny0, ny1) = window.left.view.viewRange()
    per_screen_pixel = tool.box.viewPixelSize()
    assert nx0 - x0 == pytest.approx(60 * per_screen_pixel[0], rel=0.1)
    assert ny0 - y0 == pytest.approx(30 * per_screen_pixel[1], rel=0.1)  # up the screen is up the array
    assert (nx1 - nx0, ny1 - ny0) == pytest.approx((x1 - x0, y1 - y0))  # panned, not zoomed
    assert sum(window.right.view.viewRange()[0]) / 2 == pytest.approx((nx0 + nx1) / 2)  # the right panel follows
    assert tuple(tool.frame.pos()) == pytest.approx((nx0, ny0))


def test_a_click_beside_the_rectangle_centres_the_view_there(panner, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, tool = panner
    window.left.view.setRange(xRange=(100, 300), yRange=(200, 400), padding=0)
    where = _screen(tool, 800, 700)
    _mouse(tool, QEvent.Type.MouseButtonPress, where, Qt.MouseButton.LeftButton)
    _mouse(tool, QEvent.Type.MouseButtonRelease, where, Qt.MouseButton.NoButton)
    qtbot.waitUntil(lambda: window.left.view.viewRange()[0][0] > 500)
    (x0, x1), (y0, y1) = window.left.view.viewRange()
    assert ((x0 + x1) / 2, (y0 + y1) / 2) == pytest.approx((800, 700), abs=2 * tool.box.viewPixelSize()[0])


def test_a_panel_without_an_image_is_said_in_words_and_the_other_comes_back(panner, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, tool = panner
    tool.panel_box.setCurrentText("right")  # no reference loaded: the right panel has nothing corrected to show
    assert tool.caption.text() == "The right panel shows no scaled image here"
    assert not tool.image.isVisible() and not tool.frame.isVisible()
    tool.panel_box.setCurrentText("left")
    assert tool.caption.text().startswith("left panel") and tool.frame.isVisible() and tool.image.isVisible()


def test_a_group_step_shows_the_panels_before_the_panner_pools_the_new_plane(panner, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Issue 19, target 5: pooling a full frame for the panner is left out of the turn that draws the step."""
    window, tool = panner
    pooled = []
    original = panner_module.overview
    monkeypatch.setattr(panner_module, "overview", lambda plane, size: pooled.append(plane) or original(plane, size))
    before = tool.overview
    window.step(0, -1 if window.view.group else 1)
    shown = window.panels.shown["left"].values
    assert pooled == [] and tool.overview is before  # the panels are redrawn; the panner has not pooled yet
    qtbot.waitUntil(lambda: len(pooled) == 1 and tool.overview is not before)
    assert pooled[0] is shown and tool.caption.text().startswith("left panel")
