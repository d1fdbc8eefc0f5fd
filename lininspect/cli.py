"""The ``lininspect`` command: a thin layer over the core (correct, demo) and the GUI (open, snapshot).

Every refusal is one line on stderr and exit status 2; no traceback reaches the user.
Qt is imported only by the commands that show or render a window.
"""

from __future__ import annotations

from .interrupts import (
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    Terminated,
    current_handlers,
    exit_at_once_on_signals,
    exit_process,
    exits_at_once,
    raise_on_signals,
    restore,
    signal_received,
)

import os  # noqa: E402
import sys  # noqa: E402

if os.path.basename(sys.argv[0] if sys.argv else "") == "lininspect":
    exit_at_once_on_signals()  # the console script imports this module first: quiet on Ctrl-C from here on

import argparse  # noqa: E402
import re  # noqa: E402
import signal  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable, Iterator, Sequence  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING, NoReturn, TextIO  # noqa: E402

from . import __version__  # noqa: E402
from .core.errors import LinInspectError, printable  # noqa: E402
from .model.opening import OpeningRequest  # noqa: E402

if TYPE_CHECKING:
    from .core.references.reference import LinearityReference
    from .core.references.resolve import ResolvedInput

COMMANDS = ("correct", "snapshot", "compare-references", "survey", "demo", "install-desktop")
EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2
#: ``snapshot --figure`` choices: File ▸ Export figure…'s targets, by short name.
FIGURES = ("ramp", "ratio", "curve", "residuals", "plots", "left", "right", "panels")
#: Largest snapshot side: 16384 x 16384 RGBA is 1 GB, already more than a screen needs.
MAX_SNAPSHOT_SIDE = 16384

_DESCRIPTION = """\
Inspect JWST's detector linearity correction, with the pipeline's exact numbers.

  lininspect                           open the app on the bundled demo, corrected
  lininspect INPUT [--reference REF] [--corrected FILE] [--against B | --against-context PMAP]
                                       open an exposure (and its reference or pipeline product)
  lininspect --session FILE            resume a review saved with File ▸ Save session…
  lininspect correct INPUT... [--reference REF] [-o OUT | --output-dir DIR] [--overwrite]
                                       write *_linearity.fits files, as the pipeline's step does
  lininspect snapshot INPUT [--reference REF] [--against B | --against-context PMAP] --pixel X Y -o PNG
                                       render the app with one pixel inspected to a PNG
         [--figure ramp|ratio|curve|residuals|plots|left|right|panels --size W H --dpi D --theme light]
                                       or one plot or panel of it as a PNG, SVG or PDF figure
  lininspect compare-references INPUT [--reference A] (--against B | --against-context PMAP) -o DIR
                                       maps, tables and a picture of two references on one exposure
                                       (B from PMAP: how a delivery's new context changes this exposure)
  lininspect survey FILE... [--reference REF] [--against B | --against-context PMAP] [--level DN] -o DIR
                                       figures of every exposure (table), stacked per-detector maps and
                                       plots, on a Dask cluster (--scheduler tcp://HOST:PORT, or local workers)
  lininspect SURVEY_DIR                open a survey's table and maps in the app
  lininspect demo DIR                  write the demo exposure and its linearity reference
  lininspect install-desktop [--remove]
                                       add lininspect to the desktop's menu and "Open with" for FITS files

Without --reference, CRDS chooses the reference as the pipeline does (CRDS_PATH, CRDS_SERVER_URL,
CRDS_CONTEXT or --crds-context). Inputs whose earlier Detector1 steps have not run (_uncal ...)
get them from jwst first, unless --as-is. jwst comes with the 'pipeline' extra:
  {pipeline_install_hint}

Run 'lininspect COMMAND --help' for a command's options.
"""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line, as every other refusal is."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, printable(f"{self.prog}: error: {message} (see '{self.prog} --help')") + "\n")

    def parse_args(self, args=None, namespace=None):  # type: ignore[no-untyped-def, override]
        """Name an unknown option first: argparse would complain about missing arguments instead."""
        unknown = self.unknown_option(list(args or []))
        if unknown is not None:
            self.error(f"unrecognized option {unknown}")
        return super().parse_args(args, namespace)

    def unknown_option(self, args: list[str]) -> str | None:
        known = list(self._option_string_actions)  # every spelling of every option, help included
        for arg in args:
            if arg == "--":
                return None
            if not arg.startswith("-") or arg == "-" or re.match(r"^-\d", arg):
                continue
            name = arg.split("=", 1)[0]
            if name.startswith("--"):
                if not any(option.startswith(name) for option in known if option.startswith("--")):
                    return name
            elif name[:2] not in known:
                return name
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; every outcome is an exit status and at most a line or two on stderr."""
    # Called as the command, the handlers in place are the quiet exits installed on import:
    # a signal while the interpreter shuts down then exits quietly too. Called from Python,
    # the caller gets its own handlers back.
    previous = current_handlers()
    args = list(sys.argv[1:] if argv is None else argv)
    if exits_at_once(previous):
        _lines_as_they_come(sys.stdout)
    try:
        with warnings.catch_warnings():
            # Library warnings (astropy's, numpy's, pyqtgraph's) are not for the user's terminal:
            # what matters is reported by lininspect itself, once, in plain words.
            warnings.simplefilter("ignore")
            code = _run(args)
    except KeyboardInterrupt:
        print("\nlininspect: interrupted", file=sys.stderr)
        code = EXIT_INTERRUPTED
    except Terminated:
        print("lininspect: terminated", file=sys.stderr)
        code = EXIT_TERMINATED
    except SystemExit as leaving:  # a refusal (_fail), argparse's errors, --help, --version
        if not exits_at_once(previous):
            raise
        code = leaving.code if isinstance(leaving.code, int) else 0 if leaving.code is None else 1
        if isinstance(leaving.code, str):
            print(leaving.code, file=sys.stderr)
    finally:
        restore(previous)
    if exits_at_once(previous) and args and args[0] in COMMANDS:
        exit_process(code)  # the command itself, not the app: a signal while the process ends gets its status
    return code


def _lines_as_they_come(stream: TextIO) -> None:
    """Each "wrote …" line reaches a pipe or a log as it is said, not when a batch of files ends."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(line_buffering=True)
        except (ValueError, OSError):  # a closed or detached stream: nothing to say on it anyway
            pass


