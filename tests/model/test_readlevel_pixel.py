"""The inspector's view of a read-level pixel agrees with the core's correction, bit for bit."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from lininspect.core.kernels.correction import correct_arrays
from lininspect.core.kernels.readlevel import prepare_read_level
from lininspect.model.readlevelpixel import rebuilt_reads

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test helpers in tests/
from test_readlevel_vs_stcal import make_readlevel_case  # noqa: E402


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_mean_of_the_rebuilt_reads_is_the_corrected_group(seed: int) -> None:
    case = make_readlevel_case(seed, 2, 6, 5, 7, 4, 3, None, False)
    expected = correct_arrays(**case).data
    prepared = prepare_read_level(case["coeffs"], case["inv_coeffs"], case["ref_dq"], case["pixeldq"],
                                  case["read_pattern"], 6)  # fmt: skip
    checked = 0
    for i in range(2):
        for y in range(5):
            for x in range(7):
                for g in range(6):
                    reads = rebuilt_reads(prepared, x, y, case["data"][i, :, y, x], case["groupdq"][i, :, y, x], g)
                    if reads is None:  # saturated: the group keeps its raw value
                        assert expected[i, g, y, x].tobytes() == case["data"][i, g, y, x].tobytes()
                        continue
                    assert reads.value.tobytes() == expected[i, g, y, x].tobytes(), (i, g, y, x)
                    assert len(reads.corrected) == len(case["read_pattern"][g])
                    checked += 1
    assert checked > 100
