"""``lininspect snapshot``: the main window, corrected, with one pixel inspected, as a PNG.

No whole-exposure run: the shown plane and pixel are corrected on demand, so a snapshot
of a 5 GB exposure reads a plane and a ramp, not the file.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from pathlib import Path

from PyQt6.QtCore import QMessageLogContext, QSettings, QtMsgType, qInstallMessageHandler

from ..core.fits.atomic import atomic_path
from ..core.errors import LinInspectError
from ..core.fits.outputs import check_output_path
from ..core.references.reference import LinearityReference, open_reference
from ..model.figurespec import FigureSize, FigureTarget, Theme, figure_format
from ..model.viewstate import PanelSource, RightView
from .figurecopy import background, figure_layout
from .figurefile import figure_job, record_figure
from .pngfile import write_png

MIN_SIZE = (1400, 900)
#: The window a figure is taken from: the default snapshot's.
DEFAULT_WINDOW = (1600, 1000)

def _path(reference: Path | LinearityReference) -> Path:
    return reference.path if isinstance(reference, LinearityReference) else Path(reference)


def _opened(reference: Path | LinearityReference) -> LinearityReference:
    return reference if isinstance(reference, LinearityReference) else open_reference(Path(reference))


def render_snapshot(
    input: Path,
    reference: Path | LinearityReference,
    *,
    pixel: tuple[int, int] = (0, 0),
    integration: int = 0,
    group: int | None = None,
    output: Path,
    size: tuple[int, int] = (1600, 1000),
    overwrite: bool = False,
    against: Path | LinearityReference | None = None,
    figure: tuple[str, float, str] | None = None,
) -> None:
    """Render without a display; the PNG appears whole or not at all, never over an input,
    and over an existing file only with ``overwrite``.

    With ``against`` (reference B) the left panel shows the correction with A, the right
    one A − B, and the inspector overlays both corrections. A reference given opened (CRDS's pick)
    keeps its origin: the status bar names the context that chose it. With ``figure`` (a target's short
    name, DPI, theme) one plot or panel is written as File ▸ Export figure… writes it, ``size`` pixels at
    that DPI, PNG, SVG or PDF by ``output``'s suffix."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from .app import application, open_window

    output = Path(output)
    given = [reference, *([against] if against is not None else [])]
    check_output_path(output, [Path(input), *(_path(file) for file in given)], overwrite=overwrite)
    reference, against = _opened(reference), _opened(against) if against is not None else None
    if figure is not None:
        figure_format(output)  # a wrong suffix refused before any work
        figure_size = FigureSize.from_pixels(size[0], size[1], figure[1])
        figure_size.check()
        size = DEFAULT_WINDOW
    width, height = max(size[0], MIN_SIZE[0]), max(size[1], MIN_SIZE[1])
    qInstallMessageHandler(_quiet_offscreen)
    app = application()
    # Snapshots always look the same: default choices, never the user's saved ones.
    with tempfile.TemporaryDirectory() as scratch:
        settings = QSettings(str(Path(scratch) / "snapshot.ini"), QSettings.Format.IniFormat)
        window = open_window(Path(input), None, None, settings=settings)
        window.opener.use_reference(reference)
        try:
            exposure = window.session.exposure
            assert exposure is not None
            if not 0 <= integration < exposure.nints:
                raise LinInspectError(f"integration {integration} is outside 0..{exposure.nints - 1}")
            last = exposure.ngroups - 1
            if group is not None and not 0 <= group <= last:
                raise LinInspectError(f"group {group} is outside 0..{last}")
            x, y = pixel
            if not window.session.contains(x, y):
                ny, nx = exposure.shape[2:]
                raise LinInspectError(f"pixel ({x}, {y}) is outside the {nx} x {ny} exposure")
            window.resize(width, height)
            window.show()
            window.apply_default_layout()
            if against is not None:
                window.opener.use_against(against)
                window.view.update(left=PanelSource.CORRECTED_A, right=RightView.A_MINUS_B)
            window.set_frame(integration, last if group is None else group)
            window.jobs.correct_integration_now()  # no event loop here to wait for a read-level integration's job
            window.select_pixel(x, y)
            window.status.show_readout(x, y)
            for _ in range(3):
                app.processEvents()
            if figure is not None:
                target, theme = FigureTarget[figure[0].upper()], Theme[figure[2].upper()]
                copy = figure_layout(window.inspector, window.left, window.right, target, theme)
                picture = record_figure(copy, background(theme), figure_size)
                title = f"{target.value} — {window.inspector.caption_text()}"
                figure_job(picture, figure_size, output, title)(lambda done, total: None, threading.Event())
                return
            image = window.grab()
            with atomic_path(output, replace=overwrite) as temporary:
                write_png(image.toImage(), temporary)
        finally:
            window.close()
            window.deleteLater()
            app.processEvents()


def _quiet_offscreen(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Pass Qt's messages on, except the offscreen plugin's harmless note on every window."""
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)
