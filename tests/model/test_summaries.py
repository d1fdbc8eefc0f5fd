"""The card's summary of per-group counts: the usual count, the groups that differ, or the range."""

from __future__ import annotations

import numpy as np

from lininspect.model.summaries import MOST_EXCEPTIONS, per_group_counts


def test_equal_counts_are_said_once() -> None:
    assert per_group_counts(np.full(101, 14580)) == "14580 in every group"


def test_a_few_groups_that_differ_are_named() -> None:
    counts = np.full(101, 14580)
    counts[0], counts[100] = 0, 14500
    assert per_group_counts(counts) == "14580, except group 0: 0; group 100: 14500"


def test_many_groups_that_differ_give_the_range() -> None:
    counts = np.full(101, 64)
    counts[50:] = np.arange(51)
    text = per_group_counts(counts)
    assert text == "0 to 64 (64 in 50 of 101 groups)"  # groups 50-100 count 0..50, each once
    assert MOST_EXCEPTIONS < 51 and text.count("group") == 1
