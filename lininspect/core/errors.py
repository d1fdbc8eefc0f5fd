"""Errors that carry a one-line, user-facing reason.

The CLI prints ``str(error)`` and exits 2, the GUI shows it in a dialog; nothing
else about the error is shown, so the message must name the file and the problem.
"""

from __future__ import annotations


class LinInspectError(Exception):
    """A problem with the user's input that we can explain in one line."""


class CorrectionCancelled(LinInspectError):
    """The user cancelled a running correction; no result and no file remain."""

    def __init__(self) -> None:
        super().__init__("correction cancelled")
