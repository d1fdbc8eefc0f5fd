"""How to treat a ramp with no record of the pipeline's steps before linearity: asked once per file.

Such a ramp (hand-made, simulated, or an ``_uncal``) can be prepared with jwst's own steps,
which takes their references from CRDS, or corrected as it is, as ``--as-is`` does. The app
asks without waiting (the question is window-modal, the event loop runs on) and keeps the
answer per file in the settings, so reopening the file does not ask again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from PyQt6.QtCore import QSettings, Qt
from PyQt6.QtWidgets import QAbstractButton, QMessageBox, QWidget

PREPARE, AS_IS = "prepare", "as-is"
#: The question's buttons, as the user reads them.
PREPARE_BUTTON = "Prepare with the pipeline's steps (needs CRDS)"
AS_IS_BUTTON = "Correct as it is"
_SETTINGS_GROUP = "preparation"


class PreparationChoice:
    """Asks for, and remembers, each file's answer."""

    def __init__(self, parent: QWidget, settings: QSettings) -> None:
        self.parent, self.settings = parent, settings
        #: The question on screen, if any (one at a time: a new file's replaces it).
        self.question: QMessageBox | None = None

    def remembered(self, path: Path) -> str | None:
        """The answer given for this file before, if any."""
        value = self.settings.value(_key(path))
        return value if value in (PREPARE, AS_IS) else None

    def forget(self, path: Path) -> None:
        self.settings.remove(_key(path))

    def ask(self, path: Path, steps: tuple[str, ...], answer: Callable[[str], None]) -> None:
        """Put the question; ``answer(PREPARE or AS_IS)`` runs once the user picks (Esc: as it is), remembered."""
        self.withdraw()
        box = QMessageBox(QMessageBox.Icon.Question, "lininspect — earlier pipeline steps",
                          f"{path.name} has no record of the pipeline's steps before linearity.", parent=self.parent)  # fmt: skip
        box.setInformativeText(
            f"No S_* keyword says that {', '.join(steps)} ran on it. Prepare it with jwst's own steps "
            "(their references come from CRDS), or correct it as it is? The answer is kept for this file."
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        prepare = box.addButton(PREPARE_BUTTON, QMessageBox.ButtonRole.AcceptRole)
        as_is = box.addButton(AS_IS_BUTTON, QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(prepare)
        box.setEscapeButton(as_is)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def picked(button: QAbstractButton) -> None:
            choice = PREPARE if button == prepare else AS_IS
            self.settings.setValue(_key(path), choice)
            self.question = None
            answer(choice)

        box.buttonClicked.connect(picked)
        self.question = box
        box.open()

    def withdraw(self) -> None:
        """Close a question still open (its file was replaced): it is not answered."""
        if self.question is not None:
            question, self.question = self.question, None
            question.buttonClicked.disconnect()
            question.close()


def _key(path: Path) -> str:
    """One settings key per file, whatever characters its path holds (QSettings reads '/' as a group)."""
    return f"{_SETTINGS_GROUP}/{hashlib.sha256(str(Path(path).resolve()).encode()).hexdigest()[:20]}"
