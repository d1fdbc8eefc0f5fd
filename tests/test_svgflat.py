"""Baking Qt's group matrices into path coordinates keeps every point where it was drawn."""

from lininspect.core.analysis.svgflat import flatten_transforms

QT_LIKE = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<svg width="10mm" height="10mm" viewBox="0 0 100 100" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">
<g fill="none" stroke="#4c9be8" stroke-width="2" transform="matrix(31.5,0,0,-0.005,90,498.5)">
<path vector-effect="non-scaling-stroke" d="M0,15549.9 L1,29201.2 C2,1e4 3,-2.5e+3 .5,1.38778e-17 Z "/>
</g>
<g transform="matrix(1,0,0,1,5,5)"><text>12</text></g>
</svg>"""


def test_matrix_is_applied_to_every_point_and_text_keeps_its_transform() -> None:
    flat = flatten_transforms(QT_LIKE)
    assert 'd="M90,420.7505 L121.5,352.494 C153,448.5 184.5,511 105.75,498.5 Z "' in flat
    assert "non-scaling-stroke" not in flat and "matrix(31.5" not in flat
    assert 'transform="matrix(1,0,0,1,5,5)"' in flat
