"""The inspector draws a click once, and still clips series far off screen as pyqtgraph does."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PyQt6.QtCore import QEvent, QObject
from test_mainwindow import click, run

from lininspect.gui.inspector import SeriesItem
from lininspect.gui.mainwindow import MainWindow


class Paints(QObject):
    """Counts paint events reaching one widget."""

    def __init__(self, widget: QObject) -> None:
        super().__init__()
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def test_a_click_paints_the_plots_once_with_the_pixels_ramp(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    pixels = [(3, 4), (21, 12), (8, 17)]  # ramps of other levels: every plot's range changes
    for x, y in pixels:  # the axes take the room of their widest labels (and keep it)
        click(qtbot, window.left, x, y)
    paints = Paints(window.inspector.plots.viewport())
    for x, y in pixels:
        qtbot.wait(200)  # all drawn
        paints.count = 0
        click(qtbot, window.left, x, y)
        qtbot.waitUntil(lambda: paints.count > 0)
        qtbot.wait(200)  # a second paint, had the first asked for one
        assert paints.count == 1
        ramp = window.session.exposure.ramp(y, x)[window.integration]  # type: ignore[union-attr]
        np.testing.assert_array_equal(window.inspector.curves["input"][0].getData()[1], ramp)


@pytest.fixture
def plot(qtbot) -> pg.PlotWidget:  # type: ignore[no-untyped-def]
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_a_series_far_off_screen_is_still_clipped_and_drawn_whole_again(qtbot, plot: pg.PlotWidget) -> None:  # type: ignore[no-untyped-def]
    item = SeriesItem()
    plot.addItem(item)
    y = np.array([1.0, 1.001, 1e12, 1.002])
    item.setData(np.arange(4.0), y)
    plot.setYRange(0.999, 1.003, padding=0)  # the outlier lies ~1e14 view heights above
    drawn = item.curve.getData()[1]
    assert drawn.max() < 1e12 and drawn[0] == 1.0  # clipped, as pyqtgraph clips it
    plot.setYRange(0, 2e12, padding=0)
    np.testing.assert_array_equal(item.curve.getData()[1], y)  # whole again


def test_a_range_change_that_clips_nothing_rebuilds_nothing(qtbot, plot: pg.PlotWidget, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    item = SeriesItem()
    plot.addItem(item)
    item.setData(np.arange(4.0), np.array([1.0, 5.0, 3.0, 9.0]), symbol="o")
    plot.setYRange(0, 10)  # the range the series is drawn for
    rebuilt: list[bool] = []
    real = pg.PlotDataItem.updateItems
    monkeypatch.setattr(pg.PlotDataItem, "updateItems", lambda self, styleUpdate=True: (rebuilt.append(True), real(self, styleUpdate)))
    plot.setYRange(-50, 60)
    plot.setYRange(4, 5)
    assert rebuilt == []
    plot.setYRange(4, 4 + 1e-7)  # now it may be clipped: pyqtgraph redraws it
    assert rebuilt == [True]
