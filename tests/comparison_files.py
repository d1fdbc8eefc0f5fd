"""An exposure and two references that differ in every way a comparison reports, written with astropy."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from lininspect.core.dq import NO_LIN_CORR, SATURATED
from lininspect.model.session import Session
from crds_cache import Rule, build_cache
from pipeline_oracle import write_linearity_reference, write_ramp_file

SHAPE = (2, 7, 24, 30)


def ramps(shape: tuple[int, int, int, int] = SHAPE, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Rising ramps, some saturating part way, a NaN sample, DO_NOT_USE and jump flags."""
    rng = np.random.default_rng(seed)
    nints, ngroups, ny, nx = shape
    rate = rng.uniform(500, 6000, (ny, nx)).astype(np.float32)
    groups = np.arange(1, ngroups + 1, dtype=np.float32)[None, :, None, None]
    sci = (2000 + rate * groups + rng.normal(0, 3, (nints, ngroups, ny, nx))).astype(np.float32)
    groupdq = np.zeros(sci.shape, np.uint8)
    groupdq[sci > 30000] = SATURATED
    groupdq[:, 0] |= 1
    groupdq[1, 4:, 3, 5] |= 4
    sci[0, 2, 6, 6] = np.nan
    groupdq[:, :, 9, 9] = SATURATED  # never below saturation: no level, no fit
    groupdq[0, 3:, 16, 17] = SATURATED  # two usable groups in integration 0: only integration 1 is fitted
    return sci, groupdq


def coefficients(ny: int, nx: int, seed: int, c2: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    coeffs = np.zeros((4, ny, nx), np.float32)
    coeffs[1] = 1 + rng.normal(0, 1e-3, (ny, nx))
    coeffs[2] = c2 * (1 + rng.normal(0, 0.1, (ny, nx)))
    coeffs[3] = 1e-12
    return coeffs


def write_comparison_files(tmp_path: Path) -> dict[str, Path]:
    """An exposure and references A and B with NO_LIN_CORR pixels flagged by both, lost and gained."""
    sci, groupdq = ramps()
    ny, nx = SHAPE[2:]
    coeffs_a, coeffs_b = coefficients(ny, nx, 1, 2e-6), coefficients(ny, nx, 2, 3e-6)
    dq_a, dq_b = np.zeros((ny, nx), np.uint32), np.zeros((ny, nx), np.uint32)
    dq_a[1, 2] = dq_b[1, 2] = NO_LIN_CORR  # flagged by both: no change
    dq_a[4, 7] = NO_LIN_CORR  # lost: A flags it, B corrects it
    coeffs_b[:, 10, 11] = np.nan  # gained: B cannot correct it
    coeffs_b[1, 12, 13] = 0.0  # gained
    dq_b[14, 15] = NO_LIN_CORR  # gained
    pixeldq = np.zeros((ny, nx), np.uint32)
    pixeldq[20, 21] = NO_LIN_CORR  # the exposure's own flag: in both products, no change
    return {
        "exposure": write_ramp_file(tmp_path / "ramp_lastframe.fits", sci=sci, groupdq=groupdq, pixeldq=pixeldq,
                                    with_asdf=False),
        "a": write_linearity_reference(tmp_path / "ref_a.fits", coeffs=coeffs_a, dq=dq_a),
        "b": write_linearity_reference(tmp_path / "ref_b.fits", coeffs=coeffs_b, dq=dq_b),
    }


#: Two CRDS contexts: the operational one picks reference A for the exposure, the "delivery" picks B.
OPERATIONAL, DELIVERY = "jwst_0001.pmap", "jwst_0002.pmap"
PICKS = {OPERATIONAL: "jwst_miri_linearity_0001.fits", DELIVERY: "jwst_miri_linearity_0002.fits"}


def write_two_context_cache(root: Path, files: dict[str, Path]) -> dict[str, Path]:
    """A CRDS cache at ``root`` (operational: OPERATIONAL) whose contexts pick copies of A and B;
    returns each context's picked file."""
    for serial, (context, name) in enumerate(PICKS.items(), start=1):
        source = files["a"] if context == OPERATIONAL else files["b"]
        build_cache(root, {"MIRI": {"linearity": [Rule("MIRIMAGE", "GENERIC", {"2000-01-01 00:00:00": name})]}},
                    {name: lambda target, source=source: shutil.copyfile(source, target)},
                    serial=serial, server_context=OPERATIONAL)
    return {context: root / "references" / "jwst" / "miri" / name for context, name in PICKS.items()}


def session_with(files: dict[str, Path], *labels: str) -> Session:
    """A session on ``files["exposure"]`` with each label's reference (``files["a"]`` as A, ...) opened."""
    session = Session()
    session.open_input(files["exposure"])
    for label in labels:
        session.open_reference(files[label.lower()], label)
    return session
