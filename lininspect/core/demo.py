"""A synthetic MIRI imager ramp and matching linearity reference, so lininspect can be tried
without real data.

The exposure looks like a full-frame MIRIMAGE ramp after the pipeline's ``lastframe`` step
(the input of ``linearity``); the reference looks like a CRDS LINEARITY file. Both are
generated from one fixed seed and fixed dates, so every run writes the same bytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from lininspect.core.dq import FLAGS

if TYPE_CHECKING:  # imported where used: astropy.io.fits brings astropy.units, 0.4 s of the app's start
    from astropy.io import fits

DEMO_EXPOSURE_NAME = "demo_miri_lastframe.fits"
DEMO_REFERENCE_NAME = "demo_miri_linearity_ref.fits"

SEED = 2026
NINTS, NGROUPS = 2, 10
NY, NX = 1024, 1032
#: MIRI full-frame FASTR1 frame time; NFRAMES = 1 so the group time is the same.
TGROUP = 2.77504
#: Detector non-linearity, measured = true - a*true**2 - b*true**3 (DN): -2.9 % at 30000 DN.
NONLIN_A = 8.0e-7
NONLIN_B = 5.0e-12
SATURATION = 60000.0
GAIN = 4.0  # e-/DN, only sets the shot noise
READ_NOISE = 6.0  # DN per group
#: Columns 0-3 and 1028-1031 of MIRI detectors are reference pixels, not light-sensitive.
REFERENCE_COLUMNS = np.r_[0:4, NX - 4 : NX]
#: Reference-file stored DQ values, defined by its DQ_DEF table (not the standard bits).
REF_DQ_DEF = (
    (0, 1, "DO_NOT_USE", "Bad pixel; do not use"),
    (1, 2, "NONLINEAR", "Pixel highly non-linear"),
    (2, 4, "NO_LIN_CORR", "Linearity correction not available"),
)

DATE_OBS, TIME_OBS = "2026-03-14", "05:12:30.000"
EXPSTART_MJD = 61113.217013889  # DATE-OBS + TIME-OBS
FILE_DATE = "2026-03-14T06:00:00.000"
USEAFTER = "2022-05-01T00:00:00"


@dataclass(frozen=True)
class DemoFiles:
    """Paths of the written demo exposure and its linearity reference."""

    exposure: Path
    reference: Path


def demo_cache_dir() -> Path:
    """Where the demo lives by default: ``$XDG_CACHE_HOME/lininspect/demo`` or ``~/.cache/...``.

    A relative XDG_CACHE_HOME is ignored, as the XDG spec requires.
    """
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "lininspect" / "demo"


def is_demo_reference(path: Path) -> bool:
    """Whether ``path`` is the cached demo's reference, which ``lininspect`` alone opens: nobody chose it."""
    return Path(path).resolve() == (demo_cache_dir() / DEMO_REFERENCE_NAME).resolve()


def ensure_demo(directory: Path | None = None) -> DemoFiles:
    """Return the demo pair in ``directory`` (default: the cache), writing it only if a file is missing."""
    directory = demo_cache_dir() if directory is None else Path(directory)
    files = DemoFiles(directory / DEMO_EXPOSURE_NAME, directory / DEMO_REFERENCE_NAME)
    if files.exposure.is_file() and files.reference.is_file():
        return files
    return write_demo(directory)


