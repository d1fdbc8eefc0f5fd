"""Maps the user acts on: worst-first order, stepping, and pooling that keeps single pixels visible."""

from __future__ import annotations

import numpy as np
import pytest

from lininspect.model.maps import FIRST_RANKED, Ranking, ShownMap, extreme_pool, step


def ranked(ranking: Ranking) -> list[tuple[int, int]]:
    return [ranking.pixel(n) for n in range(len(ranking))]


def test_the_ranking_orders_by_distance_from_zero_and_leaves_out_zero_and_nan() -> None:
    values = np.zeros((4, 5))
    values[1, 2], values[3, 0], values[0, 4], values[2, 2] = 5.0, -9.0, 5.0, np.nan
    ranking = Ranking(values)
    assert ranked(ranking) == [(0, 3), (4, 0), (2, 1)]  # -9 first; the two 5s in row order (row 0 before row 1)
    assert [ranking.index_of(x, y) for x, y in ranked(ranking)] == [0, 1, 2]
    assert ranking.index_of(0, 0) is None and ranking.index_of(2, 2) is None  # zero, NaN


def test_the_ranking_about_another_zero() -> None:
    ratios = np.ones((3, 3))
    ratios[2, 1], ratios[0, 0] = 0.9, 1.05
    assert ranked(Ranking(ratios, zero=1.0)) == [(1, 2), (0, 0)]


def test_a_large_ranking_with_ties_agrees_with_a_full_sort_wherever_it_is_read() -> None:
    rng = np.random.default_rng(2)
    values = rng.integers(-3, 4, (300, 200)).astype(np.float32)  # many ties, many zeros
    distance = np.abs(values.ravel().astype(np.float64))
    flat = np.flatnonzero(distance)
    expected = flat[np.lexsort((flat, -distance[flat]))]  # farthest first, ties row by row
    ranking = Ranking(values)
    assert len(ranking) == len(expected) > 4 * FIRST_RANKED
    for index in (0, 1, FIRST_RANKED - 1, FIRST_RANKED, 3 * FIRST_RANKED + 7, len(expected) - 1):
        y, x = divmod(int(expected[index]), 200)
        assert ranking.pixel(index) == (x, y)
        assert ranking.index_of(x, y) == index


def test_stepping_walks_the_ranking_from_where_the_user_is() -> None:
    values = np.zeros((3, 10))
    values[1, 7], values[2, 2], values[0, 5] = 9.0, 5.0, 1.0  # ranked (7, 1), (2, 2), (5, 0)
    ranking = Ranking(values)
    assert step(ranking, None, +1) == 0
    assert step(ranking, (9, 2), +1) == 0 and step(ranking, (9, 2), -1) == 2
    assert step(ranking, (7, 1), +1) == 1 and step(ranking, (2, 2), +1) == 2 and step(ranking, (2, 2), -1) == 0
    assert step(ranking, (5, 0), +1) is None and step(ranking, (7, 1), -1) is None
    assert step(Ranking(np.zeros((2, 2))), (1, 1), +1) is None


@pytest.mark.parametrize("centre", [0.0, 0.5])
def test_a_single_pixel_survives_pooling_with_its_sign(centre: float) -> None:
    values = np.full((1024, 1032), centre, dtype=np.float32)
    rng = np.random.default_rng(1)
    points = list(zip(rng.integers(0, 1024, 30), rng.integers(0, 1032, 30), strict=True))
    for n, (y, x) in enumerate(points):
        values[y, x] = centre + (0.4 if n % 2 else -0.3)
    factor = 5
    pooled = extreme_pool(values, factor, centre)
    assert pooled.shape == (-(-1024 // factor), -(-1032 // factor))
    for n, (y, x) in enumerate(points):
        assert pooled[y // factor, x // factor] == pytest.approx(values[y, x])  # neighbours at the centre lose
    assert np.count_nonzero(pooled != centre) <= len(points)


def test_pooling_keeps_the_farthest_value_and_nan_only_when_a_block_is_all_nan() -> None:
    values = np.array([[0.1, -0.7, np.nan, np.nan], [0.6, 0.0, np.nan, np.nan]])
    pooled = extreme_pool(values, 2, 0.0)
    assert pooled[0, 0] == pytest.approx(-0.7) and np.isnan(pooled[0, 1])
    np.testing.assert_array_equal(extreme_pool(values, 1, 0.0), values)


def test_a_shown_map_reads_its_value_and_ranks_its_pixels_once() -> None:
    values = np.zeros((3, 4), dtype=np.float32)
    values[2, 3], values[0, 1] = 2.5, -7.0
    shown = ShownMap("residual RMS", values, "DN")
    assert shown.readout(3, 2) == "residual RMS 2.5 DN"
    assert ShownMap("values differing", values, "").readout(0, 0) == "values differing 0"
    assert ranked(shown.ranking) == [(1, 0), (3, 2)] and shown.ranking is shown.ranking


def test_pooling_values_none_below_the_centre_keeps_each_block_s_largest() -> None:
    """Flags or an RMS map (nothing below the centre): the one-sided path gives what the two-sided one would."""
    rng = np.random.default_rng(5)
    values = rng.integers(0, 3, (37, 41)).astype(np.float32) * (rng.random((37, 41)) < 0.05)
    values[0:4, 0:4] = np.nan  # a whole block
    pooled = extreme_pool(values, 4, 0.0)
    padded = np.zeros((40, 44), dtype=np.float32)
    padded[:37, :41] = values
    expected = np.fmax.reduce(np.fmax.reduce(padded.reshape(10, 4, 11, 4), axis=3), axis=1)
    np.testing.assert_array_equal(pooled, expected)
    assert np.isnan(pooled[0, 0]) and np.count_nonzero(pooled) == np.count_nonzero(expected)


def test_pooling_a_plane_cut_by_its_edges_pools_the_pixels_each_block_has() -> None:
    """Blocks cut by the right and bottom edges: as if padded with the centre, except that a cut block
    whose pixels are all NaN stays NaN (padding made it the centre); the plane itself is left as it was."""
    rng = np.random.default_rng(9)
    values = rng.normal(0.0, 1.0, (2048, 2047)).astype(np.float32)
    values[2043:, 2043:] = np.nan  # the corner block (5 x 4 pixels), all NaN
    before = values.copy()
    factor, centre = 9, 0.25
    pooled = extreme_pool(values, factor, centre)
    np.testing.assert_array_equal(values, before)
    ny, nx = -(-2048 // factor), -(-2047 // factor)
    padded = np.full((ny * factor, nx * factor), centre, dtype=np.float32)
    padded[:2048, :2047] = values
    blocks = padded.reshape(ny, factor, nx, factor)
    high, low = np.fmax.reduce(np.fmax.reduce(blocks, axis=3), axis=1), np.fmin.reduce(np.fmin.reduce(blocks, axis=3), axis=1)
    expected = np.where(np.abs(low - centre) > np.abs(high - centre), low, high)
    assert pooled.shape == (ny, nx) and pooled.dtype == np.float32
    assert np.isnan(pooled[-1, -1])
    expected[-1, -1] = np.nan
    np.testing.assert_array_equal(pooled, expected)
