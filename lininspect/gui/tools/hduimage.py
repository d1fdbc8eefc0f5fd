"""The HDU image tool: either panel shows any image HDU of the loaded files on the exposure's grid,
GROUPDQ of the displayed group, ZEROFRAME of the displayed integration, a reference's COEFFS or
INV_COEFFS plane (c0..cN) or its DQ, instead of its own view.

The choice is view state (``left_hdu``, ``right_hdu``); the panels read the plane
(model.hduplanes). Choosing a panel's own view in the toolbar, or hiding the tool, gives the
panel its own view back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt6.QtWidgets import QComboBox, QFormLayout, QLabel, QWidget

from ...model.hduplanes import HduPlane, available_planes
from ...model.viewstate import PANELS
from .base import Tool

if TYPE_CHECKING:
    from ..mainwindow import MainWindow

#: The first entry of each panel's list: the panel's own view (its source or the right panel's mode).
OWN_VIEW = "— the panel's own view —"


class HduImageTool(Tool):
    """A list per panel of every plane the loaded files offer."""

    name = "hduimage"
    title = "HDU image"
    shortcut = "Ctrl+Shift+H"

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._widget = QWidget()
        form = QFormLayout(self._widget)
        self.choices: dict[str, QComboBox] = {}
        for panel in PANELS:
            box = QComboBox()
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            box.setToolTip(f"What the {panel} panel shows: its own view or one plane of an HDU")
            box.activated.connect(lambda _index, panel=panel: self.window.guard(lambda: self._choose(panel)))
            self.choices[panel] = box
            form.addRow(f"{panel} panel", box)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        form.addRow(self.note)
        #: The planes offered, in the order of the lists (after OWN_VIEW).
        self.planes: list[HduPlane] = []
        self.follow(self._follow)

    def widget(self) -> QWidget:
        return self._widget

    def _follow(self, changed: set[str]) -> None:
        # A panel's own view chosen (its toolbar list) while it shows an HDU: the user wants that view.
        chosen = {f"{panel}_hdu": None for panel in PANELS if panel in changed}
        if chosen:
            self.view.update(**chosen)  # refreshes through the change of *_hdu, if any
        elif changed & {"data_version", "left_hdu", "right_hdu"}:
            self.refresh()

    def refresh(self) -> None:
        """The lists of what the files loaded now offer, each on its panel's choice; a choice the
        files no longer offer (a reference dropped, another exposure) gives the panel its own view back."""
        self.planes = available_planes(self.session)
        gone = {f"{panel}_hdu": None for panel in PANELS if self._shown(panel) not in (None, *self.planes)}
        if gone:
            self.view.update(**gone)  # comes back here through _follow
            return
        for panel, box in self.choices.items():
            box.blockSignals(True)
            box.clear()
            box.addItems([OWN_VIEW, *(plane.label for plane in self.planes)])
            shown = self._shown(panel)
            box.setCurrentIndex(0 if shown is None else 1 + self.planes.index(shown))
            box.blockSignals(False)
        self.note.setText(
            "" if self.planes else "Open an exposure: its GROUPDQ and ZEROFRAME and the references' planes are listed here"
        )

    def _shown(self, panel: str) -> HduPlane | None:
        return getattr(self.view, f"{panel}_hdu")

    def _choose(self, panel: str) -> None:
        index = self.choices[panel].currentIndex()
        self.view.update(**{f"{panel}_hdu": None if index <= 0 else self.planes[index - 1]})

    def stop(self) -> None:
        """Hidden: both panels show their own views again, as a hidden tool shows nothing."""
        super().stop()
        self.view.update(left_hdu=None, right_hdu=None)
