"""A review saved as one small JSON file, and read back: the files, references A and B with their CRDS
origin, the frame, the selection, the regions, each panel's zoom and every display choice. No Qt.

The file is the user's (or a colleague's, or anyone's): reading it refuses anything but the
schema in one line, before any of it is used. Paths inside the session file's folder are kept
relative to it, so a folder with its session can be handed on as a whole.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..core.fits.atomic import atomic_path
from ..core.errors import LinInspectError
from ..core.fits.outputs import check_output_path
from .hduplanes import HduPlane
from .regionfiles import ds9_text, parse_ds9
from .session import Session
from .smallfiles import read_small_file
from .viewstate import (
    DQ_PLANES,
    LINKABLE,
    PANELS,
    Colourmap,
    Limits,
    PanelDisplay,
    PanelSource,
    Pixel,
    RightView,
    Stretch,
    ViewState,
)

#: The schema's version, written in every file; a file of another version is refused, never guessed at.
VERSION = 1
#: The key that says a JSON file is a lininspect session at all.
MARKER = "lininspect_session"
#: A session is a few kilobytes; anything far larger is not one (and is not read into memory).
MAX_BYTES = 1_000_000
#: Pins kept in a session: far more than anyone clicks, few enough to redraw at once.
MAX_PINS = 1000
#: Array coordinates beyond any JWST detector (2048 plus reference pixels) are not pixels.
MAX_COORDINATE = 1 << 20

#: The view state's fields a session keeps (the crosshair follows the cursor and is not kept).
VIEW_FIELDS = ("integration", "group", "pixel", "pins", "box", "left", "right", "left_display", "right_display",
               "linked", "lock_limits", "overlay_left", "overlay_right", "regions", "dq_bits")
#: The HDU planes the panels show (the HDU image tool's choice): put back once the files that hold them are in.
HDU_FIELDS = ("left_hdu", "right_hdu")
#: The HDUs a panel can show a plane of.
HDU_NAMES = ("GROUPDQ", "ZEROFRAME", "COEFFS", "INV_COEFFS", "DQ")
#: More coefficient planes than any reference has.
MAX_PLANE_INDEX = 64

Zoom = tuple[tuple[float, float], tuple[float, float]]  # (x0, x1), (y0, y1) in array pixels
E = TypeVar("E", bound=Enum)

if TYPE_CHECKING:
    from regions import PixelRegion


@dataclass(frozen=True)
class SavedReference:
    """A reference as it was chosen: a file the user named, or the pick of a CRDS context (looked up again)."""

    path: Path
    crds_context: str | None = None


@dataclass(frozen=True)
class SavedSession:
    """Everything a review needs to be resumed; what :func:`session_json` writes and :func:`parse_session` reads."""

    input: Path
    product: Path | None = None
    #: The input corrected as it is, without the pipeline's missing earlier steps.
    as_is: bool = False
    references: dict[str, SavedReference] = field(default_factory=dict)
    integration: int = 0
    group: int = 0
    pixel: Pixel | None = None
    pins: tuple[Pixel, ...] = ()
    box: tuple[int, int, int, int] | None = None
    zoom: dict[str, Zoom] = field(default_factory=dict)
    left: PanelSource = PanelSource.INPUT
    right: RightView = RightView.CORRECTED
    left_display: PanelDisplay = PanelDisplay()
    right_display: PanelDisplay = PanelDisplay()
    linked: frozenset[str] = ViewState().linked
    lock_limits: bool = False
    overlay_left: bool = False
    overlay_right: bool = False
    regions: tuple[PixelRegion, ...] = ()
    dq_bits: frozenset[tuple[str, str]] = frozenset()
    left_hdu: HduPlane | None = None
    right_hdu: HduPlane | None = None

    def files(self) -> list[Path]:
        """Every file the session names (references CRDS picks excepted: they are looked up again)."""
        named = [self.input, self.product] + [ref.path for ref in self.references.values() if ref.crds_context is None]
        return [path for path in named if path is not None]

    def missing_files(self) -> list[Path]:
        return [path for path in self.files() if not path.exists()]

    def view_choices(self) -> dict[str, object]:
        """The view state's fields this session sets (:meth:`ViewState.update`'s keywords)."""
        return {name: getattr(self, name) for name in VIEW_FIELDS}


def capture(session: Session, view: ViewState, zoom: dict[str, Zoom]) -> SavedSession:
    """What is loaded and shown now, as a session to save (refused with nothing loaded)."""
    if session.exposure is None or session.input_path is None:
        raise LinInspectError("nothing to save: open an exposure first")
    preparation = session.preparation
    references = {label: SavedReference(ref.path, ref.origin.context if ref.origin is not None else None)
                  for label, ref in session.references.items()}  # fmt: skip
    return SavedSession(
        input=session.input_path,
        product=session.product.path if session.product is not None else None,
        as_is=preparation is not None and not preparation.steps and bool(preparation.unrecorded),
        references=references,
        zoom=dict(zoom),
        **{name: getattr(view, name) for name in (*VIEW_FIELDS, *HDU_FIELDS)},  # type: ignore[arg-type]
    )


# --- writing ------------------------------------------------------------------------------


def session_json(saved: SavedSession, folder: Path) -> str:
    """The session as JSON text; paths under ``folder`` (where the file goes) are written relative to it."""
    references = {label: {"path": _path_text(ref.path, folder), "crds_context": ref.crds_context}
                  for label, ref in sorted(saved.references.items())}  # fmt: skip
    document = {
        MARKER: VERSION,
        "files": {"input": _path_text(saved.input, folder),
                  "product": None if saved.product is None else _path_text(saved.product, folder),
                  "as_is": saved.as_is},  # fmt: skip
        "references": references,
        "frame": {"integration": saved.integration, "group": saved.group},
        "pixel": None if saved.pixel is None else list(saved.pixel),
        "pins": [list(pin) for pin in saved.pins],
        "box": None if saved.box is None else list(saved.box),
        # As a DS9 region file holds them (image coordinates from 1), written and read by the regions package.
        "regions": ds9_text(saved.regions) if saved.regions else None,
        "zoom": {panel: [list(x), list(y)] for panel, (x, y) in sorted(saved.zoom.items())},
        "display": {
            "left": saved.left.value,
            "right": saved.right.value,
            **{f"{panel}_display": _display_json(getattr(saved, f"{panel}_display")) for panel in PANELS},
            "linked": sorted(saved.linked),
            "lock_limits": saved.lock_limits,
            "overlay_left": saved.overlay_left,
            "overlay_right": saved.overlay_right,
            **{name: _plane_json(getattr(saved, name)) for name in HDU_FIELDS},
            "dq_bits": sorted([plane, name] for plane, name in saved.dq_bits),
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_session(saved: SavedSession, target: Path) -> None:
    """Write the session to ``target`` whole or not at all; never over one of the files it names."""
    target = Path(target)
    check_output_path(target, [*saved.files(), *(ref.path for ref in saved.references.values())], overwrite=True)
    text = session_json(saved, target.absolute().parent)
    with atomic_path(target) as temporary:
        temporary.write_text(text, encoding="utf-8")


def _path_text(path: Path, folder: Path) -> str:
    path = Path(os.path.abspath(path))
    return str(path.relative_to(folder)) if path.is_relative_to(folder) else str(path)


def _plane_json(plane: HduPlane | None) -> dict[str, object] | None:
    """The plane a panel shows; a survey's map is saved as the panel's own view (a session holds no survey)."""
    if plane is None or plane.survey:
        return None
    return {"hdu": plane.hdu, "reference": plane.reference, "index": plane.index}


def _display_json(display: PanelDisplay) -> dict[str, object]:
    return {"colourmap": display.colourmap.value, "stretch": display.stretch.value, "limits": display.limits.value,
            "user_limits": list(display.user_limits)}  # fmt: skip


# --- reading ------------------------------------------------------------------------------


def read_session(path: Path) -> SavedSession:
    """The session in ``path``; any problem (unreadable, too big, not JSON, not our schema) is one line."""
    path = Path(path)
    data = read_small_file(path, "a lininspect session", MAX_BYTES, f"{MAX_BYTES // 1000} kB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise LinInspectError(f"{path}: not a lininspect session (not UTF-8 text)") from None
    try:
        return parse_session(text, path.absolute().parent)
    except LinInspectError as error:
        raise LinInspectError(f"{path}: {error}") from None


def parse_session(text: str, folder: Path) -> SavedSession:
    """Parse and check a session's JSON text; relative paths are taken from ``folder``."""
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise LinInspectError("not a lininspect session (nested too deeply)") from None
    except (ValueError, TypeError) as error:
        raise LinInspectError(f"not a lininspect session (not JSON: {str(error).splitlines()[0]})") from None
    if not isinstance(document, dict) or MARKER not in document:
        raise LinInspectError(f"not a lininspect session (no “{MARKER}” key)")
    version = document[MARKER]
    if version != VERSION or isinstance(version, bool):
        raise LinInspectError(f"session version {_short(version)} is not one this lininspect reads (it reads {VERSION})")
    reader = _Reader(folder)
    return reader.session(document)


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number a session holds")


