"""``lininspect RAMP ...``: each option of the command line reaches the app in its own field."""

from __future__ import annotations

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
