"""How this lininspect was installed, to say what adds the ``pipeline`` extra (jwst) to it.

``pip install 'lininspect[pipeline]'`` is right for an install from a wheel or an index, but
not from a clone (``pip install -e '.[pipeline]'`` there) nor under pipx (``pipx inject``).
"""

from __future__ import annotations

import json
import re
import sys
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

PACKAGE = "lininspect"
EXTRA = "pipeline"


def pipeline_install_hint() -> str:
    """What adds jwst to this install, e.g. ``pip install -e '.[pipeline]' in /src/lininspect``."""
    clone = source_checkout()
    if clone is not None:
        return f"pip install -e '.[{EXTRA}]' in {clone}"
    if _under_pipx():
        return f"pipx inject {PACKAGE} '{_extra_requirement()}'"
    return f"pip install '{PACKAGE}[{EXTRA}]'"


def source_checkout() -> Path | None:
    """The clone this lininspect is imported from (editable install or PYTHONPATH), else None."""
    root = Path(__file__).resolve().parent.parent
    project = root / "pyproject.toml"
    if project.is_file() and re.search(rf'^name = "{PACKAGE}"$', project.read_text(errors="replace"), re.M):
        return root
    editable = _editable_directory()
    return editable if editable is not None and (editable / "pyproject.toml").is_file() else None


def _editable_directory() -> Path | None:
    """The directory of a ``pip install -e``, from the distribution's direct_url.json (PEP 610)."""
    try:
        recorded = metadata.distribution(PACKAGE).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    try:
        origin = json.loads(recorded or "{}")
    except ValueError:
        return None
    url = urlparse(str(origin.get("url", "")))
    if url.scheme != "file" or not origin.get("dir_info", {}).get("editable"):
        return None
    return Path(unquote(url.path))


def _under_pipx() -> bool:
    """pipx keeps each app in ``.../pipx/venvs/<app>``; pip in there is not the user's to call."""
    return Path(sys.prefix).parent.name == "venvs" and "pipx" in Path(sys.prefix).parts


def _extra_requirement() -> str:
    """The extra's requirement as this install's metadata states it (``jwst==3.0.0``)."""
    try:
        requirements = metadata.requires(PACKAGE) or []
    except metadata.PackageNotFoundError:
        requirements = []
    for requirement in requirements:
        name, _, marker = requirement.partition(";")
        if re.search(rf"extra\s*==\s*['\"]{EXTRA}['\"]", marker):
            return name.strip().replace(" ", "")
    return "jwst"
