"""File ▸ Save session… and Open session…: a review written to one JSON file and resumed from it.

The JSON is built and checked in :mod:`..model.sessionfile`; this window side opens the
files through the usual opener and jobs (CRDS lookups and the pipeline's steps in workers,
never the GUI thread), then puts back the frame, the selection, the zoom and the display
choices once the files are in (the HDU planes the panels showed and the DQ browser's bits
with their tools shown). A view that needs what did not load gives way to one that
shows something, with a note in the status bar.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt6.QtCore import QObject, QTimer

from ..core.errors import LinInspectError
from ..model.availability import LEFT_FALLBACK, missing_for_left
from ..model.hduplanes import available_planes
from ..model.opening import OpeningRequest
from ..model.session import A, B
from ..model.sessionfile import SavedSession, capture, read_session, write_session
from ..model.viewstate import PANELS
from .restoredview import RestoredView
from .worker import running

if TYPE_CHECKING:
    from .mainwindow import MainWindow

#: The file chooser's filter for sessions.
SESSION_FILTER = "lininspect sessions (*.json);;All files (*)"


class SessionFiles:
    """Saves what one window shows, and restores a saved session into it."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.restoring: SessionRestore | None = None

    def save(self, path: Path) -> None:
        """Write the loaded files and every view choice to ``path`` (whole or not at all)."""
        window = self.window
        zoom = {}
        for panel in PANELS:
            (x0, x1), (y0, y1) = getattr(window, panel).view.viewRange()
            zoom[panel] = ((float(x0), float(x1)), (float(y0), float(y1)))
        write_session(capture(window.session, window.view, zoom), Path(path))
        window.status.message(f"session saved to {path}", 8000)

    def open(self, path: Path) -> None:
        """Open the session's files as the command line would, then put back its view once they are in.

        Refused in one line, before anything loaded changes, when the file is no session or names a
        file that is gone. A reference CRDS picked is looked up again under its context.
        """
        path = Path(path)
        saved = read_session(path)
        missing = saved.missing_files()
        if missing:
            raise LinInspectError(f"{path}: the session's file {missing[0]} is gone: nothing opened")
        a, b = saved.references.get(A), saved.references.get(B)
        if a is not None and a.crds_context is not None:
            os.environ["CRDS_CONTEXT"] = a.crds_context  # as --crds-context: A, and the pipeline's steps, as saved
        request = OpeningRequest(
            saved.input,
            reference=a.path if a is not None and a.crds_context is None else None,
            corrected=saved.product,
            against=b.path if b is not None and b.crds_context is None else None,
            against_context=b.crds_context if b is not None else None,
            resolve=a is not None,
            as_is=saved.as_is,
        )
        if self.restoring is not None:
            self.restoring.stop()
        window = self.window

        def restore() -> None:  # once the input is read and shown (a refusal was said in a dialog)
            if window.session.input_path == saved.input:
                self.restoring = SessionRestore(window, saved, path.name)

        window.open_request(request, then=restore)


