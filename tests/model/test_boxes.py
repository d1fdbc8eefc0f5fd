"""Boxes read by positioned reads equal the same slices of the stored arrays, whatever their shape."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from lininspect.core.errors import LinInspectError
from lininspect.core.fits.exposure import open_exposure
from lininspect.model.boxes import read_boxes

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test helpers in tests/
from comparison_files import SHAPE, ramps  # noqa: E402
from pipeline_oracle import write_ramp_file  # noqa: E402

NINTS, NGROUPS, NY, NX = SHAPE


@pytest.fixture(scope="module")
def exposure_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sci, groupdq = ramps()
    return write_ramp_file(tmp_path_factory.mktemp("boxes") / "ramp.fits", sci=sci, groupdq=groupdq, with_asdf=False)


@pytest.mark.parametrize(
    ("integrations", "rows", "columns"),
    [
        (range(NINTS), (5, 6), (7, 8)),  # one pixel's ramp, as the inspector reads it
        (range(1, 2), (3, 9), (4, 17)),  # a box inside the rows
        (range(NINTS), (2, 11), (0, NX)),  # whole rows: one read per group plane
        (range(1), (NY - 1, NY), (0, NX)),  # the last row
        (range(1, 2), (0, NY), (NX - 1, NX)),  # the last column
    ],
)
def test_a_box_is_the_slice_of_the_stored_arrays(exposure_path: Path, integrations: range, rows: tuple[int, int],
                                                  columns: tuple[int, int]) -> None:  # fmt: skip
    exposure = open_exposure(exposure_path)
    sci, groupdq = read_boxes(exposure, ("SCI", "GROUPDQ"), integrations, rows, columns)
    window = (slice(integrations.start, integrations.stop), slice(None), slice(*rows), slice(*columns))
    assert sci is not None and groupdq is not None
    assert sci.tobytes() == np.asarray(exposure.sci[...], dtype=np.float32)[window].tobytes()
    assert groupdq.tobytes() == np.asarray(exposure.groupdq[...], dtype=np.uint8)[window].tobytes()


def test_an_absent_array_is_none_and_the_others_still_read(exposure_path: Path) -> None:
    exposure = open_exposure(exposure_path)
    missing, sci = read_boxes(exposure, ("ZEROFRAME", "SCI"), range(NINTS), (1, 2), (3, 4))
    assert missing is None
    assert sci is not None and sci[:, :, 0, 0].tobytes() == np.asarray(exposure.sci[:, :, 1, 3], np.float32).tobytes()


def test_a_file_cut_short_after_opening_is_refused(exposure_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "cut.fits"
    copy.write_bytes(exposure_path.read_bytes())
    exposure = open_exposure(copy)
    with open(copy, "r+b") as stream:
        stream.truncate(copy.stat().st_size // 2)
    with pytest.raises(LinInspectError, match="ended early"):
        read_boxes(exposure, ("SCI", "GROUPDQ"), range(NINTS), (NY - 1, NY), (0, NX))
