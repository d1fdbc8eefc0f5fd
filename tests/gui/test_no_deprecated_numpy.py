"""No path of ours reaches pyqtgraph code that numpy 2.5 deprecates (setting an array's shape).

pyqtgraph's TextItem inverts its view's transform, and falls back to a pseudo-inverse that sets
``arr.shape`` when the view has no size yet (a panel not yet laid out): on numpy 2.5 that was
21 DeprecationWarnings in the suite. The fallback is counted here, since this numpy may not warn.
"""

from __future__ import annotations

import pyqtgraph.functions
import pytest

from lininspect.gui.mainwindow import MainWindow

from guihelpers import shown_window


@pytest.fixture
def fallbacks(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    calls: list[object] = []
    original = pyqtgraph.functions._pinv_fallback

    def counted(transform):  # type: ignore[no-untyped-def]
        calls.append(transform)
        return original(transform)

    monkeypatch.setattr(pyqtgraph.functions, "_pinv_fallback", counted)
    return calls


def test_windows_empty_and_loaded_never_reach_the_shape_setting_fallback(qtbot, small_files, fallbacks) -> None:  # type: ignore[no-untyped-def]
    empty = shown_window(qtbot, None, None)
    empty.close()
    window: MainWindow = shown_window(qtbot, small_files.exposure, small_files.reference)
    job = window.run_correction()
    qtbot.waitUntil(lambda: job.done, timeout=10000)
    window.select_pixel(3, 3)
    window.select_pixel(30, 30)
    window.resize(700, 500)
    qtbot.wait(50)
    window.close()
    assert fallbacks == []