class SessionRestore(QObject):
    """Puts a saved view back while the session's files arrive, then checks it can be shown."""

    def __init__(self, window: MainWindow, saved: SavedSession, name: str) -> None:
        super().__init__(window)
        self.window, self.saved, self.name = window, saved, name
        self.notes: list[str] = []
        self._stopped = False
        self._apply()
        # The saved right view is watched as one restored from the settings is (it falls back with a note).
        window.restored_view.stop()  # the view from the settings gives way to the session's
        window.restored_view = RestoredView(window.session, window.view, self._busy, self._note, window)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._check)
        window.view.subscribe(self._follow)
        window.jobs.failed.connect(self._failed)
        self._timer.start(0)

    def _note(self, text: str) -> None:
        """The right view's fallback: said with the restore's own note, else (restore over) on its own."""
        if self.window.sessions.restoring is self:
            self.notes.append(text.removeprefix("note: "))
        else:
            self.window.status.message(text, 15000)

    def _busy(self) -> bool:
        """A file or the first run still on its way: the restore's note waits for them, so it is the last word."""
        jobs = self.window.jobs
        return jobs.lookup.running or running(jobs.picking) or running(jobs.correction)

    def _apply(self) -> None:
        """The saved frame, selection and choices; pixels outside this exposure are left out, with a note."""
        saved, session = self.saved, self.window.session
        choices = saved.view_choices()
        inside = [pin for pin in saved.pins if session.contains(*pin)]
        if saved.pixel is not None and not session.contains(*saved.pixel):
            choices["pixel"] = None
            self.notes.append(f"pixel {saved.pixel} is outside the exposure")
        if len(inside) < len(saved.pins):
            outside = len(saved.pins) - len(inside)
            self.notes.append(f"{outside} pin{'s' if outside > 1 else ''} outside the exposure left out")
        choices["pins"] = tuple(inside)
        box = saved.box
        if box is not None and not (session.contains(box[0], box[1]) and session.contains(box[2] - 1, box[3] - 1)):
            choices["box"] = None
            self.notes.append("the box is outside the exposure")
        self.window.view.update(**choices)
        self._zoom()

    def _zoom(self) -> None:
        for panel, (x_range, y_range) in self.saved.zoom.items():
            getattr(self.window, panel).view.setRange(xRange=x_range, yRange=y_range, padding=0)

    def _follow(self, changed: set[str]) -> None:
        if self.window.session.input_path != self.saved.input:
            self.stop()  # the user opened another exposure meanwhile: the session's view is not for it
            return
        if "data_version" in changed:
            if "frames" in changed:  # the input opened again (its prepared ramp): its fresh start undone
                self._apply()
            self._timer.start(0)

    def _check(self) -> None:
        """Once the files are in (or given up), the view is checked, the zoom set again and the user told."""
        window = self.window
        session = window.session
        if session.exposure is None or self._busy():
            return
        missing = missing_for_left(window.view.left, session)
        if missing is not None:
            self.notes.append(f"the saved left view “{window.view.left.value}” needs {missing}: "
                              f"showing {LEFT_FALLBACK.value}")  # fmt: skip
            window.view.update(left=LEFT_FALLBACK)
        self._planes_and_bits()
        self._zoom()  # the right panel's first image zooms to fit; the saved zoom wins
        notes = "; ".join(self.notes)
        self.stop()
        window.status.message(f"session {self.name} restored" + (f" (note: {notes})" if notes else ""), 15000)

    def _planes_and_bits(self) -> None:
        """The HDU planes the panels showed, through the HDU image tool (a hidden one gives the panels their own
        views back), each only if the loaded files offer it; the DQ browser shown when it had bits chosen."""
        window, saved = self.window, self.saved
        offered = available_planes(window.session)
        planes = {}
        for panel in PANELS:
            plane = getattr(saved, f"{panel}_hdu")
            if plane in offered:
                planes[f"{panel}_hdu"] = plane
            elif plane is not None:
                self.notes.append(f"the saved {panel} panel's “{plane.label}” is not in the loaded files: "
                                  "showing the panel's own view")  # fmt: skip
        if planes:
            window.tool_docks.show("hduimage")
            window.view.update(**planes)
        if saved.dq_bits:
            window.tool_docks.show("dqbrowser")

    def _failed(self, _message: str) -> None:
        """A file of the session could not be loaded (its dialog says why): the restore ends, said to be partial."""
        self.stop()
        self.window.status.message(f"session {self.name} restored in part: not every file could be loaded", 15000)

    def stop(self) -> None:
        """Restore no more; a second call does nothing."""
        if self._stopped:
            return
        self._stopped = True
        self._timer.stop()
        self.window.view.unsubscribe(self._follow)
        self.window.jobs.failed.disconnect(self._failed)
        if self.window.sessions.restoring is self:
            self.window.sessions.restoring = None

