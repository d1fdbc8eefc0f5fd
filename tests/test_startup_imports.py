"""Issue 19, target 5: the app's start imports no library it needs only for a later command.

A cold start to the demo window is mostly imports; each of these cost it a tenth of a second
or more (astropy.table pulled in asdf through its I/O registry; astropy.io.fits pulls in
astropy.units; superqt imports every one of its widgets through qtpy) and serves a file's
reading, a report, a survey, the pipeline or a compiled kernel, never the first window.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

LATER_ONLY = ("astropy", "superqt", "qtpy", "asdf", "jwst", "crds", "stdatamodels", "numba", "dask")

#: The demo's start up to the window's first paint (as ``app.show_window`` does it), then the libraries loaded.
WINDOW_SHOWN = f"""
import sys
import lininspect.cli, lininspect.core.demo
from PyQt6.QtWidgets import QApplication
from lininspect.gui.app import application, make_settings, show_sized
from lininspect.gui.mainwindow import MainWindow
app = application()
window = MainWindow(make_settings())
show_sized(window)
QApplication.processEvents()
print(' '.join(name for name in {LATER_ONLY!r} if name in sys.modules))
"""


@pytest.mark.parametrize("module", ["lininspect.gui.app", "lininspect.cli", "lininspect.core.demo"])
def test_starting_the_app_leaves_later_libraries_unimported(module: str) -> None:
    code = f"import sys, {module}; print(' '.join(name for name in {LATER_ONLY!r} if name in sys.modules))"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.split() == []


def test_the_first_window_is_shown_before_astropy_and_superqt_are_imported(tmp_path: Path) -> None:
    """Building and painting the window imports none of them either: astropy.io.fits is imported
    by the job that reads the first file, after the window is on the screen."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "LININSPECT_SETTINGS": str(tmp_path / "settings.ini")}
    shown = subprocess.run([sys.executable, "-c", WINDOW_SHOWN], capture_output=True, text=True, check=True, env=env)
    assert shown.stdout.split() == []
