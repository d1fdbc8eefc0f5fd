"""Small generated exposures and an offscreen Qt for fast GUI tests."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

from collections.abc import Iterator
from pathlib import Path

import pytest
from guihelpers import shown_window
from smallfiles import SmallFiles, write_small_pair


@pytest.fixture(scope="session")
def small_files(tmp_path_factory: pytest.TempPathFactory) -> SmallFiles:
    return write_small_pair(tmp_path_factory.mktemp("small"))


@pytest.fixture(autouse=True)
def private_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own settings file; the user's settings are never touched."""
    path = tmp_path / "settings.ini"
    monkeypatch.setenv("LININSPECT_SETTINGS", str(path))
    return path


@pytest.fixture
def window(qtbot, small_files: SmallFiles) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A shown main window with the small exposure and reference loaded, not yet corrected."""
    win = shown_window(qtbot, small_files.exposure, small_files.reference)
    yield win
    win.close()
