"""The settings file, read only when it is a regular file of sane size, and never written through a link.

QSettings reads its file when constructed: a FIFO there blocked the app before its window
appeared (deaf to SIGINT and SIGTERM), a 10 MB recent list blocked the event loop for half a
minute, and saving through a symbolic link replaced whatever the link named (once a device
node) with a text file. Such a file is left alone: the app starts with defaults, says so,
and keeps what it saves in a scratch file that goes with it.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from PyQt6.QtCore import QEvent, QObject, QSettings, QStandardPaths, QTimer

from ..core.errors import printable

ORGANISATION = "lininspect"
APPLICATION = "lininspect"
#: Point this at an .ini file to keep settings away from the user's (tests do).
SETTINGS_ENV = "LININSPECT_SETTINGS"
#: A window's geometry, its docks and eight recent files take a few kB; more is not ours.
MAX_SETTINGS_BYTES = 2**20


def settings_path() -> Path:
    """The file named by LININSPECT_SETTINGS, else the one QSettings(ORGANISATION, APPLICATION) uses on Linux."""
    override = os.environ.get(SETTINGS_ENV)
    if override:
        return Path(override)
    config = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    return Path(config) / ORGANISATION / f"{APPLICATION}.conf"


def open_settings() -> tuple[QSettings, str | None]:
    """The user's settings and None, or scratch settings (defaults) and the reason the file was left alone."""
    path = settings_path()
    reason = _unfit(path)
    if reason is None:
        return _synced_later(QSettings(str(path), QSettings.Format.IniFormat)), None
    scratch = tempfile.TemporaryDirectory(prefix="lininspect-settings-")
    settings = _synced_later(QSettings(str(Path(scratch.name) / "settings.ini"), QSettings.Format.IniFormat))
    settings.scratch = scratch  # removed with the settings
    return settings, f"{printable(str(path))}: settings not read ({reason}); defaults are used and nothing is saved"


#: How long after a change the settings file is written, in milliseconds.
SYNC_DELAY_MS = 1000


class _LaterSync(QObject):
    """Writes changed settings a second later, in a turn of the event loop of their own.

    QSettings writes its file (and waits for the disk: 5-25 ms) in the turn after a change, which
    for a file just opened is the turn that paints it (the recent files change). Closing the
    window writes them at once, as before.
    """

    def __init__(self, settings: QSettings) -> None:
        super().__init__(settings)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SYNC_DELAY_MS)
        self.timer.timeout.connect(settings.sync)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        if event.type() != QEvent.Type.UpdateRequest:
            return False
        self.timer.start()
        return True


def _synced_later(settings: QSettings) -> QSettings:
    settings.installEventFilter(_LaterSync(settings))
    return settings


def _unfit(path: Path) -> str | None:
    """Why the settings file must not be opened, or None (a missing one is created on saving)."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        return error.strerror or str(error)
    if stat.S_ISLNK(status.st_mode):
        return "it is a symbolic link"
    if not stat.S_ISREG(status.st_mode):
        return "it is not a regular file"
    if status.st_size > MAX_SETTINGS_BYTES:
        return f"it holds {status.st_size / 2**20:.0f} MB, more than settings take"
    return None
