"""The pipeline's own Detector1 steps before linearity, for ``_uncal`` and intermediate files.

Which steps have run is read from the file's ``S_*`` keywords (``meta.cal_step``); the missing
ones run through jwst itself (the optional ``pipeline`` extra), in Detector1's order for the
instrument, configured as ``Detector1Pipeline`` configures them (its CRDS parameter references
included) and with their references from CRDS. Running them one by one instead of calling the
pipeline gives a progress report and a cancel point per step; the numbers are the pipeline's.

The prepared ramp is kept in a cache (:func:`prepared_cache_dir`) keyed by the input file, the
steps, jwst's version and the CRDS setup, so preparing the same file again costs nothing; an
entry is used only after its checksum and its input's identity are checked (see
:mod:`preparedcache`). The cache can be deleted at any time.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from ...installation import pipeline_install_hint
from ..fits.atomic import atomic_path
from .crdsref import check_step_references, crds_parameters, effective_context
from ..errors import CorrectionCancelled, LinInspectError
from ..fits.exposure import open_exposure
from .preparedcache import entry_for, new_entry, publish, source_identity

#: jwst 3.0 Detector1 order of the steps that precede linearity.
MIRI_STEPS = ("group_scale", "dq_init", "emicorr", "saturation", "ipc", "firstframe", "lastframe", "reset")
NEAR_IR_STEPS = ("group_scale", "dq_init", "saturation", "ipc", "superbias", "refpix")

#: The primary-header keyword that records each of those steps (``meta.cal_step.<step>``).
STEP_KEYWORDS = {
    "group_scale": "S_GRPSCL", "dq_init": "S_DQINIT", "emicorr": "S_MIREMI", "saturation": "S_SATURA",
    "ipc": "S_IPC", "firstframe": "S_FRSTFR", "lastframe": "S_LASTFR", "reset": "S_RESET",
    "superbias": "S_SUPERB", "refpix": "S_REFPIX",
}  # fmt: skip
#: Values of a step keyword that say the step has been dealt with.
DONE_STATUSES = ("COMPLETE", "SKIPPED")

#: Loggers whose records stay off the terminal while jwst runs.
_PIPELINE_LOGGERS = ("stpipe", "jwst", "stcal", "stdatamodels", "CRDS", "py.warnings")

StepProgress = Callable[[str, int, int], None]  # (step name, index, number of steps)


@dataclass(frozen=True)
class Preparation:
    """Where the ramp to correct is: the input itself, or the pipeline's steps' output."""

    source: Path
    ramp: Path
    steps: tuple[str, ...]  # the steps that were (or had been, for a cached ramp) run
    from_cache: bool
    #: Steps with no record in the input that were left unrun: the user chose to correct it as it is.
    unrecorded: tuple[str, ...] = ()
    jwst_version: str = ""

    def describe(self) -> str:
        """What happened before linearity, in a few words ("" when the input had every step on record)."""
        if self.steps:
            return f"prepared: pipeline steps {', '.join(self.steps)} {'cached' if self.from_cache else 'run'}"
        if self.unrecorded:
            return f"as it is: pipeline steps {', '.join(self.unrecorded)} not on record and not run"
        return ""

    def brief(self) -> str:
        """:meth:`describe` in a status bar's room."""
        if self.steps:
            return f"prepared ({len(self.steps)} pipeline steps{', cached' if self.from_cache else ''})"
        if self.unrecorded:
            return f"as it is ({len(self.unrecorded)} earlier steps not run)"
        return ""

    def history(self) -> list[str]:
        """The product's HISTORY sentences: which earlier steps lininspect ran, or that it ran none it lacked."""
        if self.steps:
            return [f"Before linearity, lininspect ran jwst {self.jwst_version} steps {', '.join(self.steps)}"]
        if self.unrecorded:
            return [f"Corrected as it is: no record of pipeline steps {', '.join(self.unrecorded)} and none run"]
        return []


def steps_before_linearity(instrument: str) -> tuple[str, ...]:
    return MIRI_STEPS if instrument.strip().upper() == "MIRI" else NEAR_IR_STEPS


