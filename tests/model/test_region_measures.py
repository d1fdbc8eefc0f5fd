"""Regions without Qt: their pixels, statistics and DQ-aware ramps against plain numpy, DS9 files through ``regions``."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from regions import (
    CircleAnnulusPixelRegion,
    CirclePixelRegion,
    PixCoord,
    PolygonPixelRegion,
    RectanglePixelRegion,
    Regions,
)

from lininspect.core import dq
from lininspect.core.analysis.regionstats import footprint, plane_statistics, ramp_statistic, usable_samples
from lininspect.core.errors import LinInspectError
from lininspect.core.fits.exposure import open_exposure
from lininspect.core.fits.product import correct_file
from lininspect.model.regionfiles import (
    parse_ds9,
    ramps_table,
    read_ds9,
    statistics_table,
    write_ds9,
    write_table,
)
from lininspect.model.regionmeasures import panel_statistics, region_ramps

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test helpers in tests/
from comparison_files import SHAPE, session_with, write_comparison_files

SHAPES = (
    CirclePixelRegion(PixCoord(12.3, 9.6), 4.7),
    CircleAnnulusPixelRegion(PixCoord(15.2, 11.4), 2.6, 6.1),
    RectanglePixelRegion(PixCoord(20.1, 6.2), 7.4, 5.3, angle=30 * __import__("astropy.units").units.deg),
    PolygonPixelRegion(PixCoord([2.2, 11.7, 6.1], [3.4, 5.1, 17.8])),
)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("regions")
    paths = write_comparison_files(directory)
    paths["product_a"] = correct_file(paths["exposure"], paths["a"], directory / "a.fits").output
    return paths


def _centres_inside(region, shape: tuple[int, int]) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Which pixels' centres the region contains, asked of ``regions`` pixel by pixel (the slow, plain way)."""
    y, x = np.mgrid[: shape[0], : shape[1]]
    return np.asarray(region.contains(PixCoord(x.ravel(), y.ravel())), dtype=bool).reshape(shape)


@pytest.mark.parametrize("region", SHAPES, ids=lambda r: type(r).__name__)
def test_a_footprint_is_the_pixels_whose_centre_lies_inside(region) -> None:  # type: ignore[no-untyped-def]
    shape = SHAPE[2:]
    where = footprint(region, shape)
    whole = np.zeros(shape, dtype=bool)
    whole[where.rows[0] : where.rows[1], where.columns[0] : where.columns[1]] = where.mask
    np.testing.assert_array_equal(whole, _centres_inside(region, shape))
    assert where.count == int(_centres_inside(region, shape).sum()) > 0


def test_a_region_off_the_image_holds_nothing() -> None:
    assert footprint(CirclePixelRegion(PixCoord(500, 500), 3), (24, 30)).count == 0


def test_plane_statistics_are_numpy_s_over_the_region() -> None:
    rng = np.random.default_rng(1)
    values = rng.normal(100, 5, (24, 30)).astype(np.float32)
    values[10, 12] = np.nan
    pixeldq = np.zeros((24, 30), np.uint32)
    pixeldq[9:12, 11:14] = dq.NO_LIN_CORR
    groupdq = np.zeros((24, 30), np.uint8)
    groupdq[10, 10:16] = dq.SATURATED | dq.JUMP_DET
    region = SHAPES[0]
    inside = _centres_inside(region, values.shape)
    where = footprint(region, values.shape)
    stats = plane_statistics(where, where.cut(values), where.cut(pixeldq), where.cut(groupdq))
    chosen = values[inside & np.isfinite(values)].astype(np.float64)
    assert (stats.pixels, stats.finite) == (inside.sum(), inside.sum() - 1)
    assert stats.mean == pytest.approx(chosen.mean(), rel=1e-12)
    assert stats.median == pytest.approx(np.median(chosen), rel=1e-12)
    assert stats.sigma == pytest.approx(chosen.std(), rel=1e-12)
    assert stats.flagged["PIXELDQ"] == {"NO_LIN_CORR": int((inside & (pixeldq != 0)).sum())}
    flagged_groups = int((inside & (groupdq != 0)).sum())
    assert stats.flagged["GROUPDQ"] == {"SATURATED": flagged_groups, "JUMP_DET": flagged_groups}


def test_ramps_leave_out_saturated_and_do_not_use_samples_one_by_one() -> None:
    ramps = np.arange(4 * 2 * 3, dtype=np.float32).reshape(4, 2, 3) * 10
    groupdq = np.zeros(ramps.shape, np.uint8)
    groupdq[0, 0, 0] = dq.DO_NOT_USE
    groupdq[2:, 1, 2] = dq.SATURATED
    groupdq[1, :, :] |= dq.JUMP_DET  # a jump keeps its sample
    groupdq[3, :, :] |= dq.SATURATED  # the last group: nothing usable
    mask = np.ones((2, 3), bool)
    mask[1, 0] = False
    samples = usable_samples(ramps, groupdq, mask)
    for statistic, reduce in (("mean", np.mean), ("median", np.median), ("min", np.min), ("max", np.max), ("sum", np.sum)):
        result = ramp_statistic(samples, statistic)
        for g in range(3):
            keep = mask & ((groupdq[g] & (dq.SATURATED | dq.DO_NOT_USE)) == 0)
            assert result.used[g] == keep.sum()
            assert result.values[g] == pytest.approx(float(reduce(ramps[g][keep].astype(np.float64))))
        assert result.used[3] == 0 and np.isnan(result.values[3])
    background = np.array([1.0, 2.0, 3.0, 4.0])
    shifted = ramp_statistic(samples, "sum", background)
    np.testing.assert_allclose(shifted.values[:3], ramp_statistic(samples, "sum").values[:3] - background[:3] * shifted.used[:3])


