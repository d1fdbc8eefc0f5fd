"""Files the installed program reads at run time: the app's style sheet and its icon.

They live inside the package, read through importlib.resources, so every kind of install
(a wheel, ``pip install .``, pipx, or an editable clone) finds them; ``resources/`` at the
top of a clone holds only what development needs.
"""

from __future__ import annotations

from importlib.resources import files

STYLE_SHEET = "lininspect.qss"
ICON = "lininspect.svg"


def read_text(name: str) -> str:
    """The text of one of this package's files (a missing one is a broken install: it raises)."""
    return files(__name__).joinpath(name).read_text(encoding="utf-8")


def read_bytes(name: str) -> bytes:
    return files(__name__).joinpath(name).read_bytes()
