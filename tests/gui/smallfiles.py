"""Small ramp exposures and linearity references written with astropy, so GUI tests are fast."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy.io import fits

NINTS, NGROUPS, NY, NX = 2, 6, 40, 50
SUBSTRT = (11, 21)
#: S_* keywords of MIRI's Detector1 steps before linearity: the exposure is linearity's input.
EARLIER_STEPS = ("S_GRPSCL", "S_DQINIT", "S_MIREMI", "S_SATURA", "S_IPC", "S_FRSTFR", "S_LASTFR", "S_RESET")
#: Stored reference DQ values and what DQ_DEF says they mean.
REF_NO_LIN_CORR, REF_DO_NOT_USE = 4, 1


@dataclass(frozen=True)
class SmallFiles:
    exposure: Path
    reference: Path


def _primary(**extra: object) -> fits.PrimaryHDU:
    primary = fits.PrimaryHDU()
    cards = {
        "TELESCOP": "JWST", "INSTRUME": "MIRI", "DETECTOR": "MIRIMAGE", "SUBARRAY": "TESTSUB",
        "SUBSTRT1": SUBSTRT[0], "SUBSTRT2": SUBSTRT[1], "SUBSIZE1": NX, "SUBSIZE2": NY,
        "READPATT": "FASTR1", "NFRAMES": 1, **extra,
    }  # fmt: skip
    for key, value in cards.items():
        primary.header[key] = value
    return primary


def write_small_pair(directory: Path) -> SmallFiles:
    """A 2 x 6 x 40 x 50 ramp with saturated, DO_NOT_USE and jump groups, and its reference."""
    rng = np.random.default_rng(7)
    rate = rng.uniform(100.0, 3000.0, (NY, NX)).astype(np.float32)
    rate[10:14, 20:24] = 15000.0  # a bright spot that saturates
    groups = np.arange(1, NGROUPS + 1, dtype=np.float32)[None, :, None, None]
    sci = (1000.0 + rate[None, None] * groups - 2e-6 * (rate[None, None] * groups) ** 2).astype(np.float32)
    sci = np.repeat(sci, NINTS, axis=0) + rng.normal(0, 2, (NINTS, NGROUPS, NY, NX)).astype(np.float32)
    groupdq = np.zeros(sci.shape, dtype=np.uint8)
    groupdq[sci > 60000] = 2
    groupdq[:, 0] |= 1  # first group DO_NOT_USE, as MIRI's firstframe step sets
    groupdq[1, 3:, 5, 7] |= 4  # a jump
    pixeldq = np.zeros((NY, NX), dtype=np.uint32)
    pixeldq[0, :] = 2**31  # reference pixels row
    exposure = fits.HDUList([
        _primary(NINTS=NINTS, NGROUPS=NGROUPS, EXP_TYPE="MIR_IMAGE", FILENAME="small_lastframe.fits",
                 **{key: "COMPLETE" for key in EARLIER_STEPS}),
        fits.ImageHDU(sci, name="SCI"),
        fits.ImageHDU(pixeldq, name="PIXELDQ"),
        fits.ImageHDU(groupdq, name="GROUPDQ"),
        fits.ImageHDU(np.zeros(3, dtype=np.float32), name="REFOUT"),
    ])  # fmt: skip
    coeffs = np.zeros((4, NY, NX), dtype=np.float32)
    coeffs[1] = 1.0
    coeffs[2] = 2e-6
    coeffs[3] = 1e-11
    coeffs[:, 30, 40] = np.nan  # NaN coefficient -> NO_LIN_CORR
    coeffs[1, 31, 41] = 0.0  # zero linear term -> NO_LIN_CORR
    ref_dq = np.zeros((NY, NX), dtype=np.uint32)
    ref_dq[2:5, 3:6] = REF_NO_LIN_CORR
    ref_dq[8, 8] = REF_DO_NOT_USE
    dq_def = fits.BinTableHDU.from_columns(
        [
            fits.Column("BIT", "J", array=[0, 2]),
            fits.Column("VALUE", "J", array=[REF_DO_NOT_USE, REF_NO_LIN_CORR]),
            fits.Column("NAME", "40A", array=["DO_NOT_USE", "NO_LIN_CORR"]),
            fits.Column("DESCRIPTION", "80A", array=["bad", "no correction"]),
        ],
        name="DQ_DEF",
    )
    reference = fits.HDUList([
        _primary(REFTYPE="LINEARITY"),
        fits.ImageHDU(coeffs, name="COEFFS"),
        fits.ImageHDU(ref_dq, name="DQ"),
        dq_def,
    ])  # fmt: skip
    files = SmallFiles(directory / "small_lastframe.fits", directory / "small_linearity_ref.fits")
    exposure.writeto(files.exposure)
    reference.writeto(files.reference)
    return files
