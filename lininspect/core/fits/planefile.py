"""One displayed image plane as a small FITS file another viewer can load (DS9, Aladin, over SAMP).

The values are the ones shown, before any colour scaling; keywords say what they are, and
the exposure's WCS (if any) and its detector placement (DS9's physical coordinates, LTV1/2)
let the other viewer put them on the sky and on the detector.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .atomic import atomic_path

if TYPE_CHECKING:  # imported where used: astropy.io.fits brings astropy.units, 0.4 s of the app's start
    from astropy.io import fits

#: Keyword values FITS can hold: a value, or a value and its comment.
Card = str | int | float | bool | tuple[str | int | float | bool, str]


def plane_hdu(values: np.ndarray, keywords: Mapping[str, Card], wcs: fits.Header | None = None,
              substrt: tuple[int, int] | None = None) -> fits.PrimaryHDU:  # fmt: skip
    """A primary HDU of ``values`` ((ny, nx); booleans stored as 0/1 bytes) with ``keywords``, the WCS cards
    and, given the 1-based detector column and row of pixel (0, 0), DS9's physical (detector) coordinates."""
    from astropy.io import fits
    data = np.asarray(values)
    if data.dtype == bool:
        data = data.astype(np.uint8)
    hdu = fits.PrimaryHDU(data)
    header = hdu.header
    if wcs is not None:
        header.extend([card for card in wcs.cards if not card.keyword.startswith("NAXIS")], unique=True)
    if substrt is not None:
        # DS9's physical = image - LTV: image pixel 1 is detector pixel SUBSTRT.
        header["LTV1"] = (1 - substrt[0], "detector column = image column - LTV1")
        header["LTV2"] = (1 - substrt[1], "detector row = image row - LTV2")
        header["LTM1_1"], header["LTM2_2"] = 1.0, 1.0
    for key, card in keywords.items():
        value, comment = card if isinstance(card, tuple) else (card, "")
        header[key] = (ascii_text(value) if isinstance(value, str) else value, comment)
    return hdu


def ascii_text(text: str) -> str:
    """``text`` as a FITS card can hold it: lininspect's labels' minus and times signs spelled in ASCII,
    anything else outside printable ASCII (a file name's accent, a control character) as ``?``."""
    plain = text.replace("\u2212", "-").replace("\u00d7", "x")
    return "".join(c if " " <= c <= "~" else "?" for c in plain)


def write_plane(path: Path, hdu: fits.PrimaryHDU) -> Path:
    """Write ``hdu`` as ``path``, whole or not at all; return the path."""
    with atomic_path(path, replace=False) as temporary:
        hdu.writeto(temporary, overwrite=True, output_verify="silentfix")
    return path
