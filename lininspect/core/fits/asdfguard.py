"""A bounded look at a FITS file's ASDF extension before any library walks its tree.

The asdf library, stdatamodels' ``read_metadata`` and jwst's models all build the whole YAML
tree and then walk it (``flatten``, schema checks, ``str()`` of values). A small file can make
that walk unbounded: a YAML "billion laughs" (anchors and aliases that expand exponentially),
megabytes of YAML, deep nesting; and an ``ndarray`` whose ``source`` names another file
(``/dev/zero``, a FIFO, ``/etc/passwd``) makes asdf open and read that file. asdf 5 has no
option that forbids external array sources, so they are refused here.

The check reads the extension with positioned reads, bounded by :data:`MAX_YAML_BYTES`, and
streams libyaml's parse events (no tree is built), counting the nodes the tree would have
once aliases are expanded, the aliases themselves and the nesting depth. The work is linear
in the YAML's bounded size, whatever the file claims.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from . import fitsfile
from ..errors import LinInspectError

#: JWST ramps keep their arrays in FITS HDUs: the tree is metadata, tens of kB in real files.
MAX_YAML_BYTES = 2 * 2**20
#: Nodes of the tree with every alias expanded (what a walk of it visits); real trees have a few thousand.
MAX_NODES = 50_000
MAX_ALIASES = 1000
MAX_DEPTH = 64

YAML_END = re.compile(rb"\r?\n\.\.\.((\r?\n)|$)")
#: stdatamodels' reading of a ``fits:`` source: ``fits:EXTNAME,VER`` or ``fits:INDEX``.
_FITS_SOURCE = re.compile(r"fits:((?P<name>[ -~]+),)?(?P<ver>[0-9]+)$")


def check_asdf_extension(path: Path) -> None:
    """Refuse a file whose ASDF extension is too large, a bomb, or names files outside it."""
    infos = fitsfile.scan(path)
    info = fitsfile.find(infos, "ASDF")
    if info is not None:
        read_asdf_yaml(path, infos, info)


def read_asdf_yaml(path: Path, infos: list[fitsfile.HduInfo], info: fitsfile.HduInfo) -> bytes:
    """The extension's YAML text (up to its ``...`` end marker), once it has passed every bound."""
    stored = _stored_bytes(info)
    if stored > MAX_YAML_BYTES:
        raise LinInspectError(
            f"{path}: its ASDF extension holds {stored / 2**20:.1f} MB; JWST metadata takes a few kB, "
            f"so more than {MAX_YAML_BYTES // 2**20} MB is refused as damage"
        )
    with open(path, "rb") as stream:
        data = os.pread(stream.fileno(), stored, info.data_offset)
    if len(data) != stored:
        raise LinInspectError(f"{path}: ended early (truncated while being read?) reading the ASDF extension")
    end = YAML_END.search(data)
    text = data[: end.end()] if end else data.rstrip(b"\0")
    _scan_events(path, text, {info.name for info in infos if info.name}, len(infos))
    return text


def _stored_bytes(info: fitsfile.HduInfo) -> int:
    """Bytes of the extension's main data (a table's rows, not its heap), as astropy's ``.data`` holds them."""
    count = 1
    for axis in info.shape:
        count *= axis
    return count * abs(int(info.header["BITPIX"])) // 8 if info.shape else 0


@dataclass
class _Collection:
    """A mapping or sequence being read: its expanded node count; for a mapping, whether a key comes next."""

    anchor: str | None
    is_mapping: bool
    is_array: bool  # an ndarray node: its ``source`` must stay inside the file
    nodes: int = 1
    expecting_key: bool = True
    key: str | None = None

    @property
    def awaits_source(self) -> bool:
        """An ndarray whose next node is the value of its ``source``."""
        return self.is_array and not self.expecting_key and self.key == "source"


def _scan_events(path: Path, text: bytes, hdu_names: set[str], hdu_count: int) -> None:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    sizes: dict[str, int] = {}  # anchor -> expanded node count of what it names
    open_anchors: set[str] = set()
    stack: list[_Collection] = []
    total = aliases = 0

    def add(nodes: int, value: yaml.Event) -> None:
        nonlocal total
        total += nodes
        if total > MAX_NODES:
            raise _refusal(path, f"expands to more than {MAX_NODES:,} YAML nodes (an alias bomb?)")
        if not stack:
            return
        parent = stack[-1]
        parent.nodes += nodes
        if not parent.is_mapping:
            return
        if parent.expecting_key:
            parent.key = value.value if isinstance(value, yaml.ScalarEvent) else None
            if parent.key == "$ref":
                raise _refusal(path, "holds a $ref to another document; lininspect reads no other file")
        elif parent.awaits_source:
            _check_source(path, value, hdu_names, hdu_count)
        parent.expecting_key = not parent.expecting_key

    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if len(stack) >= MAX_DEPTH:
                    raise _refusal(path, f"nests deeper than {MAX_DEPTH} levels")
                if stack and stack[-1].is_mapping and stack[-1].expecting_key:
                    raise LinInspectError(f"{path}: ASDF extension unreadable (a mapping or list as a key)")
                if stack and stack[-1].awaits_source:
                    raise _refusal(path, "gives an array a source that is not a block of this file")
                is_mapping = isinstance(event, yaml.MappingStartEvent)
                stack.append(_Collection(event.anchor, is_mapping, is_mapping and "ndarray" in (event.tag or "")))
                if event.anchor:
                    open_anchors.add(event.anchor)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                done = stack.pop()
                if done.anchor:
                    open_anchors.discard(done.anchor)
                    sizes[done.anchor] = done.nodes
                total -= done.nodes - 1  # its children were counted once already, as they came
                add(done.nodes, event)
            elif isinstance(event, yaml.ScalarEvent):
                if event.anchor:
                    sizes[event.anchor] = 1
                add(1, event)
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise _refusal(path, f"uses more than {MAX_ALIASES} YAML aliases (an alias bomb?)")
                if event.anchor in open_anchors:
                    raise _refusal(path, "holds a YAML alias inside the node it names (a cycle)")
                if event.anchor not in sizes:
                    raise _refusal(path, "uses a YAML alias before its anchor")
                if stack and stack[-1].awaits_source:
                    raise _refusal(path, "gives an array a source that is not a block of this file")
                add(sizes[event.anchor], event)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or type(error).__name__
        why = f"not YAML: {fitsfile.shown(str(problem))}{where}"
        raise LinInspectError(f"{path}: ASDF extension unreadable ({why})") from None


def _refusal(path: Path, why: str) -> LinInspectError:
    return LinInspectError(f"{path}: its ASDF extension {why}")


def _check_source(path: Path, value: object, hdu_names: set[str], hdu_count: int) -> None:
    """An ndarray's ``source``: a block number of the ASDF data, or ``fits:`` naming an HDU of this file."""
    import yaml

    if not isinstance(value, yaml.ScalarEvent):
        raise _refusal(path, "gives an array a source that is not a block of this file")
    source = value.value
    if value.implicit[0] and source.isdigit():
        return  # a block of the ASDF data itself
    match = _FITS_SOURCE.match(source)
    if match is not None:
        name, number = match["name"], int(match["ver"])
        if (name is None and number < hdu_count) or (name is not None and name.strip().upper() in hdu_names):
            return
        raise _refusal(path, f"gives an array the source {fitsfile.shown(source)}, which names no HDU of this file")
    raise _refusal(
        path, f"gives an array the source {fitsfile.shown(source)} outside this file; lininspect reads no other file"
    )
