"""Files appear whole or not at all: written to a temporary file beside the target, then renamed.

The temporary's name is short (a long legal target name must still work) and carries this
host's tag and our PID, so a later run can prove that a temporary left by ``kill -9`` is
ours and its writer dead, and remove it. Without ``replace`` the target is published with a
link that fails if the name exists, so of two runs racing for one name exactly one wins.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import os
import re
import secrets
import socket
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import LinInspectError

# Files are created private (0600); what we publish gets the permissions of any new file.
_UMASK = os.umask(0o022)
os.umask(_UMASK)

# 64 bits: hosts sharing a file system (a Dask cluster's) must not share a tag, or one removes another's live
# temporary whose PID is dead here (16 bits made two of a few hundred hosts collide).
_HOST = hashlib.blake2s(socket.gethostname().encode(), digest_size=8).hexdigest()
_TEMPORARY = re.compile(r"^\.lininspect-(?P<host>[0-9a-f]{16})-(?P<pid>\d+)-[0-9a-f]{6}\.part")
_RENAME_NOREPLACE = 1
_AT_FDCWD = -100


@contextmanager
def atomic_path(target: Path, *, replace: bool = True) -> Iterator[Path]:
    """A temporary path beside ``target`` to write; published as ``target`` only if the block succeeds.

    The temporary keeps the target's extension (``.lininspect-1a2b-4242-c0ffee.part.png``) so
    writers that choose the format by extension, as Qt's do, still work. On any error,
    interrupt included, it is removed and the target is untouched. ``replace=False``
    refuses an existing target, atomically; ``replace=True`` replaces only a regular file.
    Errors of the file system are reported naming ``target``, never the temporary.
    """
    target = Path(target)
    remove_stale_temporaries(target.parent)
    temporary = target.parent / f".lininspect-{_HOST}-{os.getpid()}-{secrets.token_hex(3)}.part{target.suffix[:8]}"
    # Created inside the block that removes it: a signal right after the creation must not leave it behind.
    ours = True
    try:
        try:
            os.close(os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except OSError:
            ours = False  # not created: a name already there is not ours to remove
            raise
        yield temporary
        os.chmod(temporary, 0o666 & ~_UMASK)
        if replace:
            require_replaceable(target)
            os.replace(temporary, target)
        else:
            _publish_new(temporary, target)
    except OSError as error:
        if ours:
            temporary.unlink(missing_ok=True)
        if error.filename not in (None, str(temporary), str(target)):
            raise  # about another file (an input): its own message names it
        raise LinInspectError(write_error_message(target, error)) from None
    except BaseException:
        if ours:
            temporary.unlink(missing_ok=True)
        raise


def write_error_message(target: Path, error: OSError) -> str:
    """``no space left on device writing X``: the cause in plain words and the file the user named."""
    code = error.errno
    if code is None:  # astropy re-raises a full disk as OSError("Not enough space on disk: ... [Errno 28] ...")
        quoted = re.search(r"\[Errno (\d+)\]", str(error))
        code = int(quoted[1]) if quoted else None
    cause = os.strerror(code) if code else str(error)
    return f"{cause[:1].lower()}{cause[1:]} writing {target}"


def require_replaceable(target: Path) -> None:
    """Refuse to replace anything but a regular file (a FIFO, a device, a directory)."""
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        raise LinInspectError(f"{target}: is not a regular file; lininspect replaces only regular files")


def _publish_new(temporary: Path, target: Path) -> None:
    """Give ``temporary`` the name ``target`` unless that name exists, atomically."""
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise LinInspectError(f"{target}: already exists (use --overwrite to replace it)") from None
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK):
            raise
        _rename_no_replace(temporary, target)  # file systems without hard links
        return
    temporary.unlink()


def _rename_no_replace(temporary: Path, target: Path) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    result = libc.renameat2(
        _AT_FDCWD, os.fsencode(temporary), _AT_FDCWD, os.fsencode(target), _RENAME_NOREPLACE
    )
    if result == 0:
        return
    code = ctypes.get_errno()
    if code == errno.EEXIST:
        raise LinInspectError(f"{target}: already exists (use --overwrite to replace it)")
    raise OSError(code, os.strerror(code), str(target))


def remove_stale_temporaries(directory: Path) -> None:
    """Remove temporaries that this host's lininspect left behind when killed (its PID is gone)."""
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        match = _TEMPORARY.match(entry.name)
        if match is None or match["host"] != _HOST or int(match["pid"]) == os.getpid():
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid() and not _alive(int(match["pid"])):
                os.unlink(entry.path)
        except OSError:
            continue


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
