"""Rules an output must pass before anything is written: no input is ever lost.

An output may not be any input (compared by device and inode, so hard links and bind
mounts count, and by resolved path, so symbolic links and ``./`` count), two inputs may
not share one output, and an existing file is replaced only when asked and only if it
is a regular file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from .atomic import require_replaceable
from ..errors import LinInspectError


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file: same device and inode, or the same resolved path."""
    try:
        first, second = os.stat(a), os.stat(b)
        if (first.st_dev, first.st_ino) == (second.st_dev, second.st_ino):
            return True
    except OSError:
        pass
    return Path(a).resolve() == Path(b).resolve()


def check_output_path(output: Path, inputs: Sequence[Path], *, overwrite: bool) -> None:
    """Refuse an output that would land nowhere, replace an input, or replace a file unasked."""
    output = Path(output)
    if not output.parent.is_dir():
        raise LinInspectError(f"{output.parent}: output directory does not exist")
    if output.is_dir():
        raise LinInspectError(f"{output}: is a directory; give a file name or use --output-dir")
    if len(os.fsencode(output.name)) > _name_max(output.parent):
        raise LinInspectError(f"{output}: file name too long for its file system")
    for source in inputs:
        if same_file(output, Path(source)):
            raise LinInspectError(f"{output}: output would overwrite the input {source}")
    if os.path.lexists(output):
        if not overwrite:
            raise LinInspectError(f"{output}: already exists (use --overwrite to replace it)")
        require_replaceable(output)


def check_run_outputs(pairs: Sequence[tuple[Path, Path]], other_inputs: Sequence[Path] = ()) -> None:
    """Before a run writes anything: no output is any input of the run, no two inputs share an output."""
    inputs = [source for source, _ in pairs] + [Path(path) for path in other_inputs]
    claimed: list[tuple[Path, Path]] = []
    for source, output in pairs:
        for other in inputs:
            if same_file(output, other):
                whose = "" if same_file(source, other) else f" (it is the output of {source})"
                raise LinInspectError(f"{output}: output would overwrite the input {other}{whose}")
        for earlier_source, earlier_output in claimed:
            if same_file(output, earlier_output):
                raise LinInspectError(
                    f"{output}: both {earlier_source} and {source} would be written here; "
                    "correct them in separate runs or into different --output-dir folders"
                )
        claimed.append((source, output))


def _name_max(directory: Path) -> int:
    try:
        return os.pathconf(directory, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255
