"""``lininspect --session FILE``: a saved review reaches the app whole, and a bad file is one line at the terminal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lininspect.cli import main
from lininspect.model.opening import OpeningRequest
from lininspect.model.sessionfile import SavedReference, SavedSession, write_session


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch) -> list[OpeningRequest]:
    """The requests the command line hands the app, which is not started."""
    from lininspect.gui import app

    requests: list[OpeningRequest] = []
    monkeypatch.setattr(app, "launch", lambda request: requests.append(request) or 0)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    return requests


def _saved(tmp_path: Path) -> Path:
    for name in ("ramp.fits", "a.fits"):
        (tmp_path / name).write_bytes(b"")
    target = tmp_path / "review.json"
    write_session(SavedSession(tmp_path / "ramp.fits", references={"A": SavedReference(tmp_path / "a.fits")}), target)
    return target


def test_a_session_is_handed_to_the_app_with_its_input(launched: list[OpeningRequest], tmp_path: Path) -> None:
    target = _saved(tmp_path)
    assert main(["--session", str(target)]) == 0
    assert launched == [OpeningRequest(tmp_path / "ramp.fits", session=target)]


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lininspect", *argv], capture_output=True, text=True, timeout=60)


def test_a_bad_session_or_a_gone_file_is_refused_in_one_line(tmp_path: Path) -> None:
    target = _saved(tmp_path)
    (tmp_path / "a.fits").unlink()
    ran = _run("--session", str(target))
    assert (ran.returncode, ran.stderr) == (2, f"lininspect: error: {target}: the session's file {tmp_path / 'a.fits'} "
                                               "is gone\n")  # fmt: skip
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"lininspect_session": 99}')
    ran = _run("--session", str(wrong))
    assert (ran.returncode, ran.stderr) == (2, f"lininspect: error: {wrong}: session version 99 is not one this "
                                               "lininspect reads (it reads 1)\n")  # fmt: skip
    ran = _run(str(tmp_path / "ramp.fits"), "--session", str(target))
    assert (ran.returncode, ran.stderr) == (2, "lininspect: error: --session names its own files: drop INPUT\n")
