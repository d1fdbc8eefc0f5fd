"""What many GUI tests do: show a window on files, find a menu entry, check the event loop answers."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from PyQt6.QtCore import QEvent, QPointF, Qt, QTimer
from PyQt6.QtGui import QAction, QMouseEvent
from PyQt6.QtWidgets import QApplication, QComboBox

from lininspect.core.analysis import analysis
from lininspect.core.fits import fitsfile
from lininspect.gui.mainwindow import MainWindow


def shown_window(qtbot, exposure: Path | None, reference: Path | None) -> MainWindow:  # type: ignore[no-untyped-def]
    """A window as ``lininspect EXPOSURE --reference REFERENCE`` opens it, shown at 1400 x 900; closed by qtbot."""
    from lininspect.gui.app import application, open_window

    application()
    window = open_window(exposure, reference, None)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    return window


def open_and_wait(qtbot, window: MainWindow, path: Path, **kwargs) -> None:  # type: ignore[no-untyped-def]
    """Open a ramp as the app does (read in a job) and wait until it is shown, or refused in a dialog."""
    job = window.open_input(path, **kwargs)
    qtbot.waitUntil(lambda: job.done, timeout=60000)


#: The least of a status message that must be readable at the widths users have (1024 and 1600 px).
READABLE_CHARACTERS = 24


def visible_status_texts(window: MainWindow) -> list[str]:
    """The texts the status bar's visible labels paint (elided as painted), widest room first: what a user reads."""
    from PyQt6.QtWidgets import QLabel

    labels = [label for label in window.statusBar().findChildren(QLabel) if label.isVisible() and label.width() > 0]
    return [QLabel.text(label) for label in sorted(labels, key=lambda label: -label.width())]


def menu_action(window: MainWindow, menu: str, text: str) -> QAction:
    """The entry ``menu ▸ text`` of the window's menu bar (mnemonic ampersands ignored)."""
    for top in window.menuBar().actions():
        if top.text().replace("&", "") == menu:
            for action in top.menu().actions():
                if action.text().replace("&", "") == text.replace("&", ""):
                    return action
    raise AssertionError(f"no {menu} ▸ {text}")


def answers_within(qtbot, milliseconds: int) -> None:  # type: ignore[no-untyped-def]
    """A timer posted now fires within ``milliseconds``: the GUI thread is not busy."""
    fired: list[bool] = []
    QTimer.singleShot(0, lambda: fired.append(True))
    qtbot.waitUntil(lambda: bool(fired), timeout=milliseconds)


def hover(qtbot, window: MainWindow, x: int, y: int) -> None:  # type: ignore[no-untyped-def]
    """Move the mouse onto pixel (x, y) of the input panel and leave it there."""
    panel = window.left
    panel.view.updateMatrix()
    scene = panel.image.mapToScene(QPointF(x + 0.5, y + 0.5))
    local = QPointF(panel.mapFromScene(scene))
    global_pos = QPointF(panel.viewport().mapToGlobal(local.toPoint()))
    # QTest's mouseMove sends nothing offscreen; this is the event a real move delivers.
    move = QMouseEvent(QEvent.Type.MouseMove, local, global_pos, Qt.MouseButton.NoButton, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)  # fmt: skip

    def arrived() -> bool:
        if window.status.readout.text().startswith(f"array ({x}, {y})"):
            return True
        # pyqtgraph's scene drops a move that follows the last one too closely (its move-event rate): sent again.
        QApplication.sendEvent(panel.viewport(), move)
        return False

    qtbot.waitUntil(arrived, timeout=2000)


def answer_preparation(qtbot, window: MainWindow, button_text: str) -> None:  # type: ignore[no-untyped-def]
    """Click ``button_text`` in the question a ramp with no record of the earlier pipeline steps gets."""
    from PyQt6.QtCore import Qt

    choice = window.preparation_choice
    qtbot.waitUntil(lambda: choice.question is not None and choice.question.isVisible(), timeout=10000)
    assert choice.question is not None
    [button] = [button for button in choice.question.buttons() if button.text() == button_text]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def choose_by_keys(qtbot, box: QComboBox, label: str) -> None:  # type: ignore[no-untyped-def]
    """Pick ``label`` in a drop-down list with the keyboard, as a user steps through it."""
    box.setFocus()
    target = box.findText(label)
    assert target >= 0, f"{label} not offered"
    while box.currentIndex() != target:
        qtbot.keyClick(box, Qt.Key.Key_Down if box.currentIndex() < target else Qt.Key.Key_Up)


def work_on_the_gui_thread(monkeypatch, plane_size: int) -> list[str]:  # type: ignore[no-untyped-def]
    """What the GUI thread does to a whole plane from now on: "read" it from the file, compute its "limits", or
    "stretch" it (the colour bar stretches a few values: not counted)."""
    done: list[str] = []
    real_read, real_limits, real_stretch = fitsfile.StoredImage.__getitem__, analysis.display_limits, analysis.stretch

    def record(what: str, values: object = None) -> None:
        plane_sized = values is None or np.size(values) == plane_size
        if threading.current_thread() is threading.main_thread() and plane_sized:
            done.append(what)

    def recorded_read(image, key):  # type: ignore[no-untyped-def]
        record("read")
        return real_read(image, key)

    def recorded_limits(values, method):  # type: ignore[no-untyped-def]
        record("limits", values)
        return real_limits(values, method)

    def recorded_stretch(values, low, high, kind, like=None):  # type: ignore[no-untyped-def]
        record("stretch", values)
        return real_stretch(values, low, high, kind, like)

    monkeypatch.setattr(fitsfile.StoredImage, "__getitem__", recorded_read)
    monkeypatch.setattr(analysis, "display_limits", recorded_limits)
    monkeypatch.setattr(analysis, "stretch", recorded_stretch)
    return done


def assert_drawn_as_chosen(window, panel, values: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    """``panel`` shows ``values`` with the limits and stretch chosen in the toolbar."""
    low, high = analysis.display_limits(values, window.display.limits_box.currentText())
    np.testing.assert_array_equal(panel.image.image,
                                  analysis.stretch(values, low, high, window.display.stretch_box.currentText()))  # fmt: skip
