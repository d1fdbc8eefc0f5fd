"""The SAMP tool: lininspect on the desktop's messaging bus, beside DS9, Aladin and TOPCAT.

A SAMP menu (and the dock's buttons) connects on demand, sends the plane either panel shows
to image viewers (``image.load.fits``) and the selected and pinned pixels' and the box's ramps to table tools
(``table.load.votable``), and follows positions sent back: a sky position through the exposure's
WCS, or lininspect's own pixel message. Talking to the hub and writing the files happen in
jobs; messages arrive on the SAMP client's thread and reach the GUI thread by a signal. Files
sent live in a private temporary folder, removed when the window closes.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Mapping
from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PyQt6.QtCore import QObject, pyqtSignal
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ... import __version__
from ...core.errors import LinInspectError
from ...core.fits.celestial import SkyWcs, sky_wcs
from ...core.fits.exposure import Exposure
from ...core.fits.planefile import plane_hdu, write_plane
from ...model.rampstable import box_ramps, pixel_ramps, ramps_table, write_votable
from ...model.samplink import HUB_SHUTDOWN, IMAGE_MTYPE, PIXEL_MTYPE, SKY_MTYPE, TABLE_MTYPE, Received, SampLink
from ..worker import Job, cancel_job, start_job
from .base import Tool

if TYPE_CHECKING:
    from ..mainwindow import MainWindow

#: How long each SAMP note stays in the status bar.
NOTE_MS = 10_000
#: Files sent that are kept: a peer loads a file when told of it, so older ones only fill the disk.
KEPT_FILES = 20


class _Inbox(QObject):
    """Made in the GUI thread: a message emitted from the SAMP client's thread is queued to it."""

    received = pyqtSignal(object)


