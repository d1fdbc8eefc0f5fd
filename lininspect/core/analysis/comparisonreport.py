"""A reference comparison written as files: FITS maps, ECSV tables and a PNG, published together.

Every file is written to a temporary beside its target; only when all are complete are
they renamed into place, so a failed or interrupted run leaves none of them.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ... import __version__
from ..fits.atomic import atomic_path, write_error_message
from .comparison import ReferenceComparison
from ..kernels.correction import CancelToken, ProgressCallback
from ..errors import CorrectionCancelled, LinInspectError
from ..fits.outputs import check_output_path
from ..fits.product import header_text

if TYPE_CHECKING:
    from astropy.table import Table

#: The maps' FITS extensions: name, what it holds, unit.
MAP_EXTENSIONS = (
    ("SIGNAL", "raw signal where the factors are taken", "DN"),
    ("FACTOR_A", "corrected / raw with reference A", ""),
    ("FACTOR_B", "corrected / raw with reference B", ""),
    ("FACTOR_DIFF", "factor B - factor A", ""),
    ("NLC_CHANGE", "NO_LIN_CORR: +1 gained (B only), -1 lost (A only)", ""),
    ("RMS_A", "line-fit residual RMS of ramps corrected with A", "DN"),
    ("RMS_B", "line-fit residual RMS of ramps corrected with B", "DN"),
    ("RMS_DIFF", "RMS B - RMS A (negative: B straighter)", "DN"),
)

#: The maps' primary-header keyword for each entry of :func:`provenance`.
_PROVENANCE_KEYWORDS = {
    "exposure": "EXPOSURE",
    "reference_a": "REF_A",
    "reference_b": "REF_B",
    "chosen_a": "CHOSEN_A",
    "chosen_b": "CHOSEN_B",
    "correction_a": "CORR_A",
    "correction_b": "CORR_B",
    "factor_level": "LEVEL",
    "lininspect_version": "LININSPV",
}


@dataclass(frozen=True)
class ReportFiles:
    """Where a comparison of one exposure goes in the output directory."""

    maps: Path
    summary: Path
    no_lin_corr: Path
    histogram: Path
    picture: Path

    def paths(self) -> list[Path]:
        return list(astuple(self))


def report_files(directory: str | Path, exposure: str | Path) -> ReportFiles:
    """``<exposure stem>_compare_maps.fits`` and its siblings in ``directory``."""
    name = Path(exposure).name
    for extension in (".fits.gz", ".fits", ".fit"):
        if name.lower().endswith(extension):
            name = name[: -len(extension)]
            break
    base = Path(directory) / f"{name}_compare"
    return ReportFiles(
        maps=Path(f"{base}_maps.fits"),
        summary=Path(f"{base}_summary.ecsv"),
        no_lin_corr=Path(f"{base}_no_lin_corr.ecsv"),
        histogram=Path(f"{base}_histogram.ecsv"),
        picture=Path(f"{base}.png"),
    )


def check_report_files(files: ReportFiles, inputs: Sequence[Path], *, overwrite: bool) -> None:
    """Before anything is computed: no file of the report may replace an input, or a file unasked."""
    for path in files.paths():
        check_output_path(path, inputs, overwrite=overwrite)


def write_report(
    comparison: ReferenceComparison,
    files: ReportFiles,
    *,
    overwrite: bool = False,
    draw_picture: Callable[[ReferenceComparison, Path], None],
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> None:
    """Write every file of the report; ``draw_picture(comparison, path)`` writes the PNG (Qt, in gui/).

    ``progress(files written, files)`` after each file; ``cancel`` stops before the next one
    (CorrectionCancelled), and then no file of the report is published.
    """
    steps: list[tuple[Path, Callable[[Path], None]]] = [
        (files.maps, lambda path: _write_maps(comparison, path)),
        (files.summary, lambda path: _write_table(summary_table(comparison), path)),
        (files.no_lin_corr, lambda path: _write_table(no_lin_corr_table(comparison), path)),
        (files.histogram, lambda path: _write_table(histogram_table(comparison), path)),
        (files.picture, lambda path: draw_picture(comparison, path)),
    ]
    with ExitStack() as stack:
        temporary = {path: stack.enter_context(atomic_path(path, replace=overwrite)) for path in files.paths()}
        for done, (target, write) in enumerate(steps, start=1):
            _check(cancel)
            try:
                write(temporary[target])
            except OSError as error:  # named here: every file's temporary is open, the last one's would catch it
                raise LinInspectError(write_error_message(target, error)) from None
            if progress is not None:
                progress(done, len(steps))
        _check(cancel)  # cancelled while the last file was written: none is published


def _check(cancel: CancelToken | None) -> None:
    if cancel is not None and cancel.is_set():
        raise CorrectionCancelled()


def provenance(comparison: ReferenceComparison) -> dict[str, object]:
    """What was compared and how, for every file's header."""
    level = "each pixel's saturation level" if comparison.level is None else f"{comparison.level:g} DN"
    return {
        # Absolute, as R_LINEAR records a reference: a report outlives the folder it was written from.
        "exposure": os.path.abspath(comparison.exposure),
        "reference_a": os.path.abspath(comparison.reference_a),
        "reference_b": os.path.abspath(comparison.reference_b),
        "chosen_a": comparison.chosen_a,
        "chosen_b": comparison.chosen_b,
        "correction_a": comparison.correction_a,
        "correction_b": comparison.correction_b,
        "factor_level": level,
        "lininspect_version": __version__,
    }


