"""Positioned reads of boxes (integrations x groups x rows x columns) from a FITS exposure."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..core import fitsfile
from ..core.errors import LinInspectError
from ..core.exposure import Exposure

#: Positioned reads in flight for one ramp or box. A cold pixel of 4 x 250 groups is 2000
#: scattered small reads (SCI and GROUPDQ), which a disk serves many at a time: 123 ms with
#: one reader, 37 ms with 16, 30 ms with 32 (median of 20 cold pixels, tests/benchmarks/bench_gui.py).
READERS = 32
_READ_POOL = ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="lininspect-read")


def read_boxes(
    exposure: Exposure, names: tuple[str, ...], integrations: range, rows: tuple[int, int], columns: tuple[int, int]
) -> list[np.ndarray | None]:
    """``image[integrations, :, rows, columns]`` of each named 4-D image HDU, scaled (None if absent).

    Not through the memory map: there each group costs a page fault that reads ahead
    around it (8 MB on the benchmark machine), so a cold ramp read most of a 4 GB file
    (7.5 s). Positioned reads fetch only the pages needed, all images' reads in flight together.
    """
    (y0, y1), (x0, x1) = rows, columns
    with open(exposure.path, "rb") as stream:
        fd = stream.fileno()
        plans: list[tuple[fitsfile.HduInfo, np.dtype, int] | None] = []
        reads: list[tuple[int, int]] = []  # (offset, bytes)
        for name in names:
            info = fitsfile.find(exposure.hdus, name)
            if info is None or len(info.shape) != 4:
                plans.append(None)
                continue
            _, ngroups, ny, nx = info.shape
            dtype = fitsfile.PositionedReader(fd, info).dtype
            size = (x1 - x0) * dtype.itemsize
            starts = [
                info.data_offset + (((i * ngroups + g) * ny + y) * nx + x0) * dtype.itemsize
                for i in integrations for g in range(ngroups) for y in range(y0, y1)
            ]  # fmt: skip
            plans.append((info, dtype, len(starts) * size))
            reads += [(start, size) for start in starts]
        bounds = np.linspace(0, len(reads), min(READERS, len(reads)) + 1).astype(int)

        def read(first: int, stop: int) -> bytes:
            return b"".join(os.pread(fd, size, start) for start, size in reads[first:stop])

        stored = b"".join(_READ_POOL.map(read, bounds[:-1], bounds[1:]))
    if len(stored) != sum(size for _, size in reads):
        raise LinInspectError(f"{exposure.path}: file ended early")
    boxes: list[np.ndarray | None] = []
    position = 0
    for plan in plans:
        if plan is None:
            boxes.append(None)
            continue
        info, dtype, length = plan
        shape = (len(integrations), info.shape[1], y1 - y0, x1 - x0)
        values = np.frombuffer(stored, dtype=dtype, count=length // dtype.itemsize, offset=position).reshape(shape)
        boxes.append(fitsfile.StoredImage(values, info.header)[...])
        position += length
    return boxes