def write_demo(directory: Path) -> DemoFiles:
    """Generate and write both demo files into ``directory`` (created if needed)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    rate = _scene(rng)
    detector = _Detector.make(rng, rate)
    sci, groupdq = _ramps(rng, rate, detector)
    coeffs, ref_dq = _reference_arrays(rng, detector.nonlin_scale)
    files = DemoFiles(directory / DEMO_EXPOSURE_NAME, directory / DEMO_REFERENCE_NAME)
    _write_atomic(_exposure_hdul(sci, detector.pixeldq, groupdq), files.exposure)
    _write_atomic(_reference_hdul(coeffs, ref_dq), files.reference)
    return files


# ----------------------------------------------------------------------------- scene


def _scene(rng: np.random.Generator) -> np.ndarray:
    """Sky + galaxy + stars as a count-rate image (DN/s), float32 (NY, NX)."""
    y, x = np.mgrid[0:NY, 0:NX].astype(np.float32)
    # Zodiacal + thermal background with a gentle gradient; the coronagraph fields left of
    # the imager (x < 360) see less, behind a dark mask-holder band, as on real MIRIM frames.
    sky = 4.0 * (1.0 + 0.08 * (x - NX / 2) / NX + 0.05 * (y - NY / 2) / NY)
    sky = np.where(x < 352, 0.8 * sky, sky)
    sky = np.where((x >= 352) & (x < 364), 0.3, sky)
    rate = sky + _galaxy(x, y)
    _add_stars(rng, rate)
    rate[:, REFERENCE_COLUMNS] = 0.0
    return rate.astype(np.float32)


def _galaxy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Inclined two-armed exponential disk plus a de Vaucouleurs bulge bright enough to be
    clearly non-linear (~40000 DN at the end of the ramp) without saturating."""
    x0, y0, pa, q_disk = 700.0, 560.0, np.deg2rad(35.0), 0.45
    dx, dy = x - x0, y - y0
    u = dx * np.cos(pa) + dy * np.sin(pa)
    v = -dx * np.sin(pa) + dy * np.cos(pa)
    r_disk = np.hypot(u, v / q_disk)
    theta = np.arctan2(v / q_disk, u)
    arms = 1.0 + 0.6 * np.cos(2.0 * theta - 2.5 * np.log1p(r_disk / 10.0))
    disk = 60.0 * np.exp(-r_disk / 40.0) * arms
    r_bulge = np.sqrt(u**2 + (v / 0.8) ** 2 + 0.25)  # softened so the centre stays finite
    bulge = 15.0 * np.exp(-7.669 * ((r_bulge / 12.0) ** 0.25 - 1.0))
    return disk + bulge


#: Peak rates (DN/s) of the stars that saturate at roughly groups 7, 4, 2 and 1.
BRIGHT_STARS = (
    (520.0, 210.0, 2600.0),
    (880.0, 820.0, 4200.0),
    (450.0, 700.0, 8000.0),
    (930.0, 330.0, 16000.0),
)
N_FAINT_STARS = 36
STAMP = 48  # half-size of the PSF stamp


def _add_stars(rng: np.random.Generator, rate: np.ndarray) -> None:
    """Add ~40 stars with a MIRI-like F770W PSF: Gaussian core (FWHM 2.4 px), Moffat wings
    and the faint detector cruciform along rows and columns."""
    fx = rng.uniform(380.0, NX - 60.0, N_FAINT_STARS)
    fy = rng.uniform(40.0, NY - 40.0, N_FAINT_STARS)
    fpeak = np.exp(rng.uniform(np.log(20.0), np.log(1200.0), N_FAINT_STARS))
    stars = [*BRIGHT_STARS, *zip(fx, fy, fpeak, strict=True)]
    offsets = np.arange(-STAMP, STAMP + 1, dtype=np.float32)
    for sx, sy, peak in stars:
        ix, iy = int(round(sx)), int(round(sy))
        dx = (ix - sx + offsets)[None, :]
        dy = (iy - sy + offsets)[:, None]
        r2 = dx**2 + dy**2
        psf = np.exp(-r2 / 2.0) + 0.02 * (1.0 + r2 / 16.0) ** -1.8
        psf += 0.004 * (np.exp(-np.abs(dx) / 25.0 - dy**2 / 1.3) + np.exp(-np.abs(dy) / 25.0 - dx**2 / 1.3))
        y_lo, y_hi = max(iy - STAMP, 0), min(iy + STAMP + 1, NY)
        x_lo, x_hi = max(ix - STAMP, 0), min(ix + STAMP + 1, NX)
        rate[y_lo:y_hi, x_lo:x_hi] += peak * psf[
            y_lo - (iy - STAMP) : y_hi - (iy - STAMP), x_lo - (ix - STAMP) : x_hi - (ix - STAMP)
        ]


# -------------------------------------------------------------------------- detector


