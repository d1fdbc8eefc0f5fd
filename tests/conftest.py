"""What every test's child processes see: a bare machine's environment, not this workstation's.

A ``PYTHONUNBUFFERED`` set here (as on the project's machine) hid for a session that ``correct``'s
"wrote" lines reached a pipe only when the process ended, which Debian 12 and 13 showed.
"""

from __future__ import annotations

import os

os.environ.pop("PYTHONUNBUFFERED", None)
