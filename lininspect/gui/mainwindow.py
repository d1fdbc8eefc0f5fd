"""The main window: construction and wiring of its parts, and the commands scripts and tests call.

Its parts each own their widgets and talk through the session, the view state and signals:
``framecontrols`` and ``displaycontrols`` (toolbars that write and follow the view state),
``panels`` (the two images), ``inspectorfeed`` (the pixel inspector's facts), ``statusarea``,
``jobs`` (work off the GUI thread), ``fileopener`` (what a new file makes stale), ``dialogs``
and ``actions`` (menus, keys, drops).

Public methods (open_input, run_correction, select_pixel, ...) raise LinInspectError so
scripts, tests and snapshots see problems; the menus and drops wrap them in ``guard`` and
show the one-line reason in a dialog instead, so the app carries on.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PyQt6.QtCore import QByteArray, QSettings, Qt
from PyQt6.QtGui import QCloseEvent, QResizeEvent
from PyQt6.QtWidgets import QDockWidget, QMainWindow, QToolBar

from ..core.kernels.correction import CorrectionResult
from ..core.errors import LinInspectError
from ..core.references.reference import LinearityReference
from ..model import maps
from ..model.navigation import array_from_detector, stepped
from ..model.opening import OpeningRequest
from ..model.session import Session
from ..model.surveyresults import SurveyResults, open_survey
from ..model.viewstate import RightView, ViewState
from .actions import Actions
from .dialogs import Dialogs
from .displaycontrols import DisplayControls
from .fileopener import FileOpener
from .framecontrols import FrameControls
from .helpmenu import HelpMenu
from .inspector import PixelInspector
from .inspectorfeed import InspectorFeed
from .jobs import Jobs, Opened, ReadReference
from .panels import Panels
from .preparationchoice import PreparationChoice
from .restoredview import RestoredView
from .sessionfiles import SessionFiles
from .statusarea import StatusArea
from .surveywindow import SurveyWindow
from .tooldocks import ToolDocks
from .worker import Job, running, start_job, wait_for_jobs


#: "Go to" a pixel zooms in until a detector pixel is at least this many screen pixels wide.
MIN_SCREEN_PIXELS = 4


class MainWindow(QMainWindow):
    """Shows one group plane of the input and of the corrected data, and one pixel in depth."""

    def __init__(self, settings: QSettings) -> None:
        super().__init__()
        self.settings = settings
        self.session = Session()
        #: Frame, selection and display choices (model.viewstate): controls write it, every view follows it.
        self.view = ViewState()
        self.setWindowTitle("lininspect")
        session, view = self.session, self.view

        self.status = StatusArea(self.statusBar(), session, view, on_cancel=lambda: self.jobs.cancel_run())
        self.jobs = Jobs(session, view, self.status, self)
        self.dialogs = Dialogs(self, session, settings, self.jobs.export_report_in_background, self.status.message)
        view.on_refusal = lambda refusal: self.dialogs.show_error(str(refusal))  # one dialog, whichever view failed
        frame_bar, display_bar = self._toolbar("Frame", "frame"), self._toolbar("Display", "display")
        self.display = DisplayControls(view, display_bar, lambda panel: self.panels.shown_limits(panel))
        self.panels = Panels(session, view, self.jobs, self.guard)
        self.status.map_readout = self.panels.map_readout
        # Before any tool connects: a tool that follows new images reads what the panels have just drawn.
        self.jobs.imagesStale.connect(self.panels.redraw)
        self.jobs.imagesStale.connect(self.status.refresh_readout)
        self.left, self.right = self.panels.left, self.panels.right
        self.setCentralWidget(self.panels.widget)
        self.frame = FrameControls(view, frame_bar, focus_after_typing=self.left)
        self.frame.waiting = lambda: self.jobs.integrations.running
        self.inspector = PixelInspector()
        # Tools docked on the left (magnifier, panner) run the window's height beside the inspector, as DS9's side panel.
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.inspector_dock = QDockWidget("Pixel inspector", self)
        self.inspector_dock.setObjectName("inspector")
        self.inspector_dock.setWidget(self.inspector)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.inspector_dock)
        self.inspector_feed = InspectorFeed(session, view, self.inspector)
        self.actions = Actions(self)
        self.tool_docks = ToolDocks(self, self.actions.tools_menu)
        self.help = HelpMenu(self)  # last: the menu bar's last menu
        self.preparation_choice = PreparationChoice(self, settings)
        self.opener = FileOpener(session, view, self.jobs, self.dialogs, self.status, self.actions.remember,
                                 self.setWindowTitle, self.preparation_choice)  # fmt: skip
        #: The survey opened last (File ▸ Open survey…), in a window of its own.
        self.survey_window: SurveyWindow | None = None

        for panel in (self.left, self.right):
            panel.pixelClicked.connect(lambda x, y, shift: self.guard(lambda: self.select_pixel(x, y, pin=shift)))
            panel.pixelHovered.connect(self.status.show_readout)
            panel.pixelHovered.connect(lambda x, y: view.hover(None if x < 0 else (x, y)))
            panel.boxSelected.connect(lambda *box: self.guard(lambda: self.select_box(*box)))
        self.inspector.pinsCleared.connect(self.clear_pins)
        self.inspector.captionChanged.connect(lambda text: self.inspector_dock.setWindowTitle(f"Pixel inspector — {text}"))
        self.inspector.groupClicked.connect(lambda group: self.set_frame(self.view.integration, group))
        self.inspector.flaggedChosen.connect(lambda x, y: self.guard(lambda: self.jump_to(x, y)))
        self.jobs.resultChanged.connect(self.refresh)
        self.jobs.resolved.connect(lambda ready: self.guard(lambda: self.opener.use_resolved(ready)))
        self.jobs.verified.connect(lambda verification, message: self.dialogs.show_verification(verification, message, [
            ("Show differences", lambda: view.update(right=RightView.VERIFY_DIFFERENCES)),
            ("Go to worst pixel", self.go_to_worst_difference)]))  # fmt: skip
        self.jobs.compared.connect(lambda comparison: self.dialogs.show_comparison(comparison, self.show_pixel,
                                                                                 lambda: self.view.pixel))  # fmt: skip
        self.jobs.againstPicked.connect(lambda reference: self.guard(lambda: self.opener.use_against(reference)))
        self.jobs.failed.connect(self.dialogs.show_error)
        view.subscribe(lambda changed: self._fit_toolbars() if "frames" in changed else None)

        self.display.restore(settings)
        self.restored_view = RestoredView(session, view, lambda: self.jobs.lookup.running or running(self.jobs.picking),
                                          lambda text: self.status.message(text, 15000), self)  # fmt: skip
        for key, restore in (("geometry", self.restoreGeometry), ("state", self.restoreState)):
            value = settings.value(key)
            if isinstance(value, QByteArray):
                restore(value)
        self.sessions = SessionFiles(self)
        self.refresh()  # the empty window's hints, the actions of an empty session

    def _toolbar(self, title: str, name: str) -> QToolBar:
        bar = self.addToolBar(title)
        bar.setObjectName(name)
        bar.setMovable(False)
        return bar

    # --- what scripts and tests read ----------------------------------------------------

    @property
    def integration(self) -> int:
        return self.view.integration

    @property
    def group(self) -> int:
        return self.view.group

    @property
    def pixel(self) -> tuple[int, int] | None:
        return self.view.pixel

    @property
    def pins(self) -> list[tuple[int, int]]:
        return list(self.view.pins)

    # --- loading: the opener's commands, for scripts, tests and the launcher -----------

    def open_input(
        self, path: Path, *, prepared_from: Path | None = None, then: Callable[[], object] = lambda: None
    ) -> Job[Opened]:
        """Read the ramp in a job, then show it and run ``then`` (see :meth:`FileOpener.open_input`)."""
        return self.opener.open_input(path, prepared_from=prepared_from, then=then)

    def open_input_now(self, path: Path, *, prepared_from: Path | None = None) -> None:
        """Read and show the ramp on this thread: for scripts and snapshots, which have no event loop."""
        self.opener.open_input_now(path, prepared_from=prepared_from)

    def open_user_input(self, path: Path) -> None:
        """As File ▸ Open input…: a ramp with no record of the earlier steps gets the question (once per file)."""
        self.opener.open_user_input(path)

    def open_reference_in_background(self, path: Path) -> Job[ReadReference]:
        """File ▸ Choose reference: read in a job, then used as A."""
        return self.opener.open_reference_in_background(path)

    def open_reference(self, path: Path) -> None:
        self.opener.open_reference(path)

    def open_against(self, path: Path) -> None:
        self.opener.open_against(path)

    def open_product(self, path: Path) -> None:
        self.opener.open_product(path)

    def open_any(self, path: Path) -> None:
        self.opener.open_any(path)

    def open_request(
        self, request: OpeningRequest, *, carry_on: Callable[[], bool] = lambda: True,
        then: Callable[[], object] = lambda: None,
    ) -> None:  # fmt: skip
        """The files of a start of the app (or of a session), each refusal a dialog; stops once ``carry_on`` is false.

        The input is read in a job; once it is shown the other files follow, then ``then`` (not
        after a refusal of the input, which the dialog has said). With ``resolve`` the reference
        (CRDS's, unless given) and any missing pipeline steps come from a worker, which then
        corrects unless a pipeline product is shown.
        """
        if carry_on():
            self.guard(lambda: self.open_input(Path(request.input), then=lambda: self._open_rest(request, carry_on, then)))

    def _open_rest(self, request: OpeningRequest, carry_on: Callable[[], bool], then: Callable[[], object]) -> None:
        """The request's files after its input, which is shown."""

        def step(action: Callable[[], object]) -> None:
            if carry_on():
                self.guard(action)

        corrected, reference, against = request.corrected, request.reference, request.against
        context = request.against_context
        if corrected is not None:
            step(lambda: self.open_product(Path(corrected)))
        if request.resolve:
            step(lambda: self.resolve_in_background(Path(request.input), reference=reference, as_is=request.as_is,
                                                    against=against, against_context=context))  # fmt: skip
            then()
            return
        if reference is not None:
            step(lambda: self.open_reference(Path(reference)))
        if against is not None:
            step(lambda: self.open_against(Path(against)))
        if context is not None:
            step(lambda: self.compare_with_context(context))
        if request.correct_on_open and self.session.can_correct and self.session.product is None:
            step(self.run_correction)
        then()

    def resolve_in_background(
        self, path: Path, *, reference: Path | None = None, as_is: bool = False, against: Path | None = None,
        against_context: str | None = None,
    ) -> None:  # fmt: skip
        """CRDS's reference (unless given) and the pipeline's missing steps, in a worker; then ``against`` as B
        (or the reference ``against_context`` picks, in another job) and the run. A ramp with no record of the
        earlier steps first gets the question (prepare or correct as it is), unless ``as_is``."""
        self.opener.against_after_lookup = against
        self.opener.against_context_after_lookup = against_context
        self.opener.resolve(path, reference=reference, as_is=as_is)

    def open_survey(self, directory: Path) -> Job[SurveyResults]:
        """Read a survey's table and maps in a job, then show them in a survey window."""

        def shown(results: SurveyResults) -> None:
            window = SurveyWindow(results, lambda text: self.status.message(text, 10000), self)
            window.openRequested.connect(lambda *where: self.guard(lambda: self.open_from_survey(*where)))
            self.survey_window = window
            self.session.survey = results
            hdu_image = self.tool_docks.tools["hduimage"]
            if hdu_image.running:  # its maps for the exposure shown now
                hdu_image.refresh()
            window.show()
            self.status.message(f"Opened survey {directory}: {len(results.rows)} exposures", 10000)

        self.status.message(f"Reading survey {directory}...")
        return start_job(lambda progress, cancel: open_survey(directory), shown, self.dialogs.show_error)

    def open_from_survey(self, path: Path, reference: Path | None, x: int, y: int) -> None:
        """An exposure of a survey at pixel (x, y), with the reference the survey used, corrected (once read)."""
        self.open_input(path, then=lambda: self._show_survey_row(path, reference, x, y))

    def _show_survey_row(self, path: Path, reference: Path | None, x: int, y: int) -> None:
        self.jump_to(x, y)
        exposure = self.session.exposure
        if reference is None or (exposure is not None and exposure.is_uncal):
            self.resolve_in_background(path, reference=reference)
        else:
            self.open_reference(reference)
            self.run_correction()

    def compare_with_context(self, context: str) -> Job[LinearityReference]:
        """Reference B is what CRDS ``context`` picks for the user's file, looked up in a job; then as File ▸
        Compare with reference… with that file."""
        self.opener.check_against_possible()
        source = self.session.input_path
        assert source is not None  # reference A needs an exposure
        return self.jobs.pick_against_in_background(source, context)

    def save_session(self, path: Path) -> None:
        """Write what is loaded and shown to a session file (File ▸ Save session…)."""
        self.sessions.save(path)

    def open_session(self, path: Path) -> None:
        """Open a session file's files and put its view back (File ▸ Open session…, ``--session``)."""
        self.sessions.open(path)

    def run_correction(self) -> Job[CorrectionResult]:
        """Start correcting in a background job (cancelling a run in progress); return its handle."""
        return self.jobs.run_correction()

    def guard(self, action: Callable[[], object]) -> None:
        """Run a user action; a LinInspectError or OSError becomes a dialog, not a crash."""
        self.dialogs.guard(action)

    def refresh(self) -> None:
        """New data (a file, a reference, a result): everything shown is read again."""
        self.view.data_changed()

    # --- frame and selection: writers of the view state, which every view follows ---------

    def set_frame(self, integration: int, group: int) -> None:
        """Show another integration/group (the view state keeps it inside the exposure)."""
        self.view.update(integration=integration, group=group)

    def step(self, integrations: int, groups: int) -> None:
        self.set_frame(self.view.integration + integrations, self.view.group + groups)

    def select_pixel(self, x: int, y: int, *, pin: bool = False) -> None:
        """Inspect pixel (x, y); with ``pin`` add it to the pinned pixels instead."""
        if not self.session.contains(x, y):
            raise LinInspectError(f"pixel ({x}, {y}) is outside the exposure")
        if not pin:
            self.view.update(pixel=(x, y))
        elif (x, y) not in self.view.pins:
            self.view.update(pins=(*self.view.pins, (x, y)))

    def jump_to(self, x: int, y: int) -> None:
        """Inspect (x, y) and bring it into view if the zoom has it outside."""
        self.select_pixel(x, y)
        (x0, x1), (y0, y1) = self.left.view.viewRange()
        if not (x0 <= x + 0.5 <= x1 and y0 <= y + 0.5 <= y1):
            self.left.view.translateBy(x=x + 0.5 - (x0 + x1) / 2, y=y + 0.5 - (y0 + y1) / 2)

    def go_to(self, x: int, y: int, *, detector: bool = False) -> None:
        """Inspect and show array pixel (x, y), or detector pixel (x, y) (1-based, placed by SUBSTRT1/2)."""
        if detector:
            exposure = self.session.exposure
            if exposure is None:
                raise LinInspectError("open an exposure first")
            x, y = array_from_detector(x, y, exposure.substrt())
        self.jump_to(x, y)

    def move_pixel(self, dx: int, dy: int) -> None:
        """The selected pixel moved by (dx, dy), kept on the array (the arrow keys with Shift)."""
        exposure = self.session.exposure
        if exposure is not None:
            self.jump_to(*stepped(self.view.pixel, dx, dy, exposure.shape[2:]))

    def show_pixel(self, x: int, y: int) -> None:
        """Inspect (x, y) and pan to it, zooming in until a detector pixel is a few screen pixels wide."""
        self.select_pixel(x, y)
        view = self.left.view
        (x0, x1), (y0, y1) = view.viewRange()
        scale = min(1.0, view.width() / max(x1 - x0, 1e-9) / MIN_SCREEN_PIXELS)  # < 1 zooms in
        half_x, half_y = (x1 - x0) * scale / 2, (y1 - y0) * scale / 2
        view.setRange(xRange=(x + 0.5 - half_x, x + 0.5 + half_x), yRange=(y + 0.5 - half_y, y + 0.5 + half_y), padding=0)

    def go_to_worst_difference(self) -> None:
        """Verify's largest difference: its frame shown, its pixel inspected and panned to."""
        x, y = self.jobs.go_to_worst_difference()
        self.show_pixel(x, y)

    def step_difference(self, direction: int, *, from_start: bool = False) -> None:
        """The next (+1) or previous (-1) pixel of the right panel's map, worst first, inspected and panned to;
        with ``from_start`` the worst one."""
        shown = self.panels.shown_map
        if shown is None:
            raise LinInspectError("the right panel shows no map to step through: choose Verify differences, "
                                  "Residual map, Product − lininspect, A − B, a group difference or NO_LIN_CORR mask")  # fmt: skip
        ranking = shown.ranking
        index = maps.step(ranking, None if from_start else self.view.pixel, direction)
        if index is None:
            end = "no pixel differs" if len(ranking) == 0 else ("last" if direction > 0 else "first") + " one reached"
            self.status.message(f"{shown.name}: {end}", 5000)
            return
        x, y = ranking.pixel(index)
        self.show_pixel(x, y)
        self.status.message(f"{shown.name}: pixel {index + 1} of {len(ranking)}, worst first ({x}, {y})", 8000)

    def clear_pins(self) -> None:
        self.view.update(pins=(), box=None)

    def select_box(self, x0: int, y0: int, x1: int, y1: int) -> None:
        """Mean ramps of the box [x0, x1) x [y0, y1) over usable samples, in the inspector."""
        self.view.update(box=(x0, y0, x1, y1))

    # --- layout ---------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_toolbars()

    def _fit_toolbars(self) -> None:
        """Wrap the display toolbar to a second row when both do not fit side by side.

        A QToolBar hides what does not fit behind a small arrow; at 1024 px the masks and
        limits would go there, unseen. Checked on resize and when the frame controls widen
        (an exposure with more groups) without one.
        """
        display = self.display.toolbar
        wrap = self.frame.toolbar.sizeHint().width() + display.sizeHint().width() > self.width()
        if wrap != self.toolBarBreak(display):
            if wrap:
                self.insertToolBarBreak(display)
            else:
                self.removeToolBarBreak(display)

    def apply_default_layout(self) -> None:
        """Images get most of the height, the inspector the rest; for a first start and snapshots.

        On a short screen the inspector gets a larger share, so the ramp stays readable.
        """
        share = 0.36 if self.height() >= 900 else 0.46
        self.resizeDocks([self.inspector_dock], [int(self.height() * share)], Qt.Orientation.Vertical)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Save the choices, stop and wait for background threads, then empty the graphics scenes while all is alive.

        Leaving pyqtgraph items to die with their C++ scene calls Python overrides on
        half-destroyed objects (a crash on teardown), so the scenes are cleared here, in order.
        """
        self.display.save(self.settings)
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("state", self.saveState())
        self.settings.sync()
        self.jobs.lookup.cancel()
        self.jobs.read_ahead.stop()
        self.frame.stop()
        self.tool_docks.close()
        # Off the screen first: a job that cannot stop at once (the start-up lookup reading a reference,
        # CRDS answering) is then waited for behind the user's back, not with the window still up.
        self.hide()
        wait_for_jobs([*self.jobs.handles(), self.dialogs.counting])
        for view in (self.left, self.right, self.inspector.plots):
            view.close()
        super().closeEvent(event)