@dataclass(frozen=True)
class _Detector:
    """Per-pixel detector properties shared by the exposure and the reference."""

    pedestal: np.ndarray  # DN at reset
    dark: np.ndarray  # DN/s
    nonlin_scale: np.ndarray  # pixel non-linearity = nominal scaled by s (a*s, b*s**2)
    saturation: np.ndarray  # DN where the ramp plateaus
    pixeldq: np.ndarray  # uint32
    cr_int: np.ndarray  # cosmic-ray hits: integration, group, row, column, charge (DN)
    cr_group: np.ndarray
    cr_y: np.ndarray
    cr_x: np.ndarray
    cr_dn: np.ndarray

    @staticmethod
    def make(rng: np.random.Generator, rate: np.ndarray) -> _Detector:
        """Draw pedestal, dark, non-linearity, saturation, bad pixels and cosmic rays;
        zero ``rate`` where the pixel is dead."""
        x = np.arange(NX, dtype=np.float32)
        # Four interleaved amplifiers (column % 4) have slightly different offsets.
        amp = np.array([0.0, 35.0, -20.0, 15.0], dtype=np.float32)[np.arange(NX) % 4]
        pedestal = 11000.0 + amp[None, :] + rng.normal(0.0, 120.0, (NY, NX)).astype(np.float32)
        dark = np.full((NY, NX), 0.2, dtype=np.float32)
        scale = 1.0 + 0.03 * (x[None, :] / NX - 0.5) + rng.normal(0.0, 0.02, (NY, NX))
        saturation = SATURATION + rng.normal(0.0, 400.0, (NY, NX)).astype(np.float32)

        pixeldq = np.zeros((NY, NX), dtype=np.uint32)
        pixeldq[:, REFERENCE_COLUMNS] = FLAGS["REFERENCE_PIXEL"] | FLAGS["NON_SCIENCE"]
        dead_y, dead_x = _science_pixels(rng, 25)
        pixeldq[dead_y, dead_x] |= FLAGS["DEAD"] | FLAGS["DO_NOT_USE"]
        rate[dead_y, dead_x] = 0.0
        dark[dead_y, dead_x] = 0.0
        hot_y, hot_x = _science_pixels(rng, 40)
        pixeldq[hot_y, hot_x] |= FLAGS["HOT"] | FLAGS["DO_NOT_USE"]
        dark[hot_y, hot_x] = np.exp(rng.uniform(np.log(300.0), np.log(3000.0), hot_y.size))
        warm_y, warm_x = _science_pixels(rng, 60)
        pixeldq[warm_y, warm_x] |= FLAGS["WARM"]
        dark[warm_y, warm_x] = rng.uniform(5.0, 30.0, warm_y.size)

        n_cr = 16
        cr_y, cr_x = _science_pixels(rng, n_cr, margin=1)
        cr_int = rng.integers(0, NINTS, n_cr)
        cr_group = rng.integers(2, NGROUPS - 1, n_cr)
        cr_dn = np.exp(rng.uniform(np.log(300.0), np.log(3000.0), n_cr)).astype(np.float32)
        return _Detector(
            pedestal, dark, scale.astype(np.float32), saturation, pixeldq, cr_int, cr_group, cr_y, cr_x, cr_dn
        )


