"""Help: the shortcuts are read from the window's actions, the commands from the CLI, About names the versions."""

from __future__ import annotations

from guihelpers import menu_action
from PyQt6.QtGui import QAction, QKeySequence

from lininspect import __version__
from lininspect.cli import usage
from lininspect.core.versions import MATCHES, installed
from lininspect.gui.mainwindow import MainWindow


def _rows(window: MainWindow) -> list[tuple[str, ...]]:
    table = window.help.shortcuts_table
    return [tuple(table.item(r, c).text() for c in range(3)) for r in range(table.rowCount())]


def test_the_shortcuts_list_every_key_of_the_window_read_from_its_actions(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    menu_action(window, "Help", "Keyboard shortcuts").trigger()
    qtbot.waitUntil(lambda: window.help.shortcuts_dialog is not None and window.help.shortcuts_dialog.isVisible())
    rows = _rows(window)
    native = QKeySequence.SequenceFormat.NativeText
    assert (QKeySequence("Ctrl+G").toString(native), "Go to pixel...", "View") in rows
    assert (QKeySequence("Shift+Right").toString(native), "move the pixel right", "anywhere in the window") in rows
    assert (QKeySequence("Right").toString(native), "next group", "anywhere in the window") in rows
    assert (QKeySequence("Ctrl+Shift+T").toString(native), "Pixel table", "Tools") in rows
    every = [action for action in window.findChildren(QAction) if not action.shortcut().isEmpty()]
    assert len(rows) == len(every)  # each action with a key once, none left out

    # A command added later is listed the next time: nothing is a kept list.
    extra = QAction("blink the panels", window)
    extra.setShortcut(QKeySequence("Ctrl+Alt+B"))
    window.addAction(extra)
    menu_action(window, "Help", "Keyboard shortcuts").trigger()
    assert (QKeySequence("Ctrl+Alt+B").toString(native), "blink the panels", "anywhere in the window") in _rows(window)


def test_about_names_lininspect_the_pipeline_it_matches_and_crds(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    menu_action(window, "Help", "About lininspect").trigger()
    text = window.help.about_label.text()
    assert f"<td>lininspect</td><td>&nbsp;&nbsp;{__version__}</td>" in text
    for name, version in MATCHES:
        assert f"<td>matches {name}</td><td>&nbsp;&nbsp;{version}</td>" in text
    assert f"<td>installed crds</td><td>&nbsp;&nbsp;{installed('crds')}</td>" in text
    assert installed("crds") != "not installed"


def test_the_commands_are_the_command_lines_own_help(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    menu_action(window, "Help", "Commands").trigger()
    shown = window.help.commands_text.toPlainText()
    assert shown == usage() and "lininspect compare-references INPUT" in shown
