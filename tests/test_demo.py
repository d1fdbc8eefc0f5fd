"""The demo pair must be deterministic, well-formed, and exercise what the inspector shows."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from lininspect.core.demo import (
    DEMO_EXPOSURE_NAME,
    DEMO_REFERENCE_NAME,
    DemoFiles,
    demo_cache_dir,
    ensure_demo,
    write_demo,
)

DO_NOT_USE, SATURATED, JUMP_DET = 1, 2, 4
EDGE_COLUMNS = np.r_[0:4, 1028:1032]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return write_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def exposure(demo: DemoFiles) -> dict[str, np.ndarray]:
    with fits.open(demo.exposure) as hdul:
        return {hdu.name: hdu.data for hdu in hdul[1:]} | {"header": hdul[0].header.copy()}


@pytest.fixture(scope="module")
def reference(demo: DemoFiles) -> dict[str, np.ndarray]:
    with fits.open(demo.reference) as hdul:
        return {hdu.name: hdu.data for hdu in hdul[1:]} | {"header": hdul[0].header.copy()}


def horner(coeffs: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The pipeline's float32 evaluation order."""
    c = coeffs.astype(np.float32)
    x = x.astype(np.float32)
    r = c[-1] * x
    for j in range(len(c) - 2, 0, -1):
        r = (r + c[j]) * x
    return r + c[0]


def test_names(demo: DemoFiles) -> None:
    assert demo.exposure.name == DEMO_EXPOSURE_NAME and demo.exposure.is_file()
    assert demo.reference.name == DEMO_REFERENCE_NAME and demo.reference.is_file()


def test_exposure_layout(demo: DemoFiles, exposure: dict) -> None:
    with fits.open(demo.exposure) as hdul:
        assert [hdu.name for hdu in hdul] == ["PRIMARY", "SCI", "PIXELDQ", "GROUPDQ"]
        assert hdul[0].data is None
    h = exposure["header"]
    instrument = (h["INSTRUME"], h["DETECTOR"], h["EXP_TYPE"], h["READPATT"])
    assert instrument == ("MIRI", "MIRIMAGE", "MIR_IMAGE", "FASTR1")
    assert (h["NINTS"], h["NGROUPS"], h["NFRAMES"], h["SUBSIZE1"], h["SUBSIZE2"]) == (2, 10, 1, 1032, 1024)
    assert h["S_LASTFR"] == "COMPLETE" and "S_LINEAR" not in h and h["ZEROFRAM"] is False
    assert exposure["SCI"].shape == (2, 10, 1024, 1032) and exposure["SCI"].dtype == np.dtype(">f4")
    assert exposure["PIXELDQ"].shape == (1024, 1032) and exposure["PIXELDQ"].dtype == np.uint32
    assert exposure["GROUPDQ"].shape == (2, 10, 1024, 1032) and exposure["GROUPDQ"].dtype == np.uint8


def test_reference_layout(demo: DemoFiles, reference: dict) -> None:
    with fits.open(demo.reference) as hdul:
        assert [hdu.name for hdu in hdul] == ["PRIMARY", "COEFFS", "DQ", "DQ_DEF"]
    h = reference["header"]
    assert (h["REFTYPE"], h["DATAMODL"], h["PEDIGREE"]) == ("LINEARITY", "LinearityModel", "DUMMY")
    assert reference["COEFFS"].shape == (5, 1024, 1032) and reference["COEFFS"].dtype == np.dtype(">f4")
    assert reference["DQ"].shape == (1024, 1032) and reference["DQ"].dtype == np.uint32


def test_deterministic(demo: DemoFiles, tmp_path: Path) -> None:
    again = write_demo(tmp_path)
    assert again.exposure.read_bytes() == demo.exposure.read_bytes()
    assert again.reference.read_bytes() == demo.reference.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([DEMO_EXPOSURE_NAME, DEMO_REFERENCE_NAME])


def test_groupdq(exposure: dict) -> None:
    gdq = exposure["GROUPDQ"]
    assert np.all(gdq[:, 0] & DO_NOT_USE) and np.all(gdq[:, -1] & DO_NOT_USE)
    assert not np.any(gdq[:, 1:-1] & DO_NOT_USE)
    saturated = (gdq & SATURATED) != 0
    assert saturated.any()
    # Saturation is sticky and starts part-way up the ramp for at least some pixels.
    assert np.all(saturated[:, 1:] >= saturated[:, :-1])
    assert np.any(saturated[:, -1] & ~saturated[:, 2])
    assert ((gdq & JUMP_DET) != 0).sum() > 0


def test_saturated_ramps_plateau(exposure: dict) -> None:
    sci, gdq = exposure["SCI"], exposure["GROUPDQ"]
    values = sci[(gdq & SATURATED) != 0]
    assert 58000 < values.min() and values.max() < 62000