def _run(args: list[str]) -> int:
    try:
        raise_on_signals()
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
    except Exception as error:  # never show a traceback unless asked to
        received = signal_received()
        if received is not None:  # swallowed mid-import by a library, which then failed on what it left
            raise KeyboardInterrupt if received == signal.SIGINT else Terminated()
        if os.environ.get("LININSPECT_DEBUG"):
            raise
        print(printable(f"lininspect: internal error: {type(error).__name__}: {error}"), file=sys.stderr)
        return EXIT_INTERNAL
    return EXIT_BAD_INPUT


def usage() -> str:
    """The commands, as ``lininspect --help`` prints them (the app's Help ▸ Commands shows this)."""
    return _open_parser().format_help()


def _fail(message: str) -> NoReturn:
    print(printable(f"lininspect: error: {message}"), file=sys.stderr)
    raise SystemExit(EXIT_BAD_INPUT)


def _open_parser() -> argparse.ArgumentParser:
    from .installation import pipeline_install_hint

    parser = _Parser(
        prog="lininspect",
        description=_DESCRIPTION.format(pipeline_install_hint=pipeline_install_hint()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"lininspect {__version__}")
    parser.add_argument("input", nargs="?", type=Path, help="ramp exposure to inspect")
    _add_reference(parser)
    parser.add_argument("--corrected", type=Path, help="a pipeline _linearity product to compare with")
    _add_against(parser, "a second linearity reference, compared with A")
    parser.add_argument("--session", type=Path, metavar="FILE",
                        help="resume a review saved with File ▸ Save session… (its files, references and view)")
    return parser


def _add_against(parser: argparse.ArgumentParser, meaning: str, *, required: bool = False) -> None:
    """Reference B as a file, or as the one a second CRDS context picks (how a delivery is judged)."""
    which = parser.add_mutually_exclusive_group(required=required)
    which.add_argument("--against", type=Path, metavar="B", help=meaning)
    which.add_argument("--against-context", metavar="PMAP",
                       help="B is the reference this CRDS context picks for INPUT (e.g. a new context, against "
                            "the operational one that picks A)")


def _add_reference(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--reference",
        "--override-linearity",
        "-r",
        dest="reference",
        type=Path,
        help="linearity reference file, instead of CRDS's pick (--override-linearity, as strun spells it)",
    )
    parser.add_argument(
        "--crds-context", metavar="PMAP", help="CRDS context for the choices (default: CRDS_CONTEXT, else the server's)"
    )
    parser.add_argument(
        "--as-is", action="store_true", help="correct the file as it is, without running the missing earlier steps"
    )


def _command_parser(command: str) -> argparse.ArgumentParser:
    parser = _Parser(prog=f"lininspect {command}")
    if command == "correct":
        parser.description = (
            "Linearity-correct ramp files exactly as the pipeline's LinearityStep does, writing "
            "INPUT's name with its last step suffix replaced by _linearity."
        )
        parser.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="ramp files to correct")
        _add_reference(parser)
        where = parser.add_mutually_exclusive_group()
        where.add_argument("-o", "--output", type=Path, help="output file (one INPUT only)")
        where.add_argument("--output-dir", type=Path, help="directory for the outputs (default: beside each input)")
        parser.add_argument("--overwrite", action="store_true", help="replace outputs that already exist")
        parser.add_argument(
            "--force", action="store_true", help="use the reference even if its INSTRUME/DETECTOR differ from the input's"
        )
        parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
        _add_cluster(parser, "correct the files on a Dask cluster, one task per file")
        parser.set_defaults(run=_correct)
    elif command == "snapshot":
        parser.description = "Render the main window, corrected, with one pixel inspected, to a PNG (no display needed)."
        parser.add_argument("input", type=Path, help="ramp exposure")
        _add_reference(parser)
        parser.add_argument("--pixel", nargs=2, type=int, metavar=("X", "Y"), required=True, help="array column and row")
        _add_against(parser, "a second reference: corrected with A beside A − B, both in the inspector")
        parser.add_argument("--integration", type=int, default=0, help="integration shown (0-based, default 0)")
        parser.add_argument("--group", type=int, default=None, help="group shown (0-based, default the last)")
        parser.add_argument("-o", "--output", type=Path, required=True, help="PNG file to write")
        parser.add_argument("--overwrite", action="store_true", help="replace the PNG if it already exists")
        parser.add_argument(
            "--size", nargs=2, type=int, default=None, metavar=("W", "H"),
            help=f"window size in pixels (default 1600 1000), or with --figure the figure's (at most {MAX_SNAPSHOT_SIDE} a side)",
        )
        parser.add_argument("--figure", choices=FIGURES, default=None,
                            help="write this plot or panel as a figure (PNG, SVG or PDF by -o's suffix) instead of "
                                 "the window, as File ▸ Export figure… does")  # fmt: skip
        parser.add_argument("--dpi", type=float, default=None, help="with --figure: dots per inch (default 96)")
        parser.add_argument("--theme", choices=("dark", "light"), default=None,
                            help="with --figure: the window's dark colours (default) or black on white")  # fmt: skip
        parser.set_defaults(run=_snapshot)
    elif command == "compare-references":
        parser.description = (
            "Correct INPUT with two linearity references, A and B, and write into DIR FITS maps of each one's "
            "correction factor (corrected/raw) at each pixel's saturation level or at --level, and their "
            "difference, the NO_LIN_CORR pixels gained and lost, the straight-line residual RMS of the corrected "
            "ramps with A and with B, ECSV tables (summary, NO_LIN_CORR changes, histogram) and a PNG summary."
        )
        parser.add_argument("input", type=Path, help="ramp exposure")
        _add_reference(parser)
        _add_against(parser, "the reference compared with A", required=True)
        parser.add_argument("-o", "--output-dir", type=Path, required=True, metavar="DIR",
                            help="directory for the files (made if its parent exists)")
        parser.add_argument("--level", type=float, metavar="DN",
                            help="take the factors at this raw signal (default: each pixel's saturation level, "
                                 "its highest sample without SATURATED)")
        parser.add_argument("--overwrite", action="store_true", help="replace files that already exist")
        parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
        parser.set_defaults(run=_compare_references)
    elif command == "survey":
        parser.description = (
            "Judge a linearity correction over many exposures on a Dask cluster: per exposure the reference and "
            "correction path, NO_LIN_CORR pixels by cause, the saturated fraction, the correction factor at --level "
            "and at the last unsaturated group, and the residual non-linearity of the ramps before and after "
            "correction (with B: the same and A - B); per detector stacked maps. Writes into DIR survey.ecsv, "
            "maps/*.fits, survey.png, trends.png and maps/*.png; a rerun with the same DIR keeps what is done."
        )
        parser.add_argument("inputs", nargs="+", type=Path, metavar="FILE", help="ramp or _uncal exposures")
        _add_reference(parser)
        _add_against(parser, "a second reference, judged against A on every exposure")
        parser.add_argument("--level", type=float, metavar="DN",
                            help="raw signal of the trended correction factor (default 10000)")
        parser.add_argument("-o", "--output-dir", type=Path, required=True, metavar="DIR",
                            help="directory of the survey (made if its parent exists; reused to resume)")
        parser.add_argument("--votable", action="store_true", help="also write the table as a VOTable")
        parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
        _add_cluster(parser, "run on this Dask scheduler instead of local worker processes")
        parser.set_defaults(run=_survey)
    elif command == "install-desktop":
        parser.description = (
            "Add lininspect to the desktop's menu, with its icon, and offer it for FITS files "
            "(image/fits, application/fits) in file managers: for you only, under $XDG_DATA_HOME "
            "(default ~/.local/share). The entry runs this lininspect command."
        )
        parser.add_argument("--remove", action="store_true", help="remove the entry and the icon again")
        parser.set_defaults(run=_install_desktop)
    else:
        parser.description = "Write the demo MIRI exposure and its linearity reference into DIR."
        parser.add_argument("directory", type=Path, metavar="DIR")
        parser.add_argument("--overwrite", action="store_true", help="replace demo files already in DIR")
        parser.set_defaults(run=_demo)
    return parser


