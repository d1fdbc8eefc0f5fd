"""Test-only: a small CRDS cache built on disk, so reference selection is tested offline.

The layout is the one the crds client reads (``mappings/jwst``, ``references/jwst/<instrument>``,
``config/jwst/server_config``): one ``.pmap`` -> one ``.imap`` per instrument -> one ``.rmap`` per
reference type, with ``Match`` on detector and subarray and ``UseAfter`` dates. Mapping checksums
are written by crds' own tool (``python -m crds.refactoring.checksum``); references are written with
stdatamodels' models, as CRDS references are. Reference types mapped to ``"N/A"`` make the
pipeline (and lininspect) skip their step.

Nothing here imports crds into the test process: the checksum tool runs in a child process, so
crds' per-process configuration caches never see this cache's environment by accident.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import session_shared

#: Selection keys of the rmaps, in the pipeline's metadata names (what crds matches on).
MATCH_KEYS = ("META.INSTRUMENT.DETECTOR", "META.SUBARRAY.NAME")
DATE_KEYS = ("META.OBSERVATION.DATE", "META.OBSERVATION.TIME")

#: The reference types each instrument's steps before (and including) linearity ask for.
REFTYPES = {
    "MIRI": ("mask", "emicorr", "saturation", "superbias", "ipc", "reset", "linearity"),
    "NIRCAM": ("mask", "saturation", "superbias", "ipc", "refpix", "sirskernel", "linearity"),
}

SERVERLESS_URL = "https://jwst-serverless.invalid"
CRDS_VERSION = "14.0.3"


@dataclass(frozen=True)
class Rule:
    """One ``Match`` row of an rmap: detector + subarray, then dates -> reference file name."""

    detector: str
    subarray: str
    use_after: Mapping[str, str] | str  # "YYYY-MM-DD HH:MM:SS" -> file name, or "N/A"


@dataclass
class CrdsCache:
    """A CRDS cache under ``root``; ``env`` holds the variables a user (or the pipeline) sets."""

    root: Path
    context: str
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        return {
            "CRDS_PATH": str(self.root),
            "CRDS_SERVER_URL": SERVERLESS_URL,
            "CRDS_CONTEXT": self.context,
        }

    def mapping(self, name: str) -> Path:
        return self.root / "mappings" / "jwst" / name

    def reference(self, instrument: str, name: str) -> Path:
        return self.root / "references" / "jwst" / instrument.lower() / name


def build_cache(
    root: Path,
    rules: Mapping[str, Mapping[str, list[Rule] | str]],
    references: Mapping[str, Callable[[Path], None]],
    *,
    serial: int = 1,
    server_context: str | None = None,
) -> CrdsCache:
    """Write a cache: ``rules[instrument][reftype]`` is a list of rules or ``"N/A"``.

    ``references[file name]`` writes that reference at the path it is given. The context is
    ``jwst_<serial>.pmap``; ``server_context`` is what ``server_config`` names as operational
    (default: the same), so a test can tell "context from CRDS_CONTEXT" from "from the cache".
    """
    cache = CrdsCache(Path(root).resolve(), f"jwst_{serial:04d}.pmap")
    mappings = cache.root / "mappings" / "jwst"
    mappings.mkdir(parents=True, exist_ok=True)
    written = []
    imaps = {}
    for instrument, per_type in rules.items():
        selector = {}
        for reftype, value in per_type.items():
            if isinstance(value, str):
                selector[reftype] = value
                continue
            rmap_name = f"jwst_{instrument.lower()}_{reftype}_{serial:04d}.rmap"
            _write_rmap(mappings / rmap_name, instrument, reftype, value)
            written.append(mappings / rmap_name)
            selector[reftype] = rmap_name
            for rule in value:
                for file_name in [] if isinstance(rule.use_after, str) else rule.use_after.values():
                    target = cache.reference(instrument, file_name)
                    if file_name not in cache.files:
                        target.parent.mkdir(parents=True, exist_ok=True)
                        references[file_name](target)
                        cache.files[file_name] = target
        imap_name = f"jwst_{instrument.lower()}_{serial:04d}.imap"
        header = {
            "derived_from": "lininspect tests",
            "instrument": instrument,
            "mapping": "INSTRUMENT",
            "name": imap_name,
            "observatory": "JWST",
            "parkey": ("REFTYPE",),
            "sha1sum": "0",
        }
        _write_mapping(mappings / imap_name, header, repr(dict(sorted(selector.items()))))
        written.append(mappings / imap_name)
        imaps[instrument] = imap_name
    pmap_header = {
        "derived_from": "lininspect tests",
        "mapping": "PIPELINE",
        "name": cache.context,
        "observatory": "JWST",
        "parkey": ("META.INSTRUMENT.NAME",),
        "sha1sum": "0",
    }
    _write_mapping(mappings / cache.context, pmap_header, repr(dict(sorted(imaps.items()))))
    written.append(mappings / cache.context)
    _write_checksums(written)
    write_server_config(cache.root, server_context or cache.context)
    return cache


def cache_env(root: Path, context: str | None = None, server: str = SERVERLESS_URL) -> dict[str, str]:
    """The CRDS variables for a cache at ``root`` (any folder, for failure cases)."""
    env = {"CRDS_PATH": str(root), "CRDS_SERVER_URL": server}
    if context is not None:
        env["CRDS_CONTEXT"] = context
    return env


def child_env(extra: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without any CRDS_* setting, plus ``extra``."""
    return {k: v for k, v in os.environ.items() if not k.startswith("CRDS_")} | dict(extra)


