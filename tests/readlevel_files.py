"""A read-level exposure (NFRAMES 4) several row tiles tall, and references A and B with INV_COEFFS."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from comparison_files import coefficients, ramps
from pipeline_oracle import write_linearity_reference, write_ramp_file

#: 300 rows of 256 pixels: an integration is several of the read-level kernel's row tiles.
SHAPE = (2, 5, 300, 256)


def inverse_coefficients(ny: int, nx: int, c2: float) -> np.ndarray:
    inverse = np.zeros((3, ny, nx), np.float32)
    inverse[1], inverse[2] = 1.0, -c2
    return inverse


def write_read_level_files(directory: Path, shape: tuple[int, int, int, int] = SHAPE) -> dict[str, Path]:
    """``exposure``; ``a`` and ``b`` with INV_COEFFS (read-level); ``classic``, A's without them."""
    sci, groupdq = ramps(shape)
    ny, nx = shape[2:]
    coeffs_a, coeffs_b = coefficients(ny, nx, 1, 2e-6), coefficients(ny, nx, 2, 3e-6)
    return {
        "exposure": write_ramp_file(directory / "nframes4_lastframe.fits", sci=sci, groupdq=groupdq, nframes=4,
                                    with_asdf=False, extra_header={"NGROUPS": shape[1]}),
        "a": write_linearity_reference(directory / "inv_a.fits", coeffs=coeffs_a,
                                       inv_coeffs=inverse_coefficients(ny, nx, 2e-6)),
        "b": write_linearity_reference(directory / "inv_b.fits", coeffs=coeffs_b,
                                       inv_coeffs=inverse_coefficients(ny, nx, 3e-6)),
        "classic": write_linearity_reference(directory / "classic_a.fits", coeffs=coeffs_a),
    }  # fmt: skip


def write_read_level_files_and_products(directory: Path) -> dict[str, Path]:
    """The read-level files plus ``product_a`` / ``product_b``: the exposure as ``correct`` writes it with A and with B."""
    from lininspect.core.fits.product import correct_file
    from lininspect.core.references.reference import open_reference

    paths = write_read_level_files(directory)
    for label in ("a", "b"):
        output = directory / f"with_{label}_linearity.fits"
        paths[f"product_{label}"] = correct_file(paths["exposure"], open_reference(paths[label]), output).output
    return paths
