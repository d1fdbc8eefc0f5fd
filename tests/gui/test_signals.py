"""Ctrl-C and SIGTERM end the app at once, as closing the window would, with 130/143 and no traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

#: Offscreen Qt's own note on each window shown; not lininspect's, and no display prints it.
OFFSCREEN_NOTE = "This plugin does not support propagateSizeHints()"
PROBE = Path(__file__).with_name("signal_probe.py")
#: Bounds that detect a hang, not a slow machine: on one with load 11 from other jobs, six apps
#: started at once took 20 s to come up and 1.6 s from the signal to their exit.
START_UP_S, EXIT_S = 120, 30


@pytest.mark.parametrize(("signum", "pause"), [(signal.SIGTERM, 0), (signal.SIGINT, 0), (signal.SIGTERM, 0.5)])
def test_the_app_ends_quietly_on_a_signal(small_files, tmp_path: Path, signum: int, pause: float) -> None:  # type: ignore[no-untyped-def]
    settings = tmp_path / "s.ini"
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", LININSPECT_SETTINGS=str(settings))
    app = subprocess.Popen([sys.executable, "-m", "lininspect", str(small_files.exposure), "--reference",
                            str(small_files.reference)], env=environment, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.monotonic() + START_UP_S
    while not settings.exists() and time.monotonic() < deadline:  # written once the window is up
        time.sleep(0.1)
    time.sleep(pause)
    sent = time.monotonic()
    app.send_signal(signum)
    _, stderr = app.communicate(timeout=EXIT_S)
    assert time.monotonic() - sent < EXIT_S
    assert app.returncode == 128 + signum
    assert [line for line in stderr.splitlines() if line != OFFSCREEN_NOTE] == []
    assert settings.read_text().count("geometry") == 1  # closed as the user would: settings saved


def test_a_signal_at_any_moment_of_start_up_ends_the_app_quietly(small_files, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The probe sends the signal at a chosen moment (see signal_probe.py). Failed before: inside
    pyqtgraph's drawing the app crashed (segfault, "wrapped C/C++ object ... has been deleted"),
    and in the dialog for a file it cannot open it ignored the signal (hung). With a job that
    cannot stop (``stuck``) it waited for that job for ever; under load, the CRDS lookup's imports
    and Python's teardown made ('drawing', SIGTERM) take 25 s from the signal to the exit."""
    bad = tmp_path / "bad.fits"
    bad.write_bytes(b"SIMPLE  = not really")
    opened = [str(small_files.exposure), "--reference", str(small_files.reference)]
    cases = {("drawing", signal.SIGTERM): opened, ("job-1", signal.SIGTERM): opened,
             ("result-1", signal.SIGTERM): opened, ("dialog", signal.SIGTERM): [str(bad)],
             ("drawing", signal.SIGINT): opened, ("dialog", signal.SIGINT): [str(bad)],
             ("stuck-1", signal.SIGTERM): opened}  # fmt: skip
    apps = {}
    for (moment, signum), arguments in cases.items():  # all at once: a few seconds in all
        settings = tmp_path / f"{moment}-{signum}.ini"
        environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", LININSPECT_SETTINGS=str(settings),
                           PYTHONPATH=os.pathsep.join(sys.path))  # fmt: skip
        apps[moment, signum] = settings, subprocess.Popen(
            [sys.executable, str(PROBE), moment, str(int(signum)), *arguments],
            env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
    outcomes, expected = {}, {}
    for (moment, signum), (settings, app) in apps.items():
        try:
            _, stderr = app.communicate(timeout=START_UP_S)  # all started together: they end together
        except subprocess.TimeoutExpired:
            app.kill()
            _, stderr = app.communicate()
        noise = [line for line in stderr.splitlines() if line != OFFSCREEN_NOTE]
        saved = settings.exists() and settings.read_text().count("geometry") == 1  # closed as the user would
        outcomes[moment, signum.name] = (app.returncode, noise, saved)
        expected[moment, signum.name] = (128 + signum, [], True)
    assert outcomes == expected
