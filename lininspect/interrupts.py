"""Ctrl-C and SIGTERM end lininspect quietly, with the shell's statuses (130, 143), at any moment.

Until the command has started there is nothing to clean up, so the first handlers exit at
once (they are installed before numpy, astropy or Qt are imported, which takes most of a
second). Once a command runs, the signals are raised as exceptions where the program is,
so every temporary file is removed on the way out (see core/fits/atomic.py). After it, while the
process ends, they are held and answered with the same status (:func:`exit_process`).
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
from types import FrameType
from typing import NoReturn

EXIT_INTERRUPTED, EXIT_TERMINATED = 128 + signal.SIGINT, 128 + signal.SIGTERM


class Terminated(BaseException):
    """SIGTERM (sent by ``timeout``, batch schedulers, systemd), raised like KeyboardInterrupt."""


def exit_at_once_on_signals() -> None:
    """For start-up: a signal ends the process immediately, with one line and no traceback."""
    _install(_exit_now, _exit_now)


def raise_on_signals() -> None:
    """For running commands: SIGINT raises KeyboardInterrupt, SIGTERM raises Terminated."""
    _install(_raise_interrupted, _raise_terminated)


def signal_received() -> int | None:
    """The last signal raised by :func:`raise_on_signals`' handlers, or None.

    A library that swallows the KeyboardInterrupt raised inside its import (a bare ``except``)
    fails later on what the import left half done: that failure is the interruption, not an
    internal error.
    """
    return _received[-1] if _received else None


def current_handlers() -> tuple[object, object]:
    """The SIGINT and SIGTERM handlers now in place, to put back with :func:`restore`."""
    return signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)


def restore(handlers: tuple[object, object]) -> None:
    """Put ``handlers`` back; a signal meanwhile is held and then goes to them, never to the ones replaced."""
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        _install(*handlers)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def exits_at_once(handlers: tuple[object, object]) -> bool:
    """Whether ``handlers`` are the start-up ones: lininspect runs as the command, not inside a caller."""
    return handlers == (_exit_now, _exit_now)


def exit_process(code: int) -> NoReturn:
    """End the command with ``code``, or with 130/143 and one line if a signal comes while it ends.

    Python's own shutdown puts the default handlers back before the process is gone, so a
    SIGTERM in its last few hundred milliseconds killed it by the signal without a word. Here
    the signals are held instead, the atexit functions run and the output is flushed, and a
    signal held meanwhile decides the status. For the commands, whose work ends with them: a
    thread still running is not waited for.
    """
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can be said on it
            pass
    held = signal.sigpending()
    if signal.SIGINT in held:
        _exit_now(signal.SIGINT, None)
    if signal.SIGTERM in held:
        _exit_now(signal.SIGTERM, None)
    os._exit(code)


def _install(on_interrupt, on_terminate) -> None:  # type: ignore[no-untyped-def]
    try:
        signal.signal(signal.SIGINT, on_interrupt)
        signal.signal(signal.SIGTERM, on_terminate)
    except ValueError:  # not the main thread (lininspect called as a library): leave signals alone
        pass


def _exit_now(signum: int, frame: FrameType | None) -> NoReturn:
    os.write(2, b"\nlininspect: interrupted\n" if signum == signal.SIGINT else b"\nlininspect: terminated\n")
    os._exit(128 + signum)


_received: list[int] = []


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
    raise KeyboardInterrupt


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
    raise Terminated()
