"""Planes made ready to draw in the job that read them: each panel's colour limits and stretched image.

After a file is read, the GUI thread drew its plane by computing the limits (zscale: a sort and a fit)
and the stretch of a million pixels, for each panel, in the same turn of the event loop as the paint:
much of the 50 ms a turn may take. The job that reads the file computes them instead, for the
panels' choices when it started; the panels look them up by the plane itself (the same array
object) and compute as before whatever is not there, e.g. after a choice changed meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.analysis import analysis

#: Ready images kept (the two panels' of the last two files read, and of the group read ahead of a step).
KEPT = 6


@dataclass(frozen=True)
class DisplayChoice:
    """How a panel draws a plane: its limits method (as ``analysis.display_limits`` names it) and stretch."""

    limits: str
    stretch: str


@dataclass(frozen=True)
class ReadyImage:
    """``values`` with the limits ``method`` gives them and their image under ``stretch``."""

    values: np.ndarray
    method: str
    limits: tuple[float, float]
    stretch: str
    image: np.ndarray


def ready_image(values: np.ndarray, choice: DisplayChoice) -> ReadyImage:
    """``values`` made ready to draw as ``choice`` says (in a job: this is the work taken off the GUI thread)."""
    low, high = analysis.display_limits(values, choice.limits)
    return ReadyImage(values, choice.limits, (low, high), choice.stretch, analysis.stretch(values, low, high, choice.stretch))


class ReadyImages:
    """The images jobs made ready, looked up by the panels on the GUI thread (which alone changes this)."""

    def __init__(self) -> None:
        self._kept: list[ReadyImage] = []

    def keep(self, images: list[ReadyImage]) -> None:
        self._kept = [*images, *self._kept][:KEPT]

    def limits(self, values: np.ndarray, method: str) -> tuple[float, float]:
        """As ``analysis.display_limits(values, method)``."""
        for ready in self._kept:
            if ready.values is values and ready.method == method:
                return ready.limits
        return analysis.display_limits(values, method)

    def stretched(self, values: np.ndarray, low: float, high: float, kind: str) -> np.ndarray:
        """As ``analysis.stretch(values, low, high, kind)`` (the caller's to draw, not to change)."""
        for ready in self._kept:
            if ready.values is values and ready.limits == (low, high) and ready.stretch == kind:
                return ready.image
        return analysis.stretch(values, low, high, kind)
