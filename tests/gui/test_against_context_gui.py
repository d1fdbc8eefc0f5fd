"""File ▸ Compare with CRDS context…: B is what a second context picks, looked up in a job, then shown as B.

A real crds client reads a self-made cache whose operational context (which picks A) and a
"delivery" context pick different linearity references for the same exposure.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtWidgets import QInputDialog, QMessageBox

from lininspect.core.analysis import analysis
from lininspect.core.fits.exposure import open_exposure
from lininspect.core.fits.product import correct_file
from lininspect.gui.mainwindow import MainWindow
from lininspect.model.opening import OpeningRequest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test helpers in tests/
from comparison_files import DELIVERY, OPERATIONAL, PICKS  # noqa: E402
from guihelpers import menu_action  # noqa: E402


@pytest.fixture
def crds_window(qtbot, contexts) -> MainWindow:  # type: ignore[no-untyped-def]
    """The exposure opened, A chosen by the operational context (through the app's lookup)."""
    from lininspect.gui.app import application, open_window

    exposure, picked = contexts
    application()
    window = open_window(exposure, None, None)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    window.resolve_in_background(exposure, as_is=True)
    qtbot.waitUntil(lambda: window.session.result is not None, timeout=60000)
    assert window.session.reference.path == picked[OPERATIONAL]
    yield window
    window.close()


def ask_for(monkeypatch: pytest.MonkeyPatch, context: str) -> list[str]:
    """QInputDialog answers ``context``; returns the default text each question offered."""
    offered: list[str] = []

    def get_text(parent, title, label, *args, text: str = "", **kwargs):  # type: ignore[no-untyped-def]
        offered.append(text)
        return context, True

    monkeypatch.setattr(QInputDialog, "getText", get_text)
    return offered


def test_b_is_the_file_the_second_context_picks_and_panels_show_its_correction(
    qtbot, crds_window: MainWindow, contexts, monkeypatch: pytest.MonkeyPatch, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    window = crds_window
    exposure, picked = contexts
    offered = ask_for(monkeypatch, DELIVERY)
    menu_action(window, "File", "Compare with CRDS context...").trigger()
    assert offered == [OPERATIONAL]  # the context that chose A, to be edited into the new one
    assert window.jobs.picking is not None  # looked up in a job, not on the GUI thread
    qtbot.waitUntil(lambda: "B" in window.session.references, timeout=60000)
    assert not window.status.progress.isVisible()

    b = window.session.references["B"]
    assert b.path == picked[DELIVERY] and b.origin is not None and b.origin.context == DELIVERY
    label = window.status.reference_label.text()
    assert f"reference: {PICKS[OPERATIONAL]} (CRDS {OPERATIONAL}; " in label
    assert f"against B: {PICKS[DELIVERY]} (CRDS {DELIVERY}; " in label

    written = correct_file(exposure, picked[DELIVERY], tmp_path / "b_linearity.fits").output
    i, g = window.integration, window.group
    expected = np.asarray(open_exposure(written).sci[...], dtype=np.float32)[i, g]
    window.display.mode_box.setCurrentText("corrected B")
    low, high = analysis.display_limits(expected, window.display.limits_box.currentText())
    np.testing.assert_array_equal(window.right.image.image,
                                  analysis.stretch(expected, low, high, window.display.stretch_box.currentText()))
    a = np.asarray(open_exposure(correct_file(exposure, picked[OPERATIONAL], tmp_path / "a.fits").output).sci[...],
                   dtype=np.float32)[i, g]
    assert not np.array_equal(a, expected)  # the two contexts' corrections differ on this plane


def test_a_context_crds_does_not_have_is_a_dialog_in_the_app_s_words(
    qtbot, crds_window: MainWindow, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    window = crds_window
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, message: shown.append(message))
    ask_for(monkeypatch, "jwst_0999.pmap")
    menu_action(window, "File", "Compare with CRDS context...").trigger()
    qtbot.waitUntil(lambda: bool(shown), timeout=60000)
    assert "CRDS context jwst_0999.pmap is not in the cache" in shown[0]
    assert "--against" not in shown[0] and "choose it with File ▸ Compare with reference…" in shown[0]
    assert "B" not in window.session.references and not window.status.cancel_button.isVisible()


def test_against_context_on_the_command_line_picks_b_after_a(qtbot, contexts) -> None:  # type: ignore[no-untyped-def]
    """``lininspect RAMP --against-context PMAP``: A from the usual lookup, then B from PMAP, both in jobs."""
    from lininspect.gui.app import show_window

    exposure, picked = contexts
    window = show_window(OpeningRequest(exposure, against_context=DELIVERY, resolve=True, as_is=True))
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: "B" in window.session.references, timeout=60000)
    assert window.session.reference.path == picked[OPERATIONAL]
    assert window.session.references["B"].path == picked[DELIVERY]
    window.close()



def test_a_snapshot_names_the_contexts_that_chose_a_and_b(contexts, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """``snapshot --against-context``: the status bar in the PNG says which context chose each."""
    from lininspect.core.references.crdsref import crds_linearity_reference
    from lininspect.gui.snapshot import render_snapshot

    exposure, _ = contexts
    labels: list[str] = []
    grab = MainWindow.grab

    def grab_noting_the_label(window: MainWindow):  # type: ignore[no-untyped-def]
        labels.append(window.status.reference_label.text())
        return grab(window)

    monkeypatch.setattr(MainWindow, "grab", grab_noting_the_label)
    render_snapshot(exposure, crds_linearity_reference(exposure), pixel=(3, 4), output=tmp_path / "ab.png",
                    against=crds_linearity_reference(exposure, context=DELIVERY))
    assert f"reference: {PICKS[OPERATIONAL]} (CRDS {OPERATIONAL}; " in labels[0]
    assert f"against B: {PICKS[DELIVERY]} (CRDS {DELIVERY}; " in labels[0]
    assert (tmp_path / "ab.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
