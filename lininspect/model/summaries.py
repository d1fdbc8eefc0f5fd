"""Short words for long lists of numbers the inspector's card shows.

A box over a ramp of 101 groups printed 101 counts that were nearly all the same; what the
user needs is the usual count and the groups that differ from it.
"""

from __future__ import annotations

import numpy as np

#: Groups named one by one at most; beyond that only the range is given.
MOST_EXCEPTIONS = 3


def per_group_counts(counts: np.ndarray) -> str:
    """``"64 in every group"``, ``"64, except group 0: 0"`` or ``"12 to 64 (64 in 90 of 101 groups)"``."""
    values = np.asarray(counts, dtype=np.int64).ravel()
    if values.size == 0:
        return "no groups"
    kinds, occurrences = np.unique(values, return_counts=True)
    usual = int(kinds[np.argmax(occurrences)])
    others = np.flatnonzero(values != usual)
    if others.size == 0:
        return f"{usual} in every group"
    if others.size <= MOST_EXCEPTIONS:
        return f"{usual}, except " + "; ".join(f"group {g}: {values[g]}" for g in others)
    return f"{values.min()} to {values.max()} ({usual} in {values.size - others.size} of {values.size} groups)"
