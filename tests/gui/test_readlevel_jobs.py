"""A read-level integration is corrected in a job: the window keeps answering, shows a placeholder,
cancels on Esc and on stepping away, and then plots exactly what ``lininspect correct`` writes."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import Qt, QThreadPool

from lininspect.core.analysis import analysis
from lininspect.core.fits.exposure import open_exposure
from lininspect.core.kernels.readlevel import ReadLevelCoefficients
from lininspect.gui.mainwindow import MainWindow
from lininspect.gui.worker import running
from lininspect.model.maps import extreme_pool
from lininspect.model.sources import CorrectionSource
from lininspect.model.viewstate import symmetric_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test helpers in tests/
from guihelpers import answers_within, menu_action, shown_window  # noqa: E402
from readlevel_files import write_read_level_files_and_products  # noqa: E402

ANSWER_MS = 100
JOB_MS = 20000
PIXEL = (40, 270)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("readlevel_gui")
    return write_read_level_files_and_products(directory)


def gated(monkeypatch: pytest.MonkeyPatch, owner: type, name: str, opened: threading.Event) -> None:
    """``owner.name`` called with a cancel token (by a job) waits until ``opened`` is set, or the job is cancelled."""
    original = getattr(owner, name)

    def waiting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        cancel = kwargs["cancel"]
        while cancel is not None and not cancel.is_set() and not opened.wait(0.005):
            pass
        return original(self, *args, **kwargs)

    monkeypatch.setattr(owner, name, waiting)


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Read-level corrections run by a job (the only callers that can cancel), of the shown group and of the
    whole integration, wait until the test opens the gate."""
    opened = threading.Event()
    gated(monkeypatch, ReadLevelCoefficients, "correct_tile", opened)
    gated(monkeypatch, CorrectionSource, "correct_groups", opened)
    yield opened
    opened.set()
    QThreadPool.globalInstance().waitForDone()


@pytest.fixture
def rest_gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Only the whole integration's correction waits for the gate; the shown group's goes ahead."""
    opened = threading.Event()
    gated(monkeypatch, ReadLevelCoefficients, "correct_tile", opened)
    yield opened
    opened.set()
    QThreadPool.globalInstance().waitForDone()


def open_read_level(qtbot, files: dict[str, Path]) -> MainWindow:  # type: ignore[no-untyped-def]
    window = shown_window(qtbot, files["exposure"], files["a"])
    window.activateWindow()
    qtbot.waitActive(window)
    return window


def written(files: dict[str, Path], label: str) -> np.ndarray:
    return np.asarray(open_exposure(files[f"product_{label}"]).sci[...], dtype=np.float32)


def test_the_window_answers_while_an_integration_is_corrected_and_then_plots_it(  # type: ignore[no-untyped-def]
    qtbot, files: dict[str, Path], gate: threading.Event
) -> None:
    window = open_read_level(qtbot, files)
    assert window.session.plan().read_level
    assert window.right.message.textItem.toPlainText() == "Correcting integration 0 with reference A..."
    assert window.status.progress.isVisible() and window.status.progress.format() == "correcting integration %p%"
    answers_within(qtbot, ANSWER_MS)
    assert "input" in window.status.readout_text(*PIXEL) and "corrected" not in window.status.readout_text(*PIXEL)
    window.select_pixel(*PIXEL)  # the inspector's facts need only the pixel's ramp: no waiting either
    expected = written(files, "a")
    x, y = PIXEL
    np.testing.assert_array_equal(window.inspector.curves["corrected"][0].getData()[1], expected[0, :, y, x])
    (first,) = window.jobs.integrations.handles()

    qtbot.keyClick(window.left, Qt.Key.Key_PageDown)  # stepping on: the stale job is cancelled
    assert window.integration == 1 and first.cancelled
    assert window.right.message.textItem.toPlainText() == "Correcting integration 1 with reference A..."
    (second,) = window.jobs.integrations.handles()
    assert running(second)
    answers_within(qtbot, ANSWER_MS)

    qtbot.mouseClick(window.status.cancel_button, Qt.MouseButton.LeftButton)
    assert second.cancelled and not window.status.progress.isVisible()
    assert window.right.message.textItem.toPlainText().startswith("Integration 1 not corrected")
    gate.set()
    QThreadPool.globalInstance().waitForDone()
    qtbot.wait(50)  # anything the cancelled jobs still sent is dropped
    assert window.right.message.textItem.toPlainText().startswith("Integration 1 not corrected")
    assert not window.session.correction().ready(1)  # cancelled: nothing installed

    qtbot.keyClick(window.left, Qt.Key.Key_PageUp)
    qtbot.keyClick(window.left, Qt.Key.Key_PageDown)  # back again: corrected this time
    qtbot.waitUntil(lambda: window.right.title.text.startswith("Corrected — integration 1"), timeout=JOB_MS)
    i, g = window.integration, window.group
    plane = expected[i, g]
    low, high = analysis.display_limits(plane, window.display.limits_box.currentText())
    np.testing.assert_array_equal(window.right.image.image, analysis.stretch(plane, low, high, window.display.stretch_box.currentText()))
    qtbot.waitUntil(lambda: not window.status.progress.isVisible(), timeout=JOB_MS)  # the rest, behind the shown group
    assert window.right.message.textItem.toPlainText() == ""
    assert f"corrected {float(plane[y, x]):.6g} DN" in window.status.readout_text(*PIXEL)


def test_the_shown_group_is_drawn_before_the_rest_of_its_integration_is_corrected(  # type: ignore[no-untyped-def]
    qtbot, files: dict[str, Path], rest_gate: threading.Event
) -> None:
    """Issue 19, target 3: a read-level exposure's first corrected image costs one group's correction, not the
    integration's; the other groups follow in a second job, and then stepping draws them at once."""
    window = open_read_level(qtbot, files)
    qtbot.waitUntil(lambda: window.right.title.text.startswith("Corrected — integration 0"), timeout=JOB_MS)
    expected = written(files, "a")
    g = window.group
    low, high = analysis.display_limits(expected[0, g], window.display.limits_box.currentText())
    stretch = window.display.stretch_box.currentText()
    np.testing.assert_array_equal(window.right.image.image, analysis.stretch(expected[0, g], low, high, stretch))
    assert window.right.message.textItem.toPlainText() == ""
    assert not window.session.correction().ready(0)  # the whole integration is still waiting at the gate
    assert window.status.progress.isVisible()  # and says so
    answers_within(qtbot, ANSWER_MS)

    rest_gate.set()
    qtbot.waitUntil(lambda: window.session.correction().ready(0), timeout=JOB_MS)
    qtbot.waitUntil(lambda: not window.status.progress.isVisible(), timeout=JOB_MS)
    qtbot.keyClick(window.left, Qt.Key.Key_Left)  # another group: drawn from the corrected integration at once
    assert window.group == g - 1 and window.right.title.text.startswith(f"Corrected — integration 0, group {g - 1}")
    low, high = analysis.display_limits(expected[0, g - 1], window.display.limits_box.currentText())
    np.testing.assert_array_equal(window.right.image.image, analysis.stretch(expected[0, g - 1], low, high, stretch))


