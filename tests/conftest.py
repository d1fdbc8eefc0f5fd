"""What every test's child processes see: a bare machine's environment, not this workstation's;
the session's folder for files made once and shared (tests/session_shared.py); and a local Dask cluster.

A ``PYTHONUNBUFFERED`` set here (as on the project's machine) hid for a session that ``correct``'s
"wrote" lines reached a pipe only when the process ended, which Debian 12 and 13 showed. A
``PYTHONDONTWRITEBYTECODE`` set here made each of the suite's few hundred ``lininspect`` processes compile
the package again (0.1 s of CPU for a refusal, more for a correction): in a fresh clone the first writes
the byte code, as on a user's machine, and the rest read it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from distributed import Client

for _variable in ("PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"):
    os.environ.pop(_variable, None)


@pytest.fixture(scope="session", autouse=True)
def _session_shared_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """One folder for the whole session, every xdist worker's included (theirs are popen-gwN under it)."""
    import session_shared

    base = tmp_path_factory.getbasetemp()
    session_shared.FOLDER = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shared"


@pytest.fixture(scope="module")
def local_client() -> Iterator[Client]:
    """Two worker processes on 127.0.0.1, as ``survey --workers 2`` starts them (no profiler, no dashboard),
    for the tests of one file (a few seconds to start, and jwst imported again in its workers). Stopped
    after that file: idle, the scheduler and its workers still take a tenth of a core, which a cluster kept
    to the session's end took from every later test."""
    from lininspect.cluster import dask_client

    with dask_client(None, 2) as client:
        yield client
