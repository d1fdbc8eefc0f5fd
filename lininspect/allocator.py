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

#: ``mallopt``'s parameters (glibc's malloc.h); setting the mmap threshold also stops its raising.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3

#: Blocks this large or larger are mapped on their own: a tile's buffers and temporaries stay below it.
_THRESHOLD_BYTES = 4 << 20

#: Room for a survey's plane-sized numpy temporaries in a Dask worker (see :func:`room_for_plane_temporaries`).
_WORKER_ROOM = 64 << 20


def return_large_blocks_to_the_system() -> bool:
    """Fix glibc's mmap threshold for this process; False where the C library has no ``mallopt``."""
    return _mallopt((_M_MMAP_THRESHOLD, _THRESHOLD_BYTES))


def room_for_plane_temporaries() -> bool:
    """Trim and mmap thresholds of 64 MiB: plane-sized temporaries reuse the heap's pages instead of fresh ones.

    Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, which also pins glibc's mmap
    threshold at 128 KiB: every temporary of a few hundred KB then got fresh pages, and a worker
    spent 4x the CPU of a plain process on the same file (3.9 s against 0.95 s per MIRI full
    frame). Memory beyond the thresholds is still returned.
    """
    return _mallopt((_M_TRIM_THRESHOLD, _WORKER_ROOM), (_M_MMAP_THRESHOLD, _WORKER_ROOM))


def _mallopt(*settings: tuple[int, int]) -> bool:
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt if name else None
    except (OSError, AttributeError):  # not glibc
        return False
    return mallopt is not None and all(mallopt(parameter, value) for parameter, value in settings)
