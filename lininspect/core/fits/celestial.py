"""Where an exposure's pixels lie on the sky, when its file says: the SCI header's celestial FITS WCS,
else the gwcs object of the ASDF tree's ``meta.wcs``.

Ramps straight from the ground system carry the SCI header WCS that ``set_telescope_pointing``
wrote; a file that went through ``assign_wcs`` carries a gwcs in its ASDF tree. A file with
neither has no sky position, and saying so is the answer to a sky position sent to it.

Nothing here silences warnings: the app reads WCSs in jobs, whose warnings reach the status bar
(``warnings.catch_warnings`` swaps process-wide state, which races between threads).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import fitsfile
from .asdfguard import read_asdf_yaml
from .exposure import Exposure
from ..errors import LinInspectError

if TYPE_CHECKING:  # imported where used: astropy.io.fits brings astropy.units, 0.4 s of the app's start
    from astropy.io import fits

#: The largest error, in pixels, of the SIP polynomial a gwcs is written as in a FITS header.
SIP_PIXEL_ERROR = 0.1


@dataclass(frozen=True)
class SkyWcs:
    """An exposure's sky coordinates: ``origin`` says which WCS; ``cards`` makes its FITS cards (None if
    it has none), on demand, as fitting a gwcs's SIP form takes a while."""

    origin: str
    to_pixel: Callable[[float, float], tuple[float, float]]
    cards: Callable[[], fits.Header | None]

    def fits_header(self) -> fits.Header | None:
        """The WCS as FITS cards for a 2-D image of the exposure's pixels, None where it has no FITS form."""
        return self.cards()

    def pixel_of(self, ra: float, dec: float) -> tuple[float, float]:
        """The 0-based array (x, y) at (ra, dec) in degrees, pixel centres at whole numbers."""
        return self.to_pixel(ra, dec)

    def nearest_pixel(self, ra: float, dec: float) -> tuple[int, int] | None:
        """The array pixel holding (ra, dec); None where the WCS has no answer there."""
        x, y = self.pixel_of(ra, dec)
        if not (np.isfinite(x) and np.isfinite(y)):
            return None
        return int(np.floor(x + 0.5)), int(np.floor(y + 0.5))


def sky_wcs(exposure: Exposure) -> SkyWcs | None:
    """The exposure's WCS: the SCI header's if it has celestial axes, else the ASDF tree's gwcs, else None."""
    sci = fitsfile.find(exposure.hdus, "SCI")
    if sci is not None:
        found = _header_wcs(sci.header)
        if found is not None:
            return found
    asdf_info = fitsfile.find(exposure.hdus, "ASDF")
    if asdf_info is not None:
        return _tree_wcs(exposure, asdf_info)
    return None


def _header_wcs(header: fits.Header) -> SkyWcs | None:
    """A celestial WCS from FITS cards (the data axes beyond the image's two carry none)."""
    if not any(key.startswith("CTYPE") for key in header):
        return None
    from astropy.wcs import WCS  # half a second of imports, for files that have a WCS

    try:
        # Unfixed: wcslib's fixes touch dates and units, never the sky transform, and each one warns.
        celestial = WCS(header, fix=False).celestial
    except Exception:  # noqa: BLE001 - a damaged WCS is no WCS, as DS9 treats it
        return None
    if not celestial.has_celestial or celestial.naxis != 2:
        return None

    def to_pixel(ra: float, dec: float) -> tuple[float, float]:
        x, y = celestial.world_to_pixel_values(ra, dec)
        return float(x), float(y)

    return SkyWcs("SCI header", to_pixel, lambda: celestial.to_header(relax=True))


def _tree_wcs(exposure: Exposure, info: fitsfile.HduInfo) -> SkyWcs | None:
    """The gwcs of ``meta.wcs``, read by asdf from the vetted YAML (its FITS-held arrays are never read)."""
    text = read_asdf_yaml(exposure.path, exposure.hdus, info)
    if b"meta" not in text or b"wcs" not in text:
        return None
    try:
        import asdf

        with asdf.open(io.BytesIO(text), lazy_load=True, memmap=False) as tree:
            meta = tree.tree.get("meta")
            wcs = meta.get("wcs") if isinstance(meta, dict) else None
    except Exception as error:  # noqa: BLE001 - asdf raises many kinds on a tree it cannot convert
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise LinInspectError(f"{exposure.path}: its ASDF meta.wcs cannot be read ({first})") from None
    if wcs is None or not hasattr(wcs, "invert"):
        return None

    def to_pixel(ra: float, dec: float) -> tuple[float, float]:
        with np.errstate(all="ignore"):
            x, y = wcs.invert(ra, dec, with_bounding_box=False)
        return float(x), float(y)

    return SkyWcs("ASDF meta.wcs", to_pixel, lambda: _sip_header(wcs, exposure.shape[2:]))


def _sip_header(wcs: object, shape: tuple[int, ...]) -> fits.Header | None:
    """The gwcs as a FITS TAN-SIP header over the image, as DS9 and Aladin read one; None if it cannot be fitted."""
    ny, nx = shape
    try:
        with np.errstate(all="ignore"):
            return wcs.to_fits_sip(bounding_box=((-0.5, nx - 0.5), (-0.5, ny - 0.5)),  # type: ignore[attr-defined]
                                   max_pix_error=SIP_PIXEL_ERROR)  # fmt: skip
    except Exception:  # noqa: BLE001 - a WCS that is not a celestial imaging one has no SIP form
        return None
