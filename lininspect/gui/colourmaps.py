"""The colour maps a panel offers, as pyqtgraph maps: its named ones, and a plain grey ramp it lacks."""

from __future__ import annotations

import pyqtgraph as pg

from ..model.viewstate import Colourmap


def colour_map(choice: Colourmap) -> pg.ColorMap:
    """The pyqtgraph map of ``choice``; grey is black to white, as DS9's default."""
    if choice is Colourmap.GREY:
        return pg.ColorMap([0.0, 1.0], [(0, 0, 0), (255, 255, 255)], name="grey")
    return pg.colormap.get(choice.value)
