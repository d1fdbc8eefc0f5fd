"""Damaging FITS files on purpose, byte by byte, for the bad-input and fuzz tests.

Edits work on the raw bytes (a card is rewritten in place, 80 characters), so a file can be
given values astropy itself would never write: negative axes, text where a number goes,
a missing END card.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from astropy.io import fits

BLOCK = 2880


def header_spans(data: bytes) -> list[tuple[str, int, int]]:
    """(EXTNAME or PRIMARY, header start, header end) of every HDU of an intact file."""
    spans = []
    position = 0
    while position < len(data):
        start = position
        while True:
            block = data[position : position + BLOCK]
            position += BLOCK
            if any(block[i : i + 8] == b"END     " for i in range(0, BLOCK, 80)):
                break
        header = fits.Header.fromstring(data[start:position].decode("ascii"))
        name = "PRIMARY" if start == 0 else str(header.get("EXTNAME", "")).strip().upper()
        spans.append((name, start, position))
        size = 0
        if header.get("NAXIS", 0):
            size = 1
            for k in range(1, header["NAXIS"] + 1):
                size *= header[f"NAXIS{k}"]
            size = (size + header.get("PCOUNT", 0)) * abs(header["BITPIX"]) // 8 * header.get("GCOUNT", 1)
        position += -(-size // BLOCK) * BLOCK
    return spans


def card_offset(data: bytes, hdu: str, key: str) -> int | None:
    """Byte offset of ``key``'s card in the named HDU's header, or None."""
    for name, start, end in header_spans(data):
        if name == hdu:
            for offset in range(start, end, 80):
                if data[offset : offset + 8].decode("ascii").rstrip() == key:
                    return offset
    return None


def set_card(data: bytes, hdu: str, key: str, value: str, layout: bytes | None = None) -> bytes:
    """``key = value`` (value as raw FITS text) in the named HDU, replacing its card.

    ``key`` may be ``OLD>NEW`` to put a new keyword in the place of an optional one. Cards are
    found in ``layout`` (default ``data``): the intact file, when ``data`` is already damaged.
    """
    old, _, new = key.partition(">")
    offset = card_offset(data if layout is None else layout, hdu, old)
    if offset is None:
        raise KeyError(f"{hdu} has no {old}")
    card = f"{new or old:<8}= {value:>20}".ljust(80)[:80].encode("ascii")
    return data[:offset] + card + data[offset + 80 :]


def continue_after(data: bytes, hdu: str, key: str, layout: bytes | None = None) -> bytes:
    """A CONTINUE card in place of the card after ``key`` (issue 16: only a string value may be continued)."""
    offset = card_offset(data if layout is None else layout, hdu, key)
    if offset is None:
        raise KeyError(f"{hdu} has no {key}")
    following = offset + 80
    if data[following : following + 8] == b"END     ":
        raise KeyError(f"{hdu}: {key} is the last card")
    card = "CONTINUE  'continued'".ljust(80).encode("ascii")
    return data[:following] + card + data[following + 80 :]


def blank_card(data: bytes, hdu: str, key: str, layout: bytes | None = None) -> bytes:
    """Remove a card by blanking it (the header keeps its length)."""
    offset = card_offset(data if layout is None else layout, hdu, key)
    if offset is None:
        raise KeyError(f"{hdu} has no {key}")
    return data[:offset] + b" " * 80 + data[offset + 80 :]


@dataclass(frozen=True)
class Measured:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float


#: Runs the command and writes its peak memory (ru_maxrss, KiB) to the file named in argv[1].
#: A small launcher is needed: a child forked from the large pytest process starts with the
#: parent's resident size already counted in its own ru_maxrss.
_LAUNCHER = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
open(sys.argv[1], "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code if code >= 0 else 128 - code)
"""


def run_measured(args: list[str], *, cwd: Path, timeout: float = 120) -> Measured:
    """Run ``python -m lininspect ARGS`` and measure its wall time and peak memory."""
    with tempfile.TemporaryDirectory() as scratch:
        out, err, peak = (Path(scratch) / name for name in ("out", "err", "peak"))
        started = time.monotonic()
        with open(out, "wb") as stdout, open(err, "wb") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-c", _LAUNCHER, str(peak), sys.executable, "-m", "lininspect", *args],
                cwd=cwd, stdout=stdout, stderr=stderr, start_new_session=True,
            )
            try:
                code = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                code = process.wait()
        seconds = time.monotonic() - started
        return Measured(
            code,
            out.read_text("utf-8", "replace"),
            err.read_text("utf-8", "replace"),
            seconds,
            int(peak.read_text()) / 1024 if peak.exists() else float("inf"),
        )
