"""The pixel inspector's text fields show their text whole, in the app's own style."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PyQt6.QtWidgets import QApplication

from lininspect import data
from lininspect.gui.mainwindow import MainWindow


@pytest.fixture
def app_stylesheet(qapp: QApplication) -> Iterator[None]:
    """The app's style sheet, which the tests' QApplication (made by pytest-qt) lacks."""
    qapp.setStyleSheet(data.read_text(data.STYLE_SHEET))
    yield
    qapp.setStyleSheet("")


def test_the_no_lin_corr_box_has_room_for_underscores(qtbot, app_stylesheet, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """NO_LIN_CORR read "NO LIN CORR": with the app's style sheet the spin box's text field was
    13 px high for a 14 px line of text, cutting off the descenders, underscores included."""
    window.run_correction()
    qtbot.waitUntil(lambda: window.session.result is not None, timeout=20000)
    box = window.inspector.flagged_box
    assert "NO_LIN_CORR" in box.text()
    field = box.lineEdit()
    assert field.isVisible()
    assert field.contentsRect().height() >= field.fontMetrics().height()
