"""The pixel table without Qt: each block is the slice of the written planes around the pixel, cut at the edges."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from lininspect.core.errors import LinInspectError
from lininspect.core.fits.exposure import open_exposure
from lininspect.core.fits.product import correct_file
from lininspect.model.pixeltable import pixel_table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test helpers in tests/
from comparison_files import SHAPE, session_with, write_comparison_files  # noqa: E402


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("table")
    paths = write_comparison_files(directory)
    for label in ("a", "b"):
        paths[f"product_{label}"] = correct_file(paths["exposure"], paths[label], directory / f"{label}.fits").output
    return paths


def test_blocks_are_the_planes_around_the_pixel(files: dict[str, Path]) -> None:
    session = session_with(files, "A", "B")
    i, g, (x, y) = 1, 4, (6, 9)
    table = pixel_table(session, i, g, (x, y), 5)
    assert (table.columns, table.rows) == (range(4, 9), range(7, 12))
    exposure = open_exposure(files["exposure"])
    a, b = (open_exposure(files[f"product_{label}"]) for label in ("a", "b"))
    here = (slice(7, 12), slice(4, 9))
    np.testing.assert_array_equal(table.blocks["input"], exposure.sci[i, g][here])
    np.testing.assert_array_equal(table.blocks["corrected A"], a.sci[i, g][here])
    np.testing.assert_array_equal(table.blocks["corrected B"], b.sci[i, g][here])
    with np.errstate(invalid="ignore", divide="ignore"):
        np.testing.assert_array_equal(table.blocks["ratio"], exposure.sci[i, g][here].astype(np.float32) / a.sci[i, g][here])
    np.testing.assert_array_equal(table.blocks["PIXELDQ"], a.pixeldq[here])
    np.testing.assert_array_equal(table.blocks["GROUPDQ"], exposure.groupdq[i, g][here])
    assert table.value("input", x, y) == float(exposure.sci[i, g, y, x])
    assert table.missing == {}


def test_a_table_at_a_corner_is_cut_and_a_bad_size_is_refused(files: dict[str, Path]) -> None:
    session = session_with(files, "A")
    ny, nx = SHAPE[2:]
    table = pixel_table(session, 0, 0, (nx - 1, 0), 9)
    assert (table.columns, table.rows) == (range(nx - 5, nx), range(0, 5))
    assert table.blocks["input"].shape == (5, 5) and "corrected B" not in table.blocks
    with pytest.raises(LinInspectError, match="3, 5, 7, 9"):
        pixel_table(session, 0, 0, (1, 1), 4)
    with pytest.raises(LinInspectError, match="outside"):
        pixel_table(session, 0, 0, (nx, 0), 3)


def test_arrow_steps_stay_on_the_array_and_detector_coordinates_count_from_substrt() -> None:
    from lininspect.model.navigation import array_from_detector, stepped

    assert stepped((3, 4), 1, 0, (10, 20)) == (4, 4)
    assert stepped((0, 9), -1, 1, (10, 20)) == (0, 9)  # at a corner: stays
    assert stepped(None, 1, 0, (10, 20)) == (10, 5)  # nothing selected: the centre
    assert array_from_detector(11, 21, (11, 21)) == (0, 0)
