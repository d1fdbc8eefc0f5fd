"""JWST data-quality flags: names, decoding, and the DQ_DEF mapping of reference files."""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import numpy as np

#: Standard JWST DQ bits, in bit order (PIXELDQ uses them all, GROUPDQ the first eight).
FLAGS: dict[str, int] = {
    "DO_NOT_USE": 1 << 0,
    "SATURATED": 1 << 1,
    "JUMP_DET": 1 << 2,
    "DROPOUT": 1 << 3,
    "OUTLIER": 1 << 4,
    "PERSISTENCE": 1 << 5,
    "AD_FLOOR": 1 << 6,
    "CHARGELOSS": 1 << 7,
    "RESERVED": 1 << 8,
    "NON_SCIENCE": 1 << 9,
    "DEAD": 1 << 10,
    "HOT": 1 << 11,
    "WARM": 1 << 12,
    "LOW_QE": 1 << 13,
    "RC": 1 << 14,
    "TELEGRAPH": 1 << 15,
    "NONLINEAR": 1 << 16,
    "BAD_REF_PIXEL": 1 << 17,
    "NO_FLAT_FIELD": 1 << 18,
    "NO_GAIN_VALUE": 1 << 19,
    "NO_LIN_CORR": 1 << 20,
    "NO_SAT_CHECK": 1 << 21,
    "UNRELIABLE_BIAS": 1 << 22,
    "UNRELIABLE_DARK": 1 << 23,
    "UNRELIABLE_SLOPE": 1 << 24,
    "UNRELIABLE_FLAT": 1 << 25,
    "OPEN": 1 << 26,
    "ADJ_OPEN": 1 << 27,
    "FLUX_ESTIMATED": 1 << 28,
    "MSA_FAILED_OPEN": 1 << 29,
    "OTHER_BAD_PIXEL": 1 << 30,
    "REFERENCE_PIXEL": 1 << 31,
}

DO_NOT_USE = FLAGS["DO_NOT_USE"]
SATURATED = FLAGS["SATURATED"]
JUMP_DET = FLAGS["JUMP_DET"]
NO_LIN_CORR = FLAGS["NO_LIN_CORR"]


def decode(value: int) -> list[str]:
    """Names of the standard flags set in ``value``, lowest bit first."""
    value = int(value)
    return [name for name, bit in FLAGS.items() if value & bit]


def describe(value: int) -> str:
    """``"0"`` or ``"1048577 (DO_NOT_USE, NO_LIN_CORR)"``, as shown in readouts."""
    names = decode(value)
    return f"{int(value)} ({', '.join(names)})" if names else str(int(value))


def map_dq_def(stored: np.ndarray, definitions: Iterable[tuple[int, str]]) -> np.ndarray:
    """Expand a reference file's compressed DQ into standard bits.

    ``definitions`` are the DQ_DEF rows as (VALUE, NAME). Where ``stored & VALUE`` is
    non-zero the standard bit called NAME (exact, after stripping blanks) is set;
    unknown names are skipped with a warning, as the pipeline does.
    """
    stored = np.asarray(stored).astype(np.uint32, copy=False)
    mapped = np.zeros(stored.shape, dtype=np.uint32)
    for value, name in definitions:
        bit = FLAGS.get(str(name).strip())
        if bit is None:
            warnings.warn(f"DQ_DEF name {name!r} is not a standard JWST flag; ignored", stacklevel=2)
            continue
        mapped[(stored & np.uint32(int(value) & 0xFFFFFFFF)) != 0] |= np.uint32(bit)
    return mapped
