"""An exposure's sky WCS (SCI header or ASDF meta.wcs) and a shown plane written as a FITS file with it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy import coordinates as coord
from astropy import units as u
from astropy.io import fits
from astropy.modeling import models
from astropy.wcs import WCS

from lininspect.core.fits.celestial import sky_wcs
from lininspect.core.fits.exposure import open_exposure
from lininspect.core.fits.planefile import plane_hdu, write_plane

SHAPE = (1, 3, 40, 50)


def _header_wcs() -> WCS:
    celestial = WCS(naxis=2)
    celestial.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    celestial.wcs.crpix = [25.0, 20.0]
    celestial.wcs.crval = [150.0, 2.0]
    celestial.wcs.cdelt = [-3e-5, 3e-5]
    return celestial


def _ramp(path: Path, sci_cards: fits.Header | None = None) -> Path:
    sci = fits.ImageHDU(np.zeros(SHAPE, np.float32), name="SCI")
    if sci_cards is not None:
        sci.header["WCSAXES"] = 2
        sci.header.update(sci_cards)
    fits.HDUList([fits.PrimaryHDU(), sci]).writeto(path)
    return path


def test_the_sci_header_wcs_finds_the_pixel(tmp_path: Path) -> None:
    celestial = _header_wcs()
    found = sky_wcs(open_exposure(_ramp(tmp_path / "ramp.fits", celestial.to_header())))
    assert found is not None and found.origin == "SCI header"
    ra, dec = celestial.pixel_to_world_values(12.4, 30.6)
    np.testing.assert_allclose(found.pixel_of(ra, dec), (12.4, 30.6), atol=1e-6)
    assert found.nearest_pixel(ra, dec) == (12, 31)


def test_a_file_without_wcs_has_none(tmp_path: Path) -> None:
    assert sky_wcs(open_exposure(_ramp(tmp_path / "ramp.fits"))) is None


def test_the_asdf_trees_gwcs_finds_the_pixel_and_has_a_fits_form(tmp_path: Path) -> None:
    from gwcs import coordinate_frames as cf
    from gwcs import wcs as gwcs
    from stdatamodels.jwst.datamodels import RampModel

    detector = cf.Frame2D(name="detector", axes_order=(0, 1), unit=(u.pix, u.pix))
    sky = cf.CelestialFrame(reference_frame=coord.ICRS(), name="world", unit=(u.deg, u.deg))
    forward = ((models.Shift(-24) & models.Shift(-19)) | (models.Scale(3e-5) & models.Scale(3e-5))
               | models.Pix2Sky_TAN() | models.RotateNative2Celestial(150.0, 2.0, 180.0))  # fmt: skip
    tree_wcs = gwcs.WCS([(detector, forward), (sky, None)])
    with RampModel(data=np.zeros(SHAPE, np.float32)) as model:
        model.meta.wcs = tree_wcs
        model.save(tmp_path / "ramp.fits")
    found = sky_wcs(open_exposure(tmp_path / "ramp.fits"))
    assert found is not None and found.origin == "ASDF meta.wcs"
    ra, dec = tree_wcs(33.2, 14.9)
    np.testing.assert_allclose(found.pixel_of(ra, dec), (33.2, 14.9), atol=1e-6)

    path = write_plane(tmp_path / "plane.fits", plane_hdu(np.ones(SHAPE[2:], np.float32), {}, found.fits_header()))
    with fits.open(path) as written:
        np.testing.assert_allclose(WCS(written[0].header).pixel_to_world_values(33.2, 14.9), (ra, dec), atol=1e-8)


def test_a_plane_file_is_whole_and_says_what_it_is(tmp_path: Path) -> None:
    values = np.arange(12, dtype=np.float32).reshape(3, 4)
    keywords = {"SHOWN": ("A \u2212 B", "the view"), "GROUP": 2, "FILENAME": "caf\u00e9\n.fits"}
    hdu = plane_hdu(values, keywords, _header_wcs().to_header(), (11, 21))
    path = write_plane(tmp_path / "plane.fits", hdu)
    with fits.open(path) as written:
        np.testing.assert_array_equal(written[0].data, values)
        header = written[0].header
        assert (header["SHOWN"], header["GROUP"], header["CTYPE1"], header["LTV1"], header["LTV2"]) == (
            "A - B", 2, "RA---TAN", -10, -20)  # fmt: skip
        assert header["FILENAME"] == "caf??.fits"  # FITS cards hold printable ASCII only
    assert [p.name for p in tmp_path.iterdir()] == ["plane.fits"]  # no temporary left beside it
    with pytest.raises(Exception, match="already exists"):
        write_plane(path, hdu)  # never replaces a file sent earlier
