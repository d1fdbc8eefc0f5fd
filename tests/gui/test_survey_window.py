"""File ▸ Open survey…: the survey's table (sortable, filterable) and maps; rows and map pixels open exposures."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import QPointF, Qt
from PyQt6.QtWidgets import QFileDialog

from lininspect.cluster import survey_task
from lininspect.core.survey.survey import SurveySettings, SurveyStore, stack_all
from lininspect.core.survey.surveyreport import MAPS_FOLDER, read_stacked_maps, write_stacked_maps, write_table

from guihelpers import choose_by_keys, hover, menu_action, shown_window, visible_status_texts

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test helpers in tests/
from comparison_files import coefficients, ramps  # noqa: E402
from pipeline_oracle import write_linearity_reference, write_ramp_file  # noqa: E402

SHAPE = (2, 6, 18, 20)


@pytest.fixture(scope="module")
def survey_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A survey of four exposures written as `lininspect survey` writes it, computed serially."""
    root = tmp_path_factory.mktemp("survey")
    reference = write_linearity_reference(root / "ref.fits", coeffs=coefficients(*SHAPE[2:], 1, 2e-6))
    settings = SurveySettings(reference=reference)
    directory = root / "out"
    SurveyStore(directory).prepare()
    surveys = []
    for n in range(4):
        sci, groupdq = ramps(SHAPE, seed=40 + n)
        path = write_ramp_file(root / f"exp{n}_lastframe.fits", sci=sci, groupdq=groupdq, with_asdf=False)
        surveys.append(survey_task(str(path), settings, settings.identity(), str(directory)))
    write_table([survey.row for survey in surveys], directory)
    write_stacked_maps(stack_all(surveys), directory)
    return directory


@pytest.fixture
def survey_window(qtbot, survey_dir: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    window = shown_window(qtbot, None, None)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(survey_dir))
    menu_action(window, "File", "Open survey...").trigger()
    qtbot.waitUntil(lambda: window.survey_window is not None and window.survey_window.isVisible(), timeout=30000)
    yield window
    window.close()


def _column(survey, name: str) -> list:  # type: ignore[no-untyped-def]
    c = survey.columns.index(name)
    return [survey.proxy.index(r, c).data() for r in range(survey.proxy.rowCount())]


def test_open_survey_shows_every_row_and_says_so(survey_window, survey_dir: Path) -> None:  # type: ignore[no-untyped-def]
    survey = survey_window.survey_window
    assert survey.proxy.rowCount() == 4
    assert [Path(name).name for name in _column(survey, "file")] == [f"exp{n}_lastframe.fits" for n in range(4)]
    assert survey_window.status.message_text == f"Opened survey {survey_dir}: 4 exposures"


def test_table_sorts_by_a_figure_and_filters_by_text(survey_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    survey = survey_window.survey_window
    column = survey.columns.index("residual_after_median")
    header = survey.table.horizontalHeader()
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=header.viewport().rect().topLeft() + QPointF(header.sectionViewportPosition(column) + 5,
                                                                      5).toPoint())
    values = _column(survey, "residual_after_median")
    assert values == sorted(values) or values == sorted(values, reverse=True)
    assert len(set(values)) == 4
    qtbot.keyClicks(survey.filter, "exp2_")
    assert [Path(name).name for name in _column(survey, "file")] == ["exp2_lastframe.fits"]


