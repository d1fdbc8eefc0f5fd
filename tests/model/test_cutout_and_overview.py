"""The magnifier's cutout and the panner's overview: the right pixels, NaN off the array, isolated pixels kept."""

from __future__ import annotations

import numpy as np
import pytest

from lininspect.model.cutout import cutout
from lininspect.model.overview import overview


def test_a_cutout_is_the_plane_around_the_pixel_and_nan_beyond_the_edges() -> None:
    plane = np.arange(12 * 10, dtype=np.float32).reshape(12, 10)
    inside = cutout(plane, 5, 6, 2)
    np.testing.assert_array_equal(inside.values, plane[4:9, 3:8])
    assert (inside.x0, inside.y0, inside.size) == (3, 4, 5)
    corner = cutout(plane, 0, 11, 1)
    np.testing.assert_array_equal(corner.values[:2, 1:], plane[10:12, 0:2])
    assert np.isnan(corner.values[:, 0]).all() and np.isnan(corner.values[2]).all()
    assert np.isnan(cutout(plane, 40, 40, 3).values).all()  # wholly off: nothing, not an error
    with pytest.raises(ValueError):
        cutout(plane, 1, 1, -1)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_an_overview_keeps_an_isolated_hot_or_dead_pixel(sign: float) -> None:
    rng = np.random.default_rng(3)
    plane = rng.normal(1000.0, 5.0, (1030, 2050)).astype(np.float32)
    plane[517, 1333] = 1000.0 + sign * 50000.0
    shown = overview(plane, 200)
    assert shown.factor == 11 and shown.pooled.shape == (94, 187) and shown.shape == (1030, 2050)
    assert shown.pooled[517 // 11, 1333 // 11] == plane[517, 1333]
    assert np.abs(np.delete(shown.pooled.ravel(), 517 // 11 * 187 + 1333 // 11) - 1000.0).max() < 100.0
    sampled = plane[:: shown.factor, :: shown.factor]  # what a shrunk image shows: the pixel is lost
    assert np.abs(sampled - 1000.0).max() < 100.0


def test_a_small_plane_is_its_own_overview() -> None:
    plane = np.ones((40, 50), dtype=np.float32)
    shown = overview(plane, 200)
    assert shown.factor == 1 and shown.pooled is plane
