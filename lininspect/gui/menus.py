"""Menus, shortcuts, recent files and drag and drop: every way in to the window's actions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence
from PyQt6.QtWidgets import (
    QMenu,
)

from .controls import MAX_RECENT


class MenusMixin:
    """Part of :class:`~lininspect.gui.mainwindow.MainWindow`; uses its widgets and session."""

    def _action(
        self, menu: QMenu | None, text: str, slot: Callable[[], object], shortcut: QKeySequence | str | int | None = None
    ) -> QAction:
        """A menu entry (or, without a menu, a window-wide shortcut) that calls ``slot``."""
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _=False: slot())
        if menu is not None:
            menu.addAction(action)
        else:
            self.addAction(action)
        return action

    def _build_menus(self) -> None:
        menus = self.menuBar()
        file = menus.addMenu("&File")
        self._action(file, "Open &input...", lambda: self._ask_open("input"), QKeySequence.StandardKey.Open)
        self._action(file, "Choose &reference...", lambda: self._ask_open("reference"))
        self._action(file, "Compare &with reference...", lambda: self._ask_open("against"))
        self._action(file, "Open &corrected (pipeline _linearity)...", lambda: self._ask_open("corrected"))
        self.recent_menu = file.addMenu("Recent files")
        file.addSeparator()
        self.export_action = self._action(file, "&Export corrected...", self._ask_export, QKeySequence.StandardKey.Save)
        file.addSeparator()
        self._action(file, "&Headers...", self.show_headers)
        self._action(file, "Exposure &summary...", self.show_summary)
        file.addSeparator()
        self._action(file, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        run = menus.addMenu("&Correction")
        self.run_action = self._action(run, "&Run", lambda: self.guard(self.run_correction), "Ctrl+R")
        self.cancel_action = self._action(run, "&Cancel", self.cancel_run, "Esc")
        self.verify_action = self._action(run, "&Verify corrected file", lambda: self.guard(self.verify_product))
        self.compare_action = self._action(run, "Compare references A and B over the detector",
                                           lambda: self.guard(self.compare_in_background))  # fmt: skip

        view = menus.addMenu("&View")
        view.addAction(self.inspector_dock.toggleViewAction())
        self._action(view, "Reset zoom", lambda: self.left.view.autoRange(padding=0.02), "Ctrl+0")
        inspector = menus.addMenu("&Inspector")
        self._action(inspector, "Export plots (PNG/SVG)...", self._ask_export_plots)
        self._action(inspector, "Export ramps (CSV)...", self._ask_export_csv)
        self._action(inspector, "Clear pins and box", self.clear_pins)
        self._action(None, "next group", lambda: self.step(0, 1), Qt.Key.Key_Right.value)
        self._action(None, "previous group", lambda: self.step(0, -1), Qt.Key.Key_Left.value)
        self._action(None, "next integration", lambda: self.step(1, 0), Qt.Key.Key_PageDown.value)
        self._action(None, "previous integration", lambda: self.step(-1, 0), Qt.Key.Key_PageUp.value)
        self._update_recent_menu()

    def _remember(self, path: Path) -> None:
        path = Path(path).resolve()
        self.settings.setValue("last_dir", str(path.parent))
        recent = [p for p in self._recent() if p != str(path)]
        self.settings.setValue("recent", [str(path)] + recent[: MAX_RECENT - 1])
        self._update_recent_menu()

    def _recent(self) -> list[str]:
        value = self.settings.value("recent", [])
        if isinstance(value, str):
            return [value]
        return [str(v) for v in value] if isinstance(value, list) else []

    def _update_recent_menu(self) -> None:
        self.recent_menu.clear()
        for name in self._recent():
            action = self.recent_menu.addAction(name)
            action.triggered.connect(lambda _=False, name=name: self.guard(lambda: self.open_any(Path(name))))
        self.recent_menu.setEnabled(bool(self._recent()))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt's name)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        event.acceptProposedAction()
        self.open_dropped(paths)

    def open_dropped(self, paths: list[Path]) -> None:
        """Ramps become the input, references the reference, told apart by content."""
        for path in paths:
            self.guard(lambda path=path: self.open_any(path))