def _add_cluster(parser: argparse.ArgumentParser, meaning: str) -> None:
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT", help=meaning)
    parser.add_argument("--workers", type=int, metavar="N",
                        help="worker processes of the local Dask cluster (default: one per core)")


def _correct(options: argparse.Namespace) -> int:
    from .allocator import return_large_blocks_to_the_system
    from .core.fits.exposure import open_exposure
    from .core.fits.outputs import check_run_outputs
    from .core.fits.product import correct_file, default_output_path
    from .core.references.reference import check_same_detector, open_reference
    from .core.references.resolve import resolve_input

    if options.output is not None and len(options.inputs) > 1:
        raise LinInspectError("-o/--output takes one INPUT; use --output-dir for several")
    if options.output_dir is not None and not options.output_dir.is_dir():
        raise LinInspectError(f"{options.output_dir}: output directory does not exist")
    outputs = [options.output or default_output_path(path, options.output_dir) for path in options.inputs]
    check_run_outputs(list(zip(options.inputs, outputs)), [options.reference] if options.reference else [])
    _use_crds_context(options)
    return_large_blocks_to_the_system()  # before the reference is read: its peak is the correction's
    # A reference for one input only (-r with one input, or CRDS's pick for each) leaves its coefficients
    # in the file: they are read and prepared a tile at a time, never held whole (docs/memory.md).
    one_input = len(options.inputs) == 1
    override = None if options.reference is None else open_reference(options.reference, coefficients_in_file=one_input)
    if options.scheduler is not None or options.workers is not None:
        return _correct_on_cluster(options, outputs)
    bar = _ProgressBar(sys.stderr, len(options.inputs), enabled=not options.quiet and sys.stderr.isatty())
    failures = 0
    for index, (path, output) in enumerate(zip(options.inputs, outputs)):
        started = time.perf_counter()
        try:
            if override is not None and not options.force:
                check_same_detector(open_exposure(path), override)
            ready = resolve_input(path, override, as_is=options.as_is, progress=bar.step_callback(index),
                                  coefficients_in_file=True)  # fmt: skip
            # A reference used for this file only (CRDS's pick, or -r with one input) is prepared in place.
            summary = correct_file(ready.ramp, ready.reference, output, overwrite=options.overwrite,
                                   progress=bar.callback(index), history=ready.preparation.history(),
                                   consume_reference=override is None or one_input)  # fmt: skip
        except LinInspectError as error:
            bar.clear()
            print(printable(f"lininspect: error: {error}"), file=sys.stderr)
            failures += 1
            continue
        bar.clear()
        for note in _resolution_notes(ready) + list(summary.notes):
            print(printable(f"lininspect: note: {path}: {note}"), file=sys.stderr)
        print(printable(
            f"wrote {summary.output}: {summary.no_lin_corr_pixels} pixels NO_LIN_CORR, "
            f"{summary.saturated_groups} saturated groups left raw ({time.perf_counter() - started:.1f} s)"
        ))
    return EXIT_BAD_INPUT if failures else EXIT_OK


