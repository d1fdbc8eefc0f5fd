"""Ramps as one table for TOPCAT: a group column and one column per named ramp, extra ones after."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io.votable import parse_single_table
from astropy.table import Table

from lininspect.core.errors import LinInspectError
from lininspect.core.analysis.regionstats import RampStatistic
from lininspect.model.rampstable import ramps_table, region_columns, write_votable
from lininspect.model.regionmeasures import RegionRamps


def test_named_ramps_become_columns_after_the_group_number(tmp_path: Path) -> None:
    ramps = {"x1_y2_input": np.array([1.0, 2.0, 4.0]), "x1_y2_corrected_A": np.array([1.5, 2.5, 4.5])}
    table = ramps_table(ramps, 3, integration=1, extra={"region_mean": np.array([7.0, 8.0, 9.0])}, source="a.fits")
    assert table.colnames == ["group", "x1_y2_input", "x1_y2_corrected_A", "region_mean"]
    path = write_votable(table, tmp_path / "ramps.xml")
    read = Table.read(path, format="votable")
    params = {param.name: param.value for param in parse_single_table(path).params}
    assert params["integration"] == 1 and params["source"] == "a.fits"
    np.testing.assert_array_equal(read["group"], [0, 1, 2])
    np.testing.assert_array_equal(read["region_mean"], [7.0, 8.0, 9.0])
    np.testing.assert_array_equal(read["x1_y2_corrected_A"], [1.5, 2.5, 4.5])


def test_a_ramp_of_another_length_or_name_twice_is_refused() -> None:
    with pytest.raises(LinInspectError, match="ramp short has 2 samples; the exposure has 3 groups"):
        ramps_table({"short": np.zeros(2)}, 3, integration=0)
    with pytest.raises(LinInspectError, match="two ramps are called a"):
        ramps_table({"a": np.zeros(3)}, 3, integration=0, extra={"a": np.ones(3)})  # an extra ramp never hides a pixel's
    with pytest.raises(LinInspectError, match="two ramps are called group"):
        ramps_table({}, 3, integration=0, extra={"group": np.zeros(3)})


def test_a_region_s_ramps_are_named_by_number_statistic_and_quantity(tmp_path: Path) -> None:
    mean = np.array([np.nan, 100.123456789, 200.000000001])  # float64 digits a float32 column would lose
    ramps = RegionRamps(0, "median", 5, {"input": RampStatistic(mean, np.array([0, 5, 4])),
                                          "corrected A": RampStatistic(mean * 1.01, np.array([0, 5, 4])),
                                          "pipeline product": RampStatistic(mean * 1.02, np.array([0, 5, 4]))})
    columns = region_columns(2, ramps)
    assert list(columns) == ["region_2_median_input", "region_2_median_corrected_A", "region_2_median_pipeline_product",
                             "region_2_samples"]
    path = write_votable(ramps_table({}, 3, integration=0, extra=columns), tmp_path / "ramps.xml")
    read = Table.read(path, format="votable")
    np.testing.assert_array_equal(np.ma.filled(read["region_2_median_corrected_A"], np.nan), mean * 1.01)
    np.testing.assert_array_equal(read["region_2_samples"], [0, 5, 4])
