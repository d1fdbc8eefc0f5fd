"""End to end on the pipeline's other paths: jwst's LinearityStep (offline) and ``lininspect correct``
on the same files, every array compared bit for bit.

- the read-level correction (INV_COEFFS, NFRAMES > 1): full reference, subarray cut, plain FITS,
  saturation and ZEROFRAME;
- metadata only the ASDF tree holds: NFRAMES or ZEROFRAM or SUBSTRT cards deleted from the
  header, ``read_times`` present;
- NIRCam multistripe readouts in every readout orientation, with repeated and interleaved
  stripes, and with INV_COEFFS (which the multistripe cut drops);
- superstripe exposures, on which the pipeline fails and lininspect refuses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from stdatamodels.jwst.datamodels import RampModel, read_metadata

from lininspect import correct_arrays
from lininspect.core.errors import LinInspectError
from lininspect.core.fits.exposure import open_exposure
from lininspect.core.fits.metadata import KEYWORDS
from lininspect.core.kernels.pathway import plan_correction
from lininspect.core.fits.product import correct_file
from lininspect.core.kernels.readlevel import pipeline_read_pattern
from lininspect.core.references.reference import open_reference
from pipeline_oracle import (
    MIRI_DQ_DEF,
    PipelineRunError,
    read_pipeline_product,
    linearity_step_failures,
    read_with_ramp_model,
    write_linearity_reference,
    write_ramp_file,
)
from test_correction_vs_stcal import assert_same_bits, make_case
from test_readlevel_vs_stcal import make_readlevel_case


@dataclass
class Case:
    name: str
    exposure: Path
    reference: Path
    read_level: bool  # the path the pipeline takes, checked against our plan
    pipeline_output: Path = field(init=False)
    our_output: Path = field(init=False)

    def __post_init__(self) -> None:
        self.pipeline_output = self.exposure.parent / "pipeline.fits"
        self.our_output = self.exposure.parent / "ours.fits"


def _stored_dq(ref_dq: np.ndarray) -> np.ndarray:
    """Standard bits written compressed, as MIRI_DQ_DEF stores them (NO_LIN_CORR as 4, DO_NOT_USE as 1)."""
    return (np.where(ref_dq & (1 << 20), 4, 0) | np.where(ref_dq & 1, 1, 0)).astype(np.uint32)


def _edit_primary(path: Path, edit: Callable[[fits.Header], None]) -> None:
    """Change the header behind the ASDF tree's back, as a user's script would."""
    with fits.open(path, mode="update") as hdul:
        edit(hdul[0].header)


def _read_level_case(root: Path, name: str, *, seed: int, shape: tuple[int, int, int, int], nframes: int,
                     margin: tuple[int, int] = (0, 0), start: tuple[int, int] = (0, 0), with_asdf: bool = True,
                     zeroframe: bool = False, nframes_in_header: int | None = None) -> tuple[Path, Path]:
    nints, ngroups, ny, nx = shape
    pattern = [list(reads) for reads in pipeline_read_pattern(ngroups, nframes)]
    case = make_readlevel_case(seed, nints, ngroups, ny + margin[0], nx + margin[1], 5, 4, pattern, zeroframe)
    directory = root / name
    directory.mkdir()
    reference = write_linearity_reference(
        directory / "ref.fits", coeffs=case["coeffs"], inv_coeffs=case["inv_coeffs"], dq=_stored_dq(case["ref_dq"]),
        dq_def=MIRI_DQ_DEF, instrument="NIRCAM", detector="NRCA1",
    )
    y0, x0 = start
    rows, cols = slice(y0, y0 + ny), slice(x0, x0 + nx)
    exposure = write_ramp_file(
        directory / f"{name}_refpix.fits", sci=case["data"][:, :, rows, cols], groupdq=case["groupdq"][:, :, rows, cols],
        pixeldq=case["pixeldq"][rows, cols],
        zeroframe=None if case["zeroframe"] is None else case["zeroframe"][:, rows, cols],
        instrument="NIRCAM", detector="NRCA1", exp_type="NRC_IMAGE", readpatt="MEDIUM8",
        nframes=nframes if nframes_in_header is None else nframes_in_header, substrt=(x0 + 1, y0 + 1),
        with_asdf=with_asdf,
    )
    return exposure, reference


#: (FASTAXIS, SLOWAXIS, MSTR_RD1, MSTR_SK1, MSTR_RD2, MSTR_SK2, MSTR_RPT, MSTR_ILV, stripes, SUBSTRT along slow)
MULTISTRIPE = {
    "mstripe_fast_x": (1, 2, 4, 100, 8, 200, 0, 0, 3, 1),
    "mstripe_reversed_x": (-1, 2, 4, 60, 6, 30, 0, 0, 4, 11),
    "mstripe_reversed_slow": (1, -2, 4, 60, 6, 30, 0, 0, 4, 2048),
    "mstripe_fast_y": (2, 1, 4, 90, 8, 40, 0, 0, 3, 1),
    "mstripe_fast_y_reversed": (-2, -1, 2, 50, 6, 20, 0, 0, 3, 1),
    "mstripe_both_reversed": (-1, -2, 4, 30, 6, 12, 0, 0, 3, 1500),
    "mstripe_fast_y_slow_reversed": (2, -1, 4, 30, 6, 12, 0, 0, 3, 1800),
    "mstripe_fast_y_fast_reversed": (-2, 1, 4, 30, 6, 12, 0, 0, 3, 300),
    "mstripe_repeat": (-1, 2, 4, 40, 6, 10, 1, 0, 3, 1),
    "mstripe_repeat_interleave": (-1, 2, 4, 40, 6, 10, 1, 1, 3, 1),
    "mstripe_no_reads1": (1, 2, 0, 64, 10, 100, 0, 0, 3, 5),
}


def _multistripe_case(root: Path, name: str, geometry: tuple[int, ...], *, seed: int,
                      inv_nframes: int | None = None) -> tuple[Path, Path]:
    fast, slow, reads1, skips1, reads2, skips2, repeat, interleave, count, slow_start = geometry
    repeated = reads1 if repeat else 0
    slow_size = reads1 + reads2 * count + repeated * (count - 1)
    fast_size, fast_start = 24, 9  # columns (or rows) read, from detector pixel 9
    reference_fast = (5, 40)  # the reference covers fast pixels 5 .. 44 and the whole slow axis
    sci_ny, sci_nx = (slow_size, fast_size) if abs(fast) == 1 else (fast_size, slow_size)
    ref_ny, ref_nx = (2048, reference_fast[1]) if abs(fast) == 1 else (reference_fast[1], 2048)
    case = make_case(seed, 1, 3, ref_ny, ref_nx, 4, False)
    directory = root / name
    directory.mkdir()
    inv = None if inv_nframes is None else -case["coeffs"]
    ref_start = (reference_fast[0], 1) if abs(fast) == 1 else (1, reference_fast[0])
    reference = write_linearity_reference(
        directory / "ref.fits", coeffs=case["coeffs"], dq=_stored_dq(case["ref_dq"]), dq_def=MIRI_DQ_DEF,
        instrument="NIRCAM", detector="NRCALONG", substrt=ref_start, inv_coeffs=inv,
    )
    sci_start = (fast_start, slow_start) if abs(fast) == 1 else (slow_start, fast_start)
    rng = np.random.default_rng(seed)
    sci = (rng.random((1, 3, sci_ny, sci_nx)) * 40000).astype(np.float32)
    groupdq = np.where(rng.random(sci.shape) < 0.1, 2, 0).astype(np.uint8)
    exposure = write_ramp_file(
        directory / f"{name}_refpix.fits", sci=sci, groupdq=groupdq,
        pixeldq=(rng.random((sci_ny, sci_nx)) < 0.1).astype(np.uint32) * 4,
        instrument="NIRCAM", detector="NRCALONG", exp_type="NRC_TSGRISM", substrt=sci_start,
        nframes=inv_nframes or 1,
        extra_header={"FASTAXIS": fast, "SLOWAXIS": slow, "MSTR_RD1": reads1, "MSTR_SK1": skips1,
                      "MSTR_RD2": reads2, "MSTR_SK2": skips2, "MSTR_RPT": repeat, "MSTR_ILV": interleave,
                      "SSTR_NST": 0, "SSTR_STP": 0, "SUBARRAY": "SUB40STRIPE1_DHS" if "dhs" in name else "GENERIC"},
    )
    return exposure, reference


def _build_cases(root: Path) -> list[Case]:
    cases = []
    exposure, reference = _read_level_case(root, "readlevel", seed=1, shape=(2, 5, 20, 24), nframes=4, zeroframe=True)
    cases.append(Case("readlevel", exposure, reference, True))
    exposure, reference = _read_level_case(root, "readlevel_subarray", seed=2, shape=(1, 6, 16, 20), nframes=2,
                                           margin=(10, 12), start=(4, 7))
    cases.append(Case("readlevel_subarray", exposure, reference, True))
    exposure, reference = _read_level_case(root, "readlevel_plainfits", seed=3, shape=(1, 3, 12, 12), nframes=8,
                                           with_asdf=False)
    cases.append(Case("readlevel_plainfits", exposure, reference, True))
    exposure, reference = _read_level_case(root, "readlevel_two_groups", seed=4, shape=(2, 2, 10, 14), nframes=3)
    cases.append(Case("readlevel_two_groups", exposure, reference, True))

    # NFRAMES = 4 only in the ASDF tree: the header card is deleted after saving.
    exposure, reference = _read_level_case(root, "tree_nframes", seed=5, shape=(1, 5, 16, 20), nframes=4)
    _edit_primary(exposure, lambda header: header.remove("NFRAMES"))
    cases.append(Case("tree_nframes", exposure, reference, True))

    # ZEROFRAM = T only in the tree: the pipeline still corrects ZEROFRAME.
    exposure, reference = _read_level_case(root, "tree_zeroframe", seed=6, shape=(2, 3, 12, 16), nframes=1,
                                           zeroframe=True)
    _edit_primary(exposure, lambda header: header.remove("ZEROFRAM"))
    cases.append(Case("tree_zeroframe", exposure, reference, False))

    # SUBSTRT1/2 only in the tree: the subarray is still cut where the tree says.
    exposure, reference = _read_level_case(root, "tree_substrt", seed=7, shape=(1, 4, 10, 12), nframes=2,
                                           margin=(9, 9), start=(5, 3))
    _edit_primary(exposure, lambda header: [header.remove(key) for key in ("SUBSTRT1", "SUBSTRT2")])
    cases.append(Case("tree_substrt", exposure, reference, True))

    # read_times in the tree (no FITS keyword exists): the pipeline takes the classic path.
    exposure, reference = _read_level_case(root, "read_times", seed=8, shape=(1, 4, 12, 12), nframes=4)
    with RampModel(str(exposure)) as model:
        model.meta.exposure.read_times = [[float(4 * g + k) for k in range(4)] for g in range(4)]
        model.save(str(exposure.with_name("saved.fits")))
    exposure.with_name("saved.fits").replace(exposure)
    cases.append(Case("read_times", exposure, reference, False))

    for index, (name, geometry) in enumerate(MULTISTRIPE.items()):
        exposure, reference = _multistripe_case(root, name, geometry, seed=20 + index)
        cases.append(Case(name, exposure, reference, False))
    exposure, reference = _multistripe_case(root, "mstripe_dhs", (1, 2, 4, 30, 8, 20, 0, 0, 3, 700), seed=40)
    cases.append(Case("mstripe_dhs", exposure, reference, False))
    exposure, reference = _multistripe_case(root, "mstripe_inv_coeffs", MULTISTRIPE["mstripe_fast_x"], seed=41,
                                            inv_nframes=4)
    cases.append(Case("mstripe_inv_coeffs", exposure, reference, False))
    return cases


def _failing_cases(root: Path) -> dict[str, tuple[Path, Path]]:
    """Exposures on which jwst's LinearityStep fails (and lininspect refuses): name -> (exposure, reference)."""
    root.mkdir()
    exposure, reference = _multistripe_case(root, "superstripe", MULTISTRIPE["mstripe_fast_x"], seed=50)
    _edit_primary(exposure, lambda header: header.update(SSTR_NST=2, SSTR_STP=16))
    failing = {"superstripe": (exposure, reference)}
    written, reference = _multistripe_case(root, "no_sstr_nst", MULTISTRIPE["mstripe_fast_x"], seed=51)
    exposure = root / "no_sstr_nst_refpix.fits"  # plain FITS: no ASDF tree that could still hold SSTR_NST
    with fits.open(written) as hdul:
        del hdul[0].header["SSTR_NST"]
        fits.HDUList([hdu for hdu in hdul if hdu.name != "ASDF"]).writeto(exposure)
    failing["no_sstr_nst"] = (exposure, reference)
    failing["onegroup"] = _read_level_case(root, "onegroup", seed=9, shape=(1, 1, 6, 6), nframes=4)
    return failing


