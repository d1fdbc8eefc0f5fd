"""What every test's child processes see: a bare machine's environment, not this workstation's;
and the session's folder for files made once and shared (tests/session_shared.py).

A ``PYTHONUNBUFFERED`` set here (as on the project's machine) hid for a session that ``correct``'s
"wrote" lines reached a pipe only when the process ended, which Debian 12 and 13 showed.
"""

from __future__ import annotations

import os

import pytest

os.environ.pop("PYTHONUNBUFFERED", None)


@pytest.fixture(scope="session", autouse=True)
def _session_shared_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """One folder for the whole session, every xdist worker's included (theirs are popen-gwN under it)."""
    import session_shared

    base = tmp_path_factory.getbasetemp()
    session_shared.FOLDER = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shared"
