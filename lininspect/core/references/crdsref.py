"""Choosing a reference file through CRDS, as the pipeline's steps choose it.

The selection parameters are the file's own metadata, read the way jwst reads it for CRDS
(stdatamodels' ``read_metadata(path, flatten=True)``; a file without the ASDF extension through
``get_crds_parameters`` of a model on the core schema, which maps the FITS keywords and loads no array), and the choice is ``crds.getreferences``: so the cache
(``CRDS_PATH``), the server (``CRDS_SERVER_URL``: missing files are downloaded when it answers,
the cache alone is used when it does not) and the context (``CRDS_CONTEXT``, else the server's or
the cache's) are the crds client's own rules. crds 14 locks each file it writes into the cache
(``crds.core.cache_locker``); stpipe's own cache lock is a no-op there, so none is added here.

Every way the lookup can fail becomes one :class:`LinInspectError` line that says what to set;
crds' log lines, warnings and printed tracebacks are kept off the terminal.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import stat
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..fits.asdfguard import check_asdf_extension
from ..errors import LinInspectError

if TYPE_CHECKING:
    from .reference import LinearityReference

OBSERVATORY = "jwst"

#: The way around CRDS the CLI offers; the app words it as its menu entry (gui.crdslookup).
GIVE_REFERENCE = "give the reference with --reference"
#: The same for reference B, looked up under a second context (--against-context).
GIVE_REFERENCE_B = "give reference B with --against"
_HINT_REFERENCE = f"or {GIVE_REFERENCE}"


class CrdsNotApplicable(LinInspectError):
    """CRDS says the step does not apply to this exposure: the pipeline skips it."""


@dataclass(frozen=True)
class CrdsPick:
    """A reference CRDS chose, and what chose it."""

    reftype: str
    path: Path
    context: str
    crds_version: str
    matched: tuple[tuple[str, str], ...]  # (metadata name, value) of the rmap's selection keys

    @property
    def uri(self) -> str:
        """What the pipeline records in R_<STEP> for a CRDS pick."""
        return f"crds://{self.path.name}"

    def describe(self) -> str:
        matched = ", ".join(f"{name}={value}" for name, value in self.matched)
        return f"{self.path.name} (CRDS {self.context}; {matched})"


def crds_parameters(path: str | Path) -> dict[str, Any]:
    """The file's metadata as jwst hands it to CRDS: flat ``meta.*`` names, simple values only."""
    from stdatamodels.jwst.datamodels import JwstDataModel, read_metadata

    path = Path(path)
    check_asdf_extension(path)  # stdatamodels walks the whole tree: bounded and vetted first
    try:
        with _quiet():
            try:
                metadata = read_metadata(path, flatten=True)
            except KeyError:  # no ASDF extension or DATAMODL: the core schema maps the FITS keywords
                with JwstDataModel(str(path)) as model:
                    metadata = model.get_crds_parameters()
    except Exception as error:
        raise LinInspectError(f"{path}: its metadata cannot be read for CRDS ({_first_line(error)})") from None
    return {key: value for key, value in metadata.items() if isinstance(value, (str, int, float, bool))}


def choose_reference(
    path: str | Path, reftype: str = "linearity", *, context: str | None = None, give: str = GIVE_REFERENCE
) -> CrdsPick:
    """The reference of ``reftype`` CRDS picks for the exposure at ``path``.

    ``context`` (a .pmap name) overrides CRDS_CONTEXT and the server's; raises
    :class:`CrdsNotApplicable` when CRDS answers N/A, :class:`LinInspectError` for the rest.
    ``give`` ends a refusal: how to do without this lookup (reference B has its own option).
    """
    path = Path(path)
    parameters = crds_parameters(path)
    with _quiet() as log:
        try:
            return _choose(path, parameters, reftype, context, give)
        except LinInspectError:
            raise
        except (Exception, SystemExit) as error:
            raise LinInspectError(_explain(path, reftype, error, log.getvalue(), f"or {give}")) from None