@pytest.fixture(scope="module")
def pipeline_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Case], dict[str, tuple[Path, Path, str]]]:
    """Every case's products (jwst's and ours) and, in the same jwst child, the runs that must fail:
    name -> (exposure, reference, jwst's traceback)."""
    root = tmp_path_factory.mktemp("pathways")
    built = _build_cases(root)
    failing = _failing_cases(root / "failing")
    jobs = [(case.exposure, case.reference, case.pipeline_output) for case in built]
    jobs += [(exposure, reference, root / "failing" / f"{name}_pipeline.fits")
             for name, (exposure, reference) in failing.items()]
    errors = linearity_step_failures(jobs, root / "crds")
    unexpected = {jobs[index][0].name: error[-3000:] for index, error in errors.items() if index < len(built)}
    if unexpected:
        raise PipelineRunError(f"LinearityStep failed on cases it must correct: {unexpected}")
    for case in built:
        correct_file(case.exposure, case.reference, case.our_output)
    failures = {name: (exposure, reference, errors.get(len(built) + n, ""))
                for n, (name, (exposure, reference)) in enumerate(failing.items())}
    return {case.name: case for case in built}, failures


@pytest.fixture(scope="module")
def cases(pipeline_runs) -> dict[str, Case]:  # type: ignore[no-untyped-def]
    return pipeline_runs[0]


