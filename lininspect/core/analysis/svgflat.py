"""Bake the transforms of Qt's SVG groups into their shapes' coordinates.

Qt's SVG generator draws a plot curve in data coordinates inside a group whose
``matrix(...)`` maps data to page, with ``vector-effect="non-scaling-stroke"`` keeping
the pen thin. Renderers without that SVG Tiny feature (librsvg 2.54, so GNOME's viewers)
scale the pen by the matrix instead: a 2 px line over a ratio axis of 0.1 becomes a band
that floods the plot. With the matrix applied to the coordinates the pen needs no scaling.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
_MATRIX = re.compile(r"matrix\(([^)]*)\)")
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_PAIR = re.compile(rf"({_NUMBER}),({_NUMBER})")
#: Shapes whose geometry is a list of "x,y" pairs, by the attribute holding it.
_SHAPES = {f"{{{SVG_NS}}}path": "d", f"{{{SVG_NS}}}polyline": "points", f"{{{SVG_NS}}}polygon": "points"}


def flatten_transforms(svg: str) -> str:
    """The same drawing with every shapes-only group's matrix applied to its coordinates.

    Qt writes absolute path commands (M, L, C, Z), so each "x,y" pair is a point and maps
    on its own. Groups holding text or images keep their transform.
    """
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    root = ET.fromstring(svg)
    for group in root.iter(f"{{{SVG_NS}}}g"):
        match = _MATRIX.fullmatch(group.get("transform", "").strip())
        shapes = list(group)
        if match is None or not shapes or any(shape.tag not in _SHAPES for shape in shapes):
            continue
        a, b, c, d, e, f = (float(value) for value in match.group(1).split(","))

        def moved(pair: re.Match[str], a=a, b=b, c=c, d=d, e=e, f=f) -> str:  # type: ignore[no-untyped-def]
            x, y = float(pair[1]), float(pair[2])
            return f"{a * x + c * y + e:.7g},{b * x + d * y + f:.7g}"

        for shape in shapes:
            attribute = _SHAPES[shape.tag]
            shape.set(attribute, _PAIR.sub(moved, shape.get(attribute, "")))
            shape.attrib.pop("vector-effect", None)
        del group.attrib["transform"]
    return ET.tostring(root, encoding="unicode", xml_declaration=True)
