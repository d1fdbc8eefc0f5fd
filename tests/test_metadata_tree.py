"""The ASDF metadata tree read without the asdf library (issue 19, target 1): the same tree as
``asdf.util.load_yaml`` (stdatamodels' reading), the same refusals, and no asdf import in ``correct``."""

from __future__ import annotations

import io
import math
import subprocess
import sys
from pathlib import Path

import asdf.util
import numpy as np
import pytest

from asdf_attacks import after_document_start, asdf_yaml
from lininspect.core.errors import LinInspectError
from lininspect.core.fits.metadata import _read_tree
from pipeline_oracle import write_linearity_reference, write_ramp_file

#: YAML that asdf reads in its own ways: tags of every kind, YAML 1.1 booleans and numbers, dates, merges.
ADDITIONS = [
    "",
    "custom: !<tag:example.org/thing-1.0.0> {a: 1, b: [2, 3]}\n",
    "listed: !<tag:example.org/list-1.0.0> [1, two, 3.5]\n",
    "scalar: !<tag:example.org/text-1.0.0> 42\n",
    "local: !core/complex-1.0.0 1+2j\n",
    "flags: [yes, no, on, off, y, n, True, ~, null]\n",
    "numbers: [0x1F, 0o17, 017, 1_000, 1e3, 1.5e-3, .inf, -.Inf, .nan, 190:20:30, +12]\n",
    "dates: [2024-01-02, 2024-01-02T03:04:05Z, 2024-01-02 03:04:05.25 -5]\n",
    "base: &b {x: 1, y: 2}\nmerged: {<<: *b, y: 3}\n",
    "ordered: !!omap [{a: 1}, {b: 2}]\n",
    "pairs: !!pairs [{a: 1}, {a: 2}]\n",
    "set: !!set {a, b}\n",
    "binary: !!binary aGVsbG8=\n",
    "text: !!str 12\nnumber: !!float 3\n",
    "empty: \n",
]


@pytest.fixture(scope="module")
def pipeline_yaml(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The YAML of an ASDF extension as the pipeline's datamodels write it."""
    folder = tmp_path_factory.mktemp("tree")
    ramp = write_ramp_file(folder / "ramp_lastframe.fits", sci=np.ones((1, 2, 4, 5), np.float32), with_asdf=True)
    return asdf_yaml(ramp).decode("utf-8")


def _same(ours: object, theirs: object) -> bool:
    """Equal trees, a NaN equal to a NaN."""
    if isinstance(ours, float) and isinstance(theirs, float) and math.isnan(ours) and math.isnan(theirs):
        return True
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return ours.keys() == theirs.keys() and all(_same(ours[key], theirs[key]) for key in ours)
    if isinstance(ours, (list, tuple)) and isinstance(theirs, (list, tuple)):
        return type(ours) is type(theirs) and len(ours) == len(theirs) and all(map(_same, ours, theirs))
    return type(ours) is type(theirs) and ours == theirs


@pytest.mark.parametrize("addition", ADDITIONS)
def test_the_tree_is_asdfs(pipeline_yaml: str, addition: str) -> None:
    text = after_document_start(addition)(pipeline_yaml).encode("utf-8")
    theirs = asdf.util.load_yaml(io.BytesIO(text))
    ours = _read_tree(Path("x.fits"), text)
    assert _same(ours, theirs)
    assert ours["meta"]["exposure"] == theirs["meta"]["exposure"]


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text.replace("\n...", "\n"),  # no end marker
        lambda text: text.replace("meta:", "meta: [", 1),  # unclosed flow sequence
        lambda text: text.replace("meta:", "meta: *nowhere\nx:", 1),  # unknown alias
        lambda text: text.replace("meta:", "meta: !!int notanumber\nx:", 1),  # a known tag on the wrong value
    ],
)
def test_a_tree_asdf_cannot_read_is_refused(pipeline_yaml: str, damage) -> None:  # type: ignore[no-untyped-def]
    text = damage(pipeline_yaml).encode("utf-8")
    with pytest.raises(Exception):  # noqa: B017 (asdf raises several kinds)
        asdf.util.load_yaml(io.BytesIO(text))
    with pytest.raises(LinInspectError, match=r"x\.fits: ASDF extension unreadable \(.+\)"):
        _read_tree(Path("x.fits"), text)


def test_correct_imports_neither_asdf_nor_the_pipelines_models(tmp_path: Path) -> None:
    """A one-file ``correct`` with the reference given reads the ASDF metadata without those libraries."""
    ramp = write_ramp_file(tmp_path / "ramp_lastframe.fits", sci=np.ones((1, 3, 6, 8), np.float32), with_asdf=True)
    coeffs = np.zeros((3, 6, 8), np.float32)
    coeffs[1] = 1
    reference = write_linearity_reference(tmp_path / "ref.fits", coeffs=coeffs)
    script = (
        "import sys; from lininspect.cli import main\n"
        "try:\n"
        f"    main(['correct', {str(ramp)!r}, '-r', {str(reference)!r}, '-o', {str(tmp_path / 'out.fits')!r}, '--quiet'])\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "print(sorted(name for name in ('asdf', 'stdatamodels', 'crds', 'jwst') if name in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out.fits").exists()
    assert result.stdout.strip().splitlines()[-1] == "[]"