@pytest.fixture(scope="module")
def pipeline_failures(pipeline_runs) -> dict[str, tuple[Path, Path, str]]:  # type: ignore[no-untyped-def]
    return pipeline_runs[1]


CASE_NAMES = [
    "readlevel", "readlevel_subarray", "readlevel_plainfits", "readlevel_two_groups", "tree_nframes",
    "tree_zeroframe", "tree_substrt", "read_times", *MULTISTRIPE, "mstripe_dhs", "mstripe_inv_coeffs",
]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_arrays_identical_to_linearity_step(cases: dict[str, Case], name: str) -> None:
    case = cases[name]
    theirs = read_pipeline_product(case.pipeline_output)
    ours = read_pipeline_product(case.our_output)
    for hdu in ("SCI", "PIXELDQ", "GROUPDQ", "ZEROFRAME"):
        assert (hdu in theirs) == (hdu in ours), hdu
        if hdu in theirs:
            assert_same_bits(ours[hdu], theirs[hdu])
    assert ours["S_LINEAR"] == theirs["S_LINEAR"] == "COMPLETE"
    model = read_with_ramp_model(case.our_output)
    assert model["cal_step_linearity"] == "COMPLETE"
    assert_same_bits(np.asarray(model["data"], np.float32), theirs["SCI"])


