"""The correction's allocator setting: on glibc (this project's Linux) freed large blocks go back at once."""

from __future__ import annotations

import ctypes
import ctypes.util

from lininspect.allocator import return_large_blocks_to_the_system


def test_glibc_takes_the_fixed_mmap_threshold() -> None:
    assert ctypes.util.find_library("c") is not None  # the machines lininspect runs on have one
    assert return_large_blocks_to_the_system() is True