def summary_table(comparison: ReferenceComparison) -> Table:
    """One row per map (factors over the pixels both references correct); counts in the meta."""
    from astropy.table import Table  # here: with the asdf it loads, ~0.3 s of the app's start

    table = Table(rows=[tuple(row.values()) for row in comparison.map_statistics()],
                  names=("map", "pixels", "mean", "median", "std", "min", "max"))
    straighter_a, straighter_b = comparison.straighter_counts()
    table.meta.update(provenance(comparison))
    table.meta.update({
        "no_lin_corr_pixels_a": int(np.count_nonzero(comparison.no_lin_corr_a)),
        "no_lin_corr_pixels_b": int(np.count_nonzero(comparison.no_lin_corr_b)),
        "no_lin_corr_gained": int(np.count_nonzero(comparison.gained)),
        "no_lin_corr_lost": int(np.count_nonzero(comparison.lost)),
        "pixels_straighter_with_a": straighter_a,
        "pixels_straighter_with_b": straighter_b,
    })  # fmt: skip
    return table


def no_lin_corr_table(comparison: ReferenceComparison) -> Table:
    """Every pixel gained or lost, with (x, y) the 0-based array column and row."""
    from astropy.table import Table

    rows = comparison.changed_pixels()
    table = Table(
        rows=rows or None,
        names=("x", "y", "change", "reason"),
        dtype=(np.int64, np.int64, str, str),
    )
    table.meta.update(provenance(comparison))
    table.meta["change"] = "gained: NO_LIN_CORR with B, corrected with A; lost: NO_LIN_CORR with A, corrected with B"
    return table


def histogram_table(comparison: ReferenceComparison) -> Table:
    """The histogram of factor B - factor A, one row per bin [low, high)."""
    from astropy.table import Table

    histogram = comparison.histogram
    table = Table(
        [histogram.edges[:-1], histogram.edges[1:], histogram.counts], names=("low", "high", "count")
    )
    table.meta.update(provenance(comparison))
    table.meta.update({"pixels_below": histogram.below, "pixels_above": histogram.above})
    return table


def _write_maps(comparison: ReferenceComparison, path: Path) -> None:
    from astropy.io import fits
    primary = fits.PrimaryHDU()
    for name, value in provenance(comparison).items():
        primary.header[_PROVENANCE_KEYWORDS[name]] = (header_text(str(value)), name)
    arrays = (
        comparison.signal,
        comparison.factor_a,
        comparison.factor_b,
        comparison.factor_difference,
        comparison.no_lin_corr_change.astype(np.int16),
        comparison.rms_a,
        comparison.rms_b,
        comparison.rms_difference,
    )
    hdus = [primary]
    for (name, meaning, unit), values in zip(MAP_EXTENSIONS, arrays):
        hdu = fits.ImageHDU(values, name=name)
        hdu.header["CONTENT"] = (meaning, "what the map holds")
        if unit:
            hdu.header["BUNIT"] = unit
        hdus.append(hdu)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fits.verify.VerifyWarning)  # long path values take CONTINUE cards
        fits.HDUList(hdus).writeto(path, overwrite=True)


def _write_table(table: Table, path: Path) -> None:
    table.write(path, format="ascii.ecsv", overwrite=True)