def _correct_on_cluster(options: argparse.Namespace, outputs: list[Path]) -> int:
    from .cluster import run_corrections

    # A scheduler's workers run in their own directory: they get absolute paths, the terminal the names given.
    given = {str(path.absolute()): path for path in (*options.inputs, *outputs)}

    def report(outcome: dict) -> None:
        if outcome["error"]:
            print(f"lininspect: error: {outcome['error']}", file=sys.stderr)
            return
        for note in outcome["notes"]:
            print(f"lininspect: note: {given.get(outcome['file'], outcome['file'])}: {note}", file=sys.stderr)
        print(f"wrote {given.get(outcome['output'], outcome['output'])}: {outcome['no_lin_corr']} pixels NO_LIN_CORR, "
              f"{outcome['saturated']} saturated groups left raw ({outcome['seconds']:.1f} s on worker "
              f"{outcome['worker']})", flush=True)

    with _dask_client(options) as client:
        failures = run_corrections(client, [(path.absolute(), output.absolute()) for path, output in
                                            zip(options.inputs, outputs)],
                                   None if options.reference is None else options.reference.absolute(),
                                   as_is=options.as_is, force=options.force, overwrite=options.overwrite,
                                   crds_context=options.crds_context, report=report)
    return EXIT_BAD_INPUT if failures else EXIT_OK