@pytest.mark.parametrize("name", CASE_NAMES)
def test_our_plan_takes_the_pipelines_path(cases: dict[str, Case], name: str) -> None:
    """And the path matters: where it is read-level, the classic correction would differ."""
    case = cases[name]
    plan = plan_correction(open_exposure(case.exposure), open_reference(case.reference))
    assert plan.read_level == case.read_level, plan.reason
    if case.read_level:
        theirs = read_pipeline_product(case.pipeline_output)["SCI"]
        exposure = open_exposure(case.exposure)
        classic = correct_arrays(exposure.sci[...], exposure.groupdq[...], exposure.pixeldq, plan.coeffs,
                                 plan.ref_dq).data
        assert np.count_nonzero(classic != theirs) > theirs.size // 4


def test_metadata_from_the_tree_is_noted(cases: dict[str, Case]) -> None:
    for name, keyword in (("tree_nframes", "NFRAMES"), ("tree_zeroframe", "ZEROFRAM"), ("tree_substrt", "SUBSTRT1")):
        exposure = open_exposure(cases[name].exposure)
        assert keyword not in exposure.header
        assert any(note.startswith(f"{keyword} has no header card") for note in exposure.notes), exposure.notes
    assert open_exposure(cases["tree_zeroframe"].exposure).zeroframe is not None