#: Detector1 steps to skip so it returns linearity's output (jwst 3.0): the steps after linearity,
#: and those of the other branch (the pipeline prefetches references for every step not skipped).
_AFTER_LINEARITY = ("dark_current", "charge_migration", "jump", "picture_frame", "clean_flicker_noise",
                    "persistence", "ramp_fit", "gain_scale")
THROUGH_LINEARITY_SKIPS = {
    "MIRI": ("rscd", "refpix", "superbias") + _AFTER_LINEARITY,
    "NIRCAM": ("rscd", "reset", "emicorr", "firstframe", "lastframe") + _AFTER_LINEARITY,
}

_PIPELINE_CHILD = r"""
import json, sys, traceback
jobs = json.load(open(sys.argv[1]))
from jwst.linearity import LinearityStep
from stdatamodels.jwst.datamodels import RampModel
from jwst.pipeline import Detector1Pipeline
errors = {}
for index, (kind, inp, out, skips) in enumerate(jobs):
    try:
        if kind == "linearity":  # on a model: from a path, jwst needs the ASDF extension to ask CRDS
            with RampModel(inp) as model:
                result = LinearityStep.call(model)
        elif kind == "steps":  # one step after the other, as strun would: only they leave S_* keywords
            result = inp
            for name in skips:
                result = Detector1Pipeline.step_defs[name].call(result)
        else:
            result = Detector1Pipeline.call(inp, steps={name: {"skip": True} for name in skips})
        result.save(out)
        result.close()
    except Exception:
        errors[index] = traceback.format_exc()
json.dump(errors, open(sys.argv[2], "w"))
"""


