"""The last few group planes asked for, kept by (integration, group) for whoever asks again.

The panel, its readout and the correction of the frame shown ask for the plane on the screen
again and again; the app also reads the next group ahead of a step. Two planes are kept: the
one shown and the one read ahead, so reading ahead never drops the plane on the screen.
"""

from __future__ import annotations

import threading

import numpy as np

#: The plane shown and the one read ahead of the next step.
KEPT = 2


class RecentPlanes:
    """Up to ``kept`` planes by (integration, group), the least recently asked for dropped first; thread-safe."""

    def __init__(self, kept: int = KEPT) -> None:
        self._kept = kept
        self._planes: dict[tuple[int, int], np.ndarray] = {}  # oldest first
        self._lock = threading.Lock()

    def get(self, frame: tuple[int, int]) -> np.ndarray | None:
        with self._lock:
            plane = self._planes.pop(frame, None)
            if plane is not None:
                self._planes[frame] = plane
            return plane

    def keep(self, frame: tuple[int, int], plane: np.ndarray) -> None:
        with self._lock:
            self._planes.pop(frame, None)
            self._planes[frame] = plane
            while len(self._planes) > self._kept:
                del self._planes[next(iter(self._planes))]
