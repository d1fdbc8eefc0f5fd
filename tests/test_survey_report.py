"""The survey's table files: a rerun's directory holds its own tables and none of an earlier run's."""

from __future__ import annotations

from pathlib import Path

from astropy.table import Table

from lininspect.core.survey.surveyreport import TABLE_NAME, VOTABLE_NAME, write_table


def test_a_rerun_without_votable_removes_the_earlier_runs_votable(tmp_path: Path) -> None:
    first = [{"file": "a.fits", "no_lin_corr": 3, "worker": "0", "error": ""}]
    assert write_table(first, tmp_path, votable=True) == [tmp_path / TABLE_NAME, tmp_path / VOTABLE_NAME]
    assert list(Table.read(tmp_path / VOTABLE_NAME)["no_lin_corr"]) == [3]
    second = first + [{"file": "b.fits", "no_lin_corr": 5, "worker": "1", "error": ""}]
    assert write_table(second, tmp_path) == [tmp_path / TABLE_NAME]
    assert sorted(path.name for path in tmp_path.iterdir()) == [TABLE_NAME]  # no temporary left either
    assert list(Table.read(tmp_path / TABLE_NAME)["no_lin_corr"]) == [3, 5]
    assert write_table(second, tmp_path, votable=True)[1] == tmp_path / VOTABLE_NAME
    assert list(Table.read(tmp_path / VOTABLE_NAME)["no_lin_corr"]) == [3, 5]


def test_a_votable_name_that_is_not_a_file_is_left_alone(tmp_path: Path) -> None:
    """Only a table we could have written goes: a directory of that name is someone else's."""
    (tmp_path / VOTABLE_NAME).mkdir()
    (tmp_path / VOTABLE_NAME / "keep.txt").write_text("mine\n")
    write_table([{"file": "a.fits", "no_lin_corr": 1, "worker": "0", "error": ""}], tmp_path)
    assert (tmp_path / VOTABLE_NAME / "keep.txt").read_text() == "mine\n"
