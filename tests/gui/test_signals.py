"""Ctrl-C and SIGTERM end the app at once, as closing the window would, with 130/143 and no traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_app_ends_quietly_on_a_signal(small_files, tmp_path: Path, signum: int) -> None:  # type: ignore[no-untyped-def]
    settings = tmp_path / "s.ini"
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", LININSPECT_SETTINGS=str(settings))
    app = subprocess.Popen([sys.executable, "-m", "lininspect", str(small_files.exposure), "--reference",
                            str(small_files.reference)], env=environment, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while not settings.exists() and time.monotonic() < deadline:  # written once the window is up
        time.sleep(0.1)
    time.sleep(0.5)
    sent = time.monotonic()
    app.send_signal(signum)
    _, stderr = app.communicate(timeout=10)
    assert time.monotonic() - sent < 3
    assert app.returncode == 128 + signum
    assert "Traceback" not in stderr and "Terminated" not in stderr
    assert settings.read_text().count("geometry") == 1  # closed as the user would: settings saved
