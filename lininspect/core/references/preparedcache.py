"""Entries of the prepared-ramp cache that prove what they are before they are used.

An entry is a prepared ramp under a name no other writer uses, and a manifest that names it:
the entry's size and SHA-256, the steps run, and the identity of the file it was prepared
from (its size, modification time, a hash of its headers and ASDF metadata, and SCI's shape).
A lookup uses an entry only when all of these still hold; flipped bytes, a renamed
extension, another exposure's ramp copied in, an edited input or a damaged manifest make
it prepare again.

Safe with many processes at once (a Dask survey): both files are published by rename, the
entry before the manifest, and an entry is never rewritten, so a reader sees a whole
manifest naming a whole entry, or none. Two processes preparing the same file each publish
their own entry; the last manifest wins and the other entry is left for :func:`sweep`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import stat
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..fits import fitsfile
from ..fits.asdfguard import read_asdf_yaml
from ..fits.atomic import atomic_path

_MAX_MANIFEST_BYTES = 64 * 1024
#: Entries no manifest names (lost races, re-preparations) are removed once this old.
ORPHAN_SECONDS = 24 * 3600


@dataclass(frozen=True)
class SourceIdentity:
    """What a prepared ramp was made from: the input as it was then."""

    size: int
    mtime_ns: int
    content: str  # SHA-256 of every header and the ASDF metadata
    shape: tuple[int, ...]  # SCI, (nints, ngroups, ny, nx)


def source_identity(path: Path) -> SourceIdentity:
    """The input's identity, read with the bounded FITS scan (the headers, never the pixels)."""
    infos = fitsfile.scan(path)
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for info in infos:
            digest.update(os.pread(stream.fileno(), info.data_offset - info.header_offset, info.header_offset))
        status = os.fstat(stream.fileno())
    asdf_info = fitsfile.find(infos, "ASDF")
    if asdf_info is not None:
        digest.update(read_asdf_yaml(path, infos, asdf_info))
    sci = fitsfile.find(infos, "SCI")
    return SourceIdentity(status.st_size, status.st_mtime_ns, digest.hexdigest(), sci.shape if sci else ())


def entry_for(manifest: Path, source: SourceIdentity, steps: tuple[str, ...]) -> Path | None:
    """The entry ``manifest`` names, if it is whole and was prepared from ``source`` by ``steps``.

    An entry that fails its checksum is removed (it can never become valid again).
    """
    recorded = _read_manifest(manifest)
    if recorded is None:
        return None
    name = recorded.get("entry")
    ours = rf"{re.escape(_stem(manifest))}_[0-9a-f]{{12}}_prepared\.fits"  # written by new_entry, beside the manifest
    if not isinstance(name, str) or not re.fullmatch(ours, name):
        return None
    if recorded.get("source") != _as_json(source) or recorded.get("steps") != list(steps):
        return None
    entry = manifest.parent / name
    actual = _digest(entry)
    if actual is None:
        return None
    if actual != (recorded.get("size"), recorded.get("sha256")):
        entry.unlink(missing_ok=True)
        return None
    return entry


def new_entry(manifest: Path) -> Path:
    """A name for a new entry that no other writer can pick."""
    return manifest.parent / f"{_stem(manifest)}_{secrets.token_hex(6)}_prepared.fits"


def publish(manifest: Path, entry: Path, source: SourceIdentity, steps: tuple[str, ...]) -> None:
    """Record the written ``entry`` in ``manifest`` (atomically replacing any older record)."""
    size, sha256 = _digest(entry) or (None, None)
    record = {"entry": entry.name, "size": size, "sha256": sha256, "steps": list(steps), "source": _as_json(source)}
    try:
        if not stat.S_ISREG(os.lstat(manifest).st_mode):
            os.unlink(manifest)  # a FIFO, a link or a device where our manifest goes: damage to the cache
    except OSError:
        pass  # none there (or a folder, which the write below reports)
    with atomic_path(manifest) as temporary:
        temporary.write_text(json.dumps(record, indent=1))
    sweep(manifest.parent)


def sweep(directory: Path) -> None:
    """Remove entries no manifest names once they are a day old (no process still uses them)."""
    try:
        names = os.listdir(directory)
    except OSError:
        return
    named = set()
    for manifest in (n for n in names if n.endswith("_prepared.json")):
        record = _read_manifest(directory / manifest)
        if record is not None and isinstance(record.get("entry"), str):
            named.add(record["entry"])
    for name in names:
        if not name.endswith("_prepared.fits") or name in named:
            continue
        try:
            info = os.lstat(directory / name)
            if stat.S_ISREG(info.st_mode) and time.time() - info.st_mtime > ORPHAN_SECONDS:
                os.unlink(directory / name)
        except OSError:
            continue


def _stem(manifest: Path) -> str:
    return manifest.name.removesuffix("_prepared.json")


def _as_json(source: SourceIdentity) -> dict:  # type: ignore[type-arg]
    record = asdict(source)
    record["shape"] = list(source.shape)
    return record


def _read_manifest(manifest: Path) -> dict | None:  # type: ignore[type-arg]
    """The manifest's record, or None if it is missing, not a small regular file, or not a JSON object."""
    try:
        descriptor = os.open(manifest, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_MANIFEST_BYTES:
            return None
        record = json.loads(os.pread(descriptor, _MAX_MANIFEST_BYTES, 0))
    except (OSError, ValueError):
        return None
    finally:
        os.close(descriptor)
    return record if isinstance(record, dict) else None


def _digest(entry: Path) -> tuple[int, str] | None:
    """Size and SHA-256 of a regular file (no link followed, no FIFO opened to block), or None."""
    try:
        descriptor = os.open(entry, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            return None
        with os.fdopen(os.dup(descriptor), "rb") as stream:
            return info.st_size, hashlib.file_digest(stream, "sha256").hexdigest()
    except OSError:
        return None
    finally:
        os.close(descriptor)
