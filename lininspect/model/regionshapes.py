"""Regions made the ways the Regions tool makes them, without Qt: typed as numbers, dragged with the
mouse, moved; and said in one line for its list. The shapes themselves are the ``regions`` package's.

Coordinates are array pixels with pixel (0, 0)'s centre at (0, 0), the package's convention
(DS9's image coordinates less one); the panels draw pixel (x, y) over [x, x + 1), so a point
of a panel is at (view x − 0.5, view y − 0.5) here.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..core.errors import LinInspectError
from .regionfiles import shape_name, shapes

if TYPE_CHECKING:
    from regions import PixelRegion

#: What each shape is typed as, in array pixels.
TYPED = {"circle": "x y radius", "annulus": "x y inner_radius outer_radius", "box": "x y width height [angle°]",
         "polygon": "x1 y1 x2 y2 x3 y3 ..."}  # fmt: skip
#: Larger than any detector: a typed number beyond it is a slip of the keyboard.
LARGEST = 1e5
#: Drags shorter than this (in pixels) draw nothing: a click is not a region.
SMALLEST = 0.5


def typed_region(shape: str, text: str) -> PixelRegion:
    """The region ``text`` describes (numbers as :data:`TYPED` says), or a one-line refusal."""
    try:
        numbers = [float(part) for part in text.replace(",", " ").split()]
    except ValueError:
        raise LinInspectError(f"a {shape} is typed as “{TYPED[shape]}”, numbers only") from None
    if not all(math.isfinite(n) and abs(n) <= LARGEST for n in numbers):
        raise LinInspectError(f"a {shape}'s numbers must be finite pixel values below {LARGEST:g}")
    counts = {"circle": (3,), "annulus": (4,), "box": (4, 5)}
    if shape == "polygon":
        if len(numbers) < 6 or len(numbers) % 2:
            raise LinInspectError("a polygon is typed as “x1 y1 x2 y2 x3 y3 ...”: at least three vertices")
    elif len(numbers) not in counts[shape]:
        raise LinInspectError(f"a {shape} is typed as “{TYPED[shape]}”")
    import astropy.units as u  # here, as regions is: astropy.units is 0.3 s of the app's start
    from regions import PixCoord

    kind = shapes()[shape]
    if shape == "circle":
        x, y, radius = numbers
        _positive(shape, radius)
        return kind(PixCoord(x, y), radius)
    if shape == "annulus":
        x, y, inner, outer = numbers
        _positive(shape, inner, outer)
        if inner >= outer:
            raise LinInspectError("an annulus's inner radius must be smaller than its outer one")
        return kind(PixCoord(x, y), inner, outer)
    if shape == "box":
        x, y, width, height, *angle = numbers
        _positive(shape, width, height)
        return kind(PixCoord(x, y), width, height, angle=(angle[0] if angle else 0.0) * u.deg)
    return kind(PixCoord(numbers[0::2], numbers[1::2]))


def _positive(shape: str, *sizes: float) -> None:
    if min(sizes) <= 0:
        raise LinInspectError(f"a {shape}'s sizes must be larger than 0")


def dragged_region(shape: str, start: tuple[float, float], end: tuple[float, float]) -> PixelRegion | None:
    """The circle (centre to edge), annulus (centre to outer edge, inner radius half of it) or box (corner to
    corner) a mouse drag from ``start`` to ``end`` draws; None for a drag too short to mean one."""
    from regions import PixCoord

    (x0, y0), (x1, y1) = start, end
    kind = shapes()[shape]
    if shape == "box":
        width, height = abs(x1 - x0), abs(y1 - y0)
        if min(width, height) < SMALLEST:
            return None
        return kind(PixCoord((x0 + x1) / 2, (y0 + y1) / 2), width, height)
    radius = math.hypot(x1 - x0, y1 - y0)
    if radius < SMALLEST:
        return None
    if shape == "annulus":
        return kind(PixCoord(x0, y0), radius / 2, radius)
    return kind(PixCoord(x0, y0), radius)


def polygon(vertices: list[tuple[float, float]]) -> PixelRegion | None:
    """The polygon of clicked vertices, or None until there are three."""
    if len(vertices) < 3:
        return None
    from regions import PixCoord

    xs, ys = zip(*vertices, strict=True)
    return shapes()["polygon"](PixCoord(list(xs), list(ys)))


def moved(region: PixelRegion, dx: float, dy: float) -> PixelRegion:
    """``region`` shifted by (dx, dy) pixels, its size and angle kept."""
    from regions import PixCoord

    if shape_name(region) == "polygon":
        vertices = region.vertices
        return region.copy(vertices=PixCoord(np.asarray(vertices.x) + dx, np.asarray(vertices.y) + dy))
    return region.copy(center=PixCoord(region.center.x + dx, region.center.y + dy))


def typed_text(region: PixelRegion) -> str:
    """The numbers that type ``region`` again (what the tool's entry shows for the selected region)."""
    name = shape_name(region)
    if name == "polygon":
        return " ".join(f"{x:g} {y:g}" for x, y in zip(region.vertices.x, region.vertices.y, strict=True))
    centre = f"{region.center.x:g} {region.center.y:g}"
    if name == "circle":
        return f"{centre} {region.radius:g}"
    if name == "annulus":
        return f"{centre} {region.inner_radius:g} {region.outer_radius:g}"
    import astropy.units as u

    angle = region.angle.to_value(u.deg)
    return f"{centre} {region.width:g} {region.height:g}" + (f" {angle:g}" if angle else "")


def describe(region: PixelRegion) -> str:
    """``region`` in a few words: its shape and where it is."""
    name = shape_name(region)
    if name == "polygon":
        return f"polygon of {len(region.vertices.x)} vertices around ({np.mean(region.vertices.x):.1f}, {np.mean(region.vertices.y):.1f})"
    return f"{name} {typed_text(region)}"
