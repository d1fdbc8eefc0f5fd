"""The window's tools, declared in one place: each a module of its own with one :class:`Tool` subclass.

Add a tool by writing its module and naming its class in ``TOOLS``; the window makes a dock,
a View ▸ Tools entry and a shortcut for each, and knows nothing else of it.
"""

from __future__ import annotations

from .base import Tool
from .blink import BlinkTool
from .dqbrowser import DqBrowserTool
from .hduimage import HduImageTool
from .magnifier import MagnifierTool
from .panner import PannerTool
from .pixeltable import PixelTableTool
from .regions import RegionsTool
from .samp import SampTool
from .scale import ScaleTool

#: Every tool, in the order of the Tools menu.
TOOLS: tuple[type[Tool], ...] = (
    ScaleTool, PixelTableTool, DqBrowserTool, BlinkTool, HduImageTool, MagnifierTool, PannerTool, RegionsTool,
    SampTool,
)

__all__ = ["TOOLS", "Tool"]