def _dask_client(options: argparse.Namespace):  # type: ignore[no-untyped-def]
    from .cluster import dask_client

    return dask_client(options.scheduler, options.workers)


def _survey(options: argparse.Namespace) -> int:
    from .cluster import SurveyProgress, run_survey
    from .core.references.crdsref import effective_context
    from .core.references.reference import open_reference
    from .core.survey.survey import DEFAULT_LEVEL, SurveySettings
    from .core.survey.surveyreport import write_table

    level = DEFAULT_LEVEL if options.level is None else options.level
    if not (level == level and abs(level) != float("inf") and level != 0):
        raise LinInspectError(f"--level {options.level}: must be a finite, non-zero number of DN")
    directory: Path = options.output_dir
    if directory.exists() and not directory.is_dir():
        raise LinInspectError(f"{directory}: is not a directory")
    if not directory.parent.is_dir():
        raise LinInspectError(f"{directory.parent}: directory does not exist")
    for given in (options.reference, options.against):  # a bad reference is one refusal, not a row per file
        if given is not None:
            open_reference(given)
    _use_crds_context(options)
    # When CRDS picks A, the context in force now (--crds-context, CRDS_CONTEXT or the server's) is named
    # for every worker and joins the results' key: a rerun under a new context must not keep the old picks.
    context = options.crds_context if options.reference is not None else effective_context(options.crds_context)
    settings = SurveySettings(
        reference=None if options.reference is None else options.reference.resolve(),
        against=None if options.against is None else options.against.resolve(),
        against_context=options.against_context, level=level, as_is=options.as_is,
        crds_context=context,
    )
    started = time.perf_counter()
    shown = not options.quiet and sys.stderr.isatty()

    def show(text: str) -> None:
        sys.stderr.write(f"\r{text:<78}")
        sys.stderr.flush()

    with _dask_client(options) as client, _loaded_meanwhile(_load_survey_report):
        # A scheduler's workers run in their own directory: DIR reaches them whole, as the files do.
        rows = run_survey(client, [path.resolve() for path in options.inputs], settings, directory.absolute(),
                          progress=SurveyProgress(show) if shown else None)
    if shown:
        sys.stderr.write("\r" + " " * 78 + "\r")
    written = write_table(rows, directory, votable=options.votable)
    written += _survey_picture(directory, rows)
    failed = [row for row in rows if row.get("error")]
    for row in failed:  # most reasons name the file already
        reason = row["error"] if row["error"].startswith(row["file"]) else f"{row['file']}: {row['error']}"
        print(f"lininspect: error: {reason}", file=sys.stderr)
    for path in written:
        print(f"wrote {path}")
    kept = sum(bool(row.get("kept")) for row in rows)
    print(f"surveyed {len(rows)} files ({kept} kept from an earlier run, {len(failed)} failed) in "
          f"{time.perf_counter() - started:.1f} s")
    return EXIT_BAD_INPUT if failed else EXIT_OK


