"""Reading ahead: after a group step, the next group the same way is read, corrected and made ready to draw
in a job, so that the next step's turn of the GUI thread only draws. After new data (a file opened, a
reference or a result) the group below the one shown is, the way the first step goes.

On a 2048 x 2048 plane a group step read 16 MB, swapped its bytes, corrected it and computed each
panel's limits and stretched image on the GUI thread: about half of the step. Stepping goes on the
way it went, so the next plane is likely the one after. The job is quiet (it is not the user's: no
progress bar, no message), its thread is niced like every job's, and it starts in the turn after
the step so the step's own drawing goes first. Steps closer together than a person's key presses
(a held key, which repeats every 30-40 ms) read nothing ahead: the job would not be done in time,
and the GUI thread reading the same plane meanwhile made each step slower (``bench_gui.py``'s
back-to-back steps on a 1 GB exposure: 53-56 ms against 33 ms). A step elsewhere stops a read ahead
between its parts. A failed read ahead says nothing: the step itself then reads the plane and says
what is wrong. Read-level corrections have jobs of their own (``integrationjobs``): only their
input plane is read ahead.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np
from PyQt6.QtCore import QObject, QTimer

from ..model.readyimages import DisplayChoice, ReadyImage, ready_image
from ..model.session import Session
from ..model.sources import CorrectionSource
from ..model.viewstate import ViewState
from .worker import Job, cancel_job

#: Changes of the view state after which the plane shown is another.
FRAME = {"integration", "group"}
#: Seconds between two steps below which the steps come from a held key, not from a person pressing one.
HELD_KEY_S = 0.15


class ReadAhead(QObject):
    """Follows the frame shown; after a step of one group, readies the next group the same way."""

    def __init__(
        self, session: Session, view: ViewState, display_choice: Callable[[str], DisplayChoice | None],
        parent: QObject | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.session, self.view, self._display_choice = session, view, display_choice
        self._frame = (view.integration, view.group)
        self._stepped_at = -float("inf")
        #: The frame to read ahead, set by a step and read by the timer a turn later.
        self._ahead: tuple[int, int] | None = None
        self.job: Job[list[ReadyImage]] | None = None
        #: The frame the job reads, so that a step elsewhere stops it.
        self._reading: tuple[int, int] | None = None
        self._later = QTimer(self, singleShot=True, interval=0)
        self._later.timeout.connect(self._start)
        view.subscribe(self._follow)

    def _follow(self, changed: set[str]) -> None:
        frame = (self.view.integration, self.view.group)
        previous, self._frame = self._frame, frame
        if "data_version" in changed:
            self._after_new_data(frame)
            return
        if not changed & FRAME:
            return
        now, self._ahead = time.monotonic(), None
        held, self._stepped_at = now - self._stepped_at < HELD_KEY_S, now
        if self._reading != frame:
            cancel_job(self.job)  # reading a plane not shown: stopped between its parts
        exposure = self.session.exposure
        step = frame[1] - previous[1]
        if held or exposure is None or frame[0] != previous[0] or abs(step) != 1 or not 0 <= frame[1] + step < exposure.ngroups:
            return
        self._ahead = (frame[0], frame[1] + step)
        self._later.start()

    def stop(self) -> None:
        """Nothing armed or being read is read ahead any more: new data came, or the window closes (a read armed
        by the last data would then start after the window's jobs were waited for, and read a file being closed)."""
        self._later.stop()
        self._ahead = None
        cancel_job(self.job)

    def _after_new_data(self, frame: tuple[int, int]) -> None:
        """A file opened (it shows its last group) or a reference or result came: the group below is read ahead,
        the way a first step goes (the one above when the first group is shown)."""
        self.stop()  # what was armed or read was for the data before
        self._reading, self._stepped_at = None, -float("inf")
        exposure = self.session.exposure
        if exposure is None or exposure.ngroups < 2:
            return
        self._ahead = (frame[0], frame[1] - 1 if frame[1] >= 1 else frame[1] + 1)
        self._later.start()

    def _start(self) -> None:
        ahead, self._ahead = self._ahead, None
        exposure = self.session.exposure
        if ahead is None or exposure is None:
            return
        source = self.session.corrected_source()
        correction = source if isinstance(source, CorrectionSource) and not source.plan.read_level else None
        left, right = self._display_choice("left"), self._display_choice("right")

        def read(progress: object, cancel: threading.Event) -> list[ReadyImage]:
            plane = exposure.plane(*ahead)  # kept by the exposure beside the plane shown
            images = [] if left is None or cancel.is_set() else [ready_image(plane, left)]
            if correction is not None and not cancel.is_set():
                corrected: np.ndarray = correction.plane(*ahead)  # kept by the correction likewise
                if right is not None and not cancel.is_set():
                    images.append(ready_image(corrected, right))
            return images

        def ready(images: list[ReadyImage]) -> None:
            if self.session.exposure is exposure:
                self.session.ready_images.keep(images)

        cancel_job(self.job)  # the newest step wins
        self.job, self._reading = Job(read).start_with(ready, lambda _message: None), ahead
