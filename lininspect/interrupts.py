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

TYPE_CHECKING = False  # ``typing`` costs tens of milliseconds before the first handler is in place
if TYPE_CHECKING:
    from typing import NoReturn

EXIT_INTERRUPTED, EXIT_TERMINATED = 128 + signal.SIGINT, 128 + signal.SIGTERM


class Terminated(BaseException):
    """SIGTERM (sent by ``timeout``, batch schedulers, systemd), raised like KeyboardInterrupt."""


def exit_at_once_on_signals() -> None:
    """For start-up: a signal ends the process immediately, with one line and no traceback."""
    _install(_exit_now, _exit_now)


def raise_on_signals() -> None:
    """For running commands: SIGINT raises KeyboardInterrupt, SIGTERM raises Terminated.

    Python drops an exception raised inside a weakref callback or ``__del__`` (e.g. the import
    system's lock clean-up) with an "Exception ignored" traceback and carries on, so a Ctrl-C
    landing there was printed and then forgotten. Such a signal is raised again a millisecond
    later, where the program is (only when lininspect is the process, not a caller's library).
    """
    owns_process = exits_at_once(current_handlers())
    _install(_raise_interrupted, _raise_terminated)
    if owns_process:
        signal.signal(signal.SIGALRM, _raise_again)
        sys.unraisablehook = _redeliver_dropped_signals


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
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGALRM})
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
    if signal.SIGALRM in held and _received:  # a dropped signal not yet raised again
        _exit_now(_received[-1], None)
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


_library_unraisablehook = sys.unraisablehook


def _redeliver_dropped_signals(unraisable: "sys.UnraisableHookArgs") -> None:
    if isinstance(unraisable.exc_value, (KeyboardInterrupt, Terminated)):
        signal.setitimer(signal.ITIMER_REAL, 0.001)  # _raise_again, once this hook has returned
        return
    _library_unraisablehook(unraisable)


def _raise_again(signum: int, frame: FrameType | None) -> None:
    if _received and _received[-1] == signal.SIGTERM:
        raise Terminated()
    raise KeyboardInterrupt