def refused_in_one_line(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    """A command's CRDS refusal as users must see it: exit 2, one line holding ``needles``, none of crds' log."""
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "CRDS -" not in result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def run_pipeline(jobs: list[tuple[str, Path, Path, tuple[str, ...]]], env: Mapping[str, str], work: Path) -> None:
    """Run jwst (``"linearity"``: LinearityStep; ``"detector1"``: Detector1Pipeline with ``skips``;
    ``"steps"``: the steps named in ``skips``, each called on its own)
    on (kind, input, output, skips) jobs in one child process, references from CRDS (no override)."""
    import json

    job_file, error_file = work / "pipeline_jobs.json", work / "pipeline_errors.json"
    job_file.write_text(json.dumps([[kind, str(i), str(o), list(skips)] for kind, i, o, skips in jobs]))
    result = subprocess.run(
        [sys.executable, "-c", _PIPELINE_CHILD, str(job_file), str(error_file)],
        env=child_env(env), capture_output=True, text=True, timeout=900, cwd=work,
    )
    if result.returncode != 0 or not error_file.exists():
        raise RuntimeError(f"pipeline child failed ({result.returncode}):\n{result.stderr[-4000:]}")
    errors = json.loads(error_file.read_text())
    if errors:
        raise RuntimeError("\n".join(f"{jobs[int(k)]}:\n{v[-3000:]}" for k, v in errors.items()))


def server_info(context: str, url: Any = "none") -> dict[str, Any]:
    """What a CRDS server says of itself (``get_server_info``), as crds caches it in server_config."""
    return {
        "observatory": "jwst",
        "operational_context": context,
        "latest_context": context,
        "edit_context": context,
        "force_remote_mode": False,
        "bad_files": "",
        "bad_files_list": [],
        "crds_version": {"str": CRDS_VERSION},
        "reference_url": url,
        "mapping_url": url,
        "last_synced": "2026-01-01 00:00:00",  # crds 14 logs it unconditionally when reading a cache
    }


def write_server_config(root: Path, context: str) -> None:
    """``config/jwst/server_config`` as crds caches it after talking to a server."""
    config = root / "config" / "jwst"
    config.mkdir(parents=True, exist_ok=True)
    (config / "server_config").write_text(repr(server_info(context)) + "\n")


def _write_rmap(path: Path, instrument: str, reftype: str, rules: list[Rule]) -> None:
    header = {
        "classes": ("Match", "UseAfter"),
        "derived_from": "lininspect tests",
        "filekind": reftype.upper(),
        "instrument": instrument,
        "mapping": "REFERENCE",
        "name": path.name,
        "observatory": "JWST",
        "parkey": (MATCH_KEYS, DATE_KEYS),
        "sha1sum": "0",
    }
    rows = []
    for rule in rules:
        if isinstance(rule.use_after, str):
            rows.append(f"    ({rule.detector!r}, {rule.subarray!r}) : {rule.use_after!r},\n")
            continue
        dates = "".join(f"        {date!r} : {name!r},\n" for date, name in sorted(rule.use_after.items()))
        rows.append(f"    ({rule.detector!r}, {rule.subarray!r}) : UseAfter({{\n{dates}    }}),\n")
    _write_mapping(path, header, "Match({\n" + "".join(rows) + "})")


def _write_mapping(path: Path, header: dict[str, Any], selector: str) -> None:
    lines = "".join(f"    {key!r} : {value!r},\n" for key, value in sorted(header.items()))
    path.write_text(f"header = {{\n{lines}}}\n\nselector = {selector}\n")


def _write_checksums(paths: list[Path]) -> None:
    """crds' own checksum tool, in a child so this process's crds state is untouched.

    The tool's output depends only on a mapping's text (it holds names, never paths), and the
    tests write the same few mappings over and over: in a test session each text is summed by
    the tool once, and its summed text is kept (in tests/session_shared.py's folder) for the
    next cache that writes it. The child costs ~3 s (it imports crds); a suite builds ~60 caches."""
    if session_shared.FOLDER is None:
        _run_checksum_tool(paths)
        return
    memo = session_shared.FOLDER / "crds_checksums"
    memo.mkdir(parents=True, exist_ok=True)
    keys = {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in paths}
    missing = [path for path in paths if not (memo / keys[path]).is_file()]
    for path in paths:  # first, so the tool meets summed children when it loads a context
        if path not in missing:
            path.write_bytes((memo / keys[path]).read_bytes())
    if missing:
        _run_checksum_tool(missing)
        for path in missing:  # published whole (rename), so a concurrent reader sees all or nothing
            partial = memo / f"{keys[path]}.{os.getpid()}.partial"
            partial.write_bytes(path.read_bytes())
            partial.replace(memo / keys[path])


def _run_checksum_tool(paths: list[Path]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "crds.refactoring.checksum", *map(str, paths)],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("CRDS_")} | {"CRDS_SERVER_URL": SERVERLESS_URL},
        timeout=120,
    )
    if result.returncode != 0 or "ERROR" in result.stdout + result.stderr:
        raise RuntimeError(f"crds checksum failed:\n{result.stdout}\n{result.stderr}")