def _short(value: object) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class _Reader:
    """Checks each part of the document against the schema, naming the part that is wrong."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def session(self, document: dict[str, Any]) -> SavedSession:
        files = self.object(document, "files")
        display = self.object(document, "display", required=False) or {}
        frame = self.object(document, "frame", required=False) or {}
        references = self.object(document, "references", required=False) or {}
        return SavedSession(
            input=self.path(files, "input", "files"),
            product=self.path(files, "product", "files", required=False),
            as_is=self.boolean(files, "as_is", "files"),
            references={label: self.reference(references, label) for label in self.labels(references)},
            integration=self.integer(frame, "integration", "frame", 0),
            group=self.integer(frame, "group", "frame", 0),
            pixel=self.pixel(document.get("pixel"), "pixel", optional=True),
            pins=self.pins(document.get("pins", [])),
            box=self.box(document.get("box")),
            regions=self.regions(document.get("regions")),
            zoom=self.zoom(document.get("zoom", {})),
            left=self.choice(display, "left", PanelSource, PanelSource.INPUT),
            right=self.choice(display, "right", RightView, RightView.CORRECTED),
            left_display=self.display(display, "left_display"),
            right_display=self.display(display, "right_display"),
            linked=self.linked(display),
            lock_limits=self.boolean(display, "lock_limits", "display"),
            overlay_left=self.boolean(display, "overlay_left", "display"),
            overlay_right=self.boolean(display, "overlay_right", "display"),
            dq_bits=self.dq_bits(display),
            left_hdu=self.plane(display, "left_hdu"),
            right_hdu=self.plane(display, "right_hdu"),
        )

    @staticmethod
    def object(parent: dict[str, Any], key: str, *, required: bool = True) -> dict[str, Any] | None:
        value = parent.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, dict):
            raise LinInspectError(f"“{key}” must be an object, not {_short(value)}")
        return value

    def path(self, parent: dict[str, Any], key: str, where: str, *, required: bool = True) -> Path | None:
        value = parent.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value or "\0" in value or len(value) > 4096:
            raise LinInspectError(f"“{where}.{key}” must be a file name, not {_short(value)}")
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.folder / path

    @staticmethod
    def labels(references: dict[str, Any]) -> list[str]:
        unknown = set(references) - {"A", "B"}
        if unknown:
            raise LinInspectError(f"“references” holds A and B only, not {_short(sorted(unknown)[0])}")
        if "B" in references and "A" not in references:
            raise LinInspectError("“references” has B without A")
        return sorted(references)

    def reference(self, references: dict[str, Any], label: str) -> SavedReference:
        entry = self.object(references, label)
        assert entry is not None
        context = entry.get("crds_context")
        if context is not None and not (isinstance(context, str) and context.endswith(".pmap") and len(context) < 200
                                        and "/" not in context):  # fmt: skip
            raise LinInspectError(f"“references.{label}.crds_context” must be a .pmap name, not {_short(context)}")
        path = self.path(entry, "path", f"references.{label}")
        assert path is not None
        return SavedReference(path, context)

    @staticmethod
    def boolean(parent: dict[str, Any], key: str, where: str) -> bool:
        value = parent.get(key, False)
        if not isinstance(value, bool):
            raise LinInspectError(f"“{where}.{key}” must be true or false, not {_short(value)}")
        return value

    @staticmethod
    def integer(parent: dict[str, Any], key: str, where: str, default: int) -> int:
        value = parent.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < MAX_COORDINATE:
            raise LinInspectError(f"“{where}.{key}” must be a count from 0, not {_short(value)}")
        return value

    @staticmethod
    def coordinates(value: object, what: str, count: int) -> tuple[int, ...]:
        if not (isinstance(value, list) and len(value) == count
                and all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_COORDINATE for v in value)):
            raise LinInspectError(f"“{what}” must be {count} pixel coordinates from 0, not {_short(value)}")
        return tuple(value)

    def pixel(self, value: object, what: str, *, optional: bool = False) -> Pixel | None:
        if value is None and optional:
            return None
        x, y = self.coordinates(value, what, 2)
        return x, y

    def pins(self, value: object) -> tuple[Pixel, ...]:
        if not isinstance(value, list) or len(value) > MAX_PINS:
            raise LinInspectError(f"“pins” must be a list of at most {MAX_PINS} pixels, not {_short(value)}")
        pins = [self.pixel(pin, "pins[]") for pin in value]
        return tuple(dict.fromkeys(pin for pin in pins if pin is not None))

    def box(self, value: object) -> tuple[int, int, int, int] | None:
        if value is None:
            return None
        x0, y0, x1, y1 = self.coordinates(value, "box", 4)
        if x1 <= x0 or y1 <= y0:
            raise LinInspectError(f"“box” must run from x0, y0 to larger x1, y1, not {_short(value)}")
        return x0, y0, x1, y1

    @staticmethod
    def regions(value: object) -> tuple[PixelRegion, ...]:
        if value is None:
            return ()
        if not isinstance(value, str):
            raise LinInspectError(f"“regions” must be DS9 region text, not {_short(value)}")
        try:
            read = parse_ds9(value)
        except LinInspectError as error:
            raise LinInspectError(f"“regions”: {error}") from None
        if read.note is not None:
            raise LinInspectError(f"“regions”: {read.note}")
        return read.regions

    @staticmethod
    def zoom(value: object) -> dict[str, Zoom]:
        if not isinstance(value, dict) or set(value) - set(PANELS):
            raise LinInspectError(f"“zoom” must name the panels left and right, not {_short(value)}")
        zoom: dict[str, Zoom] = {}
        for panel, ranges in value.items():
            spans = ranges if isinstance(ranges, list) and len(ranges) == 2 else [None]
            good = all(isinstance(span, list) and len(span) == 2
                       and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                               and abs(v) <= MAX_COORDINATE for v in span) and span[0] < span[1]
                       for span in spans)  # fmt: skip
            if not good:
                raise LinInspectError(f"“zoom.{panel}” must be [[x0, x1], [y0, y1]] in pixels, not {_short(ranges)}")
            (x0, x1), (y0, y1) = spans
            zoom[panel] = ((float(x0), float(x1)), (float(y0), float(y1)))
        return zoom

    @staticmethod
    def choice(parent: dict[str, Any], key: str, kind: type[E], default: E) -> E:
        value = parent.get(key, default.value)
        for member in kind:
            if member.value == value:
                return member
        names = ", ".join(member.value for member in kind)
        raise LinInspectError(f"“display.{key}” must be one of {names}; not {_short(value)}")

    def display(self, parent: dict[str, Any], key: str) -> PanelDisplay:
        entry = self.object(parent, key, required=False) or {}
        default = PanelDisplay()
        limits = entry.get("user_limits", list(default.user_limits))
        if not (isinstance(limits, list) and len(limits) == 2
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in limits)
                and limits[0] < limits[1]):  # fmt: skip
            raise LinInspectError(f"“display.{key}.user_limits” must be [low, high], not {_short(limits)}")
        choices = {name: self.choice(entry, name, kind, getattr(default, name))
                   for name, kind in (("colourmap", Colourmap), ("stretch", Stretch), ("limits", Limits))}  # fmt: skip
        return PanelDisplay(**choices, user_limits=(float(limits[0]), float(limits[1])))  # type: ignore[arg-type]

    def plane(self, parent: dict[str, Any], key: str) -> HduPlane | None:
        """An HDU plane a panel shows, or None (its own view)."""
        entry = self.object(parent, key, required=False)
        if entry is None:
            return None
        hdu, reference, index = entry.get("hdu"), entry.get("reference"), entry.get("index")
        exposures = hdu in ("GROUPDQ", "ZEROFRAME")  # the exposure's own; the others are reference A's or B's
        planes = hdu in ("COEFFS", "INV_COEFFS")  # cubes, one plane chosen
        good_index = (isinstance(index, int) and not isinstance(index, bool) and 0 <= index < MAX_PLANE_INDEX
                      if planes else index is None)  # fmt: skip
        if not (hdu in HDU_NAMES and reference in (None, "A", "B") and (reference is None) == exposures and good_index):
            raise LinInspectError(f"“display.{key}” must be a plane of {', '.join(HDU_NAMES)}, "
                                  f"of the exposure or reference A or B, not {_short(entry)}")  # fmt: skip
        return HduPlane(hdu, reference, index)

    @staticmethod
    def dq_bits(parent: dict[str, Any]) -> frozenset[tuple[str, str]]:
        value = parent.get("dq_bits", [])

        def known(pair: object) -> bool:
            return (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)
                    and pair[1] in DQ_PLANES.get(pair[0], ()))  # fmt: skip

        if not (isinstance(value, list) and all(known(pair) for pair in value)):
            raise LinInspectError("“display.dq_bits” must list [plane, bit name] pairs of PIXELDQ or GROUPDQ, "
                                  f"not {_short(value)}")  # fmt: skip
        return frozenset((plane, name) for plane, name in value)

    @staticmethod
    def linked(parent: dict[str, Any]) -> frozenset[str]:
        value = parent.get("linked", sorted(ViewState().linked))
        if not isinstance(value, list) or not all(isinstance(name, str) and name in LINKABLE for name in value):
            raise LinInspectError(f"“display.linked” must list some of {', '.join(LINKABLE)}; not {_short(value)}")
        return frozenset(value)

