"""A ramp with no record of the pipeline's steps before linearity, in the app (issue 15, item 2).

It is said at once, before any network wait; the user chooses between preparing it and
correcting it as it is; the choice is kept per file, shown in the status bar and the summary,
and recorded in the exported product's HISTORY; the reference the user named is kept.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from astropy.io import fits
from guihelpers import answer_preparation, menu_action
from PyQt6.QtWidgets import QFileDialog, QMessageBox
from smallfiles import EARLIER_STEPS, SmallFiles

from lininspect.gui.app import show_window
from lininspect.gui.mainwindow import MainWindow
from lininspect.gui.preparationchoice import AS_IS_BUTTON, PREPARE_BUTTON
from lininspect.gui.statusarea import MessageLabel
from lininspect.model.opening import OpeningRequest

JOB_MS = 60000


@pytest.fixture
def unprepared(small_files: SmallFiles, tmp_path: Path) -> Path:
    """The small MIRI ramp without its S_* keywords, as a hand-made or simulated ramp comes."""
    path = tmp_path / "simulated_ramp.fits"
    with fits.open(small_files.exposure) as hdul:
        for keyword in EARLIER_STEPS:
            del hdul[0].header[keyword]
        hdul.writeto(path)
    return path


@pytest.fixture
def no_crds(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    """CRDS with no cache and a server that is never asked (serverless): preparing cannot get references."""
    from crds.core.utils import clear_function_caches

    for key in ("CRDS_CONTEXT", "CRDS_MODE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("CRDS_PATH", str(tmp_path / "no_crds_cache"))
    monkeypatch.setenv("CRDS_SERVER_URL", "https://jwst-serverless.invalid")
    monkeypatch.setenv("LININSPECT_CACHE_DIR", str(tmp_path / "prepared"))
    clear_function_caches()
    yield
    clear_function_caches()


def started(qtbot, request: OpeningRequest) -> MainWindow:  # type: ignore[no-untyped-def]
    window = show_window(request)
    qtbot.addWidget(window)
    return window


def test_it_is_said_at_once_and_corrected_as_it_is_with_the_named_reference(
    qtbot, no_crds, unprepared: Path, small_files: SmallFiles, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    request = OpeningRequest(unprepared, small_files.reference, resolve=True)
    window = started(qtbot, request)
    # As soon as the exposure is read (in a job), before any worker could ask a server: said, and asked.
    qtbot.waitUntil(lambda: window.preparation_choice.question is not None, timeout=JOB_MS)
    assert "no record of the pipeline's steps" in window.status.message_text
    assert window.preparation_choice.question is not None and window.preparation_choice.question.isVisible()
    assert not window.jobs.lookup.running
    qtbot.waitUntil(lambda: window.right.message.toPlainText().startswith("Waiting for your answer"), timeout=JOB_MS)
    answer_preparation(qtbot, window, AS_IS_BUTTON)
    qtbot.waitUntil(lambda: window.session.result is not None, timeout=JOB_MS)
    assert window.session.reference.path == small_files.reference  # the reference the user named
    assert window.status.reference_label.text().startswith("input as it is (8 earlier steps not run)")
    summary = window.dialogs.summary_html()
    assert "simulated_ramp.fits" in summary and "as it is: pipeline steps group_scale" in summary

    target = tmp_path / "simulated_linearity.fits"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))
    menu_action(window, "File", "Export corrected...").trigger()
    qtbot.waitUntil(target.is_file, timeout=JOB_MS)
    history = "".join(str(card) for card in fits.getheader(target)["HISTORY"])
    assert "Corrected as it is: no record of pipeline steps group_scale" in history
    # The same bytes as the command line's --as-is, which records the same.
    cli = tmp_path / "cli" / "simulated_linearity.fits"
    cli.parent.mkdir()
    done = subprocess.run([sys.executable, "-m", "lininspect", "correct", str(unprepared), "--reference",
                           str(small_files.reference), "--as-is", "-o", str(cli)], capture_output=True, text=True,
                          env=os.environ | {"PYTHONPATH": os.pathsep.join(sys.path)}, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert cli.read_bytes() == target.read_bytes()
    window.close()

    # The answer is kept for this file: not asked again. The run that follows at once may replace the note
    # before a poll sees it (the reference line keeps saying it), so every message the bar shows is recorded.
    shown: list[str] = []
    show_message = MessageLabel.show_message
    monkeypatch.setattr(MessageLabel, "show_message",
                        lambda label, text, *args, **kwargs: (shown.append(text), show_message(label, text, *args, **kwargs)))
    again = started(qtbot, request)
    kept = "simulated_ramp.fits: corrected as it is, without the earlier steps (remembered for this file)"
    qtbot.waitUntil(lambda: kept in shown, timeout=JOB_MS)
    assert again.preparation_choice.question is None
    qtbot.waitUntil(lambda: again.session.result is not None, timeout=JOB_MS)
    assert again.status.reference_label.text().startswith("input as it is (8 earlier steps not run)")
    again.close()


def test_preparing_without_crds_fails_in_a_dialog_and_keeps_the_named_reference(
    qtbot, no_crds, unprepared: Path, small_files: SmallFiles, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, message: shown.append(message))
    window = started(qtbot, OpeningRequest(unprepared, small_files.reference, resolve=True))
    answer_preparation(qtbot, window, PREPARE_BUTTON)
    qtbot.waitUntil(lambda: bool(shown) and not window.jobs.lookup.running, timeout=JOB_MS)
    assert "no record of the pipeline's steps group_scale" in shown[0] and "CRDS_PATH" in shown[0]
    qtbot.waitUntil(lambda: window.session.reference is not None, timeout=JOB_MS)
    assert window.session.reference.path == small_files.reference
    assert window.actions.run_action.isEnabled()
    assert window.status.reference_label.text().startswith("input as it is")
    window.close()


def test_opened_from_the_menu_it_is_asked_and_the_answer_kept(
    qtbot, window: MainWindow, unprepared: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(unprepared), ""))
    menu_action(window, "File", "Open input...").trigger()
    answer_preparation(qtbot, window, AS_IS_BUTTON)
    assert not window.jobs.lookup.running  # as it is: nothing to look up, the loaded reference stays
    assert window.session.reference is not None and window.actions.run_action.isEnabled()
    assert "corrected as it is" in window.status.message_text
    menu_action(window, "File", "Open input...").trigger()  # again: the kept answer, no question
    qtbot.waitUntil(lambda: "remembered for this file" in window.status.message_text, timeout=JOB_MS)
    assert window.preparation_choice.question is None


def test_the_kept_answer_can_be_changed_from_the_menu(qtbot, window: MainWindow, unprepared: Path, no_crds, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(unprepared), ""))
    entry = menu_action(window, "Correction", "Earlier pipeline steps...")
    assert not entry.isEnabled()  # the small exposure has every step on record
    menu_action(window, "File", "Open input...").trigger()
    answer_preparation(qtbot, window, AS_IS_BUTTON)
    assert entry.isEnabled()
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, message: shown.append(message))
    entry.trigger()  # asked again, and this time: prepare (which needs CRDS, absent here)
    answer_preparation(qtbot, window, PREPARE_BUTTON)
    qtbot.waitUntil(lambda: bool(shown), timeout=JOB_MS)
    assert "no record of the pipeline's steps" in shown[0]
    assert window.session.reference is not None  # reference A stays through it all