# --------------------------------------------------------------------------------------------
# References, written with stdatamodels' models (as CRDS references are)
# --------------------------------------------------------------------------------------------


def _describe(model: Any, instrument: str, detector: str, subarray: str, shape: tuple[int, int],
              substrt: tuple[int, int], reftype: str) -> None:
    meta = model.meta
    meta.instrument.name = instrument
    meta.instrument.detector = detector
    meta.subarray.name = subarray
    meta.subarray.xstart, meta.subarray.ystart = substrt
    meta.subarray.xsize, meta.subarray.ysize = shape[1], shape[0]
    meta.subarray.fastaxis, meta.subarray.slowaxis = 1, 2
    meta.reftype = reftype.upper()
    meta.author = "lininspect tests"
    meta.pedigree = "GROUND"
    meta.description = f"synthetic {reftype} reference"
    meta.useafter = "2000-01-01T00:00:00"
    meta.telescope = "JWST"


def linearity_writer(
    coeffs: np.ndarray,
    dq: np.ndarray,
    *,
    instrument: str,
    detector: str,
    subarray: str,
    substrt: tuple[int, int] = (1, 1),
    dq_def: list[tuple[int, int, str, str]] | None = None,
) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        from stdatamodels.jwst.datamodels import LinearityModel

        with LinearityModel() as model:
            model.coeffs = np.asarray(coeffs, np.float32)
            model.dq = np.asarray(dq, np.uint32)
            if dq_def is not None:
                model.dq_def = np.array(dq_def, dtype=[("BIT", "<i4"), ("VALUE", "<i4"), ("NAME", "S40"),
                                                       ("DESCRIPTION", "S80")])
            _describe(model, instrument, detector, subarray, coeffs.shape[1:], substrt, "linearity")
            model.save(path)

    return write


def mask_writer(dq: np.ndarray, *, instrument: str, detector: str, subarray: str,
                substrt: tuple[int, int] = (1, 1)) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        from stdatamodels.jwst.datamodels import MaskModel

        with MaskModel() as model:
            model.dq = np.asarray(dq, np.uint32)
            _describe(model, instrument, detector, subarray, dq.shape, substrt, "mask")
            model.save(path)

    return write


def saturation_writer(levels: np.ndarray, *, instrument: str, detector: str, subarray: str,
                      substrt: tuple[int, int] = (1, 1)) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        from stdatamodels.jwst.datamodels import SaturationModel

        with SaturationModel() as model:
            model.data = np.asarray(levels, np.float32)
            model.dq = np.zeros(levels.shape, np.uint32)
            _describe(model, instrument, detector, subarray, levels.shape, substrt, "saturation")
            model.save(path)

    return write


def superbias_writer(bias: np.ndarray, *, instrument: str, detector: str, subarray: str,
                     substrt: tuple[int, int] = (1, 1)) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        from stdatamodels.jwst.datamodels import SuperBiasModel

        with SuperBiasModel() as model:
            model.data = np.asarray(bias, np.float32)
            model.err = np.zeros(bias.shape, np.float32)
            model.dq = np.zeros(bias.shape, np.uint32)
            _describe(model, instrument, detector, subarray, bias.shape, substrt, "superbias")
            model.save(path)

    return write


def reset_writer(data: np.ndarray, *, instrument: str, detector: str, subarray: str,
                 substrt: tuple[int, int] = (1, 1)) -> Callable[[Path], None]:
    """MIRI reset: (nints, ngroups, ny, nx) offsets subtracted from the first groups."""

    def write(path: Path) -> None:
        from stdatamodels.jwst.datamodels import ResetModel

        with ResetModel() as model:
            model.data = np.asarray(data, np.float32)
            model.err = np.zeros(data.shape, np.float32)
            model.dq = np.zeros(data.shape[-2:], np.uint32)
            _describe(model, instrument, detector, subarray, data.shape[-2:], substrt, "reset")
            model.meta.exposure.readpatt = "ANY"
            model.meta.exposure.nints, model.meta.exposure.ngroups = data.shape[:2]
            model.save(path)

    return write
