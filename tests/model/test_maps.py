"""Maps the user acts on: worst-first order, stepping, and pooling that keeps single pixels visible."""

from __future__ import annotations

import numpy as np
import pytest

from lininspect.model.maps import ShownMap, extreme_pool, step, worst_first


def test_worst_first_orders_by_distance_from_zero_and_leaves_out_zero_and_nan() -> None:
    values = np.zeros((4, 5))
    values[1, 2], values[3, 0], values[0, 4], values[2, 2] = 5.0, -9.0, 5.0, np.nan
    order = worst_first(values)
    assert order.tolist() == [[0, 3], [4, 0], [2, 1]]  # -9 first; the two 5s in row order (row 0 before row 1)


def test_worst_first_about_another_zero() -> None:
    ratios = np.ones((3, 3))
    ratios[2, 1], ratios[0, 0] = 0.9, 1.05
    assert worst_first(ratios, zero=1.0).tolist() == [[1, 2], [0, 0]]


def test_stepping_walks_the_order_from_where_the_user_is() -> None:
    order = np.array([[7, 1], [2, 2], [5, 0]])
    assert step(order, None, +1) == 0
    assert step(order, (9, 9), +1) == 0 and step(order, (9, 9), -1) == 2
    assert step(order, (7, 1), +1) == 1 and step(order, (2, 2), +1) == 2 and step(order, (2, 2), -1) == 0
    assert step(order, (5, 0), +1) is None and step(order, (7, 1), -1) is None
    assert step(np.zeros((0, 2), int), (1, 1), +1) is None


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


def test_a_shown_map_reads_its_value_and_orders_its_pixels_once() -> None:
    values = np.zeros((3, 4), dtype=np.float32)
    values[2, 3], values[0, 1] = 2.5, -7.0
    shown = ShownMap("residual RMS", values, "DN")
    assert shown.readout(3, 2) == "residual RMS 2.5 DN"
    assert ShownMap("values differing", values, "").readout(0, 0) == "values differing 0"
    assert shown.order.tolist() == [[1, 0], [3, 2]] and shown.order is shown.order
