"""Issue 19, target 5: the app's start imports no library it needs only for a later command.

A cold start to the demo window is mostly imports; each of these cost it a tenth of a second
or more (astropy.table pulled in asdf through its I/O registry) and serves a report, a survey,
the pipeline or a compiled kernel, never the first window.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

LATER_ONLY = ("astropy.table", "asdf", "jwst", "crds", "stdatamodels", "numba", "dask")


@pytest.mark.parametrize("module", ["lininspect.gui.app", "lininspect.cli"])
def test_starting_the_app_leaves_later_libraries_unimported(module: str) -> None:
    code = f"import sys, {module}; print(' '.join(name for name in {LATER_ONLY!r} if name in sys.modules))"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.split() == []
