"""Exposure metadata as the pipeline's RampModel reads it, not as the FITS header alone says.

The pipeline's models read the metadata tree in the file's ASDF extension and lay the
FITS header over it: a header card wins, and where a card is missing the tree's value
stays (NFRAMES, ZEROFRAM, SUBSTRT... all seen); some values (``read_times``) exist only
in the tree. The tree is read as the ``asdf`` library's ``load_yaml`` reads it, as stdatamodels
parses it, and the same precedence is applied to the keywords the linearity step uses (the tests
check the result against stdatamodels' ``read_metadata``). Neither stdatamodels (~1.3 s and 80 MB
per process to import and load its schemas) nor asdf (0.25 s) is imported: libyaml builds the
tree with asdf's rules. A plain FITS file is read from its header, as the models read it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import fitsfile
from .asdfguard import YAML_END, read_asdf_yaml
from ..errors import LinInspectError
from .fitsfile import header_value, shown

#: The metadata the linearity step uses: schema path under ``meta`` -> its FITS keyword.
KEYWORDS = {
    "exposure.nframes": "NFRAMES",
    "exposure.ngroups": "NGROUPS",
    "exposure.zero_frame": "ZEROFRAM",
    "instrument.name": "INSTRUME",
    "subarray.name": "SUBARRAY",
    "subarray.xstart": "SUBSTRT1",
    "subarray.ystart": "SUBSTRT2",
    "subarray.xsize": "SUBSIZE1",
    "subarray.ysize": "SUBSIZE2",
    "subarray.fastaxis": "FASTAXIS",
    "subarray.slowaxis": "SLOWAXIS",
    "subarray.multistripe_reads1": "MSTR_RD1",
    "subarray.multistripe_skips1": "MSTR_SK1",
    "subarray.multistripe_reads2": "MSTR_RD2",
    "subarray.multistripe_skips2": "MSTR_SK2",
    "subarray.repeat_stripe": "MSTR_RPT",
    "subarray.interleave_reads1": "MSTR_ILV",
    "subarray.superstripe_step": "SSTR_STP",
    "subarray.num_superstripe": "SSTR_NST",
}


@dataclass(frozen=True)
class PipelineMetadata:
    """The values the pipeline sees (None where it sees none), and which came from the ASDF tree only."""

    path: Path
    values: dict[str, Any]  # schema path -> value
    read_times: list[Any] | None  # meta.exposure.read_times, which has no FITS keyword
    from_tree: tuple[str, ...] = ()  # keywords missing from the header whose value the tree supplied

    def integer(self, name: str) -> int | None:
        """An integer value (None when the pipeline has none); anything else is refused."""
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            where = "ASDF metadata" if KEYWORDS[name] in self.from_tree else "PRIMARY keyword"
            raise LinInspectError(f"{self.path}: {where} {KEYWORDS[name]} = {_described(value)} is not an integer")
        return int(value)

    @property
    def nframes(self) -> int | None:
        return self.integer("exposure.nframes")

    @property
    def ngroups(self) -> int | None:
        return self.integer("exposure.ngroups")

    @property
    def zero_frame(self) -> bool:
        """ZEROFRAM as the step tests it (``if meta.exposure.zero_frame``)."""
        return bool(self.values.get("exposure.zero_frame"))

    @property
    def has_read_times(self) -> bool:
        return bool(self.read_times)

    @property
    def substrt(self) -> tuple[int | None, int | None]:
        return self.integer("subarray.xstart"), self.integer("subarray.ystart")

    def notes(self) -> list[str]:
        return [
            f"{keyword} has no header card; its value {_described(self.values[_path_of(keyword)])} comes from the "
            "ASDF metadata, as the pipeline reads it"
            for keyword in self.from_tree
        ]


def read_pipeline_metadata(path: Path, infos: list[fitsfile.HduInfo]) -> PipelineMetadata:
    """The metadata of ``path`` (whose HDUs are ``infos``) with the pipeline's precedence."""
    primary = infos[0].header
    asdf_info = fitsfile.find(infos, "ASDF")
    tree = {} if asdf_info is None else _read_tree(path, read_asdf_yaml(path, infos, asdf_info))
    meta = tree.get("meta", {}) if isinstance(tree, dict) else {}
    values = {}
    from_tree = []
    for name, keyword in KEYWORDS.items():
        if keyword in primary:
            values[name] = header_value(primary, keyword)
        elif (value := _lookup(meta, name)) is not None:
            if not isinstance(value, (str, int, float, bool)):
                raise LinInspectError(f"{path}: ASDF metadata {keyword} is {_described(value)}, not a single value")
            values[name] = value
            from_tree.append(keyword)
    read_times = _lookup(meta, "exposure.read_times")
    if read_times is not None and not isinstance(read_times, list):
        raise LinInspectError(f"{path}: ASDF metadata read_times is {_described(read_times)}, not a list")
    return PipelineMetadata(path, values, read_times, tuple(from_tree))


def _read_tree(path: Path, text: bytes) -> dict:
    """The tree of the vetted YAML as plain values: no tag is converted, so no array source is resolved.

    Read as ``asdf.util.load_yaml`` reads it (libyaml's safe loader, unknown tags read as plain
    mappings, lists and text, the YAML up to its ``...`` end marker), without importing asdf,
    which costs a one-file command more than all its other work on the metadata (0.25 s).
    """
    try:
        if not YAML_END.search(text):
            raise ValueError("End of YAML marker not found")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return yaml.load(text, Loader=_PlainTreeLoader)  # noqa: S506 (a safe loader: plain values only)
    except Exception as error:  # a damaged ASDF extension raises many kinds; the pipeline fails on it too
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise LinInspectError(f"{path}: ASDF extension unreadable ({first})") from None


class _PlainTreeLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """asdf's loader for ``load_yaml``: the safe loader, with any tag it does not know read as plain."""

    def construct_undefined(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.MappingNode):
            return self.construct_yaml_map(node)
        if isinstance(node, yaml.SequenceNode):
            return self.construct_yaml_seq(node)
        if isinstance(node, yaml.ScalarNode):
            return self.construct_scalar(node)
        return super().construct_undefined(node)


_PlainTreeLoader.add_constructor(None, _PlainTreeLoader.construct_undefined)


def _lookup(tree: dict, name: str) -> Any:
    node: Any = tree
    for part in name.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _described(value: Any) -> str:
    """A value for a message; a mapping or list is named by its kind, never turned into text."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return shown(value)
    kind = "mapping" if isinstance(value, dict) else "list" if isinstance(value, list) else "tagged node"
    return f"a {kind}"


def _path_of(keyword: str) -> str:
    return next(name for name, key in KEYWORDS.items() if key == keyword)
