"""Hostile ASDF extensions dropped on the app (issue 16, items 2 and 3): one dialog, the app carries on.

A small alias bomb as the tree's value of SUBARRAY (no header card) was turned into text by the
app; an array source naming a FIFO blocked it. Both must end in the ASDF refusal's dialog.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtWidgets import QMessageBox

from lininspect.gui.mainwindow import MainWindow

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test helpers in tests/
from asdf_attacks import alias_bomb, external_source, with_asdf_yaml  # noqa: E402
from pipeline_oracle import write_ramp_file  # noqa: E402

DIALOG_TIMEOUT_MS = 60_000


@pytest.mark.parametrize(("attack", "expected"), [("small bomb as SUBARRAY", "SUBARRAY is a list"),
                                                  ("source FIFO", "outside this file")])
def test_a_hostile_asdf_tree_dropped_on_the_window_is_one_dialog(qtbot, window: MainWindow, monkeypatch,
                                                                 tmp_path: Path, attack: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append(text))
    plain = write_ramp_file(tmp_path / "plain_ramp.fits", sci=np.ones((1, 3, 8, 10), np.float32), with_asdf=True)
    fifo = tmp_path / "a_fifo"
    os.mkfifo(fifo)
    if attack == "source FIFO":
        hostile = with_asdf_yaml(plain, tmp_path / "hostile_ramp.fits", external_source(str(fifo)))
    else:
        bomb = alias_bomb(levels=3)
        hostile = with_asdf_yaml(plain, tmp_path / "hostile_ramp.fits",
                                 lambda text: bomb(text.replace("name: GENERIC", "name: SUB8")),
                                 drop=("SUBARRAY",))
    window.actions.open_dropped([hostile])
    qtbot.waitUntil(lambda: bool(shown), timeout=DIALOG_TIMEOUT_MS)
    assert len(shown) == 1 and expected in shown[0] and "ASDF" in shown[0], shown
    assert "\n" not in shown[0] and len(shown[0]) < 400