@contextmanager
def _loaded_meanwhile(load: Callable[[], None]) -> Iterator[None]:
    """Run ``load`` in a thread while the block waits on the cluster, and wait for it at the end."""
    loader = threading.Thread(target=load, name="lininspect-loader", daemon=True)
    loader.start()
    yield
    loader.join()


def _load_survey_report() -> None:
    """Load what writing the table needs (astropy's tables), which would otherwise follow the last row. The
    pictures colour with numpy (no numba to load), and Qt is not loaded here: the thread that loads it first
    is Qt's main thread. A failure here is the writer's to report: the same import fails again there."""
    try:
        import astropy.table  # noqa: F401
    except Exception:  # noqa: BLE001
        return


def _survey_picture(directory: Path, rows: list[dict]) -> list[Path]:
    """The PNG summaries (overview, trends, each detector's maps), painted with Qt offscreen; without Qt the
    survey is still complete."""
    try:
        from .gui.surveypicture import write_maps_pictures, write_survey_picture, write_trends_picture
    except ImportError as error:
        print(f"lininspect: note: no survey.png: Qt cannot start ({error})", file=sys.stderr)
        return []
    return [write_survey_picture(directory, rows), write_trends_picture(directory, rows),
            *write_maps_pictures(directory)]


def _use_crds_context(options: argparse.Namespace) -> None:
    """--crds-context acts as CRDS_CONTEXT does, for our choice and for the pipeline's steps alike."""
    if options.crds_context:
        os.environ["CRDS_CONTEXT"] = options.crds_context


def _resolution_notes(ready: ResolvedInput) -> list[str]:
    notes = []
    origin = ready.reference.origin
    if origin is not None:
        notes.append(f"reference {origin.describe()}")
    steps = ready.preparation.steps
    if steps:
        how = "cached" if ready.preparation.from_cache else "run"
        notes.append(f"pipeline steps {', '.join(steps)} {how} first ({ready.ramp})")
    return notes


def _reference_b_notes(against: LinearityReference) -> list[str]:
    return [f"reference B {against.origin.describe()}"] if against.origin is not None else []


def _demo(options: argparse.Namespace) -> int:
    from .core.demo import DEMO_EXPOSURE_NAME, DEMO_REFERENCE_NAME, write_demo
    from .core.fits.outputs import check_output_path

    directory: Path = options.directory
    if not directory.parent.is_dir():
        raise LinInspectError(f"{directory.parent}: directory does not exist")
    if directory.exists() and not directory.is_dir():
        raise LinInspectError(f"{directory}: is not a directory")
    directory.mkdir(exist_ok=True)
    for name in (DEMO_EXPOSURE_NAME, DEMO_REFERENCE_NAME):  # like correct and snapshot: nothing replaced unasked
        check_output_path(directory / name, [], overwrite=options.overwrite)
    files = write_demo(directory)
    print(printable(f"wrote {files.exposure}"))
    print(printable(f"wrote {files.reference}"))
    print(printable(f"try: lininspect {files.exposure} --reference {files.reference}"))
    return EXIT_OK


def _install_desktop(options: argparse.Namespace) -> int:
    from .desktop import data_home, install_desktop, remove_desktop

    home = data_home()
    if options.remove:
        removed = remove_desktop(home)
        for path in removed:
            print(f"removed {path}")
        if not removed:
            print(f"nothing to remove: no lininspect desktop entry in {home}")
        return EXIT_OK
    for path in install_desktop(home):
        print(f"wrote {path}")
    return EXIT_OK


