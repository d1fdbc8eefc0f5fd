"""Freed memory goes back to the system at once, so a correction's peak is what it holds, not what it held.

glibc's malloc raises its mmap threshold each time a large block is freed (up to 32 MB), after
which the preparation's temporary planes (4-16 MB each on a full frame) come from the heap and
stay resident once freed: 38 MB of a read-level ``correct``'s peak (docs/memory.md). Fixing the
threshold keeps every block of 4 MiB or more (a boolean plane of a full frame) its own mapping,
returned when freed. Elsewhere than glibc nothing changes.
"""

from __future__ import annotations

import ctypes
import ctypes.util

#: ``mallopt``'s parameter for the mmap threshold (glibc's malloc.h); setting it stops the raising.
_M_MMAP_THRESHOLD = -3

#: Blocks this large or larger are mapped on their own: a tile's buffers and temporaries stay below it.
_THRESHOLD_BYTES = 4 << 20


def return_large_blocks_to_the_system() -> bool:
    """Fix glibc's mmap threshold for this process; False where the C library has no ``mallopt``."""
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt if name else None
    except (OSError, AttributeError):
        return False
    return bool(mallopt is not None and mallopt(_M_MMAP_THRESHOLD, _THRESHOLD_BYTES))
