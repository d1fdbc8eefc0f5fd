"""Issue 19, target 5: a full pass of Python's cycle collector (40-85 ms on the GUI thread) waits while the user works."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLineEdit

from lininspect.gui.app import application


@pytest.fixture
def full_collections() -> Iterator[list[float]]:
    """When each full collection started, whoever asked for it."""
    started: list[float] = []

    def record(phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 2:
            started.append(time.monotonic())

    gc.callbacks.append(record)
    yield started
    gc.callbacks.remove(record)


def _make_a_full_collection_due() -> None:
    """Counts as after long activity: eleven middle-generation passes since the last full one, eleven young since
    the last middle one (what pyqtgraph's timer required too before it collected everything)."""
    for _ in range(11):
        gc.collect(1)
    for _ in range(11):
        gc.collect(0)


def test_a_full_collection_waits_until_the_user_stops_typing(qtbot, full_collections: list[float]) -> None:
    application()
    assert not gc.isenabled()  # collected on the GUI thread only
    field = QLineEdit()
    qtbot.addWidget(field)
    field.show()
    _make_a_full_collection_due()
    garbage = [[] for _ in range(2000)]  # the young generation over its threshold at every tick
    typing_until = time.monotonic() + 2.5  # two or three of the collector's ticks
    while time.monotonic() < typing_until:
        qtbot.keyClick(field, Qt.Key.Key_A)
        garbage += [[] for _ in range(1000)]
        qtbot.wait(100)
    stopped = time.monotonic()
    assert full_collections == [], "a full collection ran while the user typed"
    assert len(field.text()) > 10

    qtbot.waitUntil(lambda: full_collections != [], timeout=20_000)
    assert full_collections[0] - stopped >= 2.5  # after the user had been idle a while, not at once


def test_a_full_collection_waits_no_longer_than_its_longest_wait(qtbot, full_collections: list[float]) -> None:
    """Someone who never stops (a play running under a moving mouse) still gets cyclic garbage freed."""
    from lininspect.gui.collector import CycleCollector

    app = application()
    impatient = CycleCollector(app, interval_ms=50, idle_s=100.0, longest_wait_s=1.0)
    try:
        field = QLineEdit()
        qtbot.addWidget(field)
        field.show()
        _make_a_full_collection_due()
        started = time.monotonic()
        while not full_collections and time.monotonic() < started + 20:
            qtbot.keyClick(field, Qt.Key.Key_A)
            qtbot.wait(50)
        assert full_collections and full_collections[0] - started >= 1.0
    finally:
        app.removeEventFilter(impatient)
        impatient.deleteLater()