def _open(options: argparse.Namespace) -> int:
    from .core.demo import ensure_demo
    from .model.opening import NO_DISPLAY, has_display

    if options.session is not None:
        return _open_session(options)
    if options.input is None:
        if any(value is not None for value in (options.reference, options.corrected, options.against,
                                                options.against_context)):
            raise LinInspectError("--reference, --corrected, --against and --against-context need an INPUT")
        if not has_display():  # before writing the demo's 135 MB for a window that cannot open
            raise LinInspectError(NO_DISPLAY)
        demo = ensure_demo()
        return _launch(OpeningRequest(demo.exposure, demo.reference, correct_on_open=True))
    from .model.surveyresults import is_survey_directory

    if is_survey_directory(options.input):
        if any(value is not None for value in (options.reference, options.corrected, options.against,
                                                options.against_context)):
            raise LinInspectError(f"{options.input} is a survey: it opens with no other file")
        return _launch(OpeningRequest(options.input, survey=True))
    _use_crds_context(options)
    # The app asks CRDS (unless given the reference) and runs missing pipeline steps in a worker.
    # So is B under --against-context, in a job of its own once A is known.
    return _launch(
        OpeningRequest(
            options.input,
            options.reference,
            options.corrected,
            options.against,
            options.against_context,
            resolve=True,
            as_is=options.as_is,
        )
    )


def _open_session(options: argparse.Namespace) -> int:
    """The app on a saved session; a file that is no session, or names a file gone, is refused here in one line."""
    from .model.sessionfile import read_session

    others = [name for name, value in (("INPUT", options.input), ("--reference", options.reference),
                                       ("--corrected", options.corrected), ("--against", options.against),
                                       ("--against-context", options.against_context)) if value is not None]  # fmt: skip
    if others:
        raise LinInspectError(f"--session names its own files: drop {', '.join(others)}")
    saved = read_session(options.session)
    missing = saved.missing_files()
    if missing:
        raise LinInspectError(f"{options.session}: the session's file {missing[0]} is gone")
    _use_crds_context(options)
    return _launch(OpeningRequest(saved.input, session=options.session))


def _reference_b(options: argparse.Namespace) -> LinearityReference:
    """B as given (--against), or the one CRDS picks for INPUT under --against-context."""
    from .core.references.crdsref import GIVE_REFERENCE_B, crds_linearity_reference
    from .core.references.reference import open_reference

    if options.against_context is None:
        return open_reference(options.against)
    return crds_linearity_reference(options.input, context=options.against_context, give=GIVE_REFERENCE_B)


def _same_reference_note(a: LinearityReference, b: LinearityReference) -> list[str]:
    """Both contexts may pick one file: a real answer for a delivery (it leaves this exposure alone)."""
    if a.path.resolve() != b.path.resolve():
        return []
    return [f"A and B are the same file, {a.path.name}: every difference is zero"]


def _resolve_for_display(options: argparse.Namespace) -> ResolvedInput:
    """The ramp and reference for a snapshot or a comparison; pipeline steps are shown on a terminal
    as they run. The caller prints :func:`_resolution_notes` once its command has succeeded, so a
    refusal stays one line."""
    from .core.references.resolve import resolve_input

    def report(step: str, index: int, total: int) -> None:
        print(f"lininspect: pipeline step {step} ({index + 1}/{total})", file=sys.stderr, flush=True)

    return resolve_input(options.input, options.reference, as_is=options.as_is,
                         progress=report if sys.stderr.isatty() else None)


def _launch(request: OpeningRequest) -> int:
    from .model.opening import has_display

    missing = request.missing_files()
    if missing and not has_display():  # at a terminal: name the file first (a window would show a dialog)
        raise LinInspectError(f"{missing[0]}: no such file")
    try:
        from .gui.app import launch
    except ImportError as error:
        raise LinInspectError(f"the desktop app cannot start: {error}") from None
    return launch(request)


