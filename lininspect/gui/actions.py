"""Menus, shortcuts, file choosers, recent files and drag and drop: every way in to the window's commands.

The actions call the window's public commands (the same ones scripts and tests call), so a
menu entry does nothing a script could not; a refusal becomes a dialog through ``guard``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt6.QtCore import QEvent, QObject, Qt
from PyQt6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence
from PyQt6.QtWidgets import QFileDialog, QInputDialog, QMenu

from ..core.errors import printable
from ..core.fits.product import default_output_path
from .figuredialog import FigureDialog
from .gotopixel import GoToPixelDialog
from .moviedialog import MovieDialog
from .sessionfiles import SESSION_FILTER

if TYPE_CHECKING:
    from .mainwindow import MainWindow

FITS_FILTER = "FITS files (*.fits *.fit *.fits.gz);;All files (*)"
MAX_RECENT = 8


class Actions(QObject):
    """The menu bar, the window-wide keys and dropped files of one window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        menus = window.menuBar()
        file = menus.addMenu("&File")
        self._action(file, "Open &input...", lambda: self._ask_open("input"), QKeySequence.StandardKey.Open)
        self._action(file, "Choose &reference...", lambda: self._ask_open("reference"))
        self._action(file, "Compare &with reference...", lambda: self._ask_open("against"))
        self._action(file, "Compare with CRDS con&text...", self._ask_context)
        self._action(file, "Open &corrected (pipeline _linearity)...", lambda: self._ask_open("corrected"))
        self._action(file, "Open &survey...", self._ask_survey)
        self.recent_menu = file.addMenu("Recent files")
        file.addSeparator()
        self._action(file, "Open &session...", self._ask_open_session, "Ctrl+Alt+O")
        self.save_session_action = self._action(file, "Save sess&ion...", self._ask_save_session, "Ctrl+Alt+S")
        file.addSeparator()
        self.export_action = self._action(file, "&Export corrected...", self.ask_export, QKeySequence.StandardKey.Save)
        self.figure_dialog = FigureDialog(window)
        self._action(file, "Export &figure...", self.figure_dialog.ask, "Ctrl+Alt+F")
        self.movie_dialog = MovieDialog(window)
        self._action(file, "Export &movie...", self.movie_dialog.ask, "Ctrl+Alt+M")
        file.addSeparator()
        self._action(file, "&Headers...", window.dialogs.show_headers)
        self._action(file, "&Find in headers...", lambda: window.dialogs.show_headers(find=True), QKeySequence.StandardKey.Find)
        self._action(file, "Exposure &summary...", window.dialogs.show_summary)
        file.addSeparator()
        # Ctrl+Q itself: the standard Quit key is unbound on some platform themes (Qt's offscreen one among them).
        self._action(file, "&Quit", window.close, "Ctrl+Q")

        jobs = window.jobs
        run = menus.addMenu("&Correction")
        self.run_action = self._action(run, "&Run", lambda: window.guard(window.run_correction), "Ctrl+R")
        self._action(run, "&Cancel", jobs.cancel_run, "Esc")
        self.verify_action = self._action(run, "&Verify corrected file", lambda: window.guard(jobs.verify_product))
        self.compare_action = self._action(run, "Compare references A and B over the detector",
                                           lambda: window.guard(jobs.compare_in_background))  # fmt: skip
        self.earlier_steps_action = self._action(run, "Earlier pipeline steps...",
                                                 lambda: window.guard(window.opener.reconsider_preparation))  # fmt: skip

        view = menus.addMenu("&View")
        view.addAction(window.inspector_dock.toggleViewAction())
        self._action(view, "Reset zoom", lambda: window.left.view.autoRange(padding=0.02), "Ctrl+0")
        self.go_to_dialog = GoToPixelDialog(window)
        self._action(view, "&Go to pixel...", self.go_to_dialog.ask, "Ctrl+G")
        view.addAction(window.frame.play_action)
        view.addSeparator()
        self._action(view, "Next difference (worst first)", lambda: window.guard(lambda: window.step_difference(+1)), "N")
        self._action(view, "Previous difference", lambda: window.guard(lambda: window.step_difference(-1)), "Shift+N")
        self._action(view, "Go to worst pixel of the map",
                     lambda: window.guard(lambda: window.step_difference(+1, from_start=True)), "Shift+W")  # fmt: skip
        inspector = menus.addMenu("&Inspector")
        self._action(inspector, "Export plots (PNG/SVG)...", self._ask_export_plots)
        self._action(inspector, "Export ramps (CSV)...", self._ask_export_csv)
        self._action(inspector, "Clear pins and box", window.clear_pins)
        #: Filled by the tool docks (``tooldocks``), one entry per registered tool.
        self.tools_menu = menus.addMenu("&Tools")
        self._action(None, "next group", lambda: window.step(0, 1), Qt.Key.Key_Right.value)
        self._action(None, "previous group", lambda: window.step(0, -1), Qt.Key.Key_Left.value)
        self._action(None, "next integration", lambda: window.step(1, 0), Qt.Key.Key_PageDown.value)
        self._action(None, "previous integration", lambda: window.step(-1, 0), Qt.Key.Key_PageUp.value)
        # The arrows with Shift move the selected pixel; without, Left/Right stay the group steps.
        for name, key, dx, dy in (("left", "Left", -1, 0), ("right", "Right", 1, 0), ("up", "Up", 0, 1), ("down", "Down", 0, -1)):
            self._action(None, f"move the pixel {name}", lambda dx=dx, dy=dy: window.move_pixel(dx, dy), f"Shift+{key}")
            self._action(None, f"move the pixel {name} by 10", lambda dx=dx, dy=dy: window.move_pixel(10 * dx, 10 * dy),
                         f"Ctrl+Shift+{key}")  # fmt: skip
        self._update_recent_menu()
        window.setAcceptDrops(True)
        window.installEventFilter(self)
        window.view.subscribe(lambda changed: self._update_enabled() if "data_version" in changed else None)

    def _action(
        self, menu: QMenu | None, text: str, slot: Callable[[], object], shortcut: QKeySequence | str | int | None = None
    ) -> QAction:
        """A menu entry (or, without a menu, a window-wide shortcut) that calls ``slot``."""
        action = QAction(text, self.window)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _=False: slot())
        if menu is not None:
            menu.addAction(action)
        else:
            self.window.addAction(action)
        return action

    def _update_enabled(self) -> None:
        """Each command offered only when the session has what it needs."""
        session = self.window.session
        self.run_action.setEnabled(session.can_correct)
        self.export_action.setEnabled(session.result is not None)
        self.verify_action.setEnabled(session.product is not None and session.reference is not None)
        self.compare_action.setEnabled(session.can_compare)
        preparation = session.preparation
        self.save_session_action.setEnabled(session.exposure is not None)
        self.earlier_steps_action.setEnabled(preparation is not None and bool(preparation.steps or preparation.unrecorded))

    # --- file choosers ------------------------------------------------------------------

    def _ask_open(self, kind: str) -> None:
        window = self.window
        title = {"input": "Open ramp exposure", "reference": "Open linearity reference",
                 "corrected": "Open pipeline _linearity product",
                 "against": "Compare with linearity reference (B)"}[kind]  # fmt: skip
        name, _ = QFileDialog.getOpenFileName(window, title, window.dialogs.start_dir(), FITS_FILTER)
        if name:
            opener = {"input": window.open_user_input, "reference": window.open_reference_in_background,
                      "corrected": window.open_product, "against": window.open_against}[kind]  # fmt: skip
            window.guard(lambda: opener(Path(name)))

    def _ask_open_session(self) -> None:
        window = self.window
        name, _ = QFileDialog.getOpenFileName(window, "Open session", window.dialogs.start_dir(), SESSION_FILTER)
        if name:
            window.guard(lambda: window.open_session(Path(name)))

    def _ask_save_session(self) -> None:
        window = self.window
        source = window.session.input_path
        start = Path(window.dialogs.start_dir()) / f"{source.stem if source is not None else 'lininspect'}_session.json"
        name, _ = QFileDialog.getSaveFileName(window, "Save session", str(start), SESSION_FILTER)
        if name:
            window.guard(lambda: window.save_session(Path(name)))

    def _ask_survey(self) -> None:
        """A directory written by ``lininspect survey``: its table and maps in a window of their own."""
        window = self.window
        name = QFileDialog.getExistingDirectory(window, "Open survey directory", window.dialogs.start_dir())
        if name:
            window.guard(lambda: window.open_survey(Path(name)))

    def _ask_context(self) -> None:
        """B is what a second CRDS context picks for this exposure: how a reference delivery is judged."""
        window = self.window
        name, ok = QInputDialog.getText(window, "Compare with CRDS context",
                                        "Reference B is the linearity reference this CRDS context picks for the "
                                        "exposure\n(a .pmap name, e.g. a new delivery's context):",
                                        text=window.opener.suggested_context())  # fmt: skip
        if ok and name.strip():
            window.guard(lambda: window.compare_with_context(name.strip()))

    def ask_export(self) -> None:
        window = self.window
        source = window.session.input_path
        if window.session.result is None or source is None:
            window.dialogs.show_error("nothing to export: run the correction first (Ctrl+R)")
            return
        # Beside the user's file (an _uncal's, not its prepared ramp's in the cache).
        name, _ = QFileDialog.getSaveFileName(window, "Export corrected exposure", str(default_output_path(source)), FITS_FILTER)
        if name:
            # The dialog has already asked before replacing an existing file.
            window.guard(lambda: window.jobs.export_in_background(Path(name), overwrite=True))

    def _ask_export_plots(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self.window, "Export plots", self._export_path(".png"), "PNG (*.png);;SVG (*.svg)")
        if name:
            self.window.guard(lambda: self.window.inspector.export_plots(Path(name)))

    def _ask_export_csv(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self.window, "Export ramps", self._export_path(".csv"), "CSV (*.csv)")
        if name:
            self.window.guard(lambda: self.window.inspector.export_csv(Path(name)))

    def _export_path(self, suffix: str) -> str:
        """The inspector's default export name, in the folder last used."""
        return str(Path(self.window.dialogs.start_dir()) / self.window.inspector.export_name(suffix))

    # --- recent files and dropped files -------------------------------------------------

    def remember(self, path: Path) -> None:
        """An opened file: first in the recent files, and its folder where file choosers start."""
        settings = self.window.settings
        path = Path(path).resolve()
        recent = [p for p in self._recent() if p != str(path)]
        remembered = {"last_dir": str(path.parent), "recent": [str(path)] + recent[: MAX_RECENT - 1]}
        if all(settings.value(key) == value for key, value in remembered.items()):
            return  # a file opened again: nothing to write
        for key, value in remembered.items():
            settings.setValue(key, value)
        self._update_recent_menu()

    def _recent(self) -> list[str]:
        """At most MAX_RECENT names, whatever the settings file holds (a menu of 200,000 froze the app)."""
        value = self.window.settings.value("recent", [])
        if isinstance(value, str):
            return [value]
        return [str(v) for v in value[:MAX_RECENT]] if isinstance(value, list) else []

    def _update_recent_menu(self) -> None:
        self.recent_menu.clear()
        window = self.window
        for name in self._recent():
            action = self.recent_menu.addAction(printable(name))
            action.triggered.connect(lambda _=False, name=name: window.guard(lambda: window.open_any(Path(name))))
        self.recent_menu.setEnabled(bool(self._recent()))

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:
        """Files dragged onto the window are accepted and opened as what their content says."""
        kind = event.type() if event is not None else None
        if kind == QEvent.Type.DragEnter and isinstance(event, QDragEnterEvent) and event.mimeData().hasUrls():
            event.acceptProposedAction()
            return True
        if kind == QEvent.Type.Drop and isinstance(event, QDropEvent):
            paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
            event.acceptProposedAction()
            self.open_dropped(paths)
            return True
        return False

    def open_dropped(self, paths: list[Path]) -> None:
        """Ramps become the input, references the reference, told apart by content."""
        for path in paths:
            self.window.guard(lambda path=path: self.window.open_any(path))