def check_step_references(path: Path, parameters: dict[str, Any], needed: dict[str, str], remedy: str) -> None:
    """The references the pipeline's steps will be handed (``needed``: reftype -> step) are usable files.

    stpipe opens each one to check it (``check_reference_open``): a FIFO in the cache in place of
    a reference blocks there forever, and a file missing from a cache no server fills ends in crds'
    "Failed downloading cache config"; both are said here, in one line naming what to set, before
    any step runs. ``remedy`` ends the line: the way around the steps.
    """
    import crds
    from crds.core import heavy_client

    with _quiet() as log:
        try:
            info = heavy_client.get_config_info(OBSERVATORY)
            context = heavy_client.get_final_context(info, None)
            recommended = crds.getrecommendations(
                parameters, reftypes=list(needed), context=context, observatory=OBSERVATORY
            )
            located = {
                reftype: (str(name), Path(crds.locate_file(str(name), OBSERVATORY)))
                for reftype, name in recommended.items()
                if reftype in needed and name and not str(name).upper().startswith("NOT FOUND")
            }  # N/A: the step skips itself; no match: the step's own failure says so
        except (Exception, SystemExit) as error:
            raise LinInspectError(_explain(path, "", error, log.getvalue(), remedy)) from None
    for reftype, (name, local) in located.items():
        step = needed[reftype]
        try:
            mode = os.stat(local).st_mode
        except FileNotFoundError:
            if info.connected:
                continue  # the step downloads it
            raise LinInspectError(
                f"{path}: the pipeline's {step} step needs {name}, which is not in the CRDS cache ({local.parent}) "
                f"and no CRDS server answered to download it: set CRDS_PATH to a cache that holds it (crds sync) "
                f"or CRDS_SERVER_URL to a server that answers; {remedy}"
            ) from None
        except OSError as error:
            raise LinInspectError(
                f"{path}: the pipeline's {step} step needs {local} from the CRDS cache, which cannot be read "
                f"({error.strerror or error}); {remedy}"
            ) from None
        if not stat.S_ISREG(mode):
            raise LinInspectError(
                f"{path}: the pipeline's {step} step needs {local} from the CRDS cache, which is not a regular file "
                f"(a FIFO or a device): replace it (crds sync --repair-files) or set CRDS_PATH to a good cache; {remedy}"
            )


def effective_context(context: str | None = None, *, remedy: str = _HINT_REFERENCE) -> str:
    """The context a lookup would use now (argument, CRDS_CONTEXT, server, cache); refuses as a lookup would.

    A context that neither the cache holds nor a server can send is refused here too: jwst's
    steps would otherwise find out one by one, crds printing its traceback each time.
    ``remedy`` ends the refusal: the way around CRDS for the caller (by default, --reference).
    """
    with _quiet() as log:
        try:
            from crds.core import heavy_client

            info = heavy_client.get_config_info(OBSERVATORY)
            final_context = str(heavy_client.get_final_context(info, context))
        except (Exception, SystemExit) as error:
            raise LinInspectError(_explain(None, "", error, log.getvalue(), remedy)) from None
    _require_context_reachable(info.connected, final_context, bool(context), remedy.removeprefix("or "))
    return final_context


def _require_context_reachable(connected: bool, context: str, named: bool, give: str) -> None:
    """Refuse a context that is not in the cache when no server answered to send it."""
    from crds.core import config

    mappings = Path(config.get_crds_mappath(OBSERVATORY))
    if not connected and not (mappings / context).is_file():
        # A context named by the caller is the caller's to change; else it came from CRDS_CONTEXT.
        which = "name a context the cache holds" if named else "CRDS_CONTEXT to a context the cache holds"
        raise LinInspectError(
            f"CRDS context {context} is not in the cache ({mappings}) and no CRDS server answered: "
            f"set CRDS_SERVER_URL to a server that answers, {which}, or {give}"
        )


def _choose(path: Path, parameters: dict[str, Any], reftype: str, context: str | None, give: str) -> CrdsPick:
    import crds
    from crds.core import config, heavy_client, rmap

    info = heavy_client.get_config_info(OBSERVATORY)
    final_context = heavy_client.get_final_context(info, context)
    mappings = Path(config.get_crds_mappath(OBSERVATORY))
    _require_context_reachable(info.connected, final_context, bool(context), give)
    try:
        recommended = crds.getrecommendations(
            parameters, reftypes=[reftype], context=final_context, observatory=OBSERVATORY
        )
    except Exception:
        if (mappings / final_context).is_file():
            raise
        # crds fetched what the server has, and this context was not among it.
        where = "name a context the server has" if context else "set CRDS_CONTEXT to a context the server has"
        raise LinInspectError(
            f"CRDS context {final_context} is not in the cache ({mappings}) and the CRDS server "
            f"{config.get_server_url(OBSERVATORY)} does not have it: {where}, or {give}"
        ) from None
    answer = str(recommended.get(reftype, ""))
    instrument = str(parameters.get("meta.instrument.name", "?"))
    if "N/A" in answer.upper():
        raise CrdsNotApplicable(
            f"{path}: CRDS ({final_context}) says {reftype} is N/A for this {instrument} exposure: the pipeline "
            f"skips the step (S_{_step_keyword(reftype)} = SKIPPED), so there is nothing to correct"
        )
    if answer.upper().startswith("NOT FOUND"):
        reason = answer[len("NOT FOUND") :].strip()
        raise LinInspectError(
            f"{path}: CRDS ({final_context}) has no {reftype} reference matching this exposure ({reason}): "
            f"{give}"
        )
    if not info.connected and not Path(crds.locate_file(answer, OBSERVATORY)).is_file():
        raise LinInspectError(
            f"{path}: CRDS chose {answer} but it is not in the cache ({config.get_crds_refpath(OBSERVATORY)}) "
            f"and no CRDS server answered to download it: set CRDS_SERVER_URL to a server that answers, "
            f"or CRDS_PATH to a cache that holds it, or {give}"
        )
    found = crds.getreferences(parameters, reftypes=[reftype], context=final_context, observatory=OBSERVATORY)
    local = Path(str(found[reftype]))
    selector = rmap.get_cached_mapping(final_context).get_imap(instrument).get_rmap(reftype)
    matched = tuple(
        (key.lower(), str(parameters.get(key.lower(), "UNDEFINED"))) for group in selector.parkey for key in group
    )
    return CrdsPick(reftype, local, final_context, crds.__version__, matched)


