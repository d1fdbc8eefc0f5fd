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


def printable(text: str) -> str:
    """``text`` with every control character escaped (``\\x1b``, ``\\n``...), for a terminal or a dialog.

    File names may hold any byte but '/' and NUL: printed raw, an escape sequence in one
    retitles or clears the user's terminal, and a newline splits a one-line message.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else _escaped(c) for c in text)


def _escaped(character: str) -> str:
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