def test_a_minus_b_waits_for_both_references(qtbot, files: dict[str, Path], gate: threading.Event) -> None:  # type: ignore[no-untyped-def]
    window = open_read_level(qtbot, files)
    window.open_against(files["b"])
    window.display.left_box.setCurrentText("corrected B")
    window.display.mode_box.setCurrentText("A − B")
    assert window.left.message.textItem.toPlainText() == "Correcting integration 0 with reference B..."
    assert window.right.message.textItem.toPlainText() == "Correcting integration 0 with references A and B..."
    assert len(window.jobs.integrations.handles()) == 2  # one job per reference, run side by side
    answers_within(qtbot, ANSWER_MS)
    gate.set()
    qtbot.waitUntil(lambda: window.right.title.text.startswith("A − B — integration 0"), timeout=JOB_MS)
    a, b = written(files, "a"), written(files, "b")
    g = window.group
    difference = a[0, g] - b[0, g]
    shown = analysis.stretch(difference, *symmetric_limits(difference), "linear")  # a map: pooled about zero (0.5)
    np.testing.assert_array_equal(window.right.image.image, extreme_pool(shown, window.right.pool, 0.5))
    low, high = analysis.display_limits(b[0, g], window.display.limits_box.currentText())
    np.testing.assert_array_equal(window.left.image.image, analysis.stretch(b[0, g], low, high, window.display.stretch_box.currentText()))


def test_a_script_corrects_the_shown_integration_in_its_own_thread(  # type: ignore[no-untyped-def]
    qtbot, files: dict[str, Path], gate: threading.Event
) -> None:
    """What ``snapshot`` relies on: no event loop, so the integration is corrected here and now."""
    window = open_read_level(qtbot, files)
    window.set_frame(1, 2)
    window.jobs.correct_integration_now()
    plane = written(files, "a")[1, 2]
    low, high = analysis.display_limits(plane, window.display.limits_box.currentText())
    np.testing.assert_array_equal(window.right.image.image, analysis.stretch(plane, low, high, window.display.stretch_box.currentText()))
    assert not any(running(job) for job in window.jobs.integrations.handles())


def test_the_pixel_table_leaves_out_an_integration_being_corrected_then_shows_it(  # type: ignore[no-untyped-def]
    qtbot, files: dict[str, Path], gate: threading.Event
) -> None:
    window = open_read_level(qtbot, files)
    window.select_pixel(*PIXEL)
    tool = window.tool_docks.show("pixeltable")
    qtbot.waitUntil(lambda: tool.running)
    tool.quantity_box.setCurrentText("corrected A")
    assert tool.caption.text() == "corrected A: integration 0 is being corrected"
    answers_within(qtbot, ANSWER_MS)  # the table never waits for the job
    gate.set()
    qtbot.waitUntil(lambda: tool.caption.text().startswith("corrected A around pixel"), timeout=JOB_MS)
    x, y = PIXEL
    centre = tool.table.item(tool.table.rowCount() // 2, tool.table.columnCount() // 2)
    assert centre.text() == f"{written(files, 'a')[0, window.group, y, x]:.6g}"


def test_play_holds_on_an_integration_until_it_is_corrected(qtbot, files: dict[str, Path], gate: threading.Event) -> None:  # type: ignore[no-untyped-def]
    window = open_read_level(qtbot, files)
    assert window.right.message.textItem.toPlainText() == "Correcting integration 0 with reference A..."
    window.frame.rate_box.setValue(30.0)
    menu_action(window, "View", "▶ Play").trigger()
    assert window.frame.playing
    shown = (window.integration, window.group)
    qtbot.wait(300)  # nine frames' time at 30 a second: the play waits for the correction instead
    assert (window.integration, window.group) == shown
    gate.set()
    qtbot.waitUntil(lambda: window.group != shown[1], timeout=JOB_MS)
    assert window.session.correction().ready(shown[0])  # on only once the frame shown was drawn
    menu_action(window, "View", "⏸ Pause").trigger()
    assert not window.frame.playing
    window.close()