def test_multistripe_cut_is_not_a_contiguous_block(cases: dict[str, Case]) -> None:
    """A contiguous cut of the same size would differ: the test files do exercise the stripe rows."""
    case = cases["mstripe_fast_x"]
    exposure, reference = open_exposure(case.exposure), open_reference(case.reference)
    plan = plan_correction(exposure, reference)
    x0 = exposure.substrt()[0] - reference.substrt[0]
    ny, nx = exposure.shape[2:]
    assert not np.array_equal(plan.coeffs, reference.coeffs[:, :ny, x0 : x0 + nx])


def test_superstripe_fails_in_the_pipeline_and_is_refused_here(pipeline_failures, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    exposure, reference, jwst_error = pipeline_failures["superstripe"]  # jwst ran on it with the cases above
    assert re.search("Unsupported shape", jwst_error), jwst_error or "LinearityStep did not fail"
    with pytest.raises(LinInspectError, match="superstripe exposure"):
        correct_file(exposure, reference, tmp_path / "ours.fits")
    assert not (tmp_path / "ours.fits").exists()


def test_multistripe_without_sstr_nst_fails_in_the_pipeline_and_is_refused_here(pipeline_failures, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 15 item 12: jwst 3.0.0 cuts the reference with ``num_superstripe > 0`` read as None."""
    exposure, reference, jwst_error = pipeline_failures["no_sstr_nst"]
    assert re.search("'>' not supported between instances of 'NoneType' and 'int'", jwst_error), (
        jwst_error or "LinearityStep did not fail")
    with pytest.raises(LinInspectError, match=r"no_sstr_nst_refpix.fits: multistripe exposure \(MSTR_\* keywords\) "
                                              r"without SSTR_NST; the pipeline fails"):
        correct_file(exposure, reference, tmp_path / "ours.fits")
    assert not (tmp_path / "ours.fits").exists()


def test_one_group_read_level_fails_in_the_pipeline_and_is_refused_here(pipeline_failures, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    exposure, reference, jwst_error = pipeline_failures["onegroup"]
    assert re.search("IndexError", jwst_error), jwst_error or "LinearityStep did not fail"
    with pytest.raises(LinInspectError, match="one group per integration"):
        correct_file(exposure, reference, tmp_path / "ours.fits")


@pytest.mark.parametrize("name", ["readlevel", "tree_nframes", "mstripe_reversed_x"])
def test_the_inspector_corrects_by_the_same_plan(cases: dict[str, Case], name: str) -> None:
    """The app's correction job (Qt-free session) gives the pipeline's numbers too."""
    from lininspect.model.session import Session

    case = cases[name]
    session = Session()
    session.open_input(case.exposure)
    session.open_reference(case.reference)
    result = session.correction_job()(None, None)
    theirs = read_pipeline_product(case.pipeline_output)
    assert_same_bits(np.asarray(result.data), theirs["SCI"])  # corrected on demand, box by box
    nints, ngroups = theirs["SCI"].shape[:2]
    for i in range(nints):  # and plane by plane, as the panels ask
        for g in range(ngroups):
            assert_same_bits(result.data[i, g], theirs["SCI"][i, g])
    assert_same_bits(result.pixeldq, theirs["PIXELDQ"])
    assert_same_bits(session.result_pixeldq(), theirs["PIXELDQ"])  # before a run: as preparing sets it


@pytest.mark.parametrize("name", [name for name in CASE_NAMES if name != "readlevel_plainfits"])
def test_metadata_equals_stdatamodels_read_metadata(cases: dict[str, Case], name: str) -> None:
    """Our header-over-tree reading gives what stdatamodels gives, for every keyword we use."""
    exposure = open_exposure(cases[name].exposure)
    theirs = read_metadata(str(cases[name].exposure), model_type="RampModel", flatten=False)["meta"]
    for path in KEYWORDS:
        node = theirs
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        assert exposure.metadata.values.get(path) == node, path
    assert exposure.metadata.read_times == theirs["exposure"].get("read_times")
