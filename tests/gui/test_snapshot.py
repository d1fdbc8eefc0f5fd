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


def test_snapshot_writes_one_plot_or_panel_as_a_figure(qapp, small_files, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import xml.etree.ElementTree as ET

    common = ["snapshot", str(small_files.exposure), "--reference", str(small_files.reference), "--pixel", "21", "12"]
    svg, png = tmp_path / "ramp.svg", tmp_path / "panels.png"
    assert main([*common, "--figure", "ramp", "--size", "700", "500", "--dpi", "200", "-o", str(svg)]) == 0
    root = ET.fromstring(svg.read_text())
    assert root.get("viewBox") == "0 0 336 240"  # 3.5 x 2.5 inches at 96 CSS pixels an inch
    assert main([*common, "--figure", "panels", "--size", "900", "400", "--theme", "light", "-o", str(png)]) == 0
    image = QImage(str(png))
    assert (image.width(), image.height()) == (900, 400) and image.pixelColor(1, 1).name() == "#ffffff"
    assert "wrote" in capsys.readouterr().out


def test_snapshot_figure_options_are_refused_in_words(qapp, small_files, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    common = ["snapshot", str(small_files.exposure), "--reference", str(small_files.reference), "--pixel", "1", "1"]
    for options in (["--theme", "light", "-o", str(tmp_path / "a.png")], ["--figure", "ramp", "-o", str(tmp_path / "a.jpg")]):
        with pytest.raises(SystemExit) as leaving:
            main([*common, *options])
        assert leaving.value.code == 2
    errors = capsys.readouterr().err
    assert "--dpi and --theme are for a figure: give --figure too" in errors
    assert "figures are written as .png, .svg or .pdf" in errors
    assert not list(tmp_path.iterdir())