def missing_steps(path: str | Path, header: Mapping[str, object] | None = None) -> tuple[str, ...]:
    """The steps before linearity whose ``S_*`` keyword is absent or blank, read as jwst reads them.

    COMPLETE or SKIPPED means the step has been dealt with; any other value (FAILED, a typo, a
    number) cannot say whether the data went through it, so the file is refused rather than guessed.
    ``header``, the primary header already read: when its cards say every step is done, that is
    the answer (a card wins over the ASDF tree), without reading the file as the models do
    (stdatamodels and crds take a one-file command 1 s to import).
    """
    if header is not None:
        with contextlib.suppress(LinInspectError):  # a card missing or odd: the models' reading decides
            if not unrecorded_steps(path, header):
                return ()
    parameters = crds_parameters(path)
    return _missing(path, str(parameters.get("meta.instrument.name", "")),
                    lambda step: parameters.get(f"meta.cal_step.{step}"))  # fmt: skip


def unrecorded_steps(path: str | Path, header: Mapping[str, object]) -> tuple[str, ...]:
    """:func:`missing_steps` from an already read primary header: no stdatamodels (seconds to import), no I/O,
    so the app can say at once that a file it opened lacks the earlier steps."""
    return _missing(path, str(header.get("INSTRUME", "")).strip(), lambda step: header.get(STEP_KEYWORDS[step]))


def _missing(path: str | Path, instrument: str, status_of: Callable[[str], object]) -> tuple[str, ...]:
    if not instrument:
        raise LinInspectError(f"{path}: INSTRUME is missing, so the pipeline's steps for it are unknown")
    missing = []
    for step in steps_before_linearity(instrument):
        status = status_of(step)
        if status is None or (isinstance(status, str) and not status.strip()):
            missing.append(step)
        elif not (isinstance(status, str) and status.strip().upper() in DONE_STATUSES):
            raise LinInspectError(
                f"{path}: {STEP_KEYWORDS[step]} = {status!r} is neither COMPLETE nor SKIPPED, so whether the "
                f"pipeline's {step} step has run is unknown; --as-is corrects the file as it is"
            )
    return tuple(missing)


