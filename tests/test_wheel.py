"""A wheel of lininspect, installed into a fresh venv, carries everything the program reads at run time.

Before, the style sheet and the icon were read from the clone's resources/ folder, so any install
but an editable one lost the app's look without a word.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Run by the venv's Python: where lininspect came from, and what the app found.
PROBE = """
import json, lininspect
from lininspect.gui.app import application
app = application()
print(json.dumps({"module": lininspect.__file__, "style_sheet": app.styleSheet(),
                  "icon_sizes": [size.width() for size in app.windowIcon().availableSizes()]}))
"""


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv holding only lininspect's wheel; its dependencies come from this interpreter's site-packages."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"  # a copy: the build leaves build/ and egg-info behind
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "lininspect", source / "lininspect", ignore=shutil.ignore_patterns("__pycache__"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    subprocess.run([*pip, "wheel", "-q", "--no-deps", "-w", str(work / "dist"), str(source)], check=True,
                   capture_output=True, timeout=600)  # fmt: skip
    (wheel,) = (work / "dist").glob("lininspect-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([*pip, "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, timeout=300, env=_without_this_checkout())  # fmt: skip
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             check=True, capture_output=True, text=True).stdout.strip()  # fmt: skip
    # Plain path lines come after the venv's own site-packages, and the .pth files in them (this
    # interpreter's editable lininspect among them) are not run: the wheel's lininspect is imported.
    (Path(purelib) / "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return venv


def _without_this_checkout() -> dict[str, str]:
    """The environment minus PYTHONPATH, which would put this checkout's lininspect first."""
    return {name: value for name, value in os.environ.items() if name not in ("PYTHONPATH", "VIRTUAL_ENV")}


def run_in(venv: Path, *command: str, **environment: str) -> subprocess.CompletedProcess[str]:
    environment = {**_without_this_checkout(), "QT_QPA_PLATFORM": "offscreen", **environment}
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=120, cwd=venv)


def test_the_installed_app_has_its_style_sheet_and_icon(installed_wheel: Path) -> None:
    ran = run_in(installed_wheel, str(installed_wheel / "bin" / "python"), "-c", PROBE)
    assert ran.returncode == 0, ran.stderr
    found = json.loads(ran.stdout.splitlines()[-1])
    assert Path(found["module"]).is_relative_to(installed_wheel)  # the wheel's copy, not the clone's
    assert "QStatusBar" in found["style_sheet"]
    assert found["icon_sizes"] and min(found["icon_sizes"]) > 0


def test_the_installed_command_runs(installed_wheel: Path) -> None:
    ran = run_in(installed_wheel, str(installed_wheel / "bin" / "lininspect"), "--version")
    assert (ran.returncode, ran.stdout.strip()) == (0, f"lininspect {_version()}")


def test_the_installed_desktop_entry_runs_the_installed_command(installed_wheel: Path, tmp_path: Path) -> None:
    ran = run_in(installed_wheel, str(installed_wheel / "bin" / "lininspect"), "install-desktop",
                 XDG_DATA_HOME=str(tmp_path))  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    entry = (tmp_path / "applications" / "lininspect.desktop").read_text()
    assert f"Exec={installed_wheel / 'bin' / 'lininspect'} %f" in entry.splitlines()
    icon = tmp_path / "icons" / "hicolor" / "scalable" / "apps" / "lininspect.svg"
    assert icon.read_bytes() == (ROOT / "lininspect" / "data" / "lininspect.svg").read_bytes()


def test_the_installed_wheel_is_told_the_extra(installed_wheel: Path) -> None:
    """Installed from a wheel (or an index), the extra is what adds jwst; in a clone it is pip install -e."""
    hint = "from lininspect.installation import pipeline_install_hint; print(pipeline_install_hint())"
    ran = run_in(installed_wheel, str(installed_wheel / "bin" / "python"), "-c", hint)
    assert (ran.returncode, ran.stdout) == (0, "pip install 'lininspect[pipeline]'\n")


def _version() -> str:
    import lininspect

    return lininspect.__version__
