"""A styled copy of a plot or an image panel, laid out off screen, for a figure file.

A figure is drawn from a copy, never from the window's own items: a figure's size re-lays
out the axes and legend, and the light theme recolours them, and neither may show on
screen. The copy takes what the window draws (each curve's data and style, each image's
values and lookup table, the view ranges, titles, axis labels and colour bar ticks), so
the figure's data are the plotted data.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyqtgraph as pg
from PyQt6.QtCore import QRectF, Qt
from PyQt6.QtGui import QBrush, QColor, QPen
from PyQt6.QtWidgets import QGraphicsRectItem

from ..core.errors import LinInspectError
from ..model.figurespec import FigureTarget, Theme
from .imagepanel import BACKGROUND, ColourBar, ImagePanel
from .inspector import PixelInspector, PlotTitle, SolidGridAxis

#: Background and text/axes colour of each theme.
COLOURS = {Theme.DARK: (BACKGROUND, "#c8c8c8"), Theme.LIGHT: ("#ffffff", "#000000")}
#: On white, colours lighter than this (grey group lines, yellow reads) are darkened to stay visible.
LIGHTEST_ON_WHITE = 0.75


class FigureAxis(SolidGridAxis):
    """The window's axis (round, non-overlapping ticks; whole groups) with pyqtgraph's translucent grid,
    which suits any background (the solid one is mixed for the window's)."""

    def _solid_pen(self, pen: QPen) -> QPen:
        return pen


def background(theme: Theme) -> str:
    return COLOURS[theme][0]


def figure_layout(inspector: PixelInspector, left: ImagePanel, right: ImagePanel, target: FigureTarget,
                  theme: Theme) -> pg.GraphicsLayoutWidget:  # fmt: skip
    """An off-screen widget holding the copy of ``target``, in ``theme``; not shown, sized by the renderer."""
    plots = {FigureTarget.RAMP: inspector.ramp_plot, FigureTarget.RATIO: inspector.ratio_plot,
             FigureTarget.CURVE: inspector.curve_plot, FigureTarget.RESIDUALS: inspector.residual_plot}  # fmt: skip
    if target in plots and not any(isinstance(item, pg.PlotDataItem) for item in _drawn(plots[target])):
        raise LinInspectError("the plot is empty: click a pixel first")
    if target is FigureTarget.PLOTS and inspector.facts is None:
        raise LinInspectError("no pixel inspected: click a pixel first")
    widget = pg.GraphicsLayoutWidget()
    widget.setBackground(background(theme))
    layout = widget.ci
    if target in plots:
        _copy_plot(layout, 0, plots[target], _plot_title(inspector, plots[target]), theme, legend=True)
    elif target is FigureTarget.PLOTS:
        for col, plot in enumerate(plots.values()):
            _copy_plot(layout, col, plot, _plot_title(inspector, plot), theme, legend=False)
        _copy_legend(layout, inspector, theme)
    else:
        panels = {FigureTarget.LEFT: [left], FigureTarget.RIGHT: [right], FigureTarget.PANELS: [left, right]}[target]
        for n, panel in enumerate(panels):
            _copy_panel(layout, 2 * n, panel, theme)
    return widget


def _plot_title(inspector: PixelInspector, plot: pg.PlotItem) -> str:
    """The title shown above ``plot`` in the inspector (a label of its own there, row 1 of its column)."""
    layout = inspector.plots.ci
    col = next(col for col, item in layout.rows[2].items() if item is plot)
    label = layout.rows[1][col]
    return label.text


def _colour(colour: QColor, theme: Theme) -> QColor:
    """``colour`` as the theme draws it: darker on white when it would barely show."""
    if theme is Theme.LIGHT and colour.alpha() > 0 and colour.lightnessF() > LIGHTEST_ON_WHITE:
        return QColor(colour).darker(220)
    return QColor(colour)


def _pen(pen: object, theme: Theme, *, cosmetic: bool = False) -> QPen | None:
    if pen is None:
        return None
    copy = QPen(pg.mkPen(pen))
    copy.setColor(_colour(copy.color(), theme))
    if cosmetic:
        copy.setCosmetic(True)
    return copy


def _brush(brush: object, theme: Theme) -> QBrush | None:
    if brush is None:
        return None
    copy = QBrush(pg.mkBrush(brush))
    copy.setColor(_colour(copy.color(), theme))
    return copy


def _style_axes(plot: pg.PlotItem, sides: tuple[str, ...], theme: Theme) -> None:
    foreground = COLOURS[theme][1]
    for side in sides:
        axis = plot.getAxis(side)
        axis.setPen(foreground)
        axis.setTextPen(foreground)


def _copy_plot(layout: pg.GraphicsLayout, col: int, source: pg.PlotItem, title: str, theme: Theme, *,
               legend: bool) -> pg.PlotItem:  # fmt: skip
    """``source``'s curves, lines and notes on the same ranges, with its title and axis labels."""
    foreground = COLOURS[theme][1]
    axes = {side: FigureAxis(side, integers=source.getAxis(side).integers) for side in ("left", "bottom")}
    # A title that may be clipped, as the inspector's: a plot's own insists on its width and pushes the next plot off.
    layout.addItem(PlotTitle(title, size="11pt", color=foreground), row=0, col=col)
    plot = layout.addPlot(row=1, col=col, axisItems=axes)
    layout.layout.setColumnStretchFactor(col, 1)
    for side in ("left", "bottom"):
        original = source.getAxis(side)
        plot.setLabel(side, original.labelText, units=original.labelUnits or None, color=foreground)
        plot.getAxis(side).enableAutoSIPrefix(False)
    _style_axes(plot, ("left", "bottom"), theme)
    plot.showGrid(x=True, y=True, alpha=0.25)
    plot.hideButtons()
    if legend:
        plot.addLegend(offset=(-10, 10), labelTextColor=foreground, labelTextSize="8pt",
                       brush=QColor(background(theme)), pen=foreground)  # fmt: skip
    for item in _drawn(source):
        if isinstance(item, pg.PlotDataItem):
            opts = item.opts
            plot.addItem(pg.PlotDataItem(
                item.xData, item.yData, name=item.name(), connect=opts["connect"], pen=_pen(opts["pen"], theme),
                symbol=opts["symbol"], symbolSize=opts["symbolSize"], symbolPen=_pen(opts["symbolPen"], theme),
                symbolBrush=_brush(opts["symbolBrush"], theme), antialias=True,
            ))  # fmt: skip
        elif isinstance(item, pg.InfiniteLine):
            plot.addItem(pg.InfiniteLine(pos=item.value(), angle=item.angle, pen=_pen(item.pen, theme)), ignoreBounds=True)
        elif isinstance(item, pg.TextItem) and item.toPlainText():
            text = pg.TextItem(item.toPlainText(), color=foreground, anchor=item.anchor)
            text.setPos(item.pos())
            plot.addItem(text, ignoreBounds=True)
    (x0, x1), (y0, y1) = source.viewRange()
    plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
    plot.disableAutoRange()
    return plot


def _drawn(plot: pg.PlotItem) -> Iterator[object]:
    """The items of ``plot`` a figure shows: visible ones, curves only with data."""
    for item in plot.items:
        if not item.isVisible():
            continue
        if isinstance(item, pg.PlotDataItem) and (item.xData is None or len(item.xData) == 0):
            continue
        yield item


def _copy_legend(layout: pg.GraphicsLayout, inspector: PixelInspector, theme: Theme) -> None:
    """The inspector's shared legend under the four plots, naming the copies' curves in the theme's colours."""
    foreground = COLOURS[theme][1]
    legend = pg.LegendItem(colCount=inspector.legend.columnCount, labelTextSize="8pt", labelTextColor=foreground,
                           verSpacing=-6)  # fmt: skip
    layout.addItem(legend, row=2, col=0, colspan=4)
    for sample, label in inspector.legend.items:
        item = sample.item
        opts = item.opts
        # One point (never drawn: the stand-in joins no plot), so its symbol's style reaches the sample.
        stand_in = pg.PlotDataItem([0.0], [0.0], pen=_pen(opts["pen"], theme), symbol=opts["symbol"],
                                   symbolSize=opts["symbolSize"],
                                   symbolPen=_pen(opts["symbolPen"], theme),
                                   symbolBrush=_brush(opts["symbolBrush"], theme))  # fmt: skip
        legend.addItem(stand_in, label.text)


def _copy_panel(layout: pg.GraphicsLayout, col: int, panel: ImagePanel, theme: Theme) -> None:
    """The panel's image, overlay, markers, box and message on its view range, with its title and colour bar."""
    foreground = COLOURS[theme][1]
    layout.addLabel(panel.title.text, row=0, col=col, colspan=2, size="11pt", color=foreground)
    plot = layout.addPlot(row=1, col=col)
    plot.hideButtons()
    view = plot.getViewBox()
    view.setAspectLocked(True)
    for side in ("left", "bottom"):
        plot.setLabel(side, panel.plot.getAxis(side).labelText, color=foreground)
        plot.getAxis(side).enableAutoSIPrefix(False)
    _style_axes(plot, ("left", "bottom"), theme)
    for item in (panel.image, panel.overlay):
        if item.isVisible() and item.image is not None:
            view.addItem(_image_copy(item))
    # Cosmetic pens: drawn as vectors (export mode) a marker's pen would otherwise scale with the symbol.
    spots = [{"pos": (point.pos().x(), point.pos().y()), "pen": _pen(point.pen(), theme, cosmetic=True),
              "symbol": point.symbol(), "size": point.size(), "brush": None} for point in panel.markers.points()]  # fmt: skip
    if spots:
        markers = pg.ScatterPlotItem(pxMode=True, brush=None)
        markers.setData(spots)
        view.addItem(markers, ignoreBounds=True)
    box = panel.view.box_shown
    if box is not None:
        outline = QGraphicsRectItem(QRectF(box))
        outline.setPen(pg.mkPen(_colour(QColor("#ffd400"), theme), width=2, style=Qt.PenStyle.DashLine, cosmetic=True))
        view.addItem(outline, ignoreBounds=True)
    if panel.message.toPlainText():
        note = pg.TextItem(panel.message.toPlainText(), color=foreground, anchor=(0.5, 0.5))
        note.setPos(panel.message.pos())
        view.addItem(note, ignoreBounds=True)
    (x0, x1), (y0, y1) = panel.view.viewRange()
    view.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
    view.disableAutoRange()
    layout.addItem(_colour_bar_copy(panel.colourbar, theme), row=1, col=col + 1)


def _image_copy(item: pg.ImageItem) -> pg.ImageItem:
    """An ImageItem drawing the same values through the same lookup table and levels, over the same area."""
    copy = pg.ImageItem(item.image, levels=item.getLevels(), lut=item.lut, autoLevels=False)
    copy.setRect(item.mapRectToParent(item.boundingRect()))
    copy.setZValue(item.zValue())
    return copy


def _colour_bar_copy(bar: ColourBar, theme: Theme) -> pg.PlotItem:
    """The colour bar's ramp and its axis of data values (the ticks the window computed), in the theme."""
    copy = pg.PlotItem(enableMenu=False)
    copy.hideButtons()
    for side in ("left", "bottom"):
        copy.hideAxis(side)
    copy.showAxis("right")
    original = bar.getAxis("right")
    axis = copy.getAxis("right")
    axis.setWidth(original.width())
    # The window set these ticks explicitly (values placed through the stretch): pyqtgraph keeps them here.
    ticks = original._tickLevels  # noqa: SLF001
    if ticks is not None:
        axis.setTicks(ticks)
    axis.setLabel(original.labelText, color=COLOURS[theme][1])
    _style_axes(copy, ("right",), theme)
    copy.setMaximumWidth(bar.maximumWidth())
    ramp = next((item for item in bar.items if isinstance(item, pg.ImageItem)), None)
    if ramp is not None and ramp.isVisible() and ramp.image is not None:
        copy.addItem(_image_copy(ramp))
    copy.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
    copy.setMouseEnabled(False, False)
    return copy
