"""Ramps as one table, a row per group: what TOPCAT gets over SAMP (``table.load.votable``).

The selected and pinned pixels' ramps of one integration come from the session, input and each
loaded reference's correction, with the mean ramps of the box (right-drag) if one is drawn;
other tools add ramps of their own by name through :func:`ramps_table`'s ``extra`` (the Regions
tool its regions' ramps, named by :func:`region_columns`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..core.errors import LinInspectError
from ..core.fits.atomic import atomic_path
from .session import Session

if TYPE_CHECKING:
    from astropy.table import Table

    from .regionmeasures import RegionRamps


def pixel_ramps(session: Session, pixels: Iterable[tuple[int, int]], integration: int) -> dict[str, np.ndarray]:
    """Each pixel's input ramp and its corrections (``x12_y7_input``, ``x12_y7_corrected_A``, ...; a
    pipeline product shown adds ``x12_y7_product``), of ``integration``, in the order given."""
    ramps: dict[str, np.ndarray] = {}
    for x, y in dict.fromkeys(pixels):  # each pixel once, in order
        facts = session.pixel(x, y, integration)
        name = f"x{x}_y{y}"
        ramps[f"{name}_input"] = facts.raw[integration]
        for reference in facts.references:
            if reference.corrected is not None:
                ramps[f"{name}_corrected_{reference.label}"] = reference.corrected[integration]
        if session.shows_product and facts.corrected is not None:
            ramps[f"{name}_product"] = facts.corrected[integration]
    return ramps


def box_ramps(session: Session, box: tuple[int, int, int, int], integration: int) -> dict[str, np.ndarray]:
    """The box's mean ramps over usable samples, as the inspector draws them (``box_x0_y0_x1_y1_mean_input``,
    ``..._mean_corrected`` once a reference is loaded) and the samples each group's mean used (``..._samples``)."""
    raw, corrected, count = session.region_means(integration, *box)
    name = "box_{}_{}_{}_{}".format(*box)
    ramps = {f"{name}_mean_input": raw}
    if corrected is not None:
        ramps[f"{name}_mean_corrected"] = corrected
    ramps[f"{name}_samples"] = count
    return ramps


def region_columns(number: int, ramps: RegionRamps) -> dict[str, np.ndarray]:
    """Region ``number``'s ramps (1-based, as the Regions tool lists them) as named columns for
    :func:`ramps_table`'s ``extra``: ``region_2_median_input``, ``region_2_median_corrected_A``, ... (less
    the background when one was taken off), and the usable samples each group's input value used
    (``region_2_samples``)."""
    name = f"region_{number}_{ramps.statistic}"
    columns = {f"{name}_{quantity.replace(' ', '_')}": ramp.values for quantity, ramp in ramps.ramps.items()}
    columns[f"region_{number}_samples"] = ramps.ramps["input"].used
    return columns


def ramps_table(ramps: Mapping[str, np.ndarray], ngroups: int, *, integration: int,
                extra: Mapping[str, np.ndarray] | None = None, source: str = "") -> Table:  # fmt: skip
    """A ``group`` column (0-based, as lininspect numbers groups) and one float column (float32, or float64
    for a float64 ramp) per named ramp of ``ngroups`` samples (``extra`` after the pixels'); the integration and file in the table's meta."""
    from astropy.table import Table  # a second of imports: only once ramps are sent

    table = Table()
    table["group"] = np.arange(ngroups, dtype=np.int32)
    for name, values in [*ramps.items(), *(extra or {}).items()]:
        column = np.asarray(values)  # a float32 sample stays float32; a mean over many keeps float64's digits
        column = column.astype(np.float64 if column.dtype == np.float64 else np.float32)
        if column.shape != (ngroups,):
            raise LinInspectError(f"ramp {name} has {column.size} samples; the exposure has {ngroups} groups")
        if name in table.colnames:
            raise LinInspectError(f"two ramps are called {name}")
        table[name] = column
    table.meta["integration"] = integration
    if source:
        table.meta["source"] = source
    return table


def write_votable(table: Table, path: Path) -> Path:
    """``table`` as a VOTable file, its meta as PARAMs (astropy's writer drops a table's meta), whole or
    not at all; return the path."""
    from astropy.io.votable import from_table
    from astropy.io.votable.tree import Param

    document = from_table(table)
    element = document.get_first_table()
    for name, value in table.meta.items():
        if isinstance(value, (int, np.integer)):
            element.params.append(Param(document, name=name, datatype="int", value=int(value)))
        else:
            element.params.append(Param(document, name=name, datatype="char", arraysize="*", value=str(value)))
    with atomic_path(path, replace=False) as temporary:
        document.to_xml(str(temporary))
    return path
