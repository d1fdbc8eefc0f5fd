"""A session keeps how CRDS chose A and B: reopened, each is looked up again under its context, not opened by path.

The two-context CRDS cache is conftest's ``contexts``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from PyQt6.QtWidgets import QFileDialog

from lininspect.gui.app import application, make_settings, open_window
from lininspect.gui.mainwindow import MainWindow

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test helpers in tests/
from comparison_files import DELIVERY, OPERATIONAL  # noqa: E402
from guihelpers import menu_action, open_and_wait  # noqa: E402


def _window(qtbot) -> MainWindow:  # type: ignore[no-untyped-def]
    application()
    window = open_window(None, None, None, settings=make_settings())
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    return window


def test_references_crds_picked_are_looked_up_again_under_their_contexts(
    qtbot, contexts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    exposure, picks = contexts
    window = _window(qtbot)
    open_and_wait(qtbot, window, exposure)
    window.resolve_in_background(exposure, as_is=True)
    qtbot.waitUntil(lambda: window.session.result is not None, timeout=60000)
    window.compare_with_context(DELIVERY)
    qtbot.waitUntil(lambda: "B" in window.session.references, timeout=60000)
    target = tmp_path / "review.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))
    menu_action(window, "File", "Save session...").trigger()
    window.close()
    document = json.loads(target.read_text())
    assert document["references"]["A"]["crds_context"] == OPERATIONAL
    assert document["references"]["B"]["crds_context"] == DELIVERY
    # A's file is not what is used: the lookup under its context is (here the delivery's, swapped in).
    document["references"]["A"] = {"path": "no-such-file.fits", "crds_context": DELIVERY}
    document["references"]["B"]["crds_context"] = OPERATIONAL
    target.write_text(json.dumps(document))

    resumed = _window(qtbot)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(target), ""))
    menu_action(resumed, "File", "Open session...").trigger()
    qtbot.waitUntil(lambda: "restored" in resumed.status.message_text, timeout=60000)
    a, b = resumed.session.references["A"], resumed.session.references["B"]
    assert (a.path, a.origin.context) == (picks[DELIVERY], DELIVERY)
    assert (b.path, b.origin.context) == (picks[OPERATIONAL], OPERATIONAL)
    resumed.close()


def test_a_context_that_cannot_be_had_ends_the_restore_said_to_be_partial(
    qtbot, contexts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    from PyQt6.QtWidgets import QMessageBox

    exposure, _picks = contexts
    target = tmp_path / "review.json"
    target.write_text(json.dumps({"lininspect_session": 1, "files": {"input": str(exposure)}, "pixel": [7, 4],
                                  "references": {"A": {"path": "gone.fits", "crds_context": "jwst_9999.pmap"}}}))
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, message: shown.append(message))
    window = _window(qtbot)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(target), ""))
    menu_action(window, "File", "Open session...").trigger()
    qtbot.waitUntil(lambda: "restored in part" in window.status.message_text, timeout=60000)
    assert len(shown) == 1 and "jwst_9999.pmap" in shown[0]
    assert window.sessions.restoring is None and window.pixel == (7, 4) and window.session.reference is None
    window.close()
