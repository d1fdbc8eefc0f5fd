"""The refusal of an input that needs jwst says what installs it for the way lininspect was installed.

It said ``pip install 'lininspect[pipeline]'`` everywhere, which fails in a clone (where
``pip install -e '.[pipeline]'`` is the command); the wheel's case is in tests/test_wheel.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from astropy.io import fits

sys.path.insert(0, str(Path(__file__).parent / "gui"))
from smallfiles import EARLIER_STEPS, write_small_pair  # noqa: E402

from lininspect import installation  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def test_without_jwst_a_clone_is_told_the_editable_install(tmp_path: Path) -> None:
    files = write_small_pair(tmp_path)
    with fits.open(files.exposure, mode="update") as exposure:  # no record of the earlier steps: jwst's job
        for keyword in EARLIER_STEPS:
            del exposure[0].header[keyword]
    no_jwst = tmp_path / "nojwst" / "jwst"
    no_jwst.mkdir(parents=True)
    (no_jwst / "__init__.py").write_text("raise ImportError('No module named jwst')\n")
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join([str(no_jwst.parent), str(ROOT)]))
    ran = subprocess.run([sys.executable, "-m", "lininspect", "correct", str(files.exposure), "--reference",
                          str(files.reference), "-o", str(tmp_path / "out.fits")],
                         capture_output=True, text=True, env=environment, timeout=120)  # fmt: skip
    assert ran.returncode == 2
    (line,) = ran.stderr.splitlines()
    assert f"jwst, which is not installed: pip install -e '.[pipeline]' in {ROOT} (or use --as-is" in line
    assert not (tmp_path / "out.fits").exists()


def test_the_help_names_the_command_for_this_install() -> None:
    ran = subprocess.run([sys.executable, "-m", "lininspect", "--help"], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="200"), timeout=60)  # fmt: skip
    assert f"pip install -e '.[pipeline]' in {ROOT}" in ran.stdout


def test_under_pipx_jwst_is_injected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(installation, "source_checkout", lambda: None)
    monkeypatch.setattr(sys, "prefix", "/home/user/.local/share/pipx/venvs/lininspect")
    assert installation.pipeline_install_hint() == "pipx inject lininspect 'jwst==3.0.0'"
