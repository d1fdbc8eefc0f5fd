"""A survey directory opened for the app: its table, its stacked maps, and what the kept partials say at
one pixel. No Qt: the app loads these in jobs."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import CorrectionCancelled, LinInspectError
from ..core.survey.survey import SurveyStore
from ..core.survey.surveyreport import MAPS_FOLDER, TABLE_NAME, read_stacked_maps


@dataclass(frozen=True)
class SurveyResults:
    directory: Path
    columns: list[str]
    rows: list[dict[str, Any]]  # masked cells (a failed file's figures) are None
    maps: dict[str, dict[str, np.ndarray]]  # stack key -> map name -> image


def is_survey_directory(path: str | Path) -> bool:
    return Path(path).is_dir() and (Path(path) / TABLE_NAME).is_file()


def open_survey(directory: str | Path) -> SurveyResults:
    """Read DIR/survey.ecsv and DIR/maps/*.fits; refuses a directory that holds no survey."""
    from astropy.table import Table  # here: with the asdf it loads, ~0.3 s of the app's start

    directory = Path(directory)
    if not is_survey_directory(directory):
        raise LinInspectError(f"{directory}: no survey here (no {TABLE_NAME}; write one with 'lininspect survey')")
    try:
        table = Table.read(directory / TABLE_NAME, format="ascii.ecsv")
        maps = {path.stem: read_stacked_maps(path) for path in sorted((directory / MAPS_FOLDER).glob("*.fits"))}
    except (OSError, ValueError) as error:
        raise LinInspectError(f"{directory}: the survey cannot be read ({error})") from None
    rows = []
    for record in table:
        row = {}
        for name in table.colnames:
            value = record[name]
            masked = bool(np.ma.is_masked(value))
            row[name] = None if masked else (value.item() if hasattr(value, "item") else value)
        rows.append(row)
    return SurveyResults(directory, list(table.colnames), rows, maps)


def largest_residuals_at(results: SurveyResults, stack: str, map_name: str, x: int, y: int, *, limit: int = 10,
                         cancel: threading.Event | None = None) -> list[tuple[int, float]]:
    """(row index, residual non-linearity in percent) of the exposures of ``stack`` with the largest
    residual at pixel (x, y), largest first, read from their kept partials. ``map_name`` chooses
    reference B's residuals when it names B; A's otherwise."""
    which = "residual_b" if "_b_" in map_name else "residual_a"
    store = SurveyStore(results.directory)
    found = []
    for index, row in enumerate(results.rows):
        if cancel is not None and cancel.is_set():
            raise CorrectionCancelled()
        if row.get("stack") != stack or not row.get("key"):
            continue
        kept = store.load(str(row["key"]))
        if kept is None or which not in kept.maps:
            continue
        value = float(kept.maps[which][y, x])
        if np.isfinite(value):
            found.append((index, value))
    found.sort(key=lambda pair: -pair[1])
    return found[:limit]
