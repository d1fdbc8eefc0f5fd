"""Defects of issue 15 found by using the app for real: what the panels and the inspector show the user."""

from __future__ import annotations

import numpy as np
from PyQt6.QtGui import QImage

from lininspect.gui.imagepanel import MASK_COLOURS, OVERLAY_RGBA
from lininspect.gui.mainwindow import MainWindow

RUN_TIMEOUT_MS = 10000


def run(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    job = window.run_correction()
    qtbot.waitUntil(lambda: job.done, timeout=RUN_TIMEOUT_MS)
    assert window.session.result is not None


def colour_count(qtbot, widget, rgb: tuple[int, int, int]) -> int:  # type: ignore[no-untyped-def]
    """Screen pixels of exactly this colour in the widget as painted."""
    qtbot.wait(50)
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    pixels = np.frombuffer(image.constBits().asstring(image.sizeInBytes()), dtype=np.uint8)
    rows = pixels.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 3].reshape(image.height(), image.width(), 3)
    return int(np.all(rows == np.array(rgb, dtype=np.uint8), axis=-1).sum())


def test_mask_on_right_paints_no_cyan_over_the_magenta_no_lin_corr_map(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    window.display.overlay_right.click()
    window.display.mode_box.setCurrentText("NO_LIN_CORR mask")
    magenta = tuple(int(MASK_COLOURS[1][i : i + 2], 16) for i in (1, 3, 5))
    assert colour_count(qtbot, window.right, magenta) > 0  # the legend's colour is what the map shows
    assert colour_count(qtbot, window.right, OVERLAY_RGBA[:3]) == 0
    window.display.mode_box.setCurrentText("Corrected")  # over an image the tick still marks them in cyan
    assert colour_count(qtbot, window.right, OVERLAY_RGBA[:3]) > 0
