"""End to end: jwst's LinearityStep (offline) and ``lininspect correct`` on the same files.

Every case is corrected by both; all arrays must match bit for bit, the pipeline must read
our product back as COMPLETE with the same arrays, and HDUs the step does not touch must be
carried through. The pipeline runs once, in one subprocess, for all cases (about 0.15 s a file).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from lininspect.core.demo import write_demo
from lininspect.core.fits.product import correct_file
from pipeline_oracle import (
    MIRI_DQ_DEF,
    ramp_table_hdu,
    read_pipeline_product,
    read_with_ramp_model,
    run_linearity_steps,
    write_linearity_reference,
    write_ramp_file,
    write_uncal_file,
)
from test_correction_vs_stcal import assert_same_bits, make_case


@dataclass
class Case:
    name: str
    exposure: Path
    reference: Path
    pipeline_output: Path
    our_output: Path


def _build_cases(root: Path) -> list[Case]:
    cases: list[Case] = []

    def add(name: str, *, seed: int, shape: tuple[int, int, int, int], ncoeffs: int = 5, zeroframe: bool = False,
            with_asdf: bool = True, sci_offset: tuple[int, int] = (0, 0), ref_margin: tuple[int, int] = (0, 0),
            coeffs_dtype: type = np.float32, dq_def: bool = True, instrument: str = "MIRI",
            detector: str = "MIRIMAGE", uncal: bool = False, extra_hdus: bool = False,
            inv_coeffs: bool = False) -> None:
        nints, ngroups, ny, nx = shape
        case = make_case(seed, nints, ngroups, ny + ref_margin[0], nx + ref_margin[1], ncoeffs, zeroframe)
        y0, x0 = sci_offset
        rows, cols = slice(y0, y0 + ny), slice(x0, x0 + nx)
        stored_dq = np.where(case["ref_dq"] & (1 << 20), 4, 0).astype(np.uint32) | np.where(
            case["ref_dq"] & 1, 1, 0
        ).astype(np.uint32)
        directory = root / name
        directory.mkdir()
        reference = write_linearity_reference(
            directory / "ref.fits",
            coeffs=case["coeffs"].astype(coeffs_dtype),
            dq=stored_dq if dq_def else case["ref_dq"],
            dq_def=MIRI_DQ_DEF if dq_def else None,
            instrument=instrument,
            detector=detector,
            inv_coeffs=-case["coeffs"] if inv_coeffs else None,
        )
        extras = [ramp_table_hdu("GROUP", nints, ngroups), ramp_table_hdu("INT_TIMES", nints)] if extra_hdus else None
        exposure_path = directory / f"{name}_lastframe.fits"
        if uncal:
            sci = np.clip(np.nan_to_num(case["data"][:, :, rows, cols]), 0, 65535).astype(np.uint16)
            write_uncal_file(exposure_path, sci=sci, substrt=(x0 + 1, y0 + 1), instrument=instrument,
                             detector=detector)
        else:
            write_ramp_file(
                exposure_path,
                sci=case["data"][:, :, rows, cols],
                groupdq=case["groupdq"][:, :, rows, cols],
                pixeldq=case["pixeldq"][rows, cols],
                zeroframe=None if case["zeroframe"] is None else case["zeroframe"][:, rows, cols],
                substrt=(x0 + 1, y0 + 1),
                instrument=instrument,
                detector=detector,
                with_asdf=with_asdf,
                extra_hdus=extras,
            )
        cases.append(Case(name, exposure_path, reference, directory / "pipeline.fits", directory / "ours.fits"))

    add("basic", seed=1, shape=(2, 5, 24, 32))
    add("zeroframe", seed=2, shape=(2, 4, 20, 18), zeroframe=True)
    add("plainfits", seed=3, shape=(1, 6, 16, 16), with_asdf=False, zeroframe=True)
    add("subarray", seed=4, shape=(2, 3, 16, 24), sci_offset=(5, 7), ref_margin=(12, 20))
    add("float64coeffs", seed=5, shape=(1, 4, 12, 12), coeffs_dtype=np.float64, ncoeffs=7)
    add("twocoeffs", seed=6, shape=(3, 1, 10, 14), ncoeffs=2)
    add("onegroup", seed=7, shape=(1, 1, 9, 9), ncoeffs=8)
    add("nodqdef", seed=8, shape=(1, 3, 10, 10), dq_def=False)
    add("nircam", seed=9, shape=(1, 4, 16, 16), instrument="NIRCAM", detector="NRCA1", sci_offset=(3, 2), ref_margin=(8, 8))
    add("tables", seed=10, shape=(2, 3, 12, 12), extra_hdus=True)
    add("uncal", seed=11, shape=(1, 4, 12, 12), uncal=True)
    add("invcoeffs_nframes1", seed=12, shape=(1, 3, 10, 12), inv_coeffs=True)
    demo = write_demo(root / "demo")
    cases.append(Case("demo", demo.exposure, demo.reference, root / "demo" / "pipeline.fits", root / "demo" / "ours.fits"))
    return cases


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> list[Case]:
    root = tmp_path_factory.mktemp("e2e")
    built = _build_cases(root)
    run_linearity_steps(
        [(case.exposure, case.reference, case.pipeline_output) for case in built], root / "crds"
    )
    for case in built:
        correct_file(case.exposure, case.reference, case.our_output)
    return built


def _case_ids() -> list[str]:
    return ["basic", "zeroframe", "plainfits", "subarray", "float64coeffs", "twocoeffs", "onegroup", "nodqdef",
            "nircam", "tables", "uncal", "invcoeffs_nframes1", "demo"]


@pytest.mark.parametrize("index", range(len(_case_ids())), ids=_case_ids())
def test_arrays_identical_to_linearity_step(cases: list[Case], index: int) -> None:
    case = cases[index]
    theirs = read_pipeline_product(case.pipeline_output)
    ours = read_pipeline_product(case.our_output)
    for name in ("SCI", "PIXELDQ", "GROUPDQ", "ZEROFRAME"):
        assert (name in theirs) == (name in ours), name
        if name in theirs:
            assert_same_bits(ours[name], theirs[name])
    assert ours["S_LINEAR"] == theirs["S_LINEAR"] == "COMPLETE"
    assert ours["R_LINEAR"] == theirs["R_LINEAR"]


@pytest.mark.parametrize("index", range(len(_case_ids())), ids=_case_ids())
def test_pipeline_reads_our_product_as_its_own(cases: list[Case], index: int) -> None:
    case = cases[index]
    model = read_with_ramp_model(case.our_output)
    assert model["cal_step_linearity"] == "COMPLETE"
    theirs = read_pipeline_product(case.pipeline_output)
    assert_same_bits(np.asarray(model["data"], np.float32), theirs["SCI"])
    assert_same_bits(np.asarray(model["pixeldq"], np.uint32), theirs["PIXELDQ"])
    if "ZEROFRAME" in theirs:
        assert_same_bits(np.asarray(model["zeroframe"], np.float32), theirs["ZEROFRAME"])


def test_untouched_hdus_are_carried_through_byte_for_byte(cases: list[Case]) -> None:
    case = next(c for c in cases if c.name == "tables")
    with fits.open(case.exposure) as source, fits.open(case.our_output) as product:
        assert [h.name for h in product] == [h.name for h in source]
        for name in ("GROUPDQ", "GROUP", "INT_TIMES", "ASDF"):
            assert product[name].header == source[name].header
            assert np.array_equal(product[name].data, source[name].data)
        kept = {k for k in source[0].header if k not in ("HISTORY", "COMMENT", "")}
        assert kept <= set(product[0].header)  # no keyword deleted
        assert any("lininspect" in line for line in product[0].header["HISTORY"])


def test_cli_writes_the_same_bytes_as_the_core(cases: list[Case], tmp_path: Path) -> None:
    case = cases[0]
    output = tmp_path / case.our_output.name  # the same name: the product's FILENAME card holds it
    result = subprocess.run(
        [sys.executable, "-m", "lininspect", "correct", str(case.exposure), "--override-linearity",
         str(case.reference), "-o", str(output)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert output.read_bytes() == case.our_output.read_bytes()
    assert f"wrote {output}:" in result.stdout and "NO_LIN_CORR" in result.stdout
