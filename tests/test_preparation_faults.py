"""Preparation of ``_uncal`` files under faults: a damaged prepared-ramp cache, garbage ``S_*`` keywords.

A cached ramp that no longer opens must not lock a user out of a file (it is prepared again),
and a step keyword the pipeline never writes must not be read as "this step has run".
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from pipeline_oracle import read_pipeline_product
from test_uncal import lininspect
from uncal_files import make_uncal_cache, write_uncal


@pytest.fixture(scope="module")
def prepared_once(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A NIRCam subarray _uncal file, corrected once through its prepared ramp (now cached)."""
    work = tmp_path_factory.mktemp("preparation_faults")
    cache = make_uncal_cache(work / "crds")
    env = cache.env | {"LININSPECT_CACHE_DIR": str(work / "prepared")}
    uncal = write_uncal(work / "jw_nrc_uncal.fits", "NIRCAM", subarray=True, date="2024-01-01",
                        rng=np.random.default_rng(5), nints=1)
    first = lininspect("correct", str(uncal), "-o", str(work / "first.fits"), env=env, cwd=work)
    assert first.returncode == 0 and "run first" in first.stderr, first.stderr
    return env, work, uncal


@pytest.mark.parametrize("damage", ["truncated", "empty", "not_fits"])
def test_damaged_cached_ramp_is_prepared_again(prepared_once, tmp_path: Path, damage: str) -> None:  # type: ignore[no-untyped-def]
    env, work, uncal = prepared_once
    [cached] = Path(env["LININSPECT_CACHE_DIR"]).glob("*_prepared.fits")
    if damage == "truncated":
        with open(cached, "r+b") as stream:
            stream.truncate(cached.stat().st_size // 2)
    elif damage == "empty":
        cached.write_bytes(b"")
    else:
        cached.write_bytes(b"\x00garbage" * 4000)
    output = tmp_path / "again.fits"
    result = lininspect("correct", str(uncal), "-o", str(output), env=env, cwd=work)
    assert result.returncode == 0, result.stderr
    assert "run first" in result.stderr and "Traceback" not in result.stderr
    again, first = read_pipeline_product(output), read_pipeline_product(work / "first.fits")
    for name in ("SCI", "PIXELDQ", "GROUPDQ"):
        assert again[name].tobytes() == first[name].tobytes(), name
    assert fits.getheader(cached)["S_SATURA"] == "COMPLETE"  # the cache holds a whole prepared ramp again
