"""The ``lininspect`` command: a thin layer over the core (correct, demo) and the GUI (open, snapshot).

Every refusal is one line on stderr and exit status 2; no traceback reaches the user.
Qt is imported only by the commands that show or render a window.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from . import __version__
from .core.errors import LinInspectError

COMMANDS = ("correct", "snapshot", "demo")
EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130

_DESCRIPTION = """\
Inspect JWST's detector linearity correction, with the pipeline's exact numbers.

  lininspect                           open the app on the bundled demo, corrected
  lininspect INPUT [--reference REF] [--corrected FILE]
                                       open an exposure (and its reference or pipeline product)
  lininspect correct INPUT... --reference REF [-o OUT | --output-dir DIR] [--overwrite]
                                       write *_linearity.fits files, as the pipeline's step does
  lininspect snapshot INPUT --reference REF --pixel X Y -o PNG
                                       render the app with one pixel inspected to a PNG
  lininspect demo DIR                  write the demo exposure and its linearity reference

Run 'lininspect COMMAND --help' for a command's options.
"""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line, as every other refusal is."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] in COMMANDS:
            parser = _command_parser(args[0])
            options = parser.parse_args(args[1:])
            return options.run(options)
        options = _open_parser().parse_args(args)
        return _open(options)
    except LinInspectError as error:
        _fail(str(error))
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        _fail(f"{where}{error.strerror or error}")
    except KeyboardInterrupt:
        print("\nlininspect: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # never show a traceback unless asked to
        if os.environ.get("LININSPECT_DEBUG"):
            raise
        print(f"lininspect: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_INTERNAL
    return EXIT_BAD_INPUT


def _fail(message: str) -> NoReturn:
    print(f"lininspect: error: {message}", file=sys.stderr)
    raise SystemExit(EXIT_BAD_INPUT)


def _open_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="lininspect",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"lininspect {__version__}")
    parser.add_argument("input", nargs="?", type=Path, help="ramp exposure to inspect")
    _add_reference(parser, required=False)
    parser.add_argument("--corrected", type=Path, help="a pipeline _linearity product to compare with")
    return parser


def _add_reference(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument(
        "--reference",
        "--override-linearity",
        "-r",
        dest="reference",
        type=Path,
        required=required,
        help="linearity reference file (--override-linearity is accepted, as strun spells it)",
    )


def _command_parser(command: str) -> argparse.ArgumentParser:
    parser = _Parser(prog=f"lininspect {command}")
    if command == "correct":
        parser.description = (
            "Linearity-correct ramp files exactly as the pipeline's LinearityStep does, writing "
            "INPUT's name with its last step suffix replaced by _linearity."
        )
        parser.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="ramp files to correct")
        _add_reference(parser, required=True)
        where = parser.add_mutually_exclusive_group()
        where.add_argument("-o", "--output", type=Path, help="output file (one INPUT only)")
        where.add_argument("--output-dir", type=Path, help="directory for the outputs (default: beside each input)")
        parser.add_argument("--overwrite", action="store_true", help="replace outputs that already exist")
        parser.add_argument(
            "--force", action="store_true", help="use the reference even if its INSTRUME/DETECTOR differ from the input's"
        )
        parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
        parser.set_defaults(run=_correct)
    elif command == "snapshot":
        parser.description = "Render the main window, corrected, with one pixel inspected, to a PNG (no display needed)."
        parser.add_argument("input", type=Path, help="ramp exposure")
        _add_reference(parser, required=True)
        parser.add_argument("--pixel", nargs=2, type=int, metavar=("X", "Y"), required=True, help="array column and row")
        parser.add_argument("--integration", type=int, default=0, help="integration shown (0-based, default 0)")
        parser.add_argument("--group", type=int, default=None, help="group shown (0-based, default the last)")
        parser.add_argument("-o", "--output", type=Path, required=True, help="PNG file to write")
        parser.add_argument("--size", nargs=2, type=int, default=(1600, 1000), metavar=("W", "H"))
        parser.set_defaults(run=_snapshot)
    else:
        parser.description = "Write the demo MIRI exposure and its linearity reference into DIR."
        parser.add_argument("directory", type=Path, metavar="DIR")
        parser.set_defaults(run=_demo)
    return parser


def _correct(options: argparse.Namespace) -> int:
    from .core.exposure import open_exposure
    from .core.product import correct_file, default_output_path
    from .core.reference import check_same_detector, open_reference

    if options.output is not None and len(options.inputs) > 1:
        raise LinInspectError("-o/--output takes one INPUT; use --output-dir for several")
    if options.output_dir is not None and not options.output_dir.is_dir():
        raise LinInspectError(f"{options.output_dir}: output directory does not exist")
    reference = open_reference(options.reference)
    bar = _ProgressBar(sys.stderr, len(options.inputs), enabled=not options.quiet and sys.stderr.isatty())
    failures = 0
    for index, path in enumerate(options.inputs):
        output = options.output or default_output_path(path, options.output_dir)
        started = time.perf_counter()
        try:
            if not options.force:
                check_same_detector(open_exposure(path), reference)
            summary = correct_file(
                path, reference, output, overwrite=options.overwrite, progress=bar.callback(index)
            )
        except LinInspectError as error:
            bar.clear()
            print(f"lininspect: error: {error}", file=sys.stderr)
            failures += 1
            continue
        bar.clear()
        for note in summary.notes:
            print(f"lininspect: note: {path}: {note}", file=sys.stderr)
        print(
            f"wrote {summary.output}: {summary.no_lin_corr_pixels} pixels NO_LIN_CORR, "
            f"{summary.saturated_groups} saturated groups left raw ({time.perf_counter() - started:.1f} s)"
        )
    return EXIT_BAD_INPUT if failures else EXIT_OK


def _demo(options: argparse.Namespace) -> int:
    from .core.demo import write_demo

    directory: Path = options.directory
    if not directory.parent.is_dir():
        raise LinInspectError(f"{directory.parent}: directory does not exist")
    directory.mkdir(exist_ok=True)
    files = write_demo(directory)
    print(f"wrote {files.exposure}\nwrote {files.reference}")
    print(f"try: lininspect {files.exposure} --reference {files.reference}")
    return EXIT_OK


def _open(options: argparse.Namespace) -> int:
    from .core.demo import ensure_demo

    if options.input is None:
        if options.reference is not None or options.corrected is not None:
            raise LinInspectError("--reference and --corrected need an INPUT exposure")
        demo = ensure_demo()
        return _launch(demo.exposure, demo.reference, None, correct_on_open=True)
    # With a pipeline product, the app shows that product rather than a correction of its own.
    correct_on_open = options.reference is not None and options.corrected is None
    return _launch(options.input, options.reference, options.corrected, correct_on_open=correct_on_open)


def _launch(input_path: Path, reference: Path | None, corrected: Path | None, *, correct_on_open: bool) -> int:
    try:
        from .gui.app import launch
    except ImportError as error:
        raise LinInspectError(f"the desktop app cannot start: {error}") from None
    return launch(input_path, reference, corrected, correct_on_open=correct_on_open)


def _snapshot(options: argparse.Namespace) -> int:
    try:
        from .gui.snapshot import render_snapshot
    except ImportError as error:
        raise LinInspectError(f"snapshots need the desktop app, which cannot start: {error}") from None
    render_snapshot(
        options.input,
        options.reference,
        pixel=tuple(options.pixel),
        integration=options.integration,
        group=options.group,
        output=options.output,
        size=tuple(options.size),
    )
    print(f"wrote {options.output}")
    return EXIT_OK


class _ProgressBar:
    """One overall bar on a terminal for all the files of a run; silent when not a terminal."""

    WIDTH = 30

    def __init__(self, stream: TextIO, files: int, *, enabled: bool) -> None:
        self._stream = stream
        self._files = files
        self._enabled = enabled
        self._shown = -1

    def callback(self, index: int):  # type: ignore[no-untyped-def]
        if not self._enabled:
            return None

        def report(done: int, total: int) -> None:
            fraction = (index + done / max(total, 1)) / self._files
            step = int(fraction * 1000)
            if step != self._shown:
                self._shown = step
                filled = int(fraction * self.WIDTH)
                self._stream.write(
                    f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {fraction:6.1%}  file {index + 1}/{self._files}"
                )
                self._stream.flush()

        return report

    def clear(self) -> None:
        if self._enabled:
            self._stream.write("\r" + " " * (self.WIDTH + 30) + "\r")
            self._stream.flush()
