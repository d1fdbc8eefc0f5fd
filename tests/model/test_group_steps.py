"""Group differences (g minus g−1) of any source, and the play's order of frames, without Qt."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from lininspect.core.fits.exposure import open_exposure
from lininspect.core.fits.product import correct_file
from lininspect.model.playback import interval_ms, next_frame
from lininspect.model.session import A
from lininspect.model.sources import ramp
from lininspect.model.viewstate import PanelSource, RightView

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test helpers in tests/
from comparison_files import session_with, write_comparison_files  # noqa: E402


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("steps")
    paths = write_comparison_files(directory)
    paths["product_a"] = directory / "with_a_linearity.fits"
    correct_file(paths["exposure"], paths["a"], paths["product_a"])
    return paths


def _samples(path: Path) -> np.ndarray:
    return np.asarray(open_exposure(path).sci[...], dtype=np.float32)


@pytest.mark.parametrize(("view", "stored"), [(PanelSource.INPUT_STEPS, "exposure"), (PanelSource.CORRECTED_A_STEPS, "product_a")])
def test_group_differences_of_planes_boxes_and_ramps(files: dict[str, Path], view: PanelSource, stored: str) -> None:
    session = session_with(files, A)
    source = session.source(view.value)
    assert source is not None
    data = _samples(files[stored])
    nints, ngroups = data.shape[:2]
    for i, g in ((0, 1), (nints - 1, ngroups - 1), (1, 5)):
        np.testing.assert_array_equal(source.plane(i, g), data[i, g] - data[i, g - 1])
    assert np.isnan(source.plane(0, 0)).all()  # group 0 has no group before it
    box = source.box(range(nints), (2, 5), (1, 4))
    np.testing.assert_array_equal(box[:, 1:], np.diff(data[:, :, 2:5, 1:4], axis=1))
    assert np.isnan(box[:, 0]).all()
    np.testing.assert_array_equal(ramp(source, nints, 3, 2)[:, 1:], np.diff(data[:, :, 2, 3], axis=1))
    assert source.label.endswith(" g−(g−1)")


def test_corrected_differences_need_a_reference(files: dict[str, Path]) -> None:
    assert session_with(files).source(PanelSource.CORRECTED_A_STEPS.value) is None
    assert session_with(files).source(PanelSource.INPUT_STEPS.value) is not None


def test_the_right_panel_offers_the_same_difference_views() -> None:
    assert RightView.INPUT_STEPS.reference_view is PanelSource.INPUT_STEPS
    assert RightView.CORRECTED_A_STEPS.reference_view is PanelSource.CORRECTED_A_STEPS


def test_play_goes_through_groups_then_integrations_and_wraps() -> None:
    frames = (2, 3)
    shown, played = (0, 0), []
    for _ in range(7):
        shown = next_frame(frames, *shown)
        played.append(shown)
    assert played == [(0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (0, 0), (0, 1)]


def test_rates_become_intervals_within_bounds() -> None:
    assert interval_ms(4.0) == 250
    assert interval_ms(1000.0) == round(1000 / 30)
    assert interval_ms(0.0) == 10_000
