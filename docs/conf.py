"""Sphinx configuration: the user documentation, in MyST Markdown (``python -m sphinx -W docs DIR``)."""

import re
from pathlib import Path

_init = (Path(__file__).resolve().parents[1] / "lininspect" / "__init__.py").read_text()

project = "lininspect"
author = "the lininspect developers"
release = version = re.search(r'^__version__ = "([^"]+)"', _init, re.M).group(1)  # without importing it

extensions = ["myst_parser"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]
myst_heading_anchors = 3  # "#the-commands-in-detail" style links within a page
html_theme = "alabaster"
html_title = f"lininspect {release}"