def test_jumps_are_real_steps(exposure: dict) -> None:
    sci, gdq = exposure["SCI"], exposure["GROUPDQ"]
    steps = []
    for i, g, y, x in zip(*np.nonzero((gdq & JUMP_DET) != 0), strict=True):
        diffs = np.diff(sci[i, 1:-1, y, x].astype(np.float64))
        steps.append(sci[i, g, y, x] - sci[i, g - 1, y, x] - np.median(diffs))
    assert max(steps) > 250


def test_pixeldq(exposure: dict) -> None:
    pdq = exposure["PIXELDQ"]
    assert np.all(pdq[:, EDGE_COLUMNS] == (2**31 | 512))
    science = pdq[:, 4:-4]
    assert np.any(science & 1024) and np.any(science & 2048)


def test_reference_dq(reference: dict) -> None:
    dq = reference["DQ"]
    assert np.all(dq[:, EDGE_COLUMNS] == 4)
    assert 10 <= np.count_nonzero(dq[:, 4:-4] & 4) <= 30
    table = reference["DQ_DEF"]
    assert table.columns["BIT"].format == "J" and table.columns["VALUE"].format == "J"
    mapping = {int(v): n.strip() for v, n in zip(table["VALUE"], table["NAME"], strict=True)}
    assert mapping[4] == "NO_LIN_CORR" and mapping[1] == "DO_NOT_USE" and mapping[2] == "NONLINEAR"


def test_coefficient_edge_cases(reference: dict) -> None:
    coeffs = reference["COEFFS"]
    assert np.count_nonzero(np.all(np.isnan(coeffs), axis=0)) == 3
    assert np.count_nonzero(coeffs[1] == 0) == 2
    good = np.isfinite(coeffs[1]) & (coeffs[1] != 0)
    assert np.all(coeffs[0][good] == 0)
    assert np.allclose(np.median(coeffs[1][good]), 1.0, atol=0.01)
    assert np.all(coeffs[2][good] > 0)


def test_correction_makes_bright_ramp_linear(exposure: dict, reference: dict) -> None:
    sci, gdq, pdq = exposure["SCI"][0], exposure["GROUPDQ"][0], exposure["PIXELDQ"]
    coeffs, ref_dq = reference["COEFFS"], reference["DQ"]
    usable = (
        ~np.any(gdq & (SATURATED | JUMP_DET), axis=0)
        & (pdq == 0)
        & (ref_dq == 0)
        & np.all(np.isfinite(coeffs), axis=0)
        & (coeffs[1] != 0)
    )
    y, x = np.unravel_index(np.argmax(np.where(usable, sci[-2], -np.inf)), usable.shape)
    ramp = sci[1:-1, y, x]  # groups not flagged DO_NOT_USE
    assert ramp[-1] > 30000
    before = np.diff(ramp.astype(np.float64))
    after = np.diff(horner(coeffs[:, y, x], ramp).astype(np.float64))
    assert after.std() < before.std()
    assert np.all(horner(coeffs[:, y, x], ramp) > ramp)  # the correction raises values


def test_ensure_demo_keeps_existing(tmp_path: Path) -> None:
    first = ensure_demo(tmp_path)
    stamps = (first.exposure.stat().st_mtime_ns, first.reference.stat().st_mtime_ns)
    second = ensure_demo(tmp_path)
    assert second == first
    assert (second.exposure.stat().st_mtime_ns, second.reference.stat().st_mtime_ns) == stamps
    first.reference.unlink()
    third = ensure_demo(tmp_path)
    assert third.reference.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([DEMO_EXPOSURE_NAME, DEMO_REFERENCE_NAME])


def test_demo_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert demo_cache_dir() == tmp_path / "lininspect" / "demo"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert demo_cache_dir() == tmp_path / "home" / ".cache" / "lininspect" / "demo"


def test_ensure_demo_default_uses_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    files = ensure_demo()
    assert files.exposure.parent == tmp_path / "lininspect" / "demo"
    assert os.path.isfile(files.reference)


def test_opens_with_stdatamodels(demo: DemoFiles) -> None:
    datamodels = pytest.importorskip("stdatamodels.jwst.datamodels")
    with datamodels.RampModel(demo.exposure) as ramp:
        ramp.validate()
        assert ramp.data.shape == (2, 10, 1024, 1032)
        assert ramp.meta.instrument.detector == "MIRIMAGE"
        assert ramp.meta.exposure.nframes == 1
        assert ramp.meta.cal_step.lastframe == "COMPLETE"
    with datamodels.LinearityModel(demo.reference) as lin:
        lin.validate()
        assert lin.coeffs.shape == (5, 1024, 1032)
        assert lin.meta.reftype == "LINEARITY"
        assert [row[2] for row in lin.dq_def] == ["DO_NOT_USE", "NONLINEAR", "NO_LIN_CORR"]
