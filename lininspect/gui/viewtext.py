"""A pyqtgraph TextItem that waits for its view to have a size before it keeps its text upright.

TextItem inverts its view's transform on every change; before a panel is laid out that
transform is singular, and pyqtgraph falls back to a pseudo-inverse that sets an array's
``shape`` (deprecated in numpy 2.5, one DeprecationWarning each time). Nothing is on screen
then, so the update is skipped; the view's next change, once it has a size, makes it.
"""

from __future__ import annotations

import pyqtgraph as pg


class ViewText(pg.TextItem):
    """Text in a view, unscaled and upright as pyqtgraph's, skipping updates while the view has no size."""

    def updateTransform(self, force: bool = False) -> None:  # noqa: N802 (pyqtgraph's name)
        parent = self.parentItem()
        if parent is not None and parent.sceneTransform().determinant() == 0:
            return
        super().updateTransform(force)
