"""The desktop's menu entry and icon, installed for the user (``lininspect install-desktop``).

A desktop app on Linux is started from the menu and opens files by double-click; the
freedesktop.org entry offers lininspect for FITS files and names the ``lininspect``
command by its absolute path, because a menu does not see the venv it was installed in.
Everything goes under ``$XDG_DATA_HOME`` (``~/.local/share``): no root needed, nothing
system-wide touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from . import data
from .core.fits.atomic import atomic_path

ENTRY_NAME = "lininspect.desktop"
ICON_NAME = "lininspect"
MIME_TYPES = ("image/fits", "application/fits")
#: Characters that make a word of Exec need quotes (the Desktop Entry Specification's reserved set).
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def data_home() -> Path:
    """``$XDG_DATA_HOME``, or ``~/.local/share`` when it is unset or not absolute (as the spec says)."""
    configured = os.environ.get("XDG_DATA_HOME", "")
    return Path(configured) if os.path.isabs(configured) else Path.home() / ".local" / "share"


def installed_files(home: Path) -> tuple[Path, Path]:
    """Where the entry and the icon go."""
    icon = home / "icons" / "hicolor" / "scalable" / "apps" / f"{ICON_NAME}.svg"
    return home / "applications" / ENTRY_NAME, icon


def command_line() -> list[str]:
    """How this lininspect is started: its console script, else this Python running the package."""
    beside_python = Path(sys.executable).parent / "lininspect"
    if beside_python.is_file() and os.access(beside_python, os.X_OK):
        return [str(beside_python.absolute())]
    on_path = shutil.which("lininspect")
    if on_path is not None:
        return [str(Path(on_path).absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "lininspect"]


def desktop_entry(command: list[str]) -> str:
    """The entry's text: ``%f`` is the file a file manager opens with it (none from the menu)."""
    executable = " ".join(_exec_word(word) for word in command)
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Name=lininspect",
        "GenericName=JWST Linearity Inspector",
        "Comment=Inspect JWST's detector linearity correction, with the pipeline's exact numbers",
        f"Exec={executable} %f",
        f"TryExec={_escape(command[0])}",
        f"Icon={ICON_NAME}",
        "Terminal=false",
        "Categories=Science;Astronomy;",
        f"MimeType={''.join(kind + ';' for kind in MIME_TYPES)}",
        "Keywords=JWST;FITS;linearity;ramp;detector;",
        "StartupWMClass=lininspect",
        "",
    ])  # fmt: skip


def install_desktop(home: Path) -> list[Path]:
    """Write (or rewrite) the entry and the icon; returns the files written."""
    entry, icon = installed_files(home)
    contents = {entry: desktop_entry(command_line()).encode(), icon: data.read_bytes(data.ICON)}
    for path, content in contents.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as temporary:
            temporary.write_bytes(content)
    _refresh_desktop_database(entry.parent)
    return list(contents)


def remove_desktop(home: Path) -> list[Path]:
    """Remove the entry and the icon; returns those that were there."""
    removed = [path for path in installed_files(home) if path.is_file()]
    for path in removed:
        path.unlink()
    if removed:
        _refresh_desktop_database(installed_files(home)[0].parent)
    return removed


def _refresh_desktop_database(applications: Path) -> None:
    """Update the MIME-type cache of file managers' "Open with", where the desktop has the tool."""
    tool = shutil.which("update-desktop-database")
    if tool is not None:
        subprocess.run([tool, "-q", str(applications)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=False, timeout=60)  # fmt: skip


def _exec_word(word: str) -> str:
    """One word of Exec: quoted when it holds a reserved character, then escaped as any string value."""
    word = word.replace("%", "%%")
    if any(character in _RESERVED for character in word):
        word = '"' + "".join("\\" + c if c in '"`$\\' else c for c in word) + '"'
    return _escape(word)


def _escape(value: str) -> str:
    """A string value of a desktop entry: backslash and line breaks escaped."""
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")
