"""Small generated exposures and an offscreen Qt for fast GUI tests."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from guihelpers import shown_window
from smallfiles import SmallFiles, write_small_pair

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test helpers in tests/


@pytest.fixture(scope="session")
def small_files(tmp_path_factory: pytest.TempPathFactory) -> SmallFiles:
    return write_small_pair(tmp_path_factory.mktemp("small"))


@pytest.fixture(autouse=True)
def private_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own settings file; the user's settings are never touched."""
    path = tmp_path / "settings.ini"
    monkeypatch.setenv("LININSPECT_SETTINGS", str(path))
    return path


@pytest.fixture(autouse=True)
def no_unexpected_dialogs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A warning or error box no test asked for fails the test instead of waiting for a click forever.

    A job finishing late (a CRDS lookup after the test's own steps) once opened a modal box in
    teardown and stopped the whole suite. Tests that expect a dialog patch these themselves.
    """
    from PyQt6.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *rest: shown.append(text))
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *rest: shown.append(text))
    yield shown
    assert not shown, f"a dialog no test expected: {shown}"


@pytest.fixture
def window(qtbot, small_files: SmallFiles) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A shown main window with the small exposure and reference loaded, not yet corrected."""
    win = shown_window(qtbot, small_files.exposure, small_files.reference)
    yield win
    win.close()


@pytest.fixture
def contexts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The comparison's exposure, this process's crds pointed at a two-context cache, and each context's pick.

    A real crds client reads a self-made cache whose operational context (which picks A) and a
    "delivery" context pick different linearity references for the same exposure.
    """
    from comparison_files import write_comparison_files, write_two_context_cache
    from crds.core.utils import clear_function_caches
    from crds_cache import cache_env

    files = write_comparison_files(tmp_path)
    picked = write_two_context_cache(tmp_path / "crds", files)
    for key in ("CRDS_PATH", "CRDS_SERVER_URL", "CRDS_CONTEXT", "CRDS_MODE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in cache_env(tmp_path / "crds").items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("LININSPECT_CACHE_DIR", str(tmp_path / "prepared"))
    clear_function_caches()
    yield files["exposure"], picked
    clear_function_caches()
