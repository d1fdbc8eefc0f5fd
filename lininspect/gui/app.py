"""Starting the desktop app: the QApplication, its look, its settings and the first files."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PyQt6.QtCore import QSettings
from PyQt6.QtGui import QColor, QIcon, QPalette
from PyQt6.QtWidgets import QApplication, QMessageBox

from ..core.errors import LinInspectError
from .mainwindow import MainWindow

ORGANISATION = "lininspect"
APPLICATION = "lininspect"
#: Point this at an .ini file to keep settings away from the user's (tests do).
SETTINGS_ENV = "LININSPECT_SETTINGS"
RESOURCES = Path(__file__).resolve().parents[2] / "resources"


def make_settings() -> QSettings:
    """The user's settings, or the file named by LININSPECT_SETTINGS."""
    override = os.environ.get(SETTINGS_ENV)
    if override:
        return QSettings(override, QSettings.Format.IniFormat)
    return QSettings(ORGANISATION, APPLICATION)


def application() -> QApplication:
    """The one QApplication, created and styled on first use."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    _style(app)
    return app


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
    stylesheet = RESOURCES / "lininspect.qss"
    if stylesheet.is_file():
        app.setStyleSheet(stylesheet.read_text())
    icon = RESOURCES / "lininspect.svg"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))


def open_window(
    input_path: Path | None, reference: Path | None, corrected: Path | None, *, settings: QSettings | None = None
) -> MainWindow:
    """A main window with the given files loaded (raises LinInspectError for a bad file)."""
    window = MainWindow(settings if settings is not None else make_settings())
    if input_path is not None:
        window.open_input(Path(input_path))
    if reference is not None:
        window.open_reference(Path(reference))
    if corrected is not None:
        window.open_product(Path(corrected))
    return window


def launch(input_path: Path, reference: Path | None, corrected: Path | None, *, correct_on_open: bool) -> int:
    """Show the app on these files, optionally start the correction, and run until closed."""
    if not any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        raise LinInspectError(
            "no display: set DISPLAY, run under xvfb-run -a, or use 'lininspect snapshot' to render a PNG"
        )
    app = application()
    sys.excepthook = _report_unexpected
    show_window(input_path, reference, corrected, correct_on_open=correct_on_open)
    return app.exec()


def show_window(
    input_path: Path, reference: Path | None, corrected: Path | None, *, correct_on_open: bool
) -> MainWindow:
    """The window shown first, then the files loaded: a bad one gets a dialog in front of it.

    A desktop launcher shows no terminal, so a refusal printed there would be a click
    that opens nothing; the window comes up with what could be loaded (or empty).
    """
    window = MainWindow(make_settings())
    first_start = not window.settings.contains("state")
    if first_start:
        window.resize(1600, 1000)
    window.show()
    if first_start:
        window.apply_default_layout()
    window.guard(lambda: window.open_input(Path(input_path)))
    if window.session.exposure is not None:  # the others need it, and its refusal was just shown
        if reference is not None:
            window.guard(lambda: window.open_reference(Path(reference)))
        if corrected is not None:
            window.guard(lambda: window.open_product(Path(corrected)))
    if correct_on_open and window.session.can_correct and window.session.product is None:
        window.guard(window.run_correction)
    return window


def _report_unexpected(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    """A bug in a slot: print it and say so, instead of PyQt's abort that would lose the session."""
    traceback.print_exception(kind, value, tb)
    QMessageBox.critical(None, "lininspect", f"internal error: {kind.__name__}: {value}")