def prepared_cache_dir() -> Path:
    """``$LININSPECT_CACHE_DIR``, else ``$XDG_CACHE_HOME/lininspect/prepared`` (``~/.cache/...``)."""
    explicit = os.environ.get("LININSPECT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "lininspect" / "prepared"


def prepare(
    path: str | Path,
    *,
    progress: StepProgress | None = None,
    cancel: threading.Event | None = None,
    header: Mapping[str, object] | None = None,
) -> Preparation:
    """The ramp ready for linearity: ``path`` itself, or the missing steps' output (cached).

    ``header``: the primary header already read, see :func:`missing_steps`."""
    path = Path(path)
    steps = missing_steps(path, header)
    if not steps:
        return Preparation(path, path, (), from_cache=False)
    jwst_version = _require_jwst(path, steps)
    _make_cache_dir(prepared_cache_dir())  # a refusal that needs no network comes before CRDS's
    try:
        context = effective_context(remedy="or use --as-is to correct the file without them")
    except LinInspectError as error:
        raise LinInspectError(
            f"{path}: no record of the pipeline's steps {', '.join(steps)} before linearity; they take their "
            f"references from CRDS, but {error}"
        ) from None
    manifest = _cache_path(path, steps, jwst_version, context)
    source = source_identity(path)
    cached = entry_for(manifest, source, steps)
    if cached is not None and _is_prepared_ramp(cached, source.shape):
        return Preparation(path, cached, steps, from_cache=True, jwst_version=jwst_version)
    # Missing, damaged (a crash, a full disk, a user's edit) or not this input's: prepared again.
    _make_cache_dir(manifest.parent)
    target = new_entry(manifest)
    with _pipeline_quiet() as log:
        try:
            _run_steps(path, steps, target, progress, cancel)
        except (LinInspectError, KeyboardInterrupt):
            raise
        except Exception as error:
            step = _failed_step(log.getvalue(), steps)
            what = f"the pipeline's {step} step failed" if step else "jwst could not open it for the pipeline's steps"
            raise LinInspectError(
                f"{path}: {what} ({_first_line(error)}); --as-is corrects it without them"
            ) from None
    publish(manifest, target, source, steps)
    return Preparation(path, target, steps, from_cache=False, jwst_version=jwst_version)


def _make_cache_dir(directory: Path) -> None:
    """The prepared-ramp cache folder, made before the steps run (not found unusable after them)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        cause = os.strerror(error.errno) if error.errno else str(error)
        raise LinInspectError(
            f"{directory}: the cache for prepared ramps cannot be made there ({cause[:1].lower()}{cause[1:]}); "
            "set LININSPECT_CACHE_DIR to a folder you can write"
        ) from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise LinInspectError(
            f"{directory}: the cache for prepared ramps is not writable; set LININSPECT_CACHE_DIR to a folder "
            "you can write"
        )


def _is_prepared_ramp(path: Path, shape: tuple[int, ...]) -> bool:
    """Whether a cached file opens as a ramp of ``shape``, with GROUPDQ, on which every step before linearity ran."""
    try:
        exposure = open_exposure(path)
        return exposure.shape == shape and exposure.groupdq is not None and not missing_steps(path)
    except LinInspectError:
        return False


def _require_jwst(path: Path, steps: tuple[str, ...]) -> str:
    try:
        import jwst
    except ImportError:
        raise LinInspectError(
            f"{path}: the pipeline's steps {', '.join(steps)} have not run on it; lininspect runs them through "
            f"jwst, which is not installed: {pipeline_install_hint()} (or use --as-is to correct it without them)"
        ) from None
    return str(jwst.__version__)


def _cache_path(path: Path, steps: tuple[str, ...], jwst_version: str, context: str) -> Path:
    """The manifest of the cached ramp for this input file state, steps, jwst version and CRDS setup."""
    stat = path.stat()
    identity = "\n".join(
        [
            str(path.resolve()),
            str(stat.st_size),
            str(stat.st_mtime_ns),
            ",".join(steps),
            jwst_version,
            context,
            os.environ.get("CRDS_PATH", ""),
        ]
    )
    digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
    return prepared_cache_dir() / f"{path.name.split('.')[0]}_{digest}_prepared.json"


def _run_steps(
    path: Path,
    steps: tuple[str, ...],
    target: Path,
    progress: StepProgress | None,
    cancel: threading.Event | None,
) -> None:
    from jwst.pipeline import Detector1Pipeline

    # Opened as the pipeline opens its input; its parameters then come from CRDS through the
    # model's metadata, which (unlike the path) also works for files without the ASDF extension.
    model = Detector1Pipeline().prepare_output(str(path), open_as_ramp=True)
    try:
        config, config_file = Detector1Pipeline.build_config(model)
        config.pop("class", None)
        pipeline = Detector1Pipeline.from_config_section(config, name=config.get("name"), config_file=config_file)
        needed = {
            reftype: name
            for name in steps
            for reftype in getattr(pipeline, name).reference_file_types
            if getattr(pipeline, name).get_ref_override(reftype) is None
        }
        check_step_references(path, model.get_crds_parameters(), needed, "--as-is corrects it without them")
        for index, name in enumerate(steps):
            if cancel is not None and cancel.is_set():
                raise CorrectionCancelled()
            if progress is not None:
                progress(name, index, len(steps))
            model = getattr(pipeline, name).run(model)
        if cancel is not None and cancel.is_set():
            raise CorrectionCancelled()
        if progress is not None:
            progress("save", len(steps), len(steps))
        with atomic_path(target) as temporary:
            # Given a Path (not a str), the model keeps this name instead of taking the temporary's,
            # so the FILENAME carried into the product names the user's file.
            model.meta.filename = path.name
            model.to_fits(temporary, overwrite=True)
    finally:
        model.close()


@contextlib.contextmanager
def _pipeline_quiet() -> Iterator[io.StringIO]:
    """jwst's and crds' log records, warnings and printed lines are collected, not printed."""
    collected = io.StringIO()
    handler = logging.StreamHandler(collected)
    saved = []
    for name in _PIPELINE_LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, list(logger.handlers), logger.propagate, logger.level))
        for old in list(logger.handlers):
            logger.removeHandler(old)
        logger.addHandler(handler)
        logger.propagate = False
        logger.setLevel(logging.INFO)
    try:
        # crds also prints tracebacks itself (heavy_client's mapping fetch): those go to the log too.
        with warnings.catch_warnings(), contextlib.redirect_stderr(collected), contextlib.redirect_stdout(collected):
            warnings.simplefilter("ignore")
            yield collected
    finally:
        for logger, handlers, propagate, level in saved:
            logger.removeHandler(handler)
            for old in handlers:
                logger.addHandler(old)
            logger.propagate = propagate
            logger.setLevel(level)


def _failed_step(log: str, steps: tuple[str, ...]) -> str | None:
    """The last step jwst logged as started, or None when it failed before any."""
    started = [step for step in steps if f"Step {step} running" in log]
    return started[-1] if started else None


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
