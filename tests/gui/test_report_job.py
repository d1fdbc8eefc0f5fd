"""The comparison report is written in a job: the window answers, Cancel leaves no file, a
failure is one line in a dialog, and the files are those ``lininspect compare-references`` writes."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PyQt6.QtCore import Qt, QThreadPool
from PyQt6.QtWidgets import QFileDialog, QMessageBox, QPushButton

from lininspect.core.analysis.comparison import compare_references
from lininspect.core.analysis.comparisonreport import report_files
from lininspect.core.fits.exposure import open_exposure
from lininspect.core.references.reference import open_reference
from lininspect.gui import comparisonpicture, jobs
from lininspect.gui.mainwindow import MainWindow

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test helpers in tests/
from comparison_files import write_comparison_files  # noqa: E402
from guihelpers import answers_within  # noqa: E402

ANSWER_MS = 100
JOB_MS = 20000


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return write_comparison_files(tmp_path)


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The report's picture is painted (in the job's thread) only once the test opens the gate."""
    opened = threading.Event()

    def gated(comparison, path, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.wait(JOB_MS / 1000)
        return comparisonpicture.write_comparison_picture(comparison, path, *args, **kwargs)

    monkeypatch.setattr(jobs, "write_comparison_picture", gated)
    yield opened
    opened.set()
    QThreadPool.globalInstance().waitForDone()


@pytest.fixture
def compared(qtbot, files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MainWindow:  # type: ignore[no-untyped-def]
    """A window with A and B whose comparison dialog is open; its Export button writes into tmp/report."""
    from lininspect.gui.app import application, open_window

    application()
    window = open_window(files["exposure"], files["a"], None)
    qtbot.addWidget(window)
    window.show()
    window.open_against(files["b"])
    window.dialogs.show_comparison(compare_references(open_exposure(files["exposure"]), open_reference(files["a"]),
                                              open_reference(files["b"])))  # fmt: skip
    (tmp_path / "report").mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(tmp_path / "report"))
    return window


def export_button(window: MainWindow) -> QPushButton:
    (button,) = [b for b in window.dialogs.comparison_dialog.findChildren(QPushButton) if b.text().startswith("Export report")]
    return button


def test_the_report_is_written_in_a_job_and_equals_the_command_line_s(  # type: ignore[no-untyped-def]
    qtbot, compared: MainWindow, files: dict[str, Path], tmp_path: Path, gate: threading.Event
) -> None:
    window = compared
    qtbot.mouseClick(export_button(window), Qt.MouseButton.LeftButton)
    job = window.jobs.reporting
    assert job is not None and not job.done
    assert window.status.progress.isVisible() and window.status.progress.format() == "writing report %p%"
    answers_within(qtbot, ANSWER_MS)
    ours = report_files(tmp_path / "report", files["exposure"])
    assert not any(path.exists() for path in ours.paths())  # published together, once complete
    gate.set()
    qtbot.waitUntil(lambda: job.done, timeout=JOB_MS)
    assert not window.status.progress.isVisible()

    command_line = tmp_path / "cli"
    done = subprocess.run([sys.executable, "-m", "lininspect", "compare-references", str(files["exposure"]),
                           "--reference", str(files["a"]), "--against", str(files["b"]), "-o", str(command_line)],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    theirs = report_files(command_line, files["exposure"])
    for mine, reference in zip(ours.paths(), theirs.paths()):
        assert mine.read_bytes() == reference.read_bytes(), mine.name
    assert sorted(p.name for p in (tmp_path / "report").iterdir()) == sorted(p.name for p in ours.paths())


def test_cancel_stops_the_report_and_nothing_is_left(  # type: ignore[no-untyped-def]
    qtbot, compared: MainWindow, files: dict[str, Path], tmp_path: Path, gate: threading.Event
) -> None:
    window = compared
    qtbot.mouseClick(export_button(window), Qt.MouseButton.LeftButton)
    job = window.jobs.reporting
    assert job is not None
    qtbot.mouseClick(window.status.cancel_button, Qt.MouseButton.LeftButton)
    assert job.cancelled and not window.status.progress.isVisible()
    gate.set()
    QThreadPool.globalInstance().waitForDone()
    assert list((tmp_path / "report").iterdir()) == []  # no file and no temporary


def test_a_failure_is_one_line_in_a_dialog(  # type: ignore[no-untyped-def]
    qtbot, compared: MainWindow, files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = compared
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, message: shown.append(message))

    def full_disk(comparison, path):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(jobs, "write_comparison_picture", full_disk)
    qtbot.mouseClick(export_button(window), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(shown), timeout=JOB_MS)
    picture = report_files(tmp_path / "report", files["exposure"]).picture
    assert shown == [f"no space left on device writing {picture}"]
    assert list((tmp_path / "report").iterdir()) == []
