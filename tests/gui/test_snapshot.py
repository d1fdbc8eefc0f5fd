"""``lininspect snapshot``: a whole PNG of the corrected window, or a one-line refusal."""

from __future__ import annotations

from pathlib import Path

import pytest
from PyQt6.QtGui import QImage

from lininspect.cli import main
from lininspect.core.demo import write_demo
from lininspect.core.errors import LinInspectError
from lininspect.gui.snapshot import render_snapshot


def test_snapshot_of_the_demo(qapp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    demo = write_demo(tmp_path)
    output = tmp_path / "shot.png"
    render_snapshot(demo.exposure, demo.reference, pixel=(500, 400), output=output, size=(1600, 1000))
    image = QImage(str(output))
    assert (image.width(), image.height()) == (1600, 1000)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([demo.exposure.name, demo.reference.name, "shot.png"])


def test_snapshot_from_the_command_line(qapp, small_files, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    output = tmp_path / "small.png"
    argv = ["snapshot", str(small_files.exposure), "--reference", str(small_files.reference),
            "--pixel", "3", "4", "--group", "2", "--integration", "1", "-o", str(output), "--size", "800", "600"]  # fmt: skip
    assert main(argv) == 0
    image = QImage(str(output))
    assert (image.width(), image.height()) == (1400, 900)  # never smaller than readable
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"pixel": (50, 0)}, "outside the 50 x 40 exposure"),
        ({"pixel": (0, -1)}, "outside"),
        ({"pixel": (0, 0), "integration": 2}, "integration 2"),
        ({"pixel": (0, 0), "group": 6}, "group 6"),
    ],
)
def test_snapshot_refuses_bad_coordinates(qapp, small_files, tmp_path: Path, options, message: str) -> None:  # type: ignore[no-untyped-def]
    output = tmp_path / "bad.png"
    with pytest.raises(LinInspectError, match=message):
        render_snapshot(small_files.exposure, small_files.reference, output=output, **options)
    assert not list(tmp_path.glob("*.png*"))
