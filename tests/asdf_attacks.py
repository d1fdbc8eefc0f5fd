"""Test-only: hostile ASDF extensions, written into a copy of a real ``_uncal`` or ramp file.

Each attack edits the YAML of the file's ASDF extension as text (the rest of the file stays
the pipeline's own) and writes it back as stdatamodels stores it: a one-row BINTABLE of bytes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
from astropy.io import fits

#: Where a test's outside files live: the attacks name them as array sources.
OUTSIDE = ("/dev/zero", "{fifo}", "{big}", "/etc/passwd", "file:///etc/passwd", "other.asdf")


def asdf_yaml(path: Path) -> bytes:
    with fits.open(path) as hdul:
        return hdul["ASDF"].data.tobytes()


def with_asdf_yaml(source: Path, target: Path, edit: Callable[[str], str], drop: tuple[str, ...] = ()) -> Path:
    """A copy of ``source`` whose ASDF extension holds ``edit`` of its YAML, without the PRIMARY cards ``drop``
    (so the pipeline takes their values from the tree)."""
    text = edit(asdf_yaml(source).decode("utf-8"))
    stored = np.frombuffer(text.encode("utf-8"), np.uint8)
    column = fits.Column(name="ASDF_METADATA", format=f"{stored.size}B", array=stored[None])
    with fits.open(source) as hdul:
        hdus = [hdu.copy() if hdu.name != "ASDF" else fits.BinTableHDU.from_columns([column], name="ASDF")
                for hdu in hdul]
        for keyword in drop:
            del hdus[0].header[keyword]
        fits.HDUList(hdus).writeto(target, overwrite=True)
    return target


def after_document_start(addition: str) -> Callable[[str], str]:
    """Top-level keys put first in the tree (so anchors come before any use of them)."""
    return lambda text: re.sub(r"(--- !core/asdf-1\.1\.0\n)", lambda m: m[1] + addition, text, count=1)


def alias_bomb(levels: int = 9, width: int = 9) -> Callable[[str], str]:
    """A YAML "billion laughs" (width ** levels leaves from ~2 kB), also the value of SUBARRAY's name."""
    lines = ["lol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"]
    for level in range(1, levels + 1):
        lines.append(f"lol{level}: &a{level} [{', '.join([f'*a{level - 1}'] * width)}]\n")
    bomb = after_document_start("".join(lines))
    return lambda text: re.sub(r"\bname: SUB\w+", f"name: *a{levels}", bomb(text), count=1)


def deep_nesting(depth: int = 5000) -> Callable[[str], str]:
    return after_document_start(f"deep: {'[' * depth}0{']' * depth}\n")


def oversized(megabytes: float = 6) -> Callable[[str], str]:
    """Millions of read_times, the way a 6 MB extension was seen."""
    count = int(megabytes * 2**20 / 3)
    return after_document_start(f"read_times: [{', '.join(['0.0'] * count)}]\n".replace(", ", ",", count // 2))


def external_source(source: str) -> Callable[[str], str]:
    """An unused ndarray whose bytes would come from ``source`` (a path or URI outside the file)."""
    return after_document_start(
        f"unused: !core/ndarray-1.1.0 {{source: '{source}', datatype: uint8, byteorder: big, shape: [100000000]}}\n"
    )


def json_reference(target: str = "other.asdf#/meta") -> Callable[[str], str]:
    return after_document_start(f"linked: {{$ref: '{target}'}}\n")


def make_outside_files(folder: Path) -> dict[str, str]:
    """A FIFO (opening it to read blocks forever) and a sparse 8 GB file, for the source names."""
    folder.mkdir(parents=True, exist_ok=True)
    fifo, big = folder / "a_fifo", folder / "big.bin"
    if not fifo.exists():
        os.mkfifo(fifo)
    with open(big, "wb") as stream:
        stream.truncate(8 * 2**30)
    return {"fifo": str(fifo), "big": str(big)}
