"""Many exposures on Dask's distributed scheduler: the survey, and batch correction.

One task per exposure, run in worker processes (never threads: jwst's steps are not thread-safe,
and each worker imports jwst itself), each reading its file from a shared path. Only rows travel
back to the client; the per-exposure maps stay on the workers, where they are folded into
per-detector partials (batches, then a binary tree of merges that keeps at most a few partials
alive) and written as FITS maps. A worker lost mid-run costs nothing but time: Dask recomputes
its tasks, and rows are kept by input index, so none is lost or counted twice.

Results are kept in the survey directory by key (file content, settings, lininspect version):
a rerun loads them instead of computing, and stacks the maps again from the kept partials. The
content digest comes from the pass's own reads, and the store remembers it by the file's ``stat``,
so a file is read once by a first run and not at all by a rerun.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .allocator import room_for_plane_temporaries
from .core.errors import LinInspectError
from .core.survey.contentdigest import content_digest
from .core.survey.survey import (
    DetectorStack,
    ExposureSurvey,
    SurveySettings,
    SurveyStore,
    merge_stacks,
    result_key,
    stack_all,
    survey_exposure,
)

if TYPE_CHECKING:
    from distributed import Client

#: Exposures folded into one partial before partials are merged pairwise.
BATCH = 8

#: ``progress(done, total)`` after each row comes back.
RowProgress = Callable[[int, int], None]

_INSTALL = "pip install 'lininspect[cluster]'"


@contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None) -> Iterator[Client]:
    """A client of ``scheduler`` (tcp://HOST:PORT), else of a LocalCluster of ``workers`` processes
    (default: one per core) that lives as long as the block."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise LinInspectError(f"many files at once need Dask's distributed: {_INSTALL}") from None
    if workers is not None and workers < 1:
        raise LinInspectError(f"--workers {workers}: must be at least 1")
    for name in ("distributed", "tornado", "asyncio"):  # a restarted worker is no news for the terminal
        logging.getLogger(name).setLevel(logging.CRITICAL)
    if scheduler is not None:
        if workers is not None:
            raise LinInspectError("--workers starts a local cluster; with --scheduler the cluster has its own workers")
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as error:
            raise LinInspectError(f"{scheduler}: no Dask scheduler answers ({error})") from None
        try:
            yield client
        finally:
            client.close()
        return
    import dask

    # Without a dashboard nobody reads the workers' statistical profile, sampled every 10 ms: 5-9 % of
    # a survey task's CPU (measured on MIRI full frames). The nannies hand this setting to their workers.
    with warnings.catch_warnings(), dask.config.set({"distributed.worker.profile.enabled": False}):
        warnings.simplefilter("ignore")
        # No dashboard; the scheduler's HTTP server (health, metrics) takes any free port, not 8787, which the
        # user's own Dask cluster may want.
        cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                               dashboard_address=None, host="127.0.0.1", silence_logs=logging.CRITICAL,
                               scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
    try:
        with Client(cluster) as client:
            yield client
    finally:
        cluster.close()


#: Set once this worker process's malloc has been given room (see :func:`roomy_malloc`).
_malloc_roomy = False


def roomy_malloc() -> bool:
    """Give glibc's malloc room in a Dask worker (its nanny tunes it for small objects); True once it has."""
    global _malloc_roomy
    if not _malloc_roomy and sys.platform.startswith("linux") and "MALLOC_TRIM_THRESHOLD_" in os.environ:
        _malloc_roomy = room_for_plane_temporaries()
    return _malloc_roomy


def _use_crds_context(context: str | None) -> None:
    """--crds-context on a worker, which may have served another run: crds caches its setup per process."""
    if context and os.environ.get("CRDS_CONTEXT") != context:
        from crds.core.utils import clear_function_caches

        os.environ["CRDS_CONTEXT"] = context
        clear_function_caches()


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().name)
    except ValueError:  # not on a worker: the serial path of the benchmark
        return "local"