def test_region_ramps_read_the_box_and_correct_it_as_the_products_hold(files: dict[str, Path]) -> None:
    session = session_with(files, "A")
    session.open_product(files["product_a"])
    region, annulus = SHAPES[0], CircleAnnulusPixelRegion(PixCoord(12.3, 9.6), 6.0, 9.0)
    result = region_ramps(session, region, 1, "median", background=annulus, individual=5)
    exposure, product = open_exposure(files["exposure"]), open_exposure(files["product_a"])
    inside, ring = _centres_inside(region, SHAPE[2:]), _centres_inside(annulus, SHAPE[2:])
    flags = np.asarray(exposure.groupdq[1]) & (dq.SATURATED | dq.DO_NOT_USE)
    for quantity, cube in (("input", exposure.sci[1]), ("corrected A", product.sci[1]), ("pipeline product", product.sci[1])):
        for g in range(SHAPE[1]):
            plane = np.asarray(cube[g], dtype=np.float64)
            behind, usable = plane[ring & (flags[g] == 0)], plane[inside & (flags[g] == 0)]
            level = np.median(behind) if behind.size else np.nan
            np.testing.assert_allclose(result.background[quantity][g], level, rtol=1e-12)
            expected = np.median(usable - level) if usable.size else np.nan
            np.testing.assert_allclose(result.ramps[quantity].values[g], expected, rtol=1e-12)
            assert result.ramps[quantity].used[g] == usable.size
    assert result.pixels == inside.sum() and result.individual["input"].shape == (SHAPE[1], 5)
    assert np.isnan(result.ramps["input"].values[0])  # group 0 is DO_NOT_USE everywhere


def test_ds9_files_round_trip_through_regions_with_the_same_pixels(tmp_path: Path) -> None:
    path = tmp_path / "drawn.reg"
    write_ds9(SHAPES, path)
    text = path.read_text()
    assert "circle(13.3" in text  # DS9 counts from 1: array pixel 12.3 is DS9's 13.3
    back = Regions.read(str(path), format="ds9")
    assert len(back) == len(SHAPES)
    for written, read in zip(SHAPES, back, strict=True):
        np.testing.assert_array_equal(_centres_inside(read, (24, 30)), _centres_inside(written, (24, 30)))
    assert read_ds9(path).regions == SHAPES  # lininspect reads its own file back as it wrote it


def test_ds9_text_from_elsewhere_keeps_what_lininspect_measures() -> None:
    read = parse_ds9("# Region file format: DS9\nimage\ncircle(5,5,2)\n-box(3,3,2,2,0)\npoint(3,4)\nfk5\ncircle(10,20,3\")\n")
    [circle] = read.regions
    assert isinstance(circle, CirclePixelRegion) and (circle.center.x, circle.center.y, circle.radius) == (4, 4, 2)
    assert read.note is not None and read.note.startswith("3 regions left out")


@pytest.mark.parametrize("text", ["image\ncircle(1,2\n", "hello world", "\x00\x01", "circle(1,2,3)\n", ""])
def test_a_broken_region_file_is_one_line(tmp_path: Path, text: str) -> None:
    path = tmp_path / "broken.reg"
    path.write_text(text)
    with pytest.raises(LinInspectError) as caught:
        read_ds9(path)
    assert str(caught.value).startswith(str(path)) and "\n" not in str(caught.value)


def test_tables_are_written_as_ecsv(files: dict[str, Path], tmp_path: Path) -> None:
    from astropy.table import Table

    session = session_with(files, "A")
    region = SHAPES[0]
    stats = panel_statistics(session, 1, 4, session.input_plane(1, 4), region)
    write_table(statistics_table([(1, region, "left", "input", stats)], {"integration": 1}), tmp_path / "stats.ecsv")
    table = Table.read(tmp_path / "stats.ecsv", format="ascii.ecsv")
    assert table["mean"][0] == pytest.approx(stats.mean) and table["ds9"][0].startswith("circle(13.3")
    ramps = region_ramps(session, region, 1)
    write_table(ramps_table([(1, region, ramps)], {}), tmp_path / "ramps.ecsv")
    table = Table.read(tmp_path / "ramps.ecsv", format="ascii.ecsv")
    assert len(table) == 2 * SHAPE[1] and set(table["quantity"]) == {"input", "corrected A"}
    np.testing.assert_array_equal(table["used"][table["quantity"] == "input"], ramps.ramps["input"].used)


def test_region_ramps_have_each_reference_s_correction(files: dict[str, Path], tmp_path: Path) -> None:
    session = session_with(files, "A", "B")
    product_b = correct_file(files["exposure"], files["b"], tmp_path / "b.fits").output
    region = SHAPES[2]
    result = region_ramps(session, region, 0, "sum")
    assert set(result.ramps) == {"input", "corrected A", "corrected B"}
    inside = _centres_inside(region, SHAPE[2:])
    flags = np.asarray(open_exposure(files["exposure"]).groupdq[0]) & (dq.SATURATED | dq.DO_NOT_USE)
    for label, path in (("A", files["product_a"]), ("B", product_b)):
        cube = np.asarray(open_exposure(path).sci[0], dtype=np.float64)
        expected = [cube[g][inside & (flags[g] == 0)].sum() if (inside & (flags[g] == 0)).any() else np.nan
                    for g in range(SHAPE[1])]  # fmt: skip
        np.testing.assert_allclose(result.ramps[f"corrected {label}"].values, expected, rtol=1e-12)
    assert not np.allclose(result.ramps["corrected A"].values[1:], result.ramps["corrected B"].values[1:])
