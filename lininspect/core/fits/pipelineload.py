"""What the pipeline's RampModel refuses when it loads a ramp, refused before lininspect writes its product.

``lininspect correct`` reads only what the correction needs and carries the rest through;
jwst's datamodels load the whole file first and fail on some shapes our reader accepts.
A product of a file the pipeline cannot open would be one the pipeline never writes, so
these are refused naming the HDU: an embedded ASDF file of another format version, its
arrays pointing at FITS extensions that are not there (a PIXELDQ renamed, say), and GROUP
or INT_TIMES tables whose columns are not the schema's.
"""

from __future__ import annotations

import functools
import importlib.resources
import re

import yaml

from . import fitsfile
from ..errors import LinInspectError
from .exposure import Exposure

#: The only ASDF file format version the asdf library reads (its header line).
ASDF_FILE_FORMAT = b"#ASDF 1.0.0"
#: An ASDF file stored in a FITS extension names its arrays' HDUs as ``source: fits:NAME,VER``.
_FITS_SOURCE = re.compile(rb"source:\s*['\"]?fits:([^,\s'\"]+),(\d+)")
#: Beyond this the embedded tree is left to the ASDF checks (bounded there); its links are not scanned.
MAX_SCANNED_ASDF_BYTES = 64 * 2**20
#: The RampModel tables, by EXTNAME, and the stdatamodels schema that defines each one's columns.
TABLE_SCHEMAS = {"GROUP": ("group", "group.schema.yaml"), "INT_TIMES": ("int_times", "int_times.schema.yaml")}


def refuse_what_the_pipeline_cannot_load(exposure: Exposure) -> None:
    """Refuse (LinInspectError) a ramp the pipeline's RampModel fails to open."""
    for info in exposure.hdus:
        if info.name == "ASDF":
            _check_embedded_asdf(exposure, info)
        elif info.name in TABLE_SCHEMAS and str(fitsfile.header_value(info.header, "XTENSION", "")).strip() == "BINTABLE":
            _check_table_columns(exposure, info)


def _check_embedded_asdf(exposure: Exposure, info: fitsfile.HduInfo) -> None:
    size = fitsfile.data_bytes(info.header) - int(fitsfile.header_value(info.header, "PCOUNT", 0) or 0)
    head = exposure.file.read(min(size, len(ASDF_FILE_FORMAT) + 2), info.data_offset)
    first_line = head.split(b"\n")[0].rstrip(b"\r")
    if first_line != ASDF_FILE_FORMAT:
        shown = fitsfile.shown(first_line.decode("ascii", "replace"))
        raise LinInspectError(
            f"{exposure.path}: HDU {info.index} (ASDF) begins {shown}, not {ASDF_FILE_FORMAT.decode()}: "
            "the pipeline's asdf cannot read it"
        )
    if size > MAX_SCANNED_ASDF_BYTES:
        return
    names = {hdu.name for hdu in exposure.hdus}
    for match in _FITS_SOURCE.finditer(exposure.file.read(size, info.data_offset)):
        name = match[1].decode("ascii", "replace").upper()
        if name not in names:
            raise LinInspectError(
                f"{exposure.path}: HDU {info.index} (ASDF) keeps an array in a {fitsfile.shown(name)} extension "
                "the file does not have (renamed?): the pipeline cannot load it"
            )


def _check_table_columns(exposure: Exposure, info: fitsfile.HduInfo) -> None:
    fields = fitsfile.integer_keyword(exposure.path, info, "TFIELDS", minimum=0)
    found = {str(fitsfile.header_value(info.header, f"TTYPE{n}", "")).strip().lower() for n in range(1, min(fields, 999) + 1)}
    wanted = schema_columns(info.name)
    if found != wanted:
        missing, extra = sorted(wanted - found), sorted(found - wanted)
        parts = ([f"lacks {', '.join(missing)}"] if missing else []) + ([f"has {', '.join(extra)}"] if extra else [])
        raise LinInspectError(
            f"{exposure.path}: HDU {info.index} ({info.name}) table {' and '.join(parts)}, unlike the pipeline's "
            "schema for it: the pipeline cannot load the file"
        )


@functools.cache
def schema_columns(extname: str) -> frozenset[str]:
    """The column names (lower case, as the datamodels compare them) of a RampModel table, from its schema."""
    attribute, schema_file = TABLE_SCHEMAS[extname]
    schemas = importlib.resources.files("stdatamodels.jwst.datamodels") / "schemas" / schema_file
    schema = yaml.safe_load(schemas.read_text())
    return frozenset(column["name"].lower() for column in schema["properties"][attribute]["datatype"])
