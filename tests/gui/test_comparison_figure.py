"""The comparison's figure draws the core's maps and histogram; its PNG is painted in any thread."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtGui import QColor, QImage

from lininspect.core.analysis.comparison import ReferenceComparison, compare_references
from lininspect.core.fits.exposure import open_exposure
from lininspect.core.references.reference import open_reference
from lininspect.gui.comparisonfigure import BACKGROUND

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test helpers in tests/
from comparison_files import write_comparison_files


@pytest.fixture
def comparison(tmp_path: Path) -> ReferenceComparison:
    files = write_comparison_files(tmp_path)
    return compare_references(open_exposure(files["exposure"]), open_reference(files["a"]),
                              open_reference(files["b"]))


def test_figure_draws_each_map_and_the_histogram(qtbot, comparison: ReferenceComparison) -> None:
    from lininspect.gui.comparisonfigure import ComparisonFigure

    figure = ComparisonFigure(comparison)
    qtbot.addWidget(figure)
    for name, values in (("factor_a", comparison.factor_a), ("factor_b", comparison.factor_b),
                         ("factor_difference", comparison.factor_difference),
                         ("no_lin_corr_change", comparison.no_lin_corr_change),
                         ("rms_difference", comparison.rms_difference)):
        np.testing.assert_array_equal(figure.images[name].image, values.astype(np.float32), err_msg=name)
    assert figure.images["no_lin_corr_change"].getLevels() == pytest.approx((-1, 1))
    low, high = figure.images["factor_difference"].getLevels()
    assert low == -high and high > 0  # zero change sits in the middle of the diverging colours
    edges, counts = figure.histogram.getData()
    np.testing.assert_array_equal(edges, comparison.histogram.edges)
    np.testing.assert_array_equal(counts, comparison.histogram.counts)


def test_the_picture_is_a_png_of_its_size_and_the_same_from_any_thread(
    qtbot, comparison: ReferenceComparison, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    from lininspect.gui.comparisonpicture import write_comparison_picture

    here, there = tmp_path / "here.png", tmp_path / "there.png"
    write_comparison_picture(comparison, here, size=(900, 600))
    worker = threading.Thread(target=write_comparison_picture, args=(comparison, there), kwargs={"size": (900, 600)})
    worker.start()
    worker.join(60)
    data = here.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")) == (900, 600)
    assert there.read_bytes() == data
    image = QImage(str(here))
    assert image.pixelColor(450, 4) == QColor(BACKGROUND)  # a margin is background
    assert len({image.pixel(x, y) for x in range(0, 900, 7) for y in range(0, 600, 7)}) > 50  # the maps are drawn


@pytest.mark.parametrize("name", ["viridis", "CET-D1", "change"])
def test_the_pictures_colours_are_pyqtgraphs(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Colouring a map a chunk at a time gives pyqtgraph's ColorMap.map bytes: between stops, on them,
    a hair either side, at the ends, beyond the limits, and NaN in the background."""
    import pyqtgraph as pg

    from lininspect.gui import comparisonpicture
    from lininspect.gui.comparisonfigure import CHANGE_COLOURS
    from lininspect.gui.comparisonpicture import _coloured

    monkeypatch.setattr(comparisonpicture, "_COLOURED_CHUNK", 1000)  # chunks of 15 rows, the last one short

    colormap = pg.ColorMap([0.0, 0.5, 1.0], list(CHANGE_COLOURS)) if name == "change" else pg.colormap.get(name)
    positions = colormap.getStops("byte")[0]
    rng = np.random.default_rng(7)
    values = np.concatenate([rng.random(20_000), positions, np.nextafter(positions, 2), np.nextafter(positions, -1),
                             [-0.5, 1.5, np.inf, -np.inf, np.nan]])
    values = np.resize(values, (values.size // 64 + 1, 64))  # the image's rows
    image = _coloured(values, (0.0, 1.0), colormap)  # limits that leave the values as they are
    ptr = image.constBits()
    ptr.setsize(image.sizeInBytes())
    painted = np.frombuffer(ptr, np.uint8).reshape(values.shape + (4,))
    scaled = np.clip(values, 0.0, 1.0)
    expected = np.ascontiguousarray(colormap.map(np.where(np.isfinite(scaled), scaled, 0.0), mode="byte"), np.uint8)
    background = QColor(BACKGROUND)
    expected[~np.isfinite(scaled)] = (background.red(), background.green(), background.blue(), 255)
    np.testing.assert_array_equal(painted, expected)


@pytest.mark.parametrize(("y", "x"), [(0, 0), (511, 700), (1023, 1031)])
def test_a_single_hot_pixel_of_a_full_frame_map_shows_in_its_smaller_picture(qtbot, y: int, x: int) -> None:
    """A map drawn into a few hundred screen pixels keeps its isolated pixels, as the app's panner does."""
    import pyqtgraph as pg
    from PyQt6.QtCore import QRectF
    from PyQt6.QtGui import QPainter

    from lininspect.gui.comparisonpicture import paint_map

    values = np.zeros((1024, 1032), dtype=np.float32)
    values[y, x] = 1.0
    viridis = pg.colormap.get("viridis")
    image = QImage(420, 340, QImage.Format.Format_RGB32)
    image.fill(QColor(BACKGROUND))
    painter = QPainter(image)
    paint_map(painter, QRectF(0, 0, 420, 340), "", values, (0.0, 1.0), viridis, bar=False)
    painter.end()
    drawn = {image.pixel(i, j) for i in range(420) for j in range(26, 340)}  # below the (empty) title
    assert QColor(*viridis.map(1.0, mode="byte")).rgb() in drawn
