"""``lininspect RAMP ...``: each option of the command line reaches the app in its own field."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lininspect.cli import main
from lininspect.model.opening import OpeningRequest


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch) -> list[OpeningRequest]:
    """The requests the command line hands the app, which is not started."""
    from lininspect.gui import app

    requests: list[OpeningRequest] = []
    monkeypatch.setattr(app, "launch", lambda request: requests.append(request) or 0)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")  # a display: the app reports missing files
    monkeypatch.delenv("CRDS_CONTEXT", raising=False)
    return requests


def test_every_option_lands_in_its_own_field(launched: list[OpeningRequest], tmp_path: Path) -> None:
    ramp, a, product, b = (tmp_path / name for name in ("ramp.fits", "a.fits", "product.fits", "b.fits"))
    argv = [str(ramp), "--reference", str(a), "--corrected", str(product), "--against", str(b), "--as-is"]
    assert main(argv) == 0
    assert launched == [OpeningRequest(ramp, a, product, b, correct_on_open=False, resolve=True, as_is=True)]


def test_an_exposure_alone_is_resolved_in_the_app(launched: list[OpeningRequest], tmp_path: Path) -> None:
    assert main([str(tmp_path / "ramp.fits")]) == 0
    assert launched == [OpeningRequest(tmp_path / "ramp.fits", resolve=True)]


def test_the_command_line_builds_the_request_without_qt() -> None:
    code = "import sys, lininspect.cli, lininspect.model.opening; print('PyQt6' in sys.modules)"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "False"


@pytest.mark.parametrize("which", ["input", "--reference", "--corrected", "--against"])
def test_without_a_display_a_missing_file_is_named_first(tmp_path: Path, which: str) -> None:
    """It said "no display" for ``lininspect nosuchfile.fits``, leaving the user to find the typo later."""
    names = ("input", "--reference", "--corrected", "--against")
    files = {name: tmp_path / f"{name.strip('-')}.fits" for name in names}
    for name, path in files.items():
        if name != which:
            path.write_bytes(b"")
    argv = [str(files["input"])] + [part for name in names[1:] for part in (name, str(files[name]))]
    headless = {name: value for name, value in os.environ.items()
                if name not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}  # fmt: skip
    ran = subprocess.run([sys.executable, "-m", "lininspect", *argv], capture_output=True, text=True,
                         env=headless, timeout=60)  # fmt: skip
    assert (ran.returncode, ran.stderr) == (2, f"lininspect: error: {files[which]}: no such file\n")


def test_without_a_display_existing_files_hear_about_the_display(tmp_path: Path) -> None:
    ramp = tmp_path / "ramp.fits"
    ramp.write_bytes(b"")
    headless = {name: value for name, value in os.environ.items()
                if name not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}  # fmt: skip
    ran = subprocess.run([sys.executable, "-m", "lininspect", str(ramp)], capture_output=True, text=True,
                         env=headless, timeout=60)  # fmt: skip
    assert ran.returncode == 2 and ran.stderr.startswith("lininspect: error: no display:")


def test_without_a_display_the_demo_is_not_written_for_nothing(tmp_path: Path) -> None:
    """``lininspect`` alone wrote the demo's 135 MB into the cache, then said there is no display."""
    headless = {name: value for name, value in os.environ.items()
                if name not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}  # fmt: skip
    ran = subprocess.run([sys.executable, "-m", "lininspect"], capture_output=True, text=True,
                         env={**headless, "XDG_CACHE_HOME": str(tmp_path)}, timeout=120)  # fmt: skip
    assert ran.returncode == 2 and ran.stderr.startswith("lininspect: error: no display:")
    assert not (tmp_path / "lininspect").exists()
