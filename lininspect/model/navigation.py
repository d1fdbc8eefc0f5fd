"""Moving the selected pixel: by a step of the arrow keys, or to typed array or detector coordinates.

Detector coordinates are 1-based and count from the detector's corner, as SUBSTRT1/2 place the
subarray: array pixel (0, 0) is detector (SUBSTRT1, SUBSTRT2), as the status bar's readout says.
"""

from __future__ import annotations

from .viewstate import Pixel


def array_from_detector(x: int, y: int, substrt: Pixel) -> Pixel:
    """The array pixel at detector (x, y) for a subarray starting at ``substrt``."""
    return x - substrt[0], y - substrt[1]


def stepped(pixel: Pixel | None, dx: int, dy: int, shape: tuple[int, int]) -> Pixel:
    """``pixel`` moved by (dx, dy) and kept on the (ny, nx) array; from the centre when none is selected."""
    ny, nx = shape
    if pixel is None:
        return nx // 2, ny // 2
    return min(max(pixel[0] + dx, 0), nx - 1), min(max(pixel[1] + dy, 0), ny - 1)
