"""Playing through an exposure's frames: which frame follows which, without Qt.

A play goes group by group through an integration, on into the next integration's first group,
and from the last frame back to the first, as DS9's cube dialog plays a cube.
"""

from __future__ import annotations

#: Frame rates the play can be set to (frames a second), a tenth to thirty.
RATES = (0.1, 30.0)


def next_frame(frames: tuple[int, int], integration: int, group: int) -> tuple[int, int]:
    """The (integration, group) shown after (integration, group) of an exposure of ``frames`` (nints, ngroups)."""
    nints, ngroups = frames
    if group + 1 < ngroups:
        return integration, group + 1
    return (integration + 1) % nints, 0


def interval_ms(rate: float) -> int:
    """The timer's interval for ``rate`` frames a second, kept within :data:`RATES`."""
    low, high = RATES
    return round(1000.0 / min(max(rate, low), high))
