"""A signal in the last moments of a successful run (issue 16, item 13).

Python's shutdown puts the default handlers back before the process is gone: a SIGTERM in the
~0.3 s after the product was written killed lininspect by the signal (status -15), without a
line. Whenever it comes, the command must end with 0 (it came too late) or 143 and its line.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lininspect.core.demo import write_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return write_demo(tmp_path_factory.mktemp("late_signals") / "demo")


def _correct_then_signal(demo, tmp_path: Path, signum: int, delay: float, env: dict[str, str]) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """``correct`` with its output a pipe: the "wrote" line must come as it is said (tests/conftest.py)."""
    output = tmp_path / f"out_{delay}.fits"
    process = subprocess.Popen(
        [sys.executable, "-m", "lininspect", "correct", str(demo.exposure), "--reference", str(demo.reference),
         "-o", str(output), "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    assert process.stdout is not None and process.stdout.readline().startswith("wrote ")
    time.sleep(delay)
    process.send_signal(signum)
    code = process.wait(timeout=60)
    assert output.exists()  # the product was complete before the signal
    return code, process.stderr.read() if process.stderr else ""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_right_after_the_product_is_written_never_kills_by_the_signal(demo, tmp_path: Path, signum: int) -> None:  # type: ignore[no-untyped-def]
    status, line = (143, "lininspect: terminated") if signum == signal.SIGTERM else (130, "lininspect: interrupted")
    for delay in (0.0, 0.01, 0.03, 0.06, 0.1, 0.2):
        code, stderr = _correct_then_signal(demo, tmp_path, signum, delay, dict(os.environ))
        assert code in (0, status), (delay, code, stderr)
        assert "Traceback" not in stderr
        if code == status:
            assert stderr.strip().splitlines()[-1] == line, stderr


def test_a_sigterm_while_the_process_ends_gives_143_and_its_line(demo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A slow end (an atexit function of a library, here a 1 s one) must still answer SIGTERM with 143."""
    (tmp_path / "slow").mkdir()
    (tmp_path / "slow" / "sitecustomize.py").write_text("import atexit, time\natexit.register(time.sleep, 1.0)\n")
    env = dict(os.environ) | {"PYTHONPATH": os.pathsep.join([str(tmp_path / "slow"), os.environ.get("PYTHONPATH", "")])}
    code, stderr = _correct_then_signal(demo, tmp_path, signal.SIGTERM, 0.3, env)
    assert code == 143 and stderr.strip().splitlines()[-1] == "lininspect: terminated", (code, stderr)


@pytest.mark.parametrize("signum, expected", [(signal.SIGINT, "KeyboardInterrupt"), (signal.SIGTERM, "Terminated")])
def test_a_signal_python_drops_in_a_finaliser_still_ends_the_command(signum: int, expected: str) -> None:
    """CI: a Ctrl-C landing in a weakref callback of the import system was printed as "Exception
    ignored in ... _get_module_lock" and then forgotten: the command ran on and exited 0."""
    script = f"""
import signal, time
from lininspect.interrupts import exit_at_once_on_signals, raise_on_signals
exit_at_once_on_signals()
raise_on_signals()
class Finalised:
    def __del__(self):
        signal.raise_signal({int(signum)})
try:
    Finalised()
    for _ in range(500):
        time.sleep(0.01)
    print("ran on")
except BaseException as raised:
    print(type(raised).__name__)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == expected and result.stderr == "", (result.stdout, result.stderr)
