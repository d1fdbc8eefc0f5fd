"""Ctrl-C and SIGTERM end the app within a second, as closing the window would, with 130/143."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PyQt6.QtCore import QTimer

from lininspect.gui.app import application, quit_on_signals, show_window


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_closes_the_window_and_ends_the_loop_at_once(qtbot, small_files, signum: int) -> None:  # type: ignore[no-untyped-def]
    app = application()
    window = show_window(small_files.exposure, small_files.reference, None, correct_on_open=False)
    previous = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM), signal.set_wakeup_fd(-1)
    try:
        quit_on_signals(app, window)
        sent: list[float] = []
        QTimer.singleShot(200, lambda: (sent.append(time.monotonic()), os.kill(os.getpid(), signum)))
        QTimer.singleShot(5000, lambda: app.exit(-1))  # the loop would otherwise wait for Python to run
        code = app.exec()
        assert code == 128 + signum
        assert time.monotonic() - sent[0] < 1.0
        assert not window.isVisible()
    finally:
        signal.signal(signal.SIGINT, previous[0])
        signal.signal(signal.SIGTERM, previous[1])
        signal.set_wakeup_fd(previous[2])


def test_the_app_ends_quietly_on_sigterm(small_files, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", LININSPECT_SETTINGS=str(tmp_path / "s.ini"))
    app = subprocess.Popen([sys.executable, "-m", "lininspect", str(small_files.exposure), "--reference",
                            str(small_files.reference)], env=environment, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while not (tmp_path / "s.ini").exists() and time.monotonic() < deadline:  # written once the window is up
        time.sleep(0.1)
    time.sleep(0.5)
    app.send_signal(signal.SIGTERM)
    _, stderr = app.communicate(timeout=10)
    assert app.returncode == 143
    assert "Traceback" not in stderr and "Terminated" not in stderr
    assert (tmp_path / "s.ini").read_text().count("geometry") == 1  # closed as the user would: settings saved
