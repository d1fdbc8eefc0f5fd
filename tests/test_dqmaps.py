"""DQ planes as maps, without Qt: counts per bit, chosen-bit masks, stepping through flagged pixels, overlays."""

from __future__ import annotations

import numpy as np

from lininspect.core import dq
from lininspect.core.analysis.dqmaps import FlaggedPixels, bit_counts, coloured_overlay, flag_mask


def test_counts_per_bit_match_a_count_of_every_pixel() -> None:
    rng = np.random.default_rng(5)
    values = np.where(rng.random((64, 80)) < 0.1, rng.integers(0, 2**32, (64, 80), dtype=np.uint64), 0).astype(np.uint32)
    counts = bit_counts(values)
    assert list(counts) == list(dq.FLAGS)
    for name, bit in dq.FLAGS.items():
        assert counts[name] == int(np.count_nonzero(values & np.uint32(bit)))


def test_a_mask_is_any_chosen_bit_of_either_plane() -> None:
    pixeldq = np.array([[0, dq.NO_LIN_CORR], [dq.FLAGS["HOT"], 0]], dtype=np.uint32)
    groupdq = np.array([[dq.SATURATED, 0], [0, dq.JUMP_DET]], dtype=np.uint8)
    np.testing.assert_array_equal(flag_mask(pixeldq, groupdq, dq.NO_LIN_CORR, dq.SATURATED), [[True, True], [False, False]])
    np.testing.assert_array_equal(flag_mask(pixeldq, None, dq.FLAGS["HOT"], dq.SATURATED), [[False, False], [True, False]])


def test_stepping_walks_row_order_wraps_and_skips_reference_pixels() -> None:
    mask = np.zeros((6, 8), dtype=bool)
    mask[0, :] = True  # a reference row
    mask[2, 5] = mask[4, 1] = True
    skip = np.zeros_like(mask)
    skip[0, :] = True
    walk = FlaggedPixels(mask, skip)
    assert len(walk) == 2
    assert walk.step(None) == (5, 2)
    assert walk.step((5, 2)) == (1, 4)
    assert walk.step((1, 4)) == (5, 2)  # wraps round
    assert walk.step((5, 2), forward=False) == (1, 4)
    assert walk.step((0, 3), forward=False) == (5, 2)  # from a pixel not flagged
    assert walk.rank((1, 4)) == 2 and walk.rank((0, 0)) is None
    assert len(FlaggedPixels(mask)) == 10 and FlaggedPixels(np.zeros((2, 2), bool)).step(None) is None


def test_an_overlay_paints_each_layer_in_its_colour_pooled_to_the_zoom() -> None:
    a, b = np.zeros((4, 4), bool), np.zeros((4, 4), bool)
    a[0, 0] = True
    b[3, 3] = b[0, 1] = True
    rgba = coloured_overlay([(a, (255, 0, 0, 255)), (b, (0, 0, 255, 255))], 1)
    assert tuple(rgba[0, 0]) == (255, 0, 0, 255) and tuple(rgba[3, 3]) == (0, 0, 255, 255) and rgba[1, 1, 3] == 0
    pooled = coloured_overlay([(a, (255, 0, 0, 255)), (b, (0, 0, 255, 255))], 2)
    assert pooled.shape == (2, 2, 4) and tuple(pooled[0, 0]) == (0, 0, 255, 255)  # the later layer on top
