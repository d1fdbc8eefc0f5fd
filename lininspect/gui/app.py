"""Starting the desktop app: the QApplication, its look, its settings and the first files."""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import NoReturn

from PyQt6.QtCore import QSettings, QSize, QThreadPool
from PyQt6.QtGui import QColor, QIcon, QPalette, QPixmap
from PyQt6.QtWidgets import QApplication, QMessageBox

from .. import data
from ..core.errors import LinInspectError, printable
from ..model.opening import NO_DISPLAY, OpeningRequest, has_display
from ..model.sources import start_loading_compiled_loop
from .collector import CycleCollector
from .mainwindow import MainWindow
from .quitsignals import QuitOnSignals
from .settingsfile import APPLICATION, ORGANISATION, open_settings
from .worker import route_warnings

#: The window on a first start, when the screen has room for it (and for WINDOW_FRAME).
DEFAULT_SIZE = QSize(1600, 1000)
#: Room left for the window manager's title bar and borders, which Qt learns only once shown.
WINDOW_FRAME = QSize(16, 48)


def make_settings() -> QSettings:
    """The user's settings (or the file named by LININSPECT_SETTINGS); defaults when that file is unfit."""
    return open_settings()[0]


def application() -> QApplication:
    """The one QApplication, created and styled on first use."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        _collector()
        return existing
    app = QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setDesktopFileName(APPLICATION)  # matches the window to lininspect.desktop (lininspect install-desktop)
    _style(app)
    _collector()
    return app


@functools.cache
def _collector() -> CycleCollector:
    """The one cycle collector, on the GUI thread (see :mod:`.collector`)."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    return CycleCollector(app)


def _style(app: QApplication) -> None:
    """Fusion with a dark palette: images and plots read best on a dark surround."""
    app.setStyle("Fusion")
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#25282d",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1b1d21",
        QPalette.ColorRole.AlternateBase: "#2b2f35",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#30343a",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.Highlight: "#3d7bd9",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#30343a",
        QPalette.ColorRole.ToolTipText: "#e6e6e6",
        QPalette.ColorRole.Link: "#6fa8ff",
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#777777"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#777777"))
    app.setPalette(palette)
    app.setStyleSheet(data.read_text(data.STYLE_SHEET))
    app.setWindowIcon(app_icon())


def app_icon() -> QIcon:
    """The icon, drawn from the package's SVG (no file path: the package may be a zip)."""
    pixmap = QPixmap()
    pixmap.loadFromData(data.read_bytes(data.ICON), "SVG")
    return QIcon(pixmap)


def open_window(
    input_path: Path | None, reference: Path | None, corrected: Path | None, *, settings: QSettings | None = None
) -> MainWindow:
    """A main window with the given files loaded (raises LinInspectError for a bad file)."""
    window = MainWindow(settings if settings is not None else make_settings())
    if input_path is not None:
        window.open_input_now(Path(input_path))  # a script's window: no event loop to wait on a job
    if reference is not None:
        window.open_reference(Path(reference))
    if corrected is not None:
        window.open_product(Path(corrected))
    return window


def launch(request: OpeningRequest) -> int:
    """Show the app on the request's files and run until closed (after a signal: :func:`end_process`)."""
    if not has_display():
        raise LinInspectError(NO_DISPLAY)
    app = application()
    sys.excepthook = _report_unexpected
    route_warnings()
    with QuitOnSignals(app) as quitting:  # before anything can block: a start-up dialog ends on a signal too
        window = show_window(request)
        # Not visible: closed by a signal during start-up.
        status = app.exec() if window.isVisible() else (quitting.status or 0)
    if quitting.status is not None or QThreadPool.globalInstance().activeThreadCount():
        end_process(status)
    return status


def end_process(status: int) -> NoReturn:
    """End at once, the window closed and its settings saved: after a signal, or with a job still running.

    A signal asks for the end now, and Python's teardown of the Qt and pyqtgraph objects took
    seconds on a loaded machine (pyqtgraph's own ``exit()`` skips it the same way, against
    crashes on exit). A job stuck in a call it cannot leave must not keep the process alive,
    nor meet the interpreter's teardown in its thread; a file it was writing is still a
    temporary, which the next run in that folder removes.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def show_window(request: OpeningRequest) -> MainWindow:
    """The window shown first, then the files loaded: a bad one gets a dialog in front of it.

    A desktop launcher shows no terminal, so a refusal printed there would be a click
    that opens nothing; the window comes up with what could be loaded (or empty). With
    ``resolve`` the reference (CRDS's, unless given) and any missing pipeline steps come
    from a worker, which then corrects unless a pipeline product is shown.
    """
    settings, note = open_settings()
    window = MainWindow(settings)
    show_sized(window)
    # On the screen before any file is read: the window's first paint, not the demo's reading
    # and its correction's start, ends a cold start.
    QApplication.processEvents()
    start_loading_compiled_loop()  # numba loads beside the GUI now, not when a panel's first plane wants it
    if note is not None:
        window.dialogs.show_error(note)

    def step(action: Callable[[], object]) -> None:
        if window.isVisible():  # else a signal closed it during a dialog: start nothing more
            window.guard(action)

    if request.survey:
        step(lambda: window.open_survey(Path(request.input)))
        return window
    session = request.session
    if session is not None:
        step(lambda: window.open_session(session))
        return window
    # Not visible: a signal closed it during a dialog, so nothing more is started.
    window.open_request(request, carry_on=window.isVisible)
    return window


def show_sized(window: MainWindow) -> None:
    """Show the window within its screen's free area.

    The saved geometry (restored with the window) is kept only if it fits there: a window
    saved on a big monitor and opened on a laptop would have its right panel cut off. Else
    DEFAULT_SIZE, centred, or maximised on a screen smaller than that.
    """
    available = window.screen().availableGeometry()
    if window.settings.contains("geometry") and available.contains(window.geometry()):
        window.show()
        return
    fits = DEFAULT_SIZE.width() + WINDOW_FRAME.width() <= available.width() and (
        DEFAULT_SIZE.height() + WINDOW_FRAME.height() <= available.height()
    )
    size = DEFAULT_SIZE if fits else (available.size() - WINDOW_FRAME)
    window.resize(size)
    window.move(available.center() - window.rect().center())
    if fits:
        window.show()
    else:
        window.showMaximized()
    window.apply_default_layout()


def _report_unexpected(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    """A bug in a slot: print it and say so, instead of PyQt's abort that would lose the session."""
    traceback.print_exception(kind, value, tb)
    QMessageBox.critical(None, "lininspect", printable(f"internal error: {kind.__name__}: {value}"))
