"""The one list of Debian packages covers every system library Qt's window needs.

A bare Debian 12 lacked libglib-2.0 when the list lived only in CI; this asks the
dynamic linker what Qt's X11 platform plugin loads and dpkg which package holds each
file, and requires each to come with resources/debian-packages.txt (or with Debian's
essential set, which every machine has).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIST = ROOT / "resources" / "debian-packages.txt"

pytestmark = pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="not a Debian system")


def listed_packages() -> set[str]:
    return {line.split("#")[0].strip() for line in LIST.read_text().splitlines()} - {""}


def installed_closure(roots: set[str]) -> set[str]:
    """``roots`` with everything they depend on (installed packages only), plus the essential set."""
    status = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package}\t${Essential}\t${Pre-Depends}, ${Depends}\n"],
        capture_output=True, text=True, check=True,
    ).stdout
    depends: dict[str, set[str]] = {}
    essential: set[str] = set()
    for line in status.splitlines():
        name, is_essential, relations = line.split("\t")
        depends[name.split(":")[0]] = {
            re.split(r"[ :(]", alternative.strip())[0]
            for relation in relations.split(",") for alternative in relation.split("|") if alternative.strip()
        }  # fmt: skip
        if is_essential == "yes":
            essential.add(name.split(":")[0])
    seen: set[str] = set()
    todo = list(roots | essential)
    while todo:
        package = todo.pop()
        if package not in seen:
            seen.add(package)
            todo += depends.get(package, ())
    return seen


def owner(path: str) -> str:
    found = subprocess.run(["dpkg-query", "-S", path], capture_output=True, text=True)
    if found.returncode != 0:  # /lib is a link to /usr/lib on merged-/usr systems
        found = subprocess.run(["dpkg-query", "-S", str(Path(path).resolve())], capture_output=True, text=True)
    return found.stdout.split(":")[0].strip()


def test_qt_window_libraries_come_from_the_list() -> None:
    import PyQt6

    plugin = Path(PyQt6.__file__).parent / "Qt6" / "plugins" / "platforms" / "libqxcb.so"
    linked = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, check=True).stdout
    assert "not found" not in linked, linked
    system = [m for m in re.findall(r"=> (/\S+)", linked) if "site-packages" not in m]
    assert len(system) > 20  # the X11/XCB, GL, fontconfig and GLib libraries
    closure = installed_closure(listed_packages())
    unlisted = {path: owner(path) for path in system if owner(path) not in closure}
    assert not unlisted, f"add to {LIST.name}: {unlisted}"


def test_readme_commands_install_the_list_first() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", (ROOT / "README.md").read_text(), re.S)
    setup = [block for block in blocks if "python3 -m venv" in block]
    assert len(setup) == 2
    for command in setup:
        assert command.startswith("bash resources/install-system-packages && ")
