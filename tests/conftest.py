"""What every test's child processes see: a bare machine's environment, not this workstation's;
the session's folder for files made once and shared (tests/session_shared.py); and one local Dask cluster.

A ``PYTHONUNBUFFERED`` set here (as on the project's machine) hid for a session that ``correct``'s
"wrote" lines reached a pipe only when the process ended, which Debian 12 and 13 showed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from distributed import Client

os.environ.pop("PYTHONUNBUFFERED", None)


@pytest.fixture(scope="session", autouse=True)
def _session_shared_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """One folder for the whole session, every xdist worker's included (theirs are popen-gwN under it)."""
    import session_shared

    base = tmp_path_factory.getbasetemp()
    session_shared.FOLDER = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shared"


@pytest.fixture(scope="session")
def local_client() -> Iterator[Client]:
    """A LocalCluster of two worker processes on 127.0.0.1, started once for the tests of every file that
    needs one (a few seconds each time, and jwst imported again in its workers)."""
    from distributed import Client, LocalCluster

    # No dashboard, but the scheduler's HTTP server (health, metrics) still asks for port 8787 unless told
    # otherwise, and warns when another cluster on the machine has it: any free port will do.
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
                      scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as cluster, Client(cluster) as client:
        yield client