def _step_keyword(reftype: str) -> str:
    return {"linearity": "LINEAR"}.get(reftype, reftype.upper())


def _explain(path: Path | None, reftype: str, error: BaseException, log: str, remedy: str = _HINT_REFERENCE) -> str:
    """One line for a crds failure, naming what the user should set (``remedy``: how to do without CRDS)."""
    from crds.core import config, exceptions

    cache = os.environ.get("CRDS_PATH") or config.get_crds_path() or "(CRDS_PATH is empty)"
    server = config.get_server_url(OBSERVATORY) or "none"
    where = f"{path}: " if path is not None else ""
    reason = _first_line(error) if not isinstance(error, SystemExit) else _last_error(log)
    if isinstance(error, exceptions.CrdsLookupError):
        return f"{where}CRDS has no {reftype} reference matching this exposure ({reason}): {remedy.removeprefix('or ')}"
    if isinstance(error, exceptions.MappingError) or "Can't load file" in reason:
        return (
            f"{where}a CRDS mapping in the cache {cache} is unreadable ({reason}): re-sync the cache "
            f"(CRDS_SERVER_URL + crds sync), point CRDS_PATH at a good cache, {remedy}"
        )
    if not Path(cache, "config", OBSERVATORY, "server_config").is_file():
        if "serverless" in server:
            return (
                f"no CRDS cache at {cache} (no config/{OBSERVATORY}/server_config): set CRDS_PATH to your CRDS "
                f"cache (and CRDS_SERVER_URL to fill it from a server), {remedy}"
            )
        return (
            f"the CRDS server {server} did not answer and there is no CRDS cache at {cache}: set CRDS_SERVER_URL "
            f"to a server that answers or CRDS_PATH to a synced cache, {remedy}"
        )
    what = f"a {reftype} reference" if reftype else "its rules (context)"
    return f"{where}CRDS could not choose {what} ({reason}): check CRDS_PATH ({cache}), {remedy}"


def _last_error(log: str) -> str:
    lines = [line for line in log.splitlines() if "ERROR" in line]
    return lines[-1].split("ERROR -", 1)[-1].strip() if lines else "crds stopped"


@contextlib.contextmanager
def _quiet() -> Iterator[io.StringIO]:
    """Collect crds' log and Python warnings instead of printing them; yields the collected log."""
    collected = io.StringIO()
    logger = logging.getLogger("CRDS")
    _import_crds_silently(logger)
    saved = list(logger.handlers)
    handler = logging.StreamHandler(collected)
    for old in saved:
        logger.removeHandler(old)
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stderr(collected):
            warnings.simplefilter("ignore")
            yield collected
    finally:
        logger.removeHandler(handler)
        for old in saved:
            logger.addHandler(old)


def _import_crds_silently(logger: logging.Logger) -> None:
    """crds warns about its environment while importing; it is checked again, quietly, on use."""
    was_disabled, logger.disabled = logger.disabled, True
    try:
        import crds  # noqa: F401
    finally:
        logger.disabled = was_disabled


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def crds_linearity_reference(
    exposure_path: str | Path, *, context: str | None = None, give: str = GIVE_REFERENCE,
    coefficients_in_file: bool = False,
) -> LinearityReference:
    """The linearity reference CRDS picks for an exposure, opened (see :func:`.reference.open_reference`),
    remembering how it was picked."""
    from .reference import open_reference

    pick = choose_reference(exposure_path, "linearity", context=context, give=give)
    reference = open_reference(pick.path, coefficients_in_file=coefficients_in_file)
    reference.origin = pick
    return reference
