"""The survey's PNG summaries: each per-exposure figure trended against the exposure start time with its
histogram, and every stacked map of every detector."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtGui import QColor, QImage

from lininspect.cluster import survey_task
from lininspect.core.survey.survey import SurveySettings, SurveyStore, stack_all
from lininspect.core.survey.surveyreport import MAPS_FOLDER, write_stacked_maps

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test helpers in tests/
from comparison_files import coefficients, ramps
from pipeline_oracle import write_linearity_reference, write_ramp_file

#: Two detectors' sizes, so that two stacks are written.
SHAPES = ((2, 6, 18, 20), (2, 6, 18, 24))


@pytest.fixture(scope="module")
def surveyed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    """Three exposures of two sizes, each judged with A and B, written as ``lininspect survey`` writes them."""
    root = tmp_path_factory.mktemp("picture")
    directory = root / "out"
    SurveyStore(directory).prepare()
    surveys = []
    for n, shape in enumerate((SHAPES[0], SHAPES[0], SHAPES[1])):
        ny, nx = shape[2:]
        a = write_linearity_reference(root / f"a{n}.fits", coeffs=coefficients(ny, nx, 1, 2e-6))
        b = write_linearity_reference(root / f"b{n}.fits", coeffs=coefficients(ny, nx, 2, 3e-6))
        settings = SurveySettings(reference=a, against=b)
        sci, groupdq = ramps(shape, seed=60 + n)
        path = write_ramp_file(root / f"exp{n}_lastframe.fits", sci=sci, groupdq=groupdq, with_asdf=False,
                               extra_header={"EXPSTART": 60100.0 + n})
        surveys.append(survey_task(str(path), settings, settings.identity(), str(directory)))
    write_stacked_maps(stack_all(surveys), directory)
    return directory, [survey.row for survey in surveys]


def test_each_figure_is_trended_and_histogrammed(qtbot, surveyed: tuple[Path, list[dict]]) -> None:  # type: ignore[no-untyped-def]
    from lininspect.gui.surveypicture import POINT, trended_figures, write_trends_picture

    directory, rows = surveyed
    assert [column for column, _ in trended_figures(rows)] == [
        "no_lin_corr", "saturated_fraction", "factor_level_median", "factor_last_median", "residual_before_median",
        "residual_after_median", "residual_after_p95", "no_lin_corr_b", "factor_level_median_b",
        "factor_last_median_b", "residual_after_median_b", "residual_after_p95_b", "factor_level_diff_median",
        "factor_last_diff_median", "residual_after_diff_median"]
    assert [column for column, _ in trended_figures([{k: v for k, v in rows[0].items() if not k.endswith("_b")}])][:7] \
        == ["no_lin_corr", "saturated_fraction", "factor_level_median", "factor_last_median",
            "residual_before_median", "residual_after_median", "residual_after_p95"]
    path = write_trends_picture(directory, rows)
    assert path == directory / "trends.png"
    image = QImage(str(path))
    assert not image.isNull() and image.height() > image.width()  # 15 figures, two a line
    pixels = np.frombuffer(image.convertToFormat(QImage.Format.Format_RGB32).constBits().asstring(
        image.width() * image.height() * 4), np.uint32)
    assert np.count_nonzero(pixels == QColor(POINT).rgb()) > 15 * 3 * 20  # three exposures' points a trend


def test_every_detector_gets_a_picture_of_all_its_maps(qtbot, surveyed: tuple[Path, list[dict]]) -> None:  # type: ignore[no-untyped-def]
    from lininspect.gui.surveypicture import write_maps_pictures

    directory, _ = surveyed
    written = write_maps_pictures(directory)
    assert sorted(written) == sorted(path.with_suffix(".png") for path in (directory / MAPS_FOLDER).glob("*.fits"))
    assert len(written) == 2 and all(not QImage(str(path)).isNull() for path in written)