class SampTool(Tool):
    """Connect, send images and ramps, follow positions sent back."""

    name = "samp"
    title = "SAMP"

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.inbox = _Inbox()
        self.inbox.received.connect(self._on_received)
        self.link = SampLink(self.inbox.received.emit)
        #: Private folder of the files sent, made at the first send.
        self._folder: Path | None = None
        self._serial = count(1)
        self._jobs: list[Job[Any]] = []
        self._connecting: Job[tuple[int, int]] | None = None
        #: The sky WCS of the exposure it was read for (read in a job once per exposure).
        self._wcs: tuple[Exposure, SkyWcs | None] | None = None
        #: The last thing the tool did or heard, as the status bar said it.
        self.last_note = ""

        menu = window.menuBar().addMenu("&SAMP")
        self.connect_action = self._action(menu, "&Connect to hub", self.connect)
        self.disconnect_action = self._action(menu, "&Disconnect", self.disconnect)
        menu.addSeparator()
        self.send_left_action = self._action(menu, "Send &left panel's image", lambda: self.send_image("left"))
        self.send_right_action = self._action(menu, "Send &right panel's image", lambda: self.send_image("right"))
        self.send_ramps_action = self._action(menu, "Send &ramps of the selected and pinned pixels", self.send_ramps)
        self.menu = menu

        self._widget = QWidget()
        column = QVBoxLayout(self._widget)
        self.state = QLabel("")
        self.state.setWordWrap(True)
        column.addWidget(self.state)
        buttons = QGridLayout()
        #: The dock's buttons by label (short: the dock is narrow), each clicking its menu entry.
        self.buttons: dict[str, QPushButton] = {}
        for place, (action, label) in enumerate(((self.connect_action, "Connect"), (self.disconnect_action, "Disconnect"),
                                                 (self.send_left_action, "Send left image"),
                                                 (self.send_right_action, "Send right image"),
                                                 (self.send_ramps_action, "Send ramps"))):  # fmt: skip
            button = QPushButton(label)
            button.setToolTip(action.text().replace("&", ""))
            button.clicked.connect(action.trigger)
            button.setEnabled(action.isEnabled())
            action.changed.connect(lambda button=button, action=action: button.setEnabled(action.isEnabled()))
            buttons.addWidget(button, place // 2, place % 2)
            self.buttons[label] = button
        column.addLayout(buttons)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        column.addWidget(self.note)
        help_text = QLabel(f"Receives {SKY_MTYPE} (through the exposure's WCS) and {PIXEL_MTYPE} (x, y: 0-based "
                           "array pixel): the selected pixel jumps there.")  # fmt: skip
        help_text.setWordWrap(True)
        help_text.setStyleSheet("color: #9a9a9a")
        column.addWidget(help_text)
        column.addStretch(1)
        self._show_state()
        # Not a follower: the menu's entries must say what they can do while the dock is hidden too.
        window.view.subscribe(lambda changed: self._on_data() if "data_version" in changed else None)

    def widget(self) -> QWidget:
        return self._widget

    def _action(self, menu: Any, text: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self.window)
        action.triggered.connect(lambda _=False: self.window.guard(slot))
        menu.addAction(action)
        return action

    # --- connection ---------------------------------------------------------------------

    def connect(self, then: Callable[[], object] | None = None) -> Job[tuple[int, int]] | None:
        """Register with the hub in a job; a missing hub is one status note. ``then`` runs once connected."""
        if self.link.connected:
            if then is not None:
                then()
            return None
        if self._connecting is not None and not self._connecting.done:
            return self._connecting
        self._tell("SAMP: connecting to the hub...")

        def connected(takers: tuple[int, int]) -> None:
            self._connecting = None
            self._show_state()
            images, tables = takers
            self._tell(f"SAMP: connected to the hub; {_clients(images)} take{'s' * (images == 1)} images, "
                       f"{tables} take{'s' * (tables == 1)} tables")  # fmt: skip
            if then is not None:
                self.window.guard(then)

        def failed(message: str) -> None:
            self._connecting = None
            self._show_state()
            self._tell(f"SAMP: {message}")

        self._connecting = start_job(lambda progress, cancel: self.link.connect(__version__), connected, failed)
        self._show_state()
        return self._connecting

    def disconnect(self, why: str = "disconnected from the hub") -> None:
        """Leave the bus in a job (unregistering asks the hub; the client's thread takes a moment to stop)."""
        if not self.link.connected:
            self._tell("SAMP: not connected")
            return

        def done(_: None) -> None:
            self._show_state()
            self._tell(f"SAMP: {why}")

        self._start(lambda progress, cancel: self.link.disconnect(), done)

    def _on_data(self) -> None:
        """New files: the Send entries follow, and the old exposure's WCS (and its file) is let go."""
        kept = self._wcs
        if kept is not None and kept[0] is not self.session.exposure:
            self._wcs = None
        self._show_state()

    def _show_state(self) -> None:
        connected = self.link.connected
        connecting = self._connecting is not None and not self._connecting.done
        self.state.setText("connecting..." if connecting else "connected to a SAMP hub" if connected else "not connected")
        self.connect_action.setEnabled(not connected and not connecting)
        self.disconnect_action.setEnabled(connected)
        loaded = self.session.exposure is not None
        for action in (self.send_left_action, self.send_right_action, self.send_ramps_action):
            action.setEnabled(loaded)

    # --- sending ------------------------------------------------------------------------

    def send_image(self, panel: str) -> None:
        """The plane ``panel`` shows, as a FITS file with the exposure's WCS, to every image viewer on the bus."""
        shown = self.window.panels.shown_plane(panel)
        exposure = self.session.exposure
        if shown is None or exposure is None:
            raise LinInspectError(f"the {panel} panel shows no image to send")
        if not self.link.connected:
            self.connect(then=lambda: self.send_image(panel))
            return
        view = self.view
        i, g = view.integration, view.group
        what = f"{shown.name}, integration {i}, group {g}"
        keywords = {
            "ORIGIN": "lininspect", "CREATOR": f"lininspect {__version__}",
            "OBJECT": (what[:68], "what lininspect showed"), "PANEL": (panel, "lininspect panel"),
            "SHOWN": (shown.name[:68], "the panel's view"), "INTEGRAT": (i, "integration (0-based)"),
            "GROUP": (g, "group (0-based)"), "BUNIT": shown.unit[:68], "FILENAME": exposure.path.name[:68],
        }  # fmt: skip
        try:
            substrt: tuple[int, int] | None = exposure.substrt()
        except LinInspectError:
            substrt = None
        values, path = shown.values, self._new_path(f"{panel}_{_slug(shown.name)}_i{i}_g{g}", ".fits")

        def job(progress: object, cancel: object) -> int:
            wcs = self._sky_wcs(exposure)
            cards = None if wcs is None else wcs.fits_header()
            write_plane(path, plane_hdu(values, keywords, cards, substrt))
            return self.link.send(IMAGE_MTYPE, path, f"lininspect {what}")

        self._start(job, lambda n: self._sent(what, n, IMAGE_MTYPE, "image viewer (DS9, Aladin)"))

    def send_ramps(self, extra: Mapping[str, np.ndarray] | None = None, label: str = "") -> None:
        """The selected and pinned pixels' ramps of the shown integration (input and each correction) and the
        box's mean ramps if one is drawn, with ``extra`` named ramps of as many groups (another tool's, such as
        the regions' ramps; ``label`` says what they are, "2 regions (mean)"), as one VOTable to every table
        tool on the bus."""
        session, view = self.session, self.view
        exposure = session.exposure
        if exposure is None:
            raise LinInspectError("open an exposure first")
        pixels = [p for p in (view.pixel, *view.pins) if p is not None and session.contains(*p)]
        if not pixels and view.box is None and not extra:
            raise LinInspectError("no pixel to send: click a pixel (Shift+click pins more, right-drag draws a box)")
        if not self.link.connected:
            self.connect(then=lambda: self.send_ramps(extra, label))
            return
        i = view.integration
        ramps = pixel_ramps(session, pixels, i)
        if view.box is not None:
            ramps.update(box_ramps(session, view.box, i))
        table = ramps_table(ramps, exposure.ngroups, integration=i, extra=extra, source=exposure.path.name)
        parts = [f"{len(pixels)} pixel{'s' if len(pixels) != 1 else ''}"] if pixels else []
        if view.box is not None:
            parts.append("the box")
        if extra:
            parts.append(label or f"{len(extra)} more ramps")
        what = f"ramps of {_joined(parts)}, integration {i}"
        path = self._new_path(f"ramps_i{i}", ".xml")
        serial = path.stem

        def job(progress: object, cancel: object) -> int:
            write_votable(table, path)
            return self.link.send(TABLE_MTYPE, path, f"lininspect {what}", **{"table-id": serial})

        self._start(job, lambda n: self._sent(what, n, TABLE_MTYPE, "table tool (TOPCAT)"))

    def _start(self, job: Callable[[Any, Any], Any], done: Callable[[Any], None]) -> None:
        self._jobs = [j for j in self._jobs if not j.done]
        self._jobs.append(start_job(job, done, lambda message: self._tell(f"SAMP: {message}")))

    def _sent(self, what: str, recipients: int, mtype: str, peer: str) -> None:
        if recipients == 0:
            self._tell(f"SAMP: no client takes {mtype}: start an {peer} and send again")
        else:
            self._tell(f"SAMP: sent {what} to {_clients(recipients)}")

    def _new_path(self, stem: str, suffix: str) -> Path:
        """A new name in the private folder (made now, readable by this user alone)."""
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="lininspect-samp-"))
        sent = sorted(path for path in self._folder.iterdir() if not path.name.startswith("."))  # not a file being written
        for old in sent[: max(0, len(sent) - KEPT_FILES + 1)]:  # names sort by their serial number
            old.unlink(missing_ok=True)
        return self._folder / f"{next(self._serial):06d}_{stem}{suffix}"

    def _sky_wcs(self, exposure: Exposure) -> SkyWcs | None:
        """The exposure's WCS, read once per exposure (from a job: a gwcs takes asdf and gwcs to load)."""
        kept = self._wcs
        if kept is not None and kept[0] is exposure:
            return kept[1]
        wcs = sky_wcs(exposure)
        self._wcs = (exposure, wcs)
        return wcs

    # --- receiving ----------------------------------------------------------------------

    def _on_received(self, message: Received) -> None:
        """In the GUI thread: a position sent to lininspect."""
        if message.mtype == PIXEL_MTYPE:
            self._point_at_pixel(message)
        elif message.mtype == SKY_MTYPE:
            self._point_at_sky(message)
        elif message.mtype == HUB_SHUTDOWN and self.link.connected:
            self.disconnect("the hub shut down; connect again once one runs")

    def _point_at_pixel(self, message: Received) -> None:
        try:
            x, y = (int(np.floor(float(message.params[key]) + 0.5)) for key in ("x", "y"))
        except (KeyError, ValueError, OverflowError):
            self._tell(f"SAMP: {message.sender} sent a pixel without numbers x and y: {message.params}")
            return
        self._jump(x, y, f"{message.sender} pointed at pixel ({x}, {y})")

    def _point_at_sky(self, message: Received) -> None:
        exposure = self.session.exposure
        try:
            ra, dec = float(message.params["ra"]), float(message.params["dec"])
        except (KeyError, ValueError):
            self._tell(f"SAMP: {message.sender} sent a sky position without numbers ra and dec: {message.params}")
            return
        where = f"RA {ra:.6f}, Dec {dec:+.6f}"
        if exposure is None:
            self._tell(f"SAMP: {message.sender} pointed at {where}: open an exposure first")
            return

        def found(pixel: tuple[int, int] | None | str) -> None:
            if self.session.exposure is not exposure:
                return  # another exposure opened meanwhile: the position was about the old one
            if isinstance(pixel, str):
                self._tell(f"SAMP: {message.sender} pointed at {where}: {pixel}")
            elif pixel is None:
                self._tell(f"SAMP: {message.sender} pointed at {where}: not on this exposure's WCS")
            else:
                self._jump(*pixel, f"{message.sender} pointed at {where}, pixel ({pixel[0]}, {pixel[1]})")

        def job(progress: object, cancel: object) -> tuple[int, int] | None | str:
            wcs = self._sky_wcs(exposure)
            if wcs is None:
                return "this exposure has no WCS (none in the SCI header or the ASDF meta.wcs)"
            return wcs.nearest_pixel(ra, dec)

        self._jobs = [j for j in self._jobs if not j.done]
        self._jobs.append(start_job(job, found, lambda text: self._tell(f"SAMP: {text}")))

    def _jump(self, x: int, y: int, what: str) -> None:
        if not self.session.contains(x, y):
            self._tell(f"SAMP: {what}, outside the exposure")
            return
        self.window.jump_to(x, y)
        self._tell(f"SAMP: {what}")

    def _tell(self, text: str) -> None:
        self.last_note = text
        self.note.setText(text)
        self.window.status.message(text, NOTE_MS)

    # --- end ----------------------------------------------------------------------------

    def close(self) -> None:
        """The window closes: jobs cancelled, the bus left, the files sent removed."""
        super().close()
        cancel_job(self._connecting)
        for job in self._jobs:
            cancel_job(job)
        self.link.close()
        if self.link.connected:  # in a job: a hub that hangs must not hold the window open (closing waits 1 s at most)
            start_job(lambda progress, cancel: self.link.disconnect(), lambda _: None, lambda _: None)
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


def _clients(n: int) -> str:
    return f"{n} SAMP client{'s' if n != 1 else ''}"


def _joined(parts: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return " and ".join(filter(None, (", ".join(parts[:-1]), parts[-1])))


def _slug(name: str) -> str:
    """A view's label as part of a file name."""
    kept = "".join(c if c.isalnum() else "_" for c in name.replace("−", "minus").replace("/", "over"))
    return "_".join(part for part in kept.split("_") if part) or "plane"
