"""PNG files encoded in memory and written by Python, so a full disk is our one plain line.

``QImage.save(path)`` lets libpng write the file: on a full disk libpng prints
"libpng error: Write Error" on the terminal before Qt returns a bare False.
"""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import QBuffer, QByteArray, QIODevice
from PyQt6.QtGui import QImage

from ..core.errors import LinInspectError


def write_png(image: QImage, path: Path) -> None:
    """``image`` as a PNG file at ``path`` (a file system error is raised as OSError, naming ``path``)."""
    encoded = QByteArray()
    buffer = QBuffer(encoded)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise LinInspectError(f"{path}: the picture could not be encoded as PNG")
    buffer.close()
    with open(path, "wb") as stream:
        stream.write(encoded.data())
