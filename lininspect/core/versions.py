"""Which pipeline lininspect matches bit for bit, and which versions of its libraries are installed."""

from __future__ import annotations

from importlib import metadata

from .. import __version__

#: The pipeline releases whose linearity step lininspect reproduces exactly (tested against them).
MATCHES = (("jwst", "3.0.0"), ("stcal", "1.20.0"))
#: The installed libraries worth naming in a bug report.
LIBRARIES = ("jwst", "stcal", "crds", "stdatamodels", "asdf", "astropy", "numpy", "PyQt6", "pyqtgraph")


def installed(name: str) -> str:
    """The installed version of distribution ``name``, or "not installed"."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def about() -> list[tuple[str, str]]:
    """(what, version) rows: lininspect, the pipeline it matches, then the installed libraries."""
    rows = [("lininspect", __version__)]
    rows += [(f"matches {name}", version) for name, version in MATCHES]
    rows += [(f"installed {name}", installed(name)) for name in LIBRARIES]
    return rows