def survey_task(path: str, settings: SurveySettings, identity: str, directory: str) -> ExposureSurvey:
    """One exposure, on a worker: the kept result if the directory has it, else computed and kept.
    A failure becomes the row's reason; it is not kept, so a rerun tries again."""
    roomy_malloc()
    _use_crds_context(settings.crds_context)
    store = SurveyStore(directory)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            status = os.stat(path)
            digest = store.known_digest(status)
            if digest is None and store.may_hold_copy(path, status):
                digest = content_digest(path)  # probably kept under another name: worth a read first
                store.remember(path, status, digest)
            kept = store.load(result_key(digest, identity)) if digest is not None else None
            if kept is not None:  # the same content may have had another name then
                kept.row.update(file=str(path), kept=True)
                return kept
            survey = survey_exposure(path, settings, digest=True)  # the digest from the pass's own reads
            key = result_key(survey.digest, identity)
            survey.row.update(worker=_worker_name(), seconds=round(time.perf_counter() - started, 3), key=key,
                              error="")
            store.save(key, survey)
            store.remember(path, status, survey.digest)
        except LinInspectError as error:
            return ExposureSurvey(_failed_row(path, str(error)))
        except OSError as error:
            return ExposureSurvey(_failed_row(path, f"{error.filename or path}: {error.strerror or error}"))
        except Exception as error:  # a bug must not stop a thousand-file run: its row says what happened
            return ExposureSurvey(_failed_row(path, f"internal error: {type(error).__name__}: {error}"))
    survey.row["kept"] = False
    return survey


def _failed_row(path: str, reason: str) -> dict[str, Any]:
    return {"file": str(path), "error": reason.splitlines()[0] if reason else "failed", "worker": _worker_name(),
            "kept": False}


def row_of(survey: ExposureSurvey) -> dict[str, Any]:
    return survey.row


def stack_batch(*surveys: ExposureSurvey) -> dict[str, DetectorStack]:
    return stack_all(list(surveys))


def run_survey(client: Client, files: Sequence[Path], settings: SurveySettings, directory: Path,
               *, progress: RowProgress | None = None) -> list[dict[str, Any]]:
    """Survey ``files`` into ``directory`` (rows, partials, stacked FITS maps); return the rows in order."""
    store = SurveyStore(directory)
    store.prepare()
    identity = settings.identity()
    surveys = client.map(survey_task, [str(path) for path in files], settings=settings, identity=identity,
                         directory=str(directory), pure=False)
    rows_by_index: dict[int, dict[str, Any]] = {}
    row_futures = {client.submit(row_of, survey, pure=False): index for index, survey in enumerate(surveys)}
    reducer = _TreeReducer(client)
    batch = []
    from distributed import as_completed

    for future in as_completed(row_futures):
        index = row_futures.pop(future)
        try:
            rows_by_index[index] = future.result()
        except Exception as error:  # e.g. KilledWorker: the file took down every worker that tried it
            rows_by_index[index] = _failed_row(str(files[index]), f"the cluster gave up on it: {type(error).__name__}: "
                                                                  f"{error}")
        if rows_by_index[index].get("stack"):
            batch.append(surveys[index])
        surveys[index] = None  # the batch holds it now (or nothing does): the worker may free it
        if len(batch) == BATCH:
            reducer.add(client.submit(stack_batch, *batch, pure=False))
            batch = []
        if progress is not None:
            progress(len(rows_by_index), len(files))
    if batch:
        reducer.add(client.submit(stack_batch, *batch, pure=False))
    stacks = reducer.result()
    from .core.survey.surveyreport import remove_other_maps, write_stacked_maps

    if stacks is not None:
        client.submit(write_stacked_maps, stacks, str(directory), pure=False).result()
    else:  # no exposure stacked: an earlier run's maps are not this run's
        remove_other_maps(directory, set())
    return [rows_by_index[index] for index in range(len(files))]


