"""A survey's files: the table (ECSV, VOTable on request) and one FITS file of stacked maps per detector.

Every file appears whole or not at all (written beside its name, then renamed).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ... import __version__
from ..fits.atomic import atomic_path
from .survey import DetectorStack

if TYPE_CHECKING:
    from astropy.table import Table

TABLE_NAME = "survey.ecsv"
VOTABLE_NAME = "survey.vot"
MAPS_FOLDER = "maps"
#: The columns every table starts with, whatever the settings; the figures follow in their order.
FIRST_COLUMNS = ("file", "no_lin_corr", "worker", "error")

#: What each stacked map holds (by the name's start) and its unit.
_MEANINGS = {
    "residual_diff_median": ("median residual non-linearity A minus B", "percent"),
    "residual_a_median": ("median residual non-linearity of ramps corrected with A", "percent"),
    "residual_b_median": ("median residual non-linearity of ramps corrected with B", "percent"),
    "residual_a_mean": ("mean residual non-linearity of ramps corrected with A", "percent"),
    "residual_b_mean": ("mean residual non-linearity of ramps corrected with B", "percent"),
    "residual_a_exposures": ("exposures with usable groups (a fit) here, A", ""),
    "residual_b_exposures": ("exposures with usable groups (a fit) here, B", ""),
    "factor_last_a_mean": ("mean factor at the last unsaturated group, A", ""),
    "factor_last_b_mean": ("mean factor at the last unsaturated group, B", ""),
    "factor_last_diff_mean": ("mean factor at the last unsaturated group, A minus B", ""),
    "factor_level_a_mean": ("mean factor at the survey level, A", ""),
    "factor_level_b_mean": ("mean factor at the survey level, B", ""),
    "factor_level_diff_mean": ("mean factor at the survey level, A minus B", ""),
}


def survey_table(rows: Sequence[dict[str, Any]]) -> Table:
    """One row per exposure, in order; a column a row lacks (a failed file's figures) is masked there."""
    from astropy.table import MaskedColumn, Table  # here: with the asdf it loads, ~0.3 s of the app's start

    names = list(FIRST_COLUMNS)
    for row in rows:
        names += [name for name in row if name not in names]
    table = Table()
    for name in names:
        values = [row.get(name) for row in rows]
        present = [value for value in values if value is not None]
        if all(isinstance(value, str) for value in present):
            column = MaskedColumn([value or "" for value in values], name=name, dtype=str,
                                  mask=[value is None for value in values])
        elif all(isinstance(value, (bool, np.bool_)) for value in present):
            column = MaskedColumn([bool(value) for value in values], name=name, mask=[value is None for value in values])
        elif all(isinstance(value, (int, np.integer)) and not isinstance(value, bool) for value in present):
            column = MaskedColumn([int(value) if value is not None else 0 for value in values], name=name,
                                  dtype=np.int64, mask=[value is None for value in values])
        else:
            column = MaskedColumn([math.nan if value is None else float(value) for value in values], name=name,
                                  dtype=np.float64, mask=[value is None for value in values])
        table.add_column(column)
    table.meta["lininspect"] = __version__
    return table


def write_table(rows: Sequence[dict[str, Any]], directory: str | Path, *, votable: bool = False) -> list[Path]:
    """DIR/survey.ecsv, and DIR/survey.vot if asked. An earlier run's VOTable goes first: kept beside this
    run's table it would disagree with it, and a run stopped between the two files must not leave it."""
    table = survey_table(rows)
    votable_path = Path(directory) / VOTABLE_NAME
    if votable_path.is_file():  # a directory or a device of that name is not a table we wrote
        votable_path.unlink(missing_ok=True)
    written = [_write(table, Path(directory) / TABLE_NAME, "ascii.ecsv")]
    if votable:
        written.append(_write(table, votable_path, "votable"))
    return written


def _write(table: Table, path: Path, format: str) -> Path:
    with atomic_path(path) as temporary, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # astropy's notes on masked values in VOTables
        table.write(temporary, format=format, overwrite=True)
    return path


def write_stacked_maps(stacks: dict[str, DetectorStack], directory: str | Path) -> list[str]:
    """One FITS file per stack key in DIR/maps, an image extension per map; returns the paths.
    Maps of other stacks (an earlier run's) are removed: DIR/maps holds this run's exposures' alone."""
    from astropy.io import fits
    folder = Path(directory) / MAPS_FOLDER
    folder.mkdir(exist_ok=True)
    remove_other_maps(directory, set(stacks))
    written = []
    for key, stack in sorted(stacks.items()):
        primary = fits.PrimaryHDU()
        primary.header["STACK"] = (key, "detector, start, size")
        primary.header["NEXPOSE"] = (stack.exposures, "exposures stacked")
        primary.header["LININSP"] = (__version__, "lininspect version")
        hdus = [primary]
        for name, values in stack.maps().items():
            hdu = fits.ImageHDU(values, name=name.upper())
            meaning, unit = _MEANINGS.get(name, (name, ""))
            hdu.header["CONTENT"] = (meaning, "what the map holds")
            if unit:
                hdu.header["BUNIT"] = unit
            hdus.append(hdu)
        path = folder / f"{key}.fits"
        with atomic_path(path) as temporary, warnings.catch_warnings():
            warnings.simplefilter("ignore", fits.verify.VerifyWarning)  # a long key takes a shortened comment
            fits.HDUList(hdus).writeto(temporary, overwrite=True)
        written.append(str(path))
    return written


def remove_other_maps(directory: str | Path, keys: set[str]) -> None:
    """Remove DIR/maps files (FITS and their pictures) of stacks not in ``keys``: after a rerun, maps of
    exposures its table does not have would be taken for its own."""
    for path in (Path(directory) / MAPS_FOLDER).glob("*"):
        if path.suffix in (".fits", ".png") and path.stem not in keys and not path.name.startswith(".") \
                and path.is_file():  # a temporary being written (".lininspect-...") is its writer's
            path.unlink(missing_ok=True)


def read_stacked_maps(path: str | Path) -> dict[str, np.ndarray]:
    """A maps file back as {lower-case name: array}, for the app."""
    from astropy.io import fits
    with fits.open(path) as hdul:
        return {hdu.name.lower(): np.asarray(hdu.data) for hdu in hdul[1:]}


def stacked_map_names(path: str | Path) -> list[str]:
    """The lower-case names of a maps file's maps, in order, read from the headers alone."""
    from astropy.io import fits
    with fits.open(path) as hdul:
        return [hdu.name.lower() for hdu in hdul[1:]]


def read_stacked_map(path: str | Path, name: str) -> np.ndarray:
    """One map of a maps file, read alone: a picture paints a detector's maps one at a time, so it never
    holds them all (13 full-frame maps with B, 54 MB)."""
    from astropy.io import fits
    with fits.open(path, memmap=False) as hdul:
        return np.asarray(hdul[name.upper()].data)