def _snapshot(options: argparse.Namespace) -> int:
    from .core.fits.outputs import check_output_path

    if options.figure is None and (options.dpi is not None or options.theme is not None):
        raise LinInspectError("--dpi and --theme are for a figure: give --figure too")
    if options.figure is not None:
        from .model.figurespec import figure_format

        figure_format(options.output)
    width, height = options.size or (1600, 1000)
    if not (1 <= width <= MAX_SNAPSHOT_SIDE and 1 <= height <= MAX_SNAPSHOT_SIDE):
        raise LinInspectError(f"--size {width} {height}: each side must be 1 to {MAX_SNAPSHOT_SIDE} pixels")
    inputs = [path for path in (options.input, options.reference, options.against) if path is not None]
    check_output_path(options.output, inputs, overwrite=options.overwrite)
    try:
        from .gui.snapshot import render_snapshot
    except ImportError as error:
        raise LinInspectError(f"snapshots need the desktop app, which cannot start: {error}") from None
    _use_crds_context(options)
    against = None if options.against is None and options.against_context is None else _reference_b(options)
    ready = _resolve_for_display(options)
    render_snapshot(
        ready.ramp,
        ready.reference,
        pixel=tuple(options.pixel),
        integration=options.integration,
        group=options.group,
        output=options.output,
        size=(width, height),
        overwrite=options.overwrite,
        against=against,
        figure=None if options.figure is None else (options.figure, options.dpi or 96.0, options.theme or "dark"),
    )
    notes = _resolution_notes(ready)
    if against is not None:
        notes += _reference_b_notes(against) + _same_reference_note(ready.reference, against)
    for note in notes:
        print(printable(f"lininspect: note: {options.input}: {note}"), file=sys.stderr)
    print(printable(f"wrote {options.output}"))
    return EXIT_OK


def _compare_references(options: argparse.Namespace) -> int:
    from .core.analysis.comparison import compare_references
    from .core.analysis.comparisonreport import check_report_files, report_files, write_report
    from .core.fits.exposure import open_exposure
    from .core.references.reference import check_same_detector, open_reference

    directory: Path = options.output_dir
    if directory.exists() and not directory.is_dir():
        raise LinInspectError(f"{directory}: is not a directory")
    if not directory.parent.is_dir():
        raise LinInspectError(f"{directory.parent}: directory does not exist")
    files = report_files(directory, options.input)
    inputs = [path for path in (options.input, options.reference, options.against) if path is not None]
    if directory.is_dir():
        check_report_files(files, inputs, overwrite=options.overwrite)
    try:
        from .gui.comparisonpicture import write_comparison_picture
    except ImportError as error:
        raise LinInspectError(f"the PNG summary needs Qt, which cannot start: {error}") from None
    _use_crds_context(options)
    source = open_exposure(options.input)
    against = _reference_b(options)
    if options.against_context is not None and directory.is_dir():  # B's file is known only now
        check_report_files(files, [*inputs, against.path], overwrite=options.overwrite)
    # Checked on the user's file, before CRDS or the pipeline's steps run (an _uncal file's prepared
    # ramp lives in our cache, whose name means nothing to the user).
    check_same_detector(source, against)
    if options.reference is not None:
        options.reference = open_reference(options.reference)
        check_same_detector(source, options.reference)
    ready = _resolve_for_display(options)
    exposure = open_exposure(ready.ramp)
    bar = _ProgressBar(sys.stderr, 1, enabled=not options.quiet and sys.stderr.isatty())
    started = time.perf_counter()
    try:
        comparison = compare_references(exposure, ready.reference, against, level=options.level,
                                        progress=bar.callback(0), source=options.input)
    finally:
        bar.clear()
    directory.mkdir(exist_ok=True)
    write_report(comparison, files, overwrite=options.overwrite, draw_picture=write_comparison_picture)
    notes = _resolution_notes(ready) + _reference_b_notes(against) + exposure.notes + ready.reference.notes
    for note in notes + against.notes + _same_reference_note(ready.reference, against):
        print(printable(f"lininspect: note: {options.input}: {note}"), file=sys.stderr)
    for path in files.paths():
        print(printable(f"wrote {path}"))
    straighter_a, straighter_b = comparison.straighter_counts()
    print(
        f"NO_LIN_CORR gained {int(comparison.gained.sum())}, lost {int(comparison.lost.sum())}; ramps straighter "
        f"with A at {straighter_a} pixels, with B at {straighter_b} ({time.perf_counter() - started:.1f} s)"
    )
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

    def step_callback(self, index: int):  # type: ignore[no-untyped-def]
        """Reports the pipeline step being run before a file's correction."""
        if not self._enabled:
            return None

        def report(step: str, done: int, total: int) -> None:
            self._stream.write(f"\r{' ' * (self.WIDTH + 30)}\rfile {index + 1}/{self._files}: pipeline step {step}")
            self._stream.flush()

        return report

    def clear(self) -> None:
        if self._enabled:
            self._stream.write("\r" + " " * (self.WIDTH + 30) + "\r")
            self._stream.flush()
