"""The demo's reference is not labelled as the user's choice: ``lininspect`` alone opens it, unasked."""

from __future__ import annotations

import shutil
from pathlib import Path

from guihelpers import shown_window

from lininspect.core.demo import DEMO_EXPOSURE_NAME, DEMO_REFERENCE_NAME


def test_the_demo_reference_says_it_comes_with_the_demo(qtbot, small_files, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    demo = tmp_path / "lininspect" / "demo"  # where ensure_demo() keeps it; small files stand in for it
    demo.mkdir(parents=True)
    shutil.copy(small_files.exposure, demo / DEMO_EXPOSURE_NAME)
    shutil.copy(small_files.reference, demo / DEMO_REFERENCE_NAME)
    window = shown_window(qtbot, demo / DEMO_EXPOSURE_NAME, demo / DEMO_REFERENCE_NAME)
    assert window.status.reference_label.text() == f"reference: {DEMO_REFERENCE_NAME} (comes with the demo)"
    assert "chosen by you" not in window.dialogs.summary_html()


def test_a_reference_the_user_names_is_still_theirs(qtbot, small_files, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    copy = tmp_path / DEMO_REFERENCE_NAME  # the demo's name, written by 'lininspect demo DIR' elsewhere
    shutil.copy(small_files.reference, copy)
    window = shown_window(qtbot, small_files.exposure, copy)
    assert window.status.reference_label.text() == f"reference: {DEMO_REFERENCE_NAME} (chosen by you)"
