"""Small files a user names (sessions, DS9 region files), read whole and safely.

A FIFO or a device never blocks the reader, a large file is never read past its limit, and each
problem is one line saying what the file was expected to be.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..core.errors import LinInspectError


def read_small_file(path: Path, kind: str, limit: int, limit_text: str) -> bytes:
    """The bytes of ``path``, refused as "not ``kind`` (...)" when it is no regular file or holds more than ``limit``
    bytes (said as ``limit_text``)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO or a device would block the reader, or never end
            raise LinInspectError(f"{path}: not {kind} (not a regular file)")
        with open(path, "rb") as stream:
            data = stream.read(limit + 1)
    except OSError as error:
        raise LinInspectError(f"{path}: {error.strerror or error}") from None
    if len(data) > limit:
        raise LinInspectError(f"{path}: not {kind} (larger than {limit_text})")
    return data