def _science_pixels(rng: np.random.Generator, n: int, margin: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random (y, x) positions among the light-sensitive columns."""
    y = rng.integers(margin, NY - margin, n)
    x = rng.integers(4 + margin, NX - 4 - margin, n)
    return y, x


def _ramps(rng: np.random.Generator, rate: np.ndarray, det: _Detector) -> tuple[np.ndarray, np.ndarray]:
    """Build SCI and GROUPDQ group by group in float32, so memory stays near the output size."""
    sci = np.empty((NINTS, NGROUPS, NY, NX), dtype=np.float32)
    groupdq = np.zeros((NINTS, NGROUPS, NY, NX), dtype=np.uint8)
    groupdq[:, 0] |= FLAGS["DO_NOT_USE"]  # firstframe
    groupdq[:, -1] |= FLAGS["DO_NOT_USE"]  # lastframe
    a_pix = np.float32(NONLIN_A) * det.nonlin_scale
    b_pix = np.float32(NONLIN_B) * det.nonlin_scale**2
    per_group = (rate + det.dark) * np.float32(TGROUP)
    shot_sigma = np.sqrt(per_group / np.float32(GAIN))
    for i in range(NINTS):
        # The second integration starts from a slightly different reset level.
        true = det.pedestal - np.float32(25.0 * i)
        saturated = np.zeros((NY, NX), dtype=bool)
        for g in range(NGROUPS):
            true += per_group + shot_sigma * rng.standard_normal((NY, NX), dtype=np.float32)
            hits = (det.cr_int == i) & (det.cr_group == g)
            if hits.any():
                # Charge lands on the hit pixel and 12 % on each 4-neighbour; the jump step
                # flags the neighbours too.
                for dy, dx, frac in ((0, 0, 1.0), (1, 0, 0.12), (-1, 0, 0.12), (0, 1, 0.12), (0, -1, 0.12)):
                    rows, cols = det.cr_y[hits] + dy, det.cr_x[hits] + dx
                    true[rows, cols] += np.float32(frac) * det.cr_dn[hits]
                    groupdq[i, g, rows, cols] |= FLAGS["JUMP_DET"]
            measured = true * (1.0 - true * (a_pix + b_pix * true))
            # Reset anomaly in the first groups, last-frame offset: why those groups are DO_NOT_USE.
            measured += np.float32(-30.0 * np.exp(-g / 1.2) + (15.0 if g == NGROUPS - 1 else 0.0))
            noise = rng.standard_normal((NY, NX), dtype=np.float32)
            measured += np.float32(READ_NOISE) * noise
            # Once saturated a ramp stays flagged and plateaus at the pixel's full-well level.
            saturated |= measured >= det.saturation
            sci[i, g] = np.where(saturated, det.saturation + np.float32(0.5 * READ_NOISE) * noise, measured)
            groupdq[i, g][saturated] |= FLAGS["SATURATED"]
    return sci, groupdq


# ------------------------------------------------------------------------- reference


def _inverse_coefficients() -> np.ndarray:
    """Least-squares c1..c4 with c0 = 0 such that sum c_k m**k inverts the nominal
    non-linearity over 0..72000 true DN (error < 2 DN below saturation)."""
    true = np.linspace(0.0, 72000.0, 4001)
    measured = true - NONLIN_A * true**2 - NONLIN_B * true**3
    unit = 6.0e4  # scale so the fit is well conditioned
    basis = np.stack([(measured / unit) ** k for k in range(1, 5)], axis=1)
    scaled, *_ = np.linalg.lstsq(basis, true, rcond=None)
    return np.concatenate([[0.0], scaled / unit ** np.arange(1, 5)])


def _reference_arrays(rng: np.random.Generator, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """COEFFS (5, NY, NX) float32 and stored DQ (NY, NX) uint32 for the reference file.

    A pixel whose non-linearity is the nominal one scaled by s (a*s, b*s**2) is inverted
    exactly by c_k * s**(k-1); the reference uses a slightly wrong s (0.4 % scatter), too
    strong on the galaxy bulge (over-corrected) and too weak around one bright star
    (under-corrected), so the inspector's residual map has something to show.
    """
    y, x = np.mgrid[0:NY, 0:NX].astype(np.float32)

    def blob(x0: float, y0: float, radius: float) -> np.ndarray:
        return np.exp(-((x - x0) ** 2 + (y - y0) ** 2) / (2.0 * radius**2))

    ref_scale = scale * (1.0 + rng.normal(0.0, 0.004, (NY, NX))).astype(np.float32)
    ref_scale *= 1.0 + 0.25 * blob(706.0, 556.0, 20.0) - 0.2 * blob(880.0, 820.0, 30.0)
    nominal = _inverse_coefficients()
    coeffs = np.stack([np.float32(nominal[k]) * ref_scale ** (k - 1) for k in range(5)]).astype(np.float32)
    coeffs[0] = 0.0

    ref_dq = np.zeros((NY, NX), dtype=np.uint32)
    ref_dq[:, REFERENCE_COLUMNS] = 4  # NO_LIN_CORR, as on CRDS MIRI references
    bad_y, bad_x = _science_pixels(rng, 20)
    ref_dq[bad_y[:10], bad_x[:10]] = 4
    ref_dq[bad_y[10:], bad_x[10:]] = 5  # DO_NOT_USE | NO_LIN_CORR
    nonlin_y, nonlin_x = _science_pixels(rng, 12)
    ref_dq[nonlin_y, nonlin_x] |= 2
    # Edge cases the pipeline itself turns into NO_LIN_CORR (left unflagged here on purpose):
    # NaN coefficients (one on the galaxy) and a zero linear term (one on the galaxy).
    coeffs[:, [560, 300, 900], [690, 610, 1000]] = np.nan
    coeffs[1, [575, 150], [720, 800]] = 0.0
    return coeffs, ref_dq


# ---------------------------------------------------------------------------- files


def _exposure_hdul(sci: np.ndarray, pixeldq: np.ndarray, groupdq: np.ndarray) -> fits.HDUList:
    """The ramp file: header-only PRIMARY plus SCI, PIXELDQ, GROUPDQ, no ASDF extension."""
    from astropy.io import fits
    duration = NINTS * (NGROUPS + 1) * TGROUP  # one reset frame per integration
    primary = fits.PrimaryHDU()
    primary.header.extend(
        [
            ("DATE", FILE_DATE, "fixed creation date of the demo file"),
            ("ORIGIN", "lininspect", "synthetic demo data"),
            ("FILENAME", DEMO_EXPOSURE_NAME),
            ("DATAMODL", "RampModel"),
            ("TELESCOP", "JWST"),
            ("OBJECT", "lininspect demo: galaxy and star field"),
            ("TARGNAME", "LININSPECT DEMO", "synthetic scene, not a real target"),
            ("INSTRUME", "MIRI"),
            ("DETECTOR", "MIRIMAGE"),
            ("FILTER", "F770W"),
            ("EXP_TYPE", "MIR_IMAGE"),
            ("READPATT", "FASTR1"),
            ("NINTS", NINTS),
            ("NGROUPS", NGROUPS),
            ("NFRAMES", 1),
            ("GROUPGAP", 0),
            ("NSAMPLES", 1),
            ("FRMDIVSR", 1),
            ("TSAMPLE", 10.0, "[us]"),
            ("TFRAME", TGROUP, "[s]"),
            ("TGROUP", TGROUP, "[s]"),
            ("ZEROFRAM", False),
            ("DATE-OBS", DATE_OBS),
            ("TIME-OBS", TIME_OBS),
            ("EXPSTART", EXPSTART_MJD),
            ("EXPMID", round(EXPSTART_MJD + duration / 2 / 86400.0, 9)),
            ("EXPEND", round(EXPSTART_MJD + duration / 86400.0, 9)),
            ("SUBARRAY", "FULL"),
            ("SUBSTRT1", 1),
            ("SUBSTRT2", 1),
            ("SUBSIZE1", NX),
            ("SUBSIZE2", NY),
            ("FASTAXIS", 1),
            ("SLOWAXIS", 2),
            ("S_GRPSCL", "SKIPPED"),
            ("S_DQINIT", "COMPLETE"),
            ("S_MIREMI", "SKIPPED"),
            ("S_SATURA", "COMPLETE"),
            ("S_IPC", "SKIPPED"),
            ("S_FRSTFR", "COMPLETE"),
            ("S_LASTFR", "COMPLETE"),
            ("S_RESET", "SKIPPED"),
        ]
    )
    sci_hdu = fits.ImageHDU(sci, name="SCI")
    sci_hdu.header["BUNIT"] = "DN"
    return fits.HDUList(
        [primary, sci_hdu, fits.ImageHDU(pixeldq, name="PIXELDQ"), fits.ImageHDU(groupdq, name="GROUPDQ")]
    )


def _reference_hdul(coeffs: np.ndarray, ref_dq: np.ndarray) -> fits.HDUList:
    """The CRDS-style LINEARITY reference: COEFFS, compressed DQ and its DQ_DEF table."""
    from astropy.io import fits
    primary = fits.PrimaryHDU()
    primary.header.extend(
        [
            ("DATE", FILE_DATE, "fixed creation date of the demo file"),
            ("FILENAME", DEMO_REFERENCE_NAME),
            ("DATAMODL", "LinearityModel"),
            ("TELESCOP", "JWST"),
            ("REFTYPE", "LINEARITY"),
            ("INSTRUME", "MIRI"),
            ("DETECTOR", "MIRIMAGE"),
            ("FILTER", "N/A"),
            ("BAND", "N/A"),
            ("SUBARRAY", "FULL"),
            ("SUBSTRT1", 1),
            ("SUBSTRT2", 1),
            ("SUBSIZE1", NX),
            ("SUBSIZE2", NY),
            ("DESCRIP", "Synthetic MIRIMAGE linearity for the lininspect demo"),
            ("AUTHOR", "lininspect demo"),
            ("PEDIGREE", "DUMMY"),
            ("USEAFTER", USEAFTER),
        ]
    )
    dq_def = fits.BinTableHDU.from_columns(
        [
            fits.Column("BIT", "J", array=np.array([row[0] for row in REF_DQ_DEF], dtype=np.int32)),
            fits.Column("VALUE", "J", array=np.array([row[1] for row in REF_DQ_DEF], dtype=np.int32)),
            fits.Column("NAME", "40A", array=np.array([row[2] for row in REF_DQ_DEF])),
            fits.Column("DESCRIPTION", "80A", array=np.array([row[3] for row in REF_DQ_DEF])),
        ],
        name="DQ_DEF",
    )
    images = [fits.ImageHDU(coeffs, name="COEFFS"), fits.ImageHDU(ref_dq, name="DQ")]
    return fits.HDUList([primary, *images, dq_def])


def _write_atomic(hdul: fits.HDUList, path: Path) -> None:
    """Write next to ``path`` and rename over it, so an interrupted write leaves no half file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        hdul.writeto(tmp, overwrite=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
