"""Hostile files, round 2 (issue 16): each fault ends in one plain line naming the file, HDU and
keyword, exit 2, or in a product the pipeline would write too. Commands run as a user runs them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hostile_files import continue_after
from pipeline_oracle import write_linearity_reference, write_ramp_file
from test_cli_bad_input import lininspect


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    """A small ramp with the pipeline's ASDF extension and a reference for it."""
    rng = np.random.default_rng(3)
    sci = (rng.random((1, 3, 12, 16)) * 1000).astype(np.float32)
    ramp = write_ramp_file(tmp_path / "jw_good_lastframe.fits", sci=sci, substrt=(11, 21), with_asdf=True)
    coeffs = np.zeros((3, 64, 64), np.float32)
    coeffs[1] = 1
    return ramp, write_linearity_reference(tmp_path / "ref.fits", coeffs=coeffs)


@pytest.mark.parametrize(
    ("hdu", "key", "named"),
    [("PRIMARY", "NFRAMES", "HDU 0 (PRIMARY)"), ("SCI", "NAXIS4", "HDU 1 (SCI)"), ("ASDF", "TFIELDS", "HDU 4 (ASDF)")],
)
def test_a_continue_card_after_a_value_not_a_string_is_refused_naming_hdu_and_keyword(pair, hdu: str, key: str, named: str) -> None:  # type: ignore[no-untyped-def]
    """Item 5: "internal error: VerifyError: CONTINUE cards must have string values", exit 1."""
    ramp, reference = pair
    damaged = continue_after(ramp.read_bytes(), hdu, key)
    ramp.write_bytes(damaged)
    result = lininspect("correct", str(ramp), "--reference", str(reference), "-q", cwd=ramp.parent)
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        f"lininspect: error: {ramp}: {named} keyword {key} is followed by a CONTINUE card, "
        "which may only continue a string value\n"
    )
    assert ramp.read_bytes() == damaged
