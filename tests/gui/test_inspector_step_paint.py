"""Issue 19, target 5: a group step moves the inspector's group marker without stroking the ramps again.

The marker crosses every series, so Qt repaints what lies under it; the series keep their
drawing as a pixmap between changes of their own, and only a new pixel draws them anew.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PyQt6.QtCore import QEvent, QObject, QPointF, Qt
from PyQt6.QtWidgets import QGraphicsItem

from lininspect.gui.mainwindow import MainWindow


class Paints(QObject):
    """Counts paint events reaching one widget."""

    def __init__(self, widget) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


@pytest.fixture
def strokes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """One entry per series curve stroked (PlotCurveItem.paint run)."""
    calls: list[int] = []
    original = pg.PlotCurveItem.paint

    def counted(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pg.PlotCurveItem, "paint", counted)
    yield calls


def click(qtbot, window: MainWindow, x: int, y: int) -> None:  # type: ignore[no-untyped-def]
    panel = window.left
    panel.view.updateMatrix()
    scene = panel.image.mapToScene(QPointF(x + 0.5, y + 0.5))
    qtbot.mouseClick(panel.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, panel.mapFromScene(scene))


def test_a_group_step_repaints_the_plots_without_stroking_the_ramps(qtbot, window: MainWindow, strokes: list[int]) -> None:  # type: ignore[no-untyped-def]
    plots = window.inspector.plots.viewport()
    paints = Paints(plots)
    click(qtbot, window, 21, 12)
    qtbot.waitUntil(lambda: paints.count > 0 and len(strokes) > 0)  # a new pixel: its ramps are drawn
    x, y = window.pixel
    ramp = window.session.exposure.ramp(y, x)[window.integration]
    np.testing.assert_array_equal(window.inspector.curves["input"][0].getData()[1], ramp)
    qtbot.wait(100)  # every first paint done

    group = window.group
    before_paints, before_strokes = paints.count, len(strokes)
    window.activateWindow()
    qtbot.keyClick(window.left, Qt.Key.Key_Left)
    assert window.group == group - 1
    qtbot.waitUntil(lambda: paints.count > before_paints)  # the plots were repainted: the marker moved
    assert [line.value() for line in window.inspector.group_lines] == [group - 1] * len(window.inspector.group_lines)
    assert len(strokes) == before_strokes  # ... from the kept drawings of the ramps

    click(qtbot, window, 30, 30)  # another pixel: its ramps drawn anew
    qtbot.waitUntil(lambda: len(strokes) > before_strokes)


def test_an_svg_export_draws_the_series_as_vectors_not_their_kept_pixmaps(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    click(qtbot, window, 21, 12)
    qtbot.wait(100)  # painted once: the drawings are kept
    window.inspector.export_plots(tmp_path / "plots.svg")
    svg = (tmp_path / "plots.svg").read_text()
    assert "<image" not in svg and svg.count("<polyline") + svg.count("<path") > 20
    qtbot.keyClick(window.left, Qt.Key.Key_Left)  # and the window keeps its drawings after the export
    assert all(item.curve.cacheMode() is QGraphicsItem.CacheMode.DeviceCoordinateCache
               for item in window.inspector.ramp_plot.listDataItems())  # fmt: skip
