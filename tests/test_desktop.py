"""``lininspect install-desktop`` puts a valid menu entry and icon under $XDG_DATA_HOME; --remove takes them."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from lininspect import data
from lininspect.desktop import desktop_entry


def lininspect(*arguments: str, data_home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lininspect", *arguments], capture_output=True, text=True,
                          env={**os.environ, "XDG_DATA_HOME": str(data_home)}, timeout=60)  # fmt: skip


def validate(entry: Path) -> str:
    """desktop-file-validate's complaints (hints included): nothing for a valid entry."""
    checked = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True,
                             timeout=60)  # fmt: skip
    return checked.stdout + checked.stderr


def entry_keys(entry: Path) -> dict[str, str]:
    lines = entry.read_text().splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if line)


def test_install_writes_a_valid_entry_offered_for_fits_files(tmp_path: Path) -> None:
    ran = lininspect("install-desktop", data_home=tmp_path)
    entry = tmp_path / "applications" / "lininspect.desktop"
    icon = tmp_path / "icons" / "hicolor" / "scalable" / "apps" / "lininspect.svg"
    assert (ran.returncode, ran.stderr) == (0, "")
    assert ran.stdout.splitlines() == [f"wrote {entry}", f"wrote {icon}"]
    assert validate(entry) == ""
    keys = entry_keys(entry)
    assert keys["MimeType"] == "image/fits;application/fits;"
    assert (keys["Icon"], keys["Terminal"], keys["Type"]) == ("lininspect", "false", "Application")
    assert icon.read_bytes() == data.read_bytes(data.ICON)
    command = shlex.split(keys["Exec"])
    assert command[-1] == "%f"  # the file a file manager opens with it
    started = subprocess.run([*command[:-1], "--version"], capture_output=True, text=True, timeout=60)
    assert started.stdout.startswith("lininspect ")  # the command the menu runs is a working lininspect


def test_remove_takes_both_away_and_says_so_when_there_is_nothing(tmp_path: Path) -> None:
    assert lininspect("install-desktop", data_home=tmp_path).returncode == 0
    entry = tmp_path / "applications" / "lininspect.desktop"
    icon = tmp_path / "icons" / "hicolor" / "scalable" / "apps" / "lininspect.svg"
    removed = lininspect("install-desktop", "--remove", data_home=tmp_path)
    assert (removed.returncode, removed.stdout.splitlines()) == (0, [f"removed {entry}", f"removed {icon}"])
    assert not entry.exists() and not icon.exists()
    again = lininspect("install-desktop", "--remove", data_home=tmp_path)
    nothing = f"nothing to remove: no lininspect desktop entry in {tmp_path}\n"
    assert (again.returncode, again.stdout) == (0, nothing)


def test_a_command_path_with_spaces_and_quotes_stays_one_valid_word(tmp_path: Path) -> None:
    entry = tmp_path / "lininspect.desktop"
    entry.write_text(desktop_entry(["/opt/$HOME's `venv`/100%/bin/lininspect"]))  # reserved in Exec
    assert validate(entry) == ""
    odd = '/home/Jürgen Müller/my "venv"\\/bin/lininspect'
    entry.write_text(desktop_entry([odd]))
    assert validate(entry) == ""
    exec_line = entry_keys(entry)["Exec"].replace("\\\\", "\\")  # the string level's escape first
    assert shlex.split(exec_line) == [odd, "%f"]  # shlex unquotes \" and \\ as the spec does


def test_a_relative_xdg_data_home_is_ignored_as_the_spec_says(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from lininspect.desktop import data_home

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", "relative/share")
    assert data_home() == tmp_path / ".local" / "share"
