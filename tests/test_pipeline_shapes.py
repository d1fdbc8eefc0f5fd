"""Shapes of input where lininspect and jwst's LinearityStep once parted ways (issue 16 item 8).

Each file goes through both: where the pipeline writes a product, ours must hold the same
arrays; where it fails, ``lininspect correct`` must refuse in one line (exit 2), not write
a product the pipeline never would. One pipeline subprocess runs every shape.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from hostile_files import set_card
from pipeline_oracle import (
    MIRI_DQ_DEF,
    PipelineRunError,
    read_pipeline_product,
    run_linearity_steps,
    write_linearity_reference,
    write_ramp_file,
)


def _compressed_zeroframe(base: Path, path: Path) -> None:
    with fits.open(base) as hdul:
        hdus = [hdu.copy() for hdu in hdul]
    index = [hdu.name for hdu in hdus].index("ZEROFRAME")
    hdus[index] = fits.CompImageHDU(hdus[index].data, header=hdus[index].header, name="ZEROFRAME")
    fits.HDUList(hdus).writeto(path)


def _odd_table(name: str) -> Callable[[Path, Path], None]:
    def write(base: Path, path: Path) -> None:
        with fits.open(base) as hdul:
            hdus = [hdu.copy() for hdu in hdul]
        fits.HDUList([*hdus, fits.BinTableHDU(np.zeros(2, dtype=[("foo", "i4")]), name=name)]).writeto(path)

    return write


def _raw(edit: Callable[[bytes], bytes]) -> Callable[[Path, Path], None]:
    return lambda base, path: path.write_bytes(edit(base.read_bytes()))


#: Each shape: how it is made from the intact ramp (which has a ZEROFRAME and the ASDF extension).
SHAPES: dict[str, Callable[[Path, Path], None]] = {
    "intact": _raw(lambda data: data),
    "tile-compressed ZEROFRAME": _compressed_zeroframe,
    "EXTNAME 'sci' in lower case": _raw(lambda data: set_card(data, "SCI", "EXTNAME", "'sci     '")),
    "EXTNAME 'groupdq' in lower case": _raw(lambda data: set_card(data, "GROUPDQ", "EXTNAME", "'groupdq '")),
    "PIXELDQ renamed": _raw(lambda data: set_card(data, "PIXELDQ", "EXTNAME", "'PIXELDQX'")),
    "ASDF file format 9.9.9": _raw(lambda data: data.replace(b"#ASDF 1.0.0", b"#ASDF 9.9.9", 1)),
    "INT_TIMES with other columns": _odd_table("INT_TIMES"),
    "GROUP with other columns": _odd_table("GROUP"),
}


def _stray_byte_after_nul(reference: Path, path: Path) -> None:
    """NO_LIN_CORR's NAME with a byte after its NUL padding: astropy reads 'NO_LIN_CORR\\0\\0X'."""
    data = bytearray(reference.read_bytes())
    end = data.index(b"NO_LIN_CORR") + len(b"NO_LIN_CORR")
    assert data[end : end + 3] == b"\0\0\0"
    data[end + 2] = ord("X")
    path.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path | None, subprocess.CompletedProcess[str]]]:
    """For each shape: the pipeline's product (None when it failed) and our run."""
    root = tmp_path_factory.mktemp("shapes")
    rng = np.random.default_rng(8)
    sci = (rng.random((2, 3, 8, 10)) * 30000).astype(np.float32)
    base = write_ramp_file(root / "base.fits", sci=sci, zeroframe=sci[:, 0] * 0.5)
    coeffs = np.zeros((3, 8, 10), np.float32)
    coeffs[1], coeffs[2] = 1, 1e-6
    dq = np.zeros((8, 10), np.uint32)
    dq[2, 3] = 4  # NO_LIN_CORR under MIRI_DQ_DEF
    reference = write_linearity_reference(root / "ref.fits", coeffs=coeffs, dq=dq, dq_def=MIRI_DQ_DEF)
    stray = root / "ref_stray.fits"
    _stray_byte_after_nul(reference, stray)
    runs = []
    for number, (name, make) in enumerate(SHAPES.items()):
        make(base, root / f"shape{number}.fits")
        runs.append((name, root / f"shape{number}.fits", reference))
    runs.append(("DQ_DEF NAME with a byte after its NUL padding", base, stray))
    failed: set[int] = set()
    try:
        run_linearity_steps([(ramp, ref, root / f"jwst{n}.fits") for n, (_, ramp, ref) in enumerate(runs)],
                            root / "crds")  # fmt: skip
    except PipelineRunError as error:
        failed = {int(n) for n in re.findall(r"^job (\d+) ", str(error), flags=re.MULTILINE)}
        assert failed, str(error)  # the pipeline's subprocess itself must not die
    results = {}
    for n, (name, ramp, ref) in enumerate(runs):
        ours = subprocess.run([sys.executable, "-m", "lininspect", "correct", str(ramp), "--reference", str(ref),
                               "-o", str(root / f"ours{n}.fits"), "-q"], capture_output=True, text=True, timeout=120)  # fmt: skip
        results[name] = (None if n in failed else root / f"jwst{n}.fits", ours)
    return results


@pytest.mark.parametrize("shape", [*SHAPES, "DQ_DEF NAME with a byte after its NUL padding"])
def test_each_shape_gets_the_pipelines_product_or_a_refusal(outcomes, shape: str) -> None:  # type: ignore[no-untyped-def]
    theirs, ours = outcomes[shape]
    if theirs is None:
        assert ours.returncode == 2, (shape, ours.stderr)
        assert ours.stderr.startswith("lininspect: error: ") and ours.stderr.count("\n") == 1, ours.stderr
        return
    assert ours.returncode == 0, (shape, ours.stderr)
    output = Path(re.search(r"-o (\S+)", " ".join(ours.args))[1])  # type: ignore[index]
    expected, got = read_pipeline_product(theirs), read_pipeline_product(output)
    for name in ("SCI", "PIXELDQ", "GROUPDQ", "ZEROFRAME"):
        assert (name in expected) == (name in got), (shape, name)
        if name in expected:
            assert np.array_equal(expected[name], got[name], equal_nan=True), (shape, name)
    assert got["S_LINEAR"] == expected["S_LINEAR"] == "COMPLETE"


def test_the_shapes_reach_both_outcomes(outcomes) -> None:  # type: ignore[no-untyped-def]
    """The pipeline fails on some shapes and corrects others: each branch of the test above runs."""
    assert {theirs is None for theirs, _ in outcomes.values()} == {True, False}
