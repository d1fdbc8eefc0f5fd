"""Test-only: files that are expensive to make and never change, made once per test session.

The pytest session (every xdist worker of it) shares one folder under pytest's base temporary
folder; the first process that needs an item builds it there under an exclusive lock, the others
wait for it and reuse it. Outside pytest (the benchmarks) nothing is shared: ``built_once`` says
so by returning None and the caller builds in place as before.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

#: Set by tests/conftest.py for the session; None outside pytest.
FOLDER: Path | None = None


def built_once(name: str, build: Callable[[Path], object]) -> Path | None:
    """The folder ``name`` in the session's shared folder, ``build(folder)`` run only by its first user."""
    if FOLDER is None:
        return None
    FOLDER.mkdir(parents=True, exist_ok=True)
    done = FOLDER / name
    with open(FOLDER / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.is_dir():
            partial = FOLDER / f"{name}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir()
            build(partial)
            partial.rename(done)
    return done


def linked_copy(source: Path, target: Path, *, copied: tuple[str, ...] = ()) -> Path:
    """``source`` as a new tree at ``target``: big files hard-linked (free), the folders in ``copied``
    (relative to ``source``) really copied, so whatever a test or crds writes there stays its own."""
    shutil.copytree(source, target, copy_function=os.link, ignore=shutil.ignore_patterns(*copied) if copied else None)
    for relative in copied:
        if (source / relative).exists():
            shutil.rmtree(target / relative, ignore_errors=True)
            shutil.copytree(source / relative, target / relative)
    return target
