"""The plots and images tell the truth: exports, legends, markers, limits, overlays, small screens."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
from PyQt6.QtGui import QColor, QImage, QPainter
from PyQt6.QtSvg import QSvgRenderer

from lininspect.gui.inspector import INPUT_COLOUR
from lininspect.gui.mainwindow import MainWindow
from test_mainwindow import run


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    data = np.frombuffer(image.constBits().asstring(image.sizeInBytes()), dtype=np.uint8)  # type: ignore[union-attr]
    return data.reshape(image.height(), image.bytesPerLine() // 4, 4)[:, : image.width(), :3].astype(int)


def _near(pixels: np.ndarray, colour: QColor, tolerance: int = 40) -> np.ndarray:
    target = np.array([colour.red(), colour.green(), colour.blue()])
    return np.abs(pixels - target).sum(axis=2) < tolerance


def _svg_by_qt(path: Path, width: int, height: int) -> np.ndarray:
    renderer = QSvgRenderer(str(path))
    assert renderer.isValid()
    image = QImage(width, height, QImage.Format.Format_RGBA8888)
    image.fill(QColor("white"))
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    return _pixels(image)


def _agree(a: np.ndarray, b: np.ndarray) -> float:
    """Share of a's marked pixels with one of b's within 2 px (lines drawn by two renderers)."""
    grown = b.copy()
    for dy in (-2, -1, 0, 1, 2):
        for dx in (-2, -1, 0, 1, 2):
            grown |= np.roll(np.roll(b, dy, axis=0), dx, axis=1)
    return float((a & grown).sum() / max(a.sum(), 1))


def test_svg_export_is_a_sane_page_with_the_curves_where_the_png_has_them(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run(qtbot, window)
    window.select_pixel(21, 12)
    window.inspector.export_plots(tmp_path / "plots.png")
    window.inspector.export_plots(tmp_path / "plots.svg")
    png = _pixels(QImage(str(tmp_path / "plots.png")))
    height, width = png.shape[:2]
    renderer = QSvgRenderer(str(tmp_path / "plots.svg"))
    view = renderer.viewBoxF()
    assert (view.width(), view.height()) == (width, height)
    assert 0.9 * width <= renderer.defaultSize().width() <= 1.1 * width  # a page, not kilometres
    rsvg = tmp_path / "rsvg.png"
    subprocess.run(["rsvg-convert", "-w", str(width), "-h", str(height), "-o", str(rsvg), str(tmp_path / "plots.svg")],
                   check=True, timeout=60)  # fmt: skip
    expected = _near(png, INPUT_COLOUR)
    assert expected.sum() > 200  # the input ramp and its residuals are drawn
    for drawn in (_pixels(QImage(str(rsvg))), _svg_by_qt(tmp_path / "plots.svg", width, height)):
        found = _near(drawn, INPUT_COLOUR)
        assert _agree(expected, found) > 0.9 and _agree(found, expected) > 0.9
