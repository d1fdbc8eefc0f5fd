"""Session files without Qt: what is saved comes back equal; anything else is refused in one line."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from pathlib import Path

import astropy.units as u
import pytest
from regions import CircleAnnulusPixelRegion, CirclePixelRegion, PixCoord, PolygonPixelRegion, RectanglePixelRegion

from lininspect.core.errors import LinInspectError
from lininspect.model.availability import missing_for_left
from lininspect.model.hduplanes import HduPlane
from lininspect.model.sessionfile import (
    MAX_BYTES,
    MAX_PINS,
    VERSION,
    SavedReference,
    SavedSession,
    capture,
    parse_session,
    read_session,
    session_json,
    write_session,
)
from lininspect.model.viewstate import Colourmap, Limits, PanelDisplay, PanelSource, RightView, Stretch, ViewState

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test helpers in tests/
from comparison_files import session_with, write_comparison_files  # noqa: E402


def _review(folder: Path) -> SavedSession:
    """A session using every field away from its default."""
    return SavedSession(
        input=folder / "ramp.fits",
        product=Path("/elsewhere/ramp_linearity.fits"),
        as_is=True,
        references={"A": SavedReference(folder / "refs" / "a.fits", "jwst_1200.pmap"),
                    "B": SavedReference(Path("/elsewhere/b.fits"))},  # fmt: skip
        integration=2, group=7, pixel=(12, 34), pins=((1, 2), (3, 4)), box=(5, 6, 15, 16),
        zoom={"left": ((10.5, 40.0), (2.0, 30.25)), "right": ((0.0, 64.0), (0.0, 32.0))},
        left=PanelSource.CORRECTED_B, right=RightView.A_MINUS_B,
        left_display=PanelDisplay(Colourmap.GREY, Stretch.ASINH, Limits.USER, (-3.5, 1e4)),
        right_display=PanelDisplay(Colourmap.VIRIDIS, Stretch.LOG, Limits.P99, (0.0, 2.0)),
        linked=frozenset({"scale", "crosshair"}), lock_limits=True, overlay_left=True, overlay_right=True,
        regions=(CirclePixelRegion(PixCoord(12.5, 20.25), 4.75), CircleAnnulusPixelRegion(PixCoord(3.0, 4.0), 2.0, 5.5),
                 RectanglePixelRegion(PixCoord(10.0, 9.5), 6.0, 3.0, angle=30 * u.deg),
                 PolygonPixelRegion(PixCoord([1.0, 9.5, 4.25], [2.0, 3.0, 8.0]))),
        dq_bits=frozenset({("PIXELDQ", "HOT"), ("GROUPDQ", "JUMP_DET")}),
        left_hdu=HduPlane("COEFFS", "B", 2), right_hdu=HduPlane("GROUPDQ"),
    )  # fmt: skip


def test_a_session_written_and_read_back_is_equal_with_paths_in_its_folder_relative(tmp_path: Path) -> None:
    saved = _review(tmp_path)
    target = tmp_path / "review.json"
    write_session(saved, target)
    assert read_session(target) == saved
    document = json.loads(target.read_text())
    assert document["files"]["input"] == "ramp.fits"  # a folder handed on keeps its session working
    assert document["references"]["A"] == {"path": "refs/a.fits", "crds_context": "jwst_1200.pmap"}
    assert document["files"]["product"] == "/elsewhere/ramp_linearity.fits"
    assert "circle(13.50000000,21.25000000,4.75000000)" in document["regions"]  # DS9's image coordinates, from 1
    assert [name for name in os.listdir(tmp_path) if name != "review.json"] == []  # no temporary left


def test_the_folder_moved_elsewhere_still_finds_its_files(tmp_path: Path) -> None:
    text = session_json(_review(tmp_path / "a"), tmp_path / "a")
    moved = parse_session(text, tmp_path / "b")
    assert moved.input == tmp_path / "b" / "ramp.fits"
    assert moved.missing_files() == [tmp_path / "b" / "ramp.fits", Path("/elsewhere/ramp_linearity.fits"),
                                     Path("/elsewhere/b.fits")]  # A is CRDS's pick: looked up, not opened


def test_capture_takes_files_references_and_every_view_choice(tmp_path: Path) -> None:
    files = write_comparison_files(tmp_path)
    session = session_with(files, "A", "B")
    view = ViewState(frames=(2, 5))
    view.update(group=3, pixel=(4, 5), pins=((6, 7),), right=RightView.A_OVER_B, lock_limits=True)
    view.set_display("right", colourmap=Colourmap.GREY)
    view.update(left_hdu=HduPlane("DQ", "A"), dq_bits=frozenset({("PIXELDQ", "DEAD")}))
    saved = capture(session, view, {"left": ((0.0, 8.0), (0.0, 4.0))})
    assert saved.input == files["exposure"]
    assert saved.references == {"A": SavedReference(files["a"]), "B": SavedReference(files["b"])}
    assert (saved.group, saved.pixel, saved.pins, saved.right) == (3, (4, 5), ((6, 7),), RightView.A_OVER_B)
    assert saved.right_display.colourmap is Colourmap.GREY and saved.lock_limits
    assert saved.zoom == {"left": ((0.0, 8.0), (0.0, 4.0))}
    assert (saved.left_hdu, saved.right_hdu, saved.dq_bits) == (HduPlane("DQ", "A"), None, frozenset({("PIXELDQ", "DEAD")}))
    with pytest.raises(LinInspectError, match="open an exposure first"):
        capture(type(session)(), view, {})


def test_a_left_view_needing_b_is_missing_it_until_b_is_loaded(tmp_path: Path) -> None:
    files = write_comparison_files(tmp_path)
    assert missing_for_left(PanelSource.A_MINUS_B, session_with(files, "A")) == "reference B"
    assert missing_for_left(PanelSource.A_MINUS_B, session_with(files, "A", "B")) is None
    assert missing_for_left(PanelSource.CORRECTED_A, session_with(files, "A")) is None


def _document(tmp_path: Path) -> dict[str, object]:
    return json.loads(session_json(_review(tmp_path), tmp_path))


def _refusal(text: str, tmp_path: Path) -> str:
    with pytest.raises(LinInspectError) as raised:
        parse_session(text, tmp_path)
    message = str(raised.value)
    assert "\n" not in message and len(message) < 300
    return message


def test_another_version_is_refused_not_guessed_at(tmp_path: Path) -> None:
    document = _document(tmp_path)
    for version in (VERSION + 1, 0, "1", True, None):
        document["lininspect_session"] = version
        assert "is not one this lininspect reads" in _refusal(json.dumps(document), tmp_path)
    del document["lininspect_session"]
    assert "no “lininspect_session” key" in _refusal(json.dumps(document), tmp_path)


@pytest.mark.parametrize(("where", "value", "said"), [
    (("files", "input"), 3, "“files.input” must be a file name"),
    (("files", "input"), "", "“files.input” must be a file name"),
    (("files", "as_is"), "yes", "“files.as_is” must be true or false"),
    (("references", "C"), {"path": "c.fits"}, "A and B only"),
    (("references", "A", "crds_context"), "../../etc/passwd", "must be a .pmap name"),
    (("frame", "group"), -1, "“frame.group” must be a count from 0"),
    (("frame", "group"), 2.5, "“frame.group” must be a count from 0"),
    (("pixel",), [1, 2, 3], "“pixel” must be 2 pixel coordinates"),
    (("pixel",), [1, True], "“pixel” must be 2 pixel coordinates"),
    (("pins",), [[1, 2]] * (MAX_PINS + 1), "at most 1000 pixels"),
    (("pins",), {"x": 1}, "“pins” must be a list"),
    (("box",), [5, 5, 5, 9], "“box” must run from x0, y0 to larger x1, y1"),
    (("zoom", "left"), [[0, 1e300], [0, 1]], "“zoom.left” must be [[x0, x1], [y0, y1]]"),
    (("zoom", "middle"), [[0, 1], [0, 1]], "“zoom” must name the panels"),
    (("display", "right"), "Everything", "“display.right” must be one of Corrected"),
    (("display", "left_display", "stretch"), "cubic", "“display.stretch” must be one of linear"),
    (("display", "left_display", "user_limits"), [2, 1], "user_limits” must be [low, high]"),
    (("display", "linked"), ["everything"], "“display.linked” must list some of"),
    (("display", "lock_limits"), 1, "“display.lock_limits” must be true or false"),
    (("display",), [], "“display” must be an object"),
    (("regions",), ["circle(1,2,3)"], "“regions” must be DS9 region text"),
    (("regions",), "image\ncircle(1,2\n", "“regions”: not a DS9 region file"),
    (("regions",), "image\npoint(1,2)\n", "“regions”: no circle, annulus, box or polygon"),
    (("display", "left_hdu"), {"hdu": "SCI", "reference": None, "index": None}, "“display.left_hdu” must be a plane of"),
    (("display", "left_hdu"), {"hdu": "COEFFS", "reference": "C", "index": 1}, "“display.left_hdu” must be a plane of"),
    (("display", "left_hdu"), {"hdu": "COEFFS", "reference": "A", "index": None}, "“display.left_hdu” must be a plane of"),
    (("display", "right_hdu"), {"hdu": "GROUPDQ", "reference": "A", "index": None}, "“display.right_hdu” must be a plane"),
    (("display", "right_hdu"), "GROUPDQ", "“right_hdu” must be an object"),
    (("display", "dq_bits"), [["PIXELDQ", "SHINY"]], "“display.dq_bits” must list [plane, bit name] pairs"),
    (("display", "dq_bits"), [["GROUPDQ", "HOT"]], "“display.dq_bits” must list [plane, bit name] pairs"),
    (("display", "dq_bits"), [[["PIXELDQ"], "HOT"]], "“display.dq_bits” must list [plane, bit name] pairs"),
])  # fmt: skip
def test_a_wrong_type_or_value_is_refused_naming_its_place(
    tmp_path: Path, where: tuple[str, ...], value: object, said: str
) -> None:  # fmt: skip
    document = _document(tmp_path)
    parent = document
    for key in where[:-1]:
        parent = parent[key]  # type: ignore[index,assignment]
    parent[where[-1]] = value
    assert said in _refusal(json.dumps(document), tmp_path)


def test_hostile_text_is_refused_in_one_line(tmp_path: Path) -> None:
    assert "nested too deeply" in _refusal("[" * 100_000 + "]" * 100_000, tmp_path)
    assert "not JSON" in _refusal("{'lininspect_session': 1}", tmp_path)
    assert "not JSON" in _refusal('{"lininspect_session": 1, "zoom": NaN}', tmp_path)
    assert "no “lininspect_session” key" in _refusal("[1, 2, 3]", tmp_path)
    assert "“files” must be an object" in _refusal('{"lininspect_session": 1}', tmp_path)


def test_a_huge_or_binary_or_missing_file_is_refused_naming_it(tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    huge.write_text('{"lininspect_session": 1, "pad": "' + "x" * MAX_BYTES + '"}')
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)  # nobody writes to it: reading would wait forever
    for path, said in ((huge, "larger than 1000 kB"), (binary, "not UTF-8"), (tmp_path / "none.json", "No such file"),
                       (fifo, "not a regular file"), (tmp_path, "not a regular file")):
        with pytest.raises(LinInspectError, match=said) as raised:
            read_session(path)
        assert str(raised.value).startswith(f"{path}: ")


def test_a_failed_write_leaves_the_old_session_whole(tmp_path: Path) -> None:
    target = tmp_path / "review.json"
    write_session(_review(tmp_path), target)
    before = target.read_bytes()
    with pytest.raises(ValueError):  # NaN is no JSON: refused before anything is written
        write_session(replace(_review(tmp_path), zoom={"left": ((float("nan"), 1.0), (0.0, 1.0))}), target)
    assert target.read_bytes() == before and sorted(os.listdir(tmp_path)) == ["review.json"]


def test_a_session_is_never_written_over_a_file_it_names(tmp_path: Path) -> None:
    saved = _review(tmp_path)
    saved.input.write_bytes(b"the exposure")
    with pytest.raises(LinInspectError, match="output would overwrite the input"):
        write_session(saved, saved.input)
    assert saved.input.read_bytes() == b"the exposure"


def test_a_surveys_map_in_a_panel_is_saved_as_the_panels_own_view(tmp_path: Path) -> None:
    """A session holds no survey: a panel showing a survey's stacked map is restored with its own view."""
    files = write_comparison_files(tmp_path)
    view = ViewState(frames=(2, 5))
    view.update(left_hdu=HduPlane("RESIDUAL_A_MEDIAN", survey=True), right_hdu=HduPlane("DQ", "A"))
    saved = capture(session_with(files, "A"), view, {})
    again = parse_session(session_json(saved, tmp_path), tmp_path)
    assert (again.left_hdu, again.right_hdu) == (None, HduPlane("DQ", "A"))
