"""The pixel table: the values around one pixel at the displayed frame, DS9-style, without Qt.

Read as boxes (a 9 x 9 box of every group of one integration), never as whole planes, so the
table follows the cursor on a full frame as fast as on a subarray. A source whose read-level
integration is not corrected yet is left out rather than waited for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import LinInspectError
from .session import CORRECTED, Session
from .sources import Source

#: The table sizes offered, as DS9's pixel table offers them.
SIZES = (3, 5, 7, 9)
#: Quantities that are flags (shown as integers, decoded on demand), not values.
FLAG_QUANTITIES = ("PIXELDQ", "GROUPDQ")


@dataclass(frozen=True)
class PixelTable:
    """Square blocks centred on ``centre`` (cut at the exposure's edges), one per quantity.

    Each block is indexed [row, column] with ``rows[0]`` its first row, so ``block[r, c]`` is the
    pixel (``columns[c]``, ``rows[r]``); ``missing`` names quantities not available now and why.
    """

    centre: tuple[int, int]
    integration: int
    group: int
    columns: range
    rows: range
    blocks: dict[str, np.ndarray]
    missing: dict[str, str]

    def value(self, quantity: str, x: int, y: int) -> float | int:
        block = self.blocks[quantity]
        value = block[self.rows.index(y), self.columns.index(x)]
        return int(value) if quantity in FLAG_QUANTITIES else float(value)


def pixel_table(session: Session, integration: int, group: int, centre: tuple[int, int], size: int) -> PixelTable:
    """Input, the corrections loaded (A, B), input / corrected, PIXELDQ and GROUPDQ around ``centre``."""
    exposure = session.exposure
    if exposure is None or not session.contains(*centre):
        raise LinInspectError(f"pixel {centre} is outside the exposure")
    if size not in SIZES:
        raise LinInspectError(f"a pixel table is {', '.join(map(str, SIZES))} pixels wide, not {size}")
    ny, nx = exposure.shape[2:]
    x, y = centre
    half = size // 2
    columns, rows = range(max(0, x - half), min(nx, x + half + 1)), range(max(0, y - half), min(ny, y + half + 1))
    box = ((rows.start, rows.stop), (columns.start, columns.stop))
    frame = range(integration, integration + 1)
    here = (slice(rows.start, rows.stop), slice(columns.start, columns.stop))
    blocks: dict[str, np.ndarray] = {"input": np.asarray(exposure.sci[(integration, group, *here)], dtype=np.float32)}
    missing: dict[str, str] = {}
    corrected_by: dict[int, np.ndarray] = {}  # each source's block once: "corrected" is often reference A's

    def corrected_block(source: Source) -> np.ndarray:
        if id(source) not in corrected_by:
            corrected_by[id(source)] = source.box(frame, *box)[0, group]
        return corrected_by[id(source)]

    for label in sorted(session.references):
        view = f"corrected {label}"
        source = session.source(view)
        if source is None:
            continue
        if session.unready(integration, view):
            missing[view] = f"integration {integration} is being corrected"
            continue
        blocks[view] = corrected_block(source)
    shown = session.corrected_source()
    if shown is not None and not session.unready(integration, CORRECTED):
        corrected = corrected_block(shown)
        with np.errstate(invalid="ignore", divide="ignore"):
            blocks["ratio"] = blocks["input"] / corrected
    pixeldq = session.result_pixeldq()
    pixeldq = exposure.pixeldq if pixeldq is None else pixeldq
    blocks["PIXELDQ"] = np.asarray(pixeldq[rows.start : rows.stop, columns.start : columns.stop], dtype=np.uint32)
    if exposure.groupdq is None:
        blocks["GROUPDQ"] = np.zeros((len(rows), len(columns)), dtype=np.uint8)
    else:
        blocks["GROUPDQ"] = np.asarray(exposure.groupdq[integration, group, rows.start : rows.stop, columns.start : columns.stop],
                                       dtype=np.uint8)  # fmt: skip
    return PixelTable(centre, integration, group, columns, rows, blocks, missing)
