"""The keywords a product records when the reference is given (``--reference`` /
``override_linearity``), against jwst's LinearityStep run with the same override.

Both record the reference as R_LINEAR (its absolute path) and S_LINEAR = COMPLETE. jwst
also stamps CRDS_CTX, CRDS_VER and CAL_VER on every product it writes, overridden reference
or not: the CRDS context in effect (CRDS_CONTEXT, else the cache's or server's), the crds
and jwst versions. Those are facts of the environment, not of the reference choice, and
with an override no CRDS choice is made, so lininspect records no CRDS context it never
consulted: the input's own values (those of its earlier steps) are carried through.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
from astropy.io import fits
from pipeline_oracle import offline_crds_env, run_linearity_steps, write_linearity_reference, write_ramp_file

EARLIER_STEPS = {"CRDS_CTX": "jwst_1234.pmap", "CRDS_VER": "12.0.9", "CAL_VER": "1.18.0"}
KEYWORDS = ("R_LINEAR", "S_LINEAR", *EARLIER_STEPS)


def test_an_overridden_reference_is_recorded_as_the_pipeline_records_it(tmp_path: Path) -> None:
    exposure = write_ramp_file(tmp_path / "x_lastframe.fits", sci=np.ones((1, 3, 6, 8), np.float32), with_asdf=False)
    with fits.open(exposure, mode="update") as hdul:
        hdul[0].header.update(EARLIER_STEPS)
    coeffs = np.zeros((3, 6, 8), np.float32)
    coeffs[1] = 1
    write_linearity_reference(tmp_path / "ref.fits", coeffs=coeffs)
    crds = offline_crds_env(tmp_path / "crds")  # the same CRDS setup for both, relative reference paths
    run_linearity_steps([(exposure.name, "ref.fits", "pipeline.fits")], tmp_path / "crds", cwd=tmp_path)
    environment = {key: value for key, value in os.environ.items() if not key.startswith("CRDS_")} | crds
    ours = subprocess.run(
        [sys.executable, "-m", "lininspect", "correct", exposure.name, "--reference", "ref.fits", "-o", "ours.fits"],
        cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert ours.returncode == 0, ours.stderr
    theirs_header, ours_header = fits.getheader(tmp_path / "pipeline.fits"), fits.getheader(tmp_path / "ours.fits")
    theirs = {key: theirs_header.get(key) for key in KEYWORDS}
    mine = {key: ours_header.get(key) for key in KEYWORDS}

    assert mine["R_LINEAR"] == theirs["R_LINEAR"] == str((tmp_path / "ref.fits").resolve())
    assert mine["S_LINEAR"] == theirs["S_LINEAR"] == "COMPLETE"
    # The pipeline's: its environment, whatever the input held.
    assert theirs["CRDS_CTX"] == crds["CRDS_CONTEXT"]
    assert (theirs["CRDS_VER"], theirs["CAL_VER"]) == (version("crds"), version("jwst"))
    # Ours: the input's, untouched.
    assert {key: mine[key] for key in EARLIER_STEPS} == EARLIER_STEPS
