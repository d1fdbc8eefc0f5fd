"""The survey's PNG summaries: each per-exposure figure trended against the exposure start time with its
histogram, and every stacked map of every detector."""

from __future__ import annotations

import json
import subprocess
import sys
import weakref
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


def test_the_pictures_hold_one_stacked_map_at_a_time(qtbot, surveyed: tuple[Path, list[dict]],  # type: ignore[no-untyped-def]
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Each map is read when it is painted and let go after: the client never holds a detector's every map."""
    from lininspect.core.survey.surveyreport import read_stacked_map, stacked_map_names
    from lininspect.gui import surveypicture

    directory, rows = surveyed
    held: list[weakref.ref] = []
    most_held = []

    def read_watched(path: Path, name: str) -> np.ndarray:
        held[:] = [map_ref for map_ref in held if map_ref() is not None]
        most_held.append(len(held))  # maps still alive when the next is read
        values = read_stacked_map(path, name)
        held.append(weakref.ref(values))
        return values

    monkeypatch.setattr(surveypicture, "read_stacked_map", read_watched)
    surveypicture.write_maps_pictures(directory)
    surveypicture.write_survey_picture(directory, rows)
    every_map = sum(len(stacked_map_names(path)) for path in (directory / MAPS_FOLDER).glob("*.fits"))
    assert len(most_held) == every_map + 3 and max(most_held) == 0  # the overview paints three


def test_the_pictures_load_no_numba(surveyed: tuple[Path, list[dict]]) -> None:
    """`lininspect survey`'s client computes nothing: numba and LLVM (117 MB) are not loaded to colour maps."""
    directory, rows = surveyed
    script = ("import json, sys\n"
              "from lininspect.gui.surveypicture import write_maps_pictures, write_survey_picture\n"
              f"write_maps_pictures({str(directory)!r})\n"
              f"write_survey_picture({str(directory)!r}, json.loads(sys.stdin.read()))\n"
              "print(sorted(name for name in sys.modules if name.split('.')[0] in ('numba', 'llvmlite')))\n")
    result = subprocess.run([sys.executable, "-c", script], input=json.dumps(rows), capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[]\n"