def test_activating_a_row_opens_that_exposure_at_its_worst_pixel(survey_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    survey = survey_window.survey_window
    row = next(r for r in survey.results.rows if Path(r["file"]).name == "exp1_lastframe.fits")
    qtbot.keyClicks(survey.filter, "exp1_")
    _double_click_row(qtbot, survey, 0)
    qtbot.waitUntil(lambda: survey_window.session.input_path == Path(row["file"]), timeout=30000)  # read in a job
    assert survey_window.pixel == (row["worst_x"], row["worst_y"])
    qtbot.waitUntil(lambda: survey_window.session.result is not None, timeout=30000)


def test_clicking_a_map_pixel_lists_the_largest_residuals_there(survey_window, survey_dir: Path,
                                                                qtbot) -> None:  # type: ignore[no-untyped-def]
    survey = survey_window.survey_window
    names = [survey.choice.itemData(i)[1] for i in range(survey.choice.count())]
    survey.choice.setCurrentIndex(names.index("residual_a_median"))
    x, y = 5, 7
    survey.view_box.updateMatrix()
    scene = survey.image.mapToScene(QPointF(x + 0.5, y + 0.5))
    view_point = survey.plot.mapFromScene(scene)
    qtbot.mouseClick(survey.plot.viewport(), Qt.MouseButton.LeftButton, pos=view_point)
    qtbot.waitUntil(lambda: survey.exposures.count() > 0, timeout=30000)
    store = SurveyStore(survey_dir)
    expected = sorted(((float(store.load(r["key"]).maps["residual_a"][y, x]), Path(r["file"]).name)
                       for r in survey.results.rows), reverse=True)
    shown = [survey.exposures.item(i).text() for i in range(survey.exposures.count())]
    assert [text.split()[-1] for text in shown] == [name for _, name in expected]
    assert float(shown[0].split()[0]) == pytest.approx(expected[0][0], rel=1e-3)
    assert survey_window.status.message_text == (
        f"Listed 4 exposures with the largest residual at ({x}, {y})")
    first = survey.exposures.visualItemRect(survey.exposures.item(0)).center()
    qtbot.mouseClick(survey.exposures.viewport(), Qt.MouseButton.LeftButton, pos=first)  # a double-click's press
    qtbot.mouseDClick(survey.exposures.viewport(), Qt.MouseButton.LeftButton, pos=first)
    qtbot.waitUntil(lambda: survey_window.pixel == (x, y), timeout=30000)  # once the exposure is read, in a job
    assert survey_window.session.input_path.name == expected[0][1]
    assert np.isfinite(expected[-1][0])


def _double_click_row(qtbot, survey, row: int) -> None:  # type: ignore[no-untyped-def]
    """Double-click the table's ``row`` (as shown, sorted and filtered), as a user opens it."""
    cell = survey.table.visualRect(survey.proxy.index(row, 0)).center()
    qtbot.mouseClick(survey.table.viewport(), Qt.MouseButton.LeftButton, pos=cell)  # a double-click's press
    qtbot.mouseDClick(survey.table.viewport(), Qt.MouseButton.LeftButton, pos=cell)


def test_the_maps_show_in_the_main_window_with_its_tools(survey_window, survey_dir: Path,
                                                         qtbot) -> None:  # type: ignore[no-untyped-def]
    """Once an exposure of the survey is open, its detector's stacked maps are planes of the HDU image tool: a
    panel shows one with the main window's scale, readout and tools."""
    survey = survey_window.survey_window
    _double_click_row(qtbot, survey, 2)
    qtbot.waitUntil(lambda: survey_window.session.input_path == Path(survey.results.rows[2]["file"]),
                    timeout=30000)
    menu_action(survey_window, "Tools", "HDU image").trigger()
    tool = survey_window.tool_docks.tools["hduimage"]
    qtbot.waitUntil(lambda: tool.running)
    (maps_file,) = (survey_dir / MAPS_FOLDER).glob("*.fits")
    maps = read_stacked_maps(maps_file)
    left = tool.choices["left"]
    offered = [left.itemText(n) for n in range(left.count())]
    assert offered[-len(maps):] == [f"survey {name.upper()}" for name in maps]
    choose_by_keys(qtbot, left, "survey RESIDUAL_A_MEDIAN")
    np.testing.assert_array_equal(survey_window.panels.shown["left"].values, maps["residual_a_median"])
    assert survey_window.left.title.text == f"survey RESIDUAL_A_MEDIAN ({survey_dir.name}, {maps_file.stem})"
    x, y = 5, 7
    hover(qtbot, survey_window, x, y)
    value = f"survey RESIDUAL_A_MEDIAN {float(maps['residual_a_median'][y, x]):.6g}"
    qtbot.waitUntil(lambda: any(value in text for text in visible_status_texts(survey_window)))


def test_lininspect_survey_dir_opens_the_survey(qtbot, survey_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from lininspect.gui.app import application, show_window
    from lininspect.model.opening import OpeningRequest

    application()
    window = show_window(OpeningRequest(survey_dir, survey=True))
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.survey_window is not None and window.survey_window.isVisible(), timeout=30000)
    assert window.survey_window.proxy.rowCount() == 4
    assert window.session.exposure is None
    window.close()


def test_a_directory_without_a_survey_is_refused_in_a_dialog(window, tmp_path: Path, qtbot,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    shown: list[str] = []
    monkeypatch.setattr(window.dialogs, "show_error", shown.append)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(tmp_path))
    menu_action(window, "File", "Open survey...").trigger()
    qtbot.waitUntil(lambda: bool(shown), timeout=30000)
    assert shown == [f"{tmp_path}: no survey here (no survey.ecsv; write one with 'lininspect survey')"]
    assert window.survey_window is None