class _TreeReducer:
    """Partials merged pairwise as they come, like a binary counter: at most log2(n) stay alive."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._levels: list[Any] = []

    def add(self, partial: Any) -> None:
        level = 0
        while level < len(self._levels) and self._levels[level] is not None:
            partial = self._client.submit(merge_stacks, self._levels[level], partial, pure=False)
            self._levels[level] = None
            level += 1
        if level == len(self._levels):
            self._levels.append(None)
        self._levels[level] = partial

    def result(self) -> Any:
        merged = None
        for partial in self._levels:
            if partial is not None:
                merged = partial if merged is None else self._client.submit(merge_stacks, merged, partial, pure=False)
        return merged


def correct_task(path: str, output: str, reference: str | None, *, as_is: bool, force: bool, overwrite: bool,
                 crds_context: str | None) -> dict[str, Any]:
    """``lininspect correct`` of one file, on a worker; the outcome as a small dict."""
    from .core.fits.exposure import open_exposure
    from .core.fits.product import correct_file
    from .core.references.reference import check_same_detector, open_reference
    from .core.references.resolve import resolve_input

    roomy_malloc()
    _use_crds_context(crds_context)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            # The reference is opened for this task alone: its coefficients stay in the file, read a tile at a time.
            override = open_reference(reference, coefficients_in_file=True) if reference is not None else None
            if override is not None and not force:
                check_same_detector(open_exposure(path), override)
            ready = resolve_input(path, override, as_is=as_is, coefficients_in_file=True)
            summary = correct_file(ready.ramp, ready.reference, output, overwrite=overwrite, workers=1,
                                   consume_reference=True)
        except LinInspectError as error:
            return {"file": path, "error": str(error)}
        except OSError as error:
            return {"file": path, "error": f"{error.filename or path}: {error.strerror or error}"}
    notes = [f"reference {ready.reference.origin.describe()}"] if ready.reference.origin is not None else []
    if ready.preparation.steps:
        how = "cached" if ready.preparation.from_cache else "run"
        notes.append(f"pipeline steps {', '.join(ready.preparation.steps)} {how} first")
    return {"file": path, "error": "", "output": str(summary.output), "no_lin_corr": summary.no_lin_corr_pixels,
            "saturated": summary.saturated_groups, "notes": notes + list(summary.notes), "worker": _worker_name(),
            "seconds": time.perf_counter() - started}


def run_corrections(client: Client, jobs: Sequence[tuple[Path, Path]], reference: Path | None, *, as_is: bool,
                    force: bool, overwrite: bool, crds_context: str | None,
                    report: Callable[[dict[str, Any]], None]) -> int:
    """Correct each (input, output) on the cluster; ``report`` gets each outcome as it comes. Returns failures."""
    from distributed import as_completed

    futures = [client.submit(correct_task, str(source), str(output), None if reference is None else str(reference),
                             as_is=as_is, force=force, overwrite=overwrite, crds_context=crds_context, pure=False)
               for source, output in jobs]
    failures = 0
    for future in as_completed(futures):
        outcome = future.result()
        failures += bool(outcome["error"])
        report(outcome)
    return failures


class SurveyProgress:
    """The terminal's progress bar: files done of all, rate and time left."""

    def __init__(self, write: Callable[[str], None], clock: Callable[[], float] = time.monotonic) -> None:
        self._write = write
        self._clock = clock
        self._started = clock()

    def __call__(self, done: int, total: int) -> None:
        self._write(progress_text(done, total, self._clock() - self._started))


#: Characters of the progress bar's bar.
BAR_WIDTH = 20


def progress_text(done: int, total: int, elapsed: float) -> str:
    """``[####....] 12/50 files  3.4 files/min  ETA 0:11:10`` (no rate or ETA before the first file)."""
    filled = BAR_WIDTH * done // max(total, 1)
    count = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} files"
    if done == 0 or elapsed <= 0:
        return count
    rate = done / elapsed * 60
    left = round((total - done) * elapsed / done)
    return f"{count}  {rate:.1f} files/min  ETA {left // 3600}:{left // 60 % 60:02d}:{left % 60:02d}"
