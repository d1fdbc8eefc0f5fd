"""A user's file held open for as long as lininspect reads it, and read only with checked ``pread``.

Opening the file again by its name later would find another file (replaced since) or none
(deleted); a memory map of it turns a truncation into SIGBUS, which kills the process with
no word. The descriptor held from the first open keeps reading the file that was opened
(a deleted file stays readable until closed), and a short read becomes a one-line error.
"""

from __future__ import annotations

import os
import stat
import weakref
from collections.abc import Callable
from pathlib import Path

from ..errors import LinInspectError

#: Bytes read at a time when a copy cannot stay inside the kernel.
_COPY_CHUNK = 16 * 2**20


class HeldFile:
    """A regular file opened once for reading; ``read`` refuses short reads naming the file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise LinInspectError(f"{self.path}: no such file")
        if self.path.is_dir():
            raise LinInspectError(f"{self.path}: is a directory, not a FITS file")
        if not self.path.is_file():  # never open a FIFO or a device: reading one may block or never end
            raise LinInspectError(f"{self.path}: is not a regular file")
        try:
            # Non-blocking: a FIFO put in the file's place since the check cannot block the open.
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        except OSError as error:
            raise LinInspectError(f"{self.path}: cannot be read ({error.strerror or error})") from None
        self._fd = fd
        # Closed when the last reference goes, whoever held it (quietly: a FileIO would warn).
        self.close = weakref.finalize(self, os.close, fd)
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            self.close()
            raise LinInspectError(f"{self.path}: is not a regular file")
        self.size = status.st_size
        self._identity = (status.st_dev, status.st_ino)
        #: A write in place at the same size leaves the identity and size as they were, not this.
        self._modified_ns = status.st_mtime_ns
        #: Called with (offset, bytes or a memoryview of them) after each read: lets a digest use the reads made anyway.
        self.observer: Callable[[int, bytes | memoryview], None] | None = None

    @property
    def fd(self) -> int:
        return self._fd

    def read(self, size: int, offset: int) -> bytes:
        """``size`` bytes at ``offset``, or a refusal: the file ended early or the disk failed."""
        try:
            data = os.pread(self.fd, size, offset)
        except OSError as error:
            raise LinInspectError(f"{self.path}: cannot be read ({error.strerror or error})") from None
        if len(data) != size:
            raise LinInspectError(f"{self.path}: ended early (truncated while being read?)")
        if self.observer is not None:
            self.observer(offset, data)
        return data

    def read_into(self, buffer: memoryview, offset: int) -> None:
        """Fill the writable bytes ``buffer`` from ``offset``, refusing as :meth:`read` does: a block
        of many reads lands in one array, with no bytes object made and copied for each."""
        try:
            size = os.preadv(self.fd, [buffer], offset)
        except OSError as error:
            raise LinInspectError(f"{self.path}: cannot be read ({error.strerror or error})") from None
        if size != buffer.nbytes:
            raise LinInspectError(f"{self.path}: ended early (truncated while being read?)")
        if self.observer is not None:
            self.observer(offset, buffer)

    def copy_into(self, target_fd: int, size: int, offset: int, target_offset: int) -> None:
        """Copy ``size`` bytes at ``offset`` to ``target_offset`` of ``target_fd``, inside the kernel
        (``copy_file_range``: no pass through Python's memory) where the system offers it, else read
        and written here; refuses a short source as :meth:`read` does."""
        while size > 0:
            try:
                copied = os.copy_file_range(self.fd, target_fd, size, offset, target_offset)
            except (AttributeError, OSError):  # no such call here, or not between these file systems
                copied = os.pwrite(target_fd, self.read(min(size, _COPY_CHUNK), offset), target_offset)
            if copied == 0:
                raise LinInspectError(f"{self.path}: ended early (truncated while being read?)")
            size, offset, target_offset = size - copied, offset + copied, target_offset + copied

    def change(self) -> str | None:
        """What became of the file under its name since it was opened: None when it is still there, unchanged."""
        try:
            now = os.stat(self.path)
        except FileNotFoundError:
            return "deleted"
        except OSError as error:
            return f"no longer readable ({error.strerror or error})"
        if (now.st_dev, now.st_ino) != self._identity:
            return "replaced by another file"
        if now.st_size != self.size or os.fstat(self.fd).st_size != self.size:
            return f"changed size ({self.size} bytes when opened, {now.st_size} now)"
        if now.st_mtime_ns != self._modified_ns:
            return "rewritten in place"
        return None
