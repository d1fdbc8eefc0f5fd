"""The command line as a user meets it: the demo, the progress bar on a terminal, the summary."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from astropy.io import fits


def test_demo_then_correct_on_a_terminal_shows_progress_and_a_summary(tmp_path: Path) -> None:
    demo = subprocess.run([sys.executable, "-m", "lininspect", "demo", str(tmp_path / "d")],
                          capture_output=True, text=True, timeout=120)
    assert demo.returncode == 0, demo.stderr
    exposure, reference = tmp_path / "d" / "demo_miri_lastframe.fits", tmp_path / "d" / "demo_miri_linearity_ref.fits"
    assert f"wrote {exposure}" in demo.stdout and f"wrote {reference}" in demo.stdout

    leader, follower = pty.openpty()  # stderr is a terminal, so the bar is drawn
    process = subprocess.Popen([sys.executable, "-m", "lininspect", "correct", str(exposure), "-r", str(reference)],
                               stdout=subprocess.PIPE, stderr=follower, text=True)
    os.close(follower)
    terminal = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        terminal += chunk
    stdout, _ = process.communicate(timeout=120)
    os.close(leader)
    assert process.returncode == 0
    assert b"100.0%" in terminal and b"file 1/1" in terminal and b"[" in terminal

    output = tmp_path / "d" / "demo_miri_linearity.fits"
    with fits.open(output) as product:
        flagged = int(((product["PIXELDQ"].data & (1 << 20)) != 0).sum())
        saturated = int(((product["GROUPDQ"].data & 2) != 0).sum())
    assert stdout.startswith(f"wrote {output}: {flagged} pixels NO_LIN_CORR, {saturated} saturated groups left raw")
    assert flagged == 8 * 1024 + 20 + 3 + 2  # edge columns, bad pixels, NaN and zero-c1 pixels of the demo


def test_progress_bar_stays_off_when_not_a_terminal(tmp_path: Path) -> None:
    demo = subprocess.run([sys.executable, "-m", "lininspect", "demo", str(tmp_path)], capture_output=True, text=True)
    assert demo.returncode == 0
    result = subprocess.run([sys.executable, "-m", "lininspect", "correct", str(tmp_path / "demo_miri_lastframe.fits"),
                             "--override-linearity", str(tmp_path / "demo_miri_linearity_ref.fits")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stderr == ""


def test_demo_replaces_its_files_only_when_asked(tmp_path: Path) -> None:
    def demo(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "lininspect", "demo", *args], capture_output=True, text=True)

    assert demo(str(tmp_path / "d")).returncode == 0
    exposure = tmp_path / "d" / "demo_miri_lastframe.fits"
    exposure.write_bytes(b"mine")
    again = demo(str(tmp_path / "d"))
    assert again.returncode == 2 and "already exists (use --overwrite" in again.stderr
    assert again.stderr.count("\n") == 1 and exposure.read_bytes() == b"mine"
    assert demo(str(tmp_path / "d"), "--overwrite").returncode == 0 and exposure.read_bytes() != b"mine"
    (tmp_path / "plain").write_text("x")
    refused = demo(str(tmp_path / "plain"))
    assert refused.returncode == 2 and "is not a directory" in refused.stderr
