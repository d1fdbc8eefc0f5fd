"""File ▸ Find in headers (Ctrl+F): typed text selects the matching cards by keyword or value, F3/Shift+F3 step them."""

from __future__ import annotations

from astropy.io import fits
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QApplication

from lininspect.gui.headerviewer import HeaderViewer
from lininspect.gui.mainwindow import MainWindow


def test_find_keyword_and_value_and_step_through_matches(window: MainWindow, qtbot, small_files) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(window.findChildren(HeaderViewer)))
    viewer = window.findChildren(HeaderViewer)[0]
    qtbot.waitUntil(lambda: QApplication.focusWidget() is viewer.search)
    assert [viewer.tabs.tabText(n) for n in range(viewer.tabs.count())][-1] == "reference A"

    qtbot.keyClicks(QApplication.focusWidget(), "mir")
    primary = fits.getheader(small_files.exposure)
    expected = [card.keyword for card in primary.cards if "mir" in card.keyword.lower() or "mir" in str(card.value).lower()]
    assert len(expected) >= 3  # INSTRUME, DETECTOR, EXP_TYPE by value; S_MIREMI by keyword
    assert viewer.count.text() == f"1 of {len(expected)}"
    assert viewer.selected_text.split("=")[0].strip() == expected[0]

    qtbot.keyClick(viewer.search, Qt.Key.Key_F3)
    assert viewer.count.text() == f"2 of {len(expected)}"
    assert viewer.selected_text.split("=")[0].strip() == expected[1]
    for _ in range(2):
        qtbot.keyClick(viewer.search, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert viewer.count.text() == f"{len(expected)} of {len(expected)}"  # wrapped round
    assert viewer.selected_text.split("=")[0].strip() == expected[-1]

    # From the header text itself, Ctrl+F goes back to the search box.
    viewer.tabs.currentWidget().setFocus()
    qtbot.keyClick(viewer.tabs.currentWidget(), Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is viewer.search
    viewer.search.clear()
    qtbot.keyClicks(viewer.search, "zzznothing")
    assert viewer.count.text() == "no match"
    qtbot.mouseClick(viewer.next_button, Qt.MouseButton.LeftButton)
    assert viewer.count.text() == "no match"
