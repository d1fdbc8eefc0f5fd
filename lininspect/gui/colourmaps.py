"""The colour maps a panel offers, as pyqtgraph maps: its named ones, a plain grey ramp it lacks, and any
of them bent by a histogram-equalisation curve."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from ..model.viewstate import Colourmap

#: Stops of an equalised map: one per colour of pyqtgraph's 256-entry lookup table, and the end.
COLOUR_STOPS = 257


def colour_map(choice: Colourmap) -> pg.ColorMap:
    """The pyqtgraph map of ``choice``; grey is black to white, as DS9's default."""
    if choice is Colourmap.GREY:
        return pg.ColorMap([0.0, 1.0], [(0, 0, 0), (255, 255, 255)], name="grey")
    return pg.colormap.get(choice.value)


def equalised(base: pg.ColorMap, knots: np.ndarray, levels: np.ndarray) -> pg.ColorMap:
    """``base`` bent so that the linear position ``knots[k]`` gets ``base``'s colour at ``levels[k]``.

    Histogram equalisation applied to the 256 colours of the map rather than to every pixel:
    the image stays linearly scaled and the equalisation costs nothing per pixel on a full frame.
    """
    # Resampled to as many stops as the image's lookup table has colours: a stop costs pyqtgraph 35 µs.
    stops = np.linspace(0.0, 1.0, COLOUR_STOPS)
    return pg.ColorMap(stops, base.map(np.interp(stops, knots, levels), mode="byte"))
