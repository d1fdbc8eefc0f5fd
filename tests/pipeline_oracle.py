"""Test-only oracle: build ramp/reference files and run the real JWST pipeline on them.

Differential tests compare lininspect's own correction against jwst's LinearityStep and
stcal's ``linearity_correction``.  This module hides the awkward parts of that:

* the pipeline insists on a CRDS configuration even when every reference is overridden, so
  we fabricate a minimal offline one (no network) — see ``offline_crds_env``;
* ``jwst`` is imported in a child process, so CRDS sees its environment before import and a
  pipeline crash cannot take the pytest process down — see ``run_linearity_steps``;
* files are written the way the pipeline (``RampModel.save``) or CRDS (plain FITS) write them.

Nothing here imports ``jwst`` or ``crds`` into the test process.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits

__all__ = [
    "MIRI_DQ_DEF",
    "PipelineRunError",
    "offline_crds_env",
    "offline_crds",
    "write_ramp_file",
    "write_linearity_reference",
    "run_linearity_step",
    "run_linearity_steps",
    "linearity_step_failures",
    "run_stcal",
    "read_pipeline_product",
    "read_with_ramp_model",
]

CRDS_CONTEXT = "jwst_0000.pmap"

# A compressed DQ definition like the one shipped in MIRI linearity references:
# the stored values 1/2/4 stand for the standard bits DO_NOT_USE/NONLINEAR/NO_LIN_CORR.
MIRI_DQ_DEF: list[tuple[int, int, str, str]] = [
    (0, 1, "DO_NOT_USE", "Bad pixel, do not use"),
    (1, 2, "NONLINEAR", "Pixel highly nonlinear"),
    (2, 4, "NO_LIN_CORR", "Linearity correction not available"),
]

# S_* keywords of the Detector1 steps before linearity (jwst 3.0): a ramp written here is the
# linearity step's input, so they say COMPLETE; an _uncal file has none.
EARLIER_STEP_KEYWORDS = {
    "MIRI": ("S_GRPSCL", "S_DQINIT", "S_MIREMI", "S_SATURA", "S_IPC", "S_FRSTFR", "S_LASTFR", "S_RESET"),
    "NIR": ("S_GRPSCL", "S_DQINIT", "S_SATURA", "S_IPC", "S_SUPERB", "S_REFPIX"),
}

# Full-frame sizes (ny, nx), used only to pick SUBARRAY = 'FULL' vs 'GENERIC'.
_FULL_FRAME = {"MIRI": (1024, 1032)}
_DEFAULT_FULL_FRAME = (2048, 2048)


class PipelineRunError(RuntimeError):
    """The pipeline subprocess failed; the message carries the stderr tail for diagnosis."""


# --------------------------------------------------------------------------------------------
# 1. Offline CRDS
# --------------------------------------------------------------------------------------------


def offline_crds_env(tmp_dir: Path) -> dict[str, str]:
    """Create a minimal serverless CRDS cache in ``tmp_dir`` and return the env vars to use.

    jwst's Step machinery consults CRDS even when ``override_linearity`` is given; with a
    'serverless' server URL and a local ``server_config`` it makes no network calls.
    Idempotent, so several tests may share one folder.
    """
    root = Path(tmp_dir).resolve()
    config_dir = root / "config" / "jwst"
    config_dir.mkdir(parents=True, exist_ok=True)
    (root / "mappings" / "jwst").mkdir(parents=True, exist_ok=True)
    (root / "references" / "jwst").mkdir(parents=True, exist_ok=True)
    server_config = {
        "observatory": "jwst",
        "operational_context": CRDS_CONTEXT,
        "latest_context": CRDS_CONTEXT,
        "edit_context": CRDS_CONTEXT,
        "force_remote_mode": False,
        "bad_files": "",
        "bad_files_list": [],
        "crds_version": {"str": "14.0.3"},
        "reference_url": "none",
        "mapping_url": "none",
        # Not in the facts file, but crds 14.0.3 logs info.last_synced unconditionally
        # while loading a cached config and dies with AttributeError without it.
        "last_synced": "2024-01-01 00:00:00",
    }
    # CRDS parses this file as a Python literal, so repr() is the right serialisation.
    (config_dir / "server_config").write_text(repr(server_config) + "\n")
    return {
        "CRDS_PATH": str(root),
        "CRDS_SERVER_URL": "https://jwst-serverless.invalid",
        "CRDS_MODE": "local",
        "CRDS_CONTEXT": CRDS_CONTEXT,
        "STPIPE_DISABLE_CRDS_STEPPARS": "true",
    }


@contextlib.contextmanager
def offline_crds(tmp_dir: Path) -> Iterator[dict[str, str]]:
    """Set the offline CRDS variables in ``os.environ`` for the block, then restore them.

    Only needed for in-process pipeline use; the subprocess runners set the env themselves.
    """
    env = offline_crds_env(tmp_dir)
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        yield env
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _child_env(crds_dir: Path) -> dict[str, str]:
    """Environment for a pipeline child: ours, minus any CRDS settings that could go online."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRDS_")}
    env.update(offline_crds_env(crds_dir))
    return env


# --------------------------------------------------------------------------------------------
# 2. Ramp files
# --------------------------------------------------------------------------------------------


def _subarray_name(instrument: str, shape_yx: tuple[int, int], substrt: tuple[int, int]) -> str:
    """'FULL' for a full-frame array at (1, 1), else 'GENERIC' (the pipeline only uses the numbers)."""
    full = _FULL_FRAME.get(instrument.upper(), _DEFAULT_FULL_FRAME)
    return "FULL" if tuple(shape_yx) == full and tuple(substrt) == (1, 1) else "GENERIC"


def _ramp_keywords(
    sci_shape: tuple[int, ...],
    *,
    instrument: str,
    detector: str,
    substrt: tuple[int, int],
    nframes: int,
    exp_type: str,
    readpatt: str,
    zero_frame: bool,
    earlier_steps_done: bool = True,
) -> dict[str, Any]:
    """Primary-header keywords of a ramp file, shared by the ASDF and the plain-FITS writer."""
    nints, ngroups, ny, nx = sci_shape
    steps = EARLIER_STEP_KEYWORDS["MIRI" if instrument.upper() == "MIRI" else "NIR"]
    done = {key: "COMPLETE" for key in steps} if earlier_steps_done else {}
    return done | {
        "TELESCOP": "JWST",
        "DATAMODL": "RampModel",
        "INSTRUME": instrument,
        "DETECTOR": detector,
        "DATE-OBS": "2024-01-01",
        "TIME-OBS": "00:00:00.000",
        "EXP_TYPE": exp_type,
        "READPATT": readpatt,
        "NINTS": nints,
        "NGROUPS": ngroups,
        "NFRAMES": nframes,
        "GROUPGAP": 0,
        "ZEROFRAM": zero_frame,
        "SUBARRAY": _subarray_name(instrument, (ny, nx), substrt),
        "SUBSTRT1": int(substrt[0]),
        "SUBSTRT2": int(substrt[1]),
        "SUBSIZE1": nx,
        "SUBSIZE2": ny,
    }


def write_ramp_file(
    path: Path | str,
    *,
    sci: np.ndarray,
    groupdq: np.ndarray | None = None,
    pixeldq: np.ndarray | None = None,
    zeroframe: np.ndarray | None = None,
    instrument: str = "MIRI",
    detector: str = "MIRIMAGE",
    substrt: tuple[int, int] = (1, 1),
    nframes: int = 1,
    exp_type: str = "MIR_IMAGE",
    readpatt: str = "FASTR1",
    extra_header: Mapping[str, Any] | None = None,
    with_asdf: bool = True,
    extra_hdus: Sequence[fits.ImageHDU | fits.BinTableHDU] | None = None,
) -> Path:
    """Write a 4-D ramp file like the pipeline's own intermediate products.

    ``with_asdf=True`` goes through ``RampModel.save`` (so the file has the ASDF extension,
    exactly as the pipeline writes it); ``with_asdf=False`` writes plain FITS with astropy,
    which exercises the header-only reading path.  ``extra_header`` keywords override or add
    primary keywords (schema keywords are set on the model, unknown ones kept verbatim).
    ``extra_hdus`` are appended after saving, to check that foreign extensions survive.
    """
    path = Path(path)
    sci = np.asarray(sci, dtype=np.float32)
    if sci.ndim != 4:
        raise ValueError(f"sci must be 4-D (nints, ngroups, ny, nx), got shape {sci.shape}")
    nints, ngroups, ny, nx = sci.shape
    gdq = np.zeros(sci.shape, np.uint8) if groupdq is None else np.asarray(groupdq, np.uint8)
    pdq = np.zeros((ny, nx), np.uint32) if pixeldq is None else np.asarray(pixeldq, np.uint32)
    zf = None if zeroframe is None else np.asarray(zeroframe, dtype=np.float32)
    if gdq.shape != sci.shape or pdq.shape != (ny, nx):
        raise ValueError("groupdq/pixeldq shapes do not match sci")
    if zf is not None and zf.shape != (nints, ny, nx):
        raise ValueError(f"zeroframe must have shape {(nints, ny, nx)}, got {zf.shape}")

    keywords = _ramp_keywords(
        sci.shape,
        instrument=instrument,
        detector=detector,
        substrt=substrt,
        nframes=nframes,
        exp_type=exp_type,
        readpatt=readpatt,
        zero_frame=zf is not None,
    )
    keywords.update(extra_header or {})

    if with_asdf:
        _save_with_ramp_model(path, sci, gdq, pdq, zf, keywords)
    else:
        primary = fits.PrimaryHDU()
        for key, value in keywords.items():
            primary.header[key] = value
        hdus = [
            primary,
            fits.ImageHDU(sci, name="SCI"),
            fits.ImageHDU(pdq, name="PIXELDQ"),  # astropy stores uint32 as int32 + BZERO
            fits.ImageHDU(gdq, name="GROUPDQ"),
        ]
        if zf is not None:
            hdus.append(fits.ImageHDU(zf, name="ZEROFRAME"))
        fits.HDUList(hdus).writeto(path, overwrite=True)

    if extra_hdus:
        with fits.open(path, mode="append") as hdul:
            for hdu in extra_hdus:
                hdul.append(hdu)
    return path


def write_uncal_file(
    path: Path | str,
    *,
    sci: np.ndarray,
    instrument: str = "MIRI",
    detector: str = "MIRIMAGE",
    substrt: tuple[int, int] = (1, 1),
) -> Path:
    """An ``_uncal`` file as the archive serves it: SCI uint16 (int16 + BZERO), no DQ at all."""
    path = Path(path)
    sci = np.asarray(sci, dtype=np.uint16)
    keywords = _ramp_keywords(
        sci.shape,
        instrument=instrument,
        detector=detector,
        substrt=substrt,
        nframes=1,
        exp_type="MIR_IMAGE",
        readpatt="FASTR1",
        zero_frame=False,
        earlier_steps_done=False,
    )
    primary = fits.PrimaryHDU()
    for key, value in keywords.items():
        primary.header[key] = value
    fits.HDUList([primary, fits.ImageHDU(sci, name="SCI")]).writeto(path, overwrite=True)
    return path


def ramp_table_hdu(name: str, nints: int, ngroups: int = 1) -> fits.BinTableHDU:
    """A GROUP or INT_TIMES table with the columns RampModel's schema demands.

    The pipeline refuses to open a ramp whose GROUP/INT_TIMES columns differ from its schema,
    so pass-through tests must build them from the schema rather than by hand.  Rows are
    zeros apart from integration_number (and group_number) so the content is recognisable.
    """
    from stdatamodels.jwst.datamodels import RampModel

    attr = {"GROUP": "group", "INT_TIMES": "int_times"}[name.upper()]
    with RampModel() as model:
        columns = model.schema["properties"][attr]["datatype"]
    fields = []
    for column in columns:
        kind = column["datatype"]
        fields.append((column["name"], f"S{kind[1]}" if isinstance(kind, list) else kind))
    nrows = nints * ngroups if attr == "group" else nints
    table = np.zeros(nrows, dtype=fields)
    table["integration_number"] = np.repeat(np.arange(1, nints + 1), nrows // nints)
    if attr == "group":
        table["group_number"] = np.tile(np.arange(1, ngroups + 1), nints)
    return fits.BinTableHDU(table, name=name.upper())


def _save_with_ramp_model(
    path: Path,
    sci: np.ndarray,
    gdq: np.ndarray,
    pdq: np.ndarray,
    zf: np.ndarray | None,
    keywords: Mapping[str, Any],
) -> None:
    """Populate a RampModel from FITS keywords via its schema and save it (ASDF included)."""
    from stdatamodels.jwst.datamodels import RampModel

    with RampModel(sci.shape) as model:
        model.data = sci
        model.groupdq = gdq
        model.pixeldq = pdq
        if zf is not None:
            model.zeroframe = zf
        unknown: list[list[Any]] = []
        for key, value in keywords.items():
            if key == "DATAMODL":
                continue  # written by the model itself
            paths = model.find_fits_keyword(key)
            if not paths:
                unknown.append([key, value, ""])
                continue
            node: Any = model
            *parents, leaf = paths[0].split(".")
            for name in parents:
                node = getattr(node, name)
            setattr(node, leaf, value)
        if unknown:
            model.extra_fits = {"PRIMARY": {"header": unknown}}  # kept verbatim by save()
        model.save(path)


# --------------------------------------------------------------------------------------------
# 3. Linearity reference files
# --------------------------------------------------------------------------------------------


def write_linearity_reference(
    path: Path | str,
    *,
    coeffs: np.ndarray,
    dq: np.ndarray | None = None,
    dq_def: Sequence[tuple[int, int, str, str]] | None = None,
    instrument: str = "MIRI",
    detector: str = "MIRIMAGE",
    substrt: tuple[int, int] = (1, 1),
    inv_coeffs: np.ndarray | None = None,
    coeffs_dtype: np.dtype | type = np.float32,
) -> Path:
    """Write a plain-FITS linearity reference shaped like the CRDS ones (no ASDF extension).

    ``dq`` is written exactly as given: with a ``dq_def`` it is the *stored*, compressed
    code (e.g. 4 meaning NO_LIN_CORR under ``MIRI_DQ_DEF``) that readers must map back
    through the DQ_DEF table; without one it is taken at face value.
    """
    path = Path(path)
    coeffs = np.asarray(coeffs)
    if coeffs.ndim != 3:
        raise ValueError(f"coeffs must be 3-D (ncoeffs, ny, nx), got shape {coeffs.shape}")
    _, ny, nx = coeffs.shape
    stored_dq = np.zeros((ny, nx), np.uint32) if dq is None else np.asarray(dq, np.uint32)

    primary = fits.PrimaryHDU()
    for key, value in {
        "TELESCOP": "JWST",
        "DATAMODL": "LinearityModel",
        "REFTYPE": "LINEARITY",
        "INSTRUME": instrument,
        "DETECTOR": detector,
        "SUBARRAY": _subarray_name(instrument, (ny, nx), substrt),
        "SUBSTRT1": int(substrt[0]),
        "SUBSTRT2": int(substrt[1]),
        "SUBSIZE1": nx,
        "SUBSIZE2": ny,
        "PEDIGREE": "GROUND",
        "USEAFTER": "2000-01-01T00:00:00",
        "AUTHOR": "lininspect tests",
        "DESCRIP": "Synthetic linearity reference for differential tests",
    }.items():
        primary.header[key] = value

    hdus: list[Any] = [
        primary,
        fits.ImageHDU(coeffs.astype(coeffs_dtype), name="COEFFS"),
        fits.ImageHDU(stored_dq, name="DQ"),
    ]
    if dq_def is not None:
        rows = list(dq_def)
        hdus.append(
            fits.BinTableHDU.from_columns(
                [
                    fits.Column("BIT", "J", array=np.array([r[0] for r in rows], np.int32)),
                    fits.Column("VALUE", "J", array=np.array([r[1] for r in rows], np.int32)),
                    fits.Column("NAME", "40A", array=np.array([r[2] for r in rows], "U40")),
                    fits.Column("DESCRIPTION", "80A", array=np.array([r[3] for r in rows], "U80")),
                ],
                name="DQ_DEF",
            )
        )
    if inv_coeffs is not None:
        hdus.append(fits.ImageHDU(np.asarray(inv_coeffs, np.float32), name="INV_COEFFS"))
    fits.HDUList(hdus).writeto(path, overwrite=True)
    return path


# --------------------------------------------------------------------------------------------
# 4. Running the pipeline
# --------------------------------------------------------------------------------------------

# Executed in a fresh interpreter: argv[1] is a JSON job file, argv[2] receives per-job errors.
# Each job is isolated by try/except so one bad pair does not hide the others' results.
_CHILD_SCRIPT = r"""
import json, sys, traceback
jobs = json.load(open(sys.argv[1]))
from stdatamodels.jwst.datamodels import RampModel
from jwst.linearity import LinearityStep
errors = {}
for index, (inp, ref, out) in enumerate(jobs):
    try:
        with RampModel(inp) as model:
            result = LinearityStep.call(model, override_linearity=ref)
            result.save(out)
            result.close()
    except Exception:
        errors[index] = traceback.format_exc()
json.dump(errors, open(sys.argv[2], "w"))
"""


def _tail(text: str, lines: int = 40) -> str:
    """Last lines of a log: enough to see the traceback, not the whole pipeline chatter."""
    return "\n".join(text.splitlines()[-lines:])


def run_linearity_steps(
    jobs: Iterable[tuple[Path | str, Path | str, Path | str]],
    crds_dir: Path,
    *,
    timeout: float = 600.0,
    cwd: Path | str | None = None,
) -> None:
    """Run ``LinearityStep`` on many (input, reference, output) triples in ONE subprocess.

    Importing jwst dominates the cost of a call, so batching amortises it.  Paths are passed
    through unchanged (relative ones resolve against ``cwd``), because the reference path
    string ends up verbatim in the product's R_LINEAR.  Raises ``PipelineRunError`` if the
    child dies or any job fails.
    """
    triples = [[str(i), str(r), str(o)] for i, r, o in jobs]
    errors, stderr = _linearity_step_child(triples, crds_dir, timeout=timeout, cwd=cwd)
    if errors:
        report = "\n".join(
            f"job {idx} {triples[int(idx)]}:\n{_tail(tb, 15)}" for idx, tb in errors.items()
        )
        raise PipelineRunError(
            f"{len(errors)} of {len(triples)} LinearityStep jobs failed:\n{report}\n"
            f"--- stderr tail ---\n{_tail(stderr, 15)}"
        )


def linearity_step_failures(
    jobs: Iterable[tuple[Path | str, Path | str, Path | str]],
    crds_dir: Path,
    *,
    timeout: float = 600.0,
    cwd: Path | str | None = None,
) -> dict[int, str]:
    """As ``run_linearity_steps``, for jobs some of which are meant to fail: each failed job's
    index -> its traceback, so jobs that must fail share the child (one jwst import) with those
    that must not. Raises ``PipelineRunError`` only if the child itself dies."""
    triples = [[str(i), str(r), str(o)] for i, r, o in jobs]
    errors, _ = _linearity_step_child(triples, crds_dir, timeout=timeout, cwd=cwd)
    return {int(index): traceback for index, traceback in errors.items()}


def _linearity_step_child(
    triples: list[list[str]], crds_dir: Path, *, timeout: float, cwd: Path | str | None
) -> tuple[dict[str, str], str]:
    if not triples:
        return {}, ""
    with tempfile.TemporaryDirectory(prefix="lin_oracle_") as work:
        job_file = Path(work) / "jobs.json"
        err_file = Path(work) / "errors.json"
        job_file.write_text(json.dumps(triples))
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD_SCRIPT, str(job_file), str(err_file)],
            env=_child_env(Path(crds_dir)),
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if proc.returncode != 0 or not err_file.exists():
            raise PipelineRunError(
                f"pipeline subprocess exited with {proc.returncode}:\n{_tail(proc.stderr)}"
            )
        return json.loads(err_file.read_text()), proc.stderr


def run_linearity_step(
    input_path: Path | str,
    reference_path: Path | str,
    output_path: Path | str,
    crds_dir: Path,
    *,
    timeout: float = 600.0,
    cwd: Path | str | None = None,
) -> None:
    """Run the real ``LinearityStep`` offline on one file in a fresh subprocess (~2 s each).

    Prefer ``run_linearity_steps`` for several files: the per-file marginal cost is ~0.15 s.
    """
    run_linearity_steps([(input_path, reference_path, output_path)], crds_dir, timeout=timeout, cwd=cwd)


def run_stcal(
    data: np.ndarray,
    groupdq: np.ndarray,
    pixeldq: np.ndarray,
    coeffs: np.ndarray,
    ref_dq: np.ndarray,
    zeroframe: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Call stcal's classic ``linearity_correction`` in-process, on copies of the inputs.

    stcal mutates its arguments in place, so we copy; dtypes are coerced to what the pipeline
    hands it (float32 data and coefficients — LinearityModel casts float64 COEFFS on load —,
    uint8 GROUPDQ, uint32 PIXELDQ/reference DQ).  ``ref_dq`` must already be in standard bits.
    """
    from stcal.linearity.linearity import linearity_correction
    from stdatamodels.jwst.datamodels import dqflags

    out_data, out_pdq, out_zf = linearity_correction(
        np.array(data, dtype=np.float32, copy=True),
        np.array(groupdq, dtype=np.uint8, copy=True),
        np.array(pixeldq, dtype=np.uint32, copy=True),
        np.array(coeffs, dtype=np.float32, copy=True),
        np.array(ref_dq, dtype=np.uint32, copy=True),
        dqflags.pixel,
        zframe=None if zeroframe is None else np.array(zeroframe, dtype=np.float32, copy=True),
    )
    return (
        np.asarray(out_data, dtype=np.float32),
        np.asarray(out_pdq, dtype=np.uint32),
        None if out_zf is None else np.asarray(out_zf, dtype=np.float32),
    )


# --------------------------------------------------------------------------------------------
# 5. Reading products back
# --------------------------------------------------------------------------------------------


def _native(array: np.ndarray) -> np.ndarray:
    """FITS arrays come back big-endian; comparisons and hashing want native order."""
    return np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("="))


def read_pipeline_product(path: Path | str) -> dict[str, Any]:
    """Read a ramp product with plain astropy (independent of stdatamodels' interpretation).

    Returns native-order SCI/PIXELDQ/GROUPDQ, ZEROFRAME when present, the primary-header
    S_LINEAR/R_LINEAR (None when absent) and the HDU names, in file order.
    """
    result: dict[str, Any] = {}
    with fits.open(path, memmap=False) as hdul:
        names = [hdu.name for hdu in hdul]
        for name in ("SCI", "PIXELDQ", "GROUPDQ", "ZEROFRAME"):
            if name in names:
                result[name] = _native(hdul[name].data)
        header = hdul[0].header
        result["S_LINEAR"] = header.get("S_LINEAR")
        result["R_LINEAR"] = header.get("R_LINEAR")
        result["HDUNAMES"] = names
    return result


def read_with_ramp_model(path: Path | str) -> dict[str, Any]:
    """Read a ramp file the way the pipeline does (``RampModel``), to check what it believes.

    ``zeroframe`` is None unless the file has a ZEROFRAME array; ``zero_frame`` is the
    ``meta.exposure.zero_frame`` flag, which decides whether the pipeline corrects it.
    """
    from stdatamodels.jwst.datamodels import RampModel

    with RampModel(str(path)) as model:
        return {
            "data": _native(np.array(model.data)),
            "pixeldq": _native(np.array(model.pixeldq)),
            "groupdq": _native(np.array(model.groupdq)),
            "zeroframe": _native(np.array(model.zeroframe)) if model.hasattr("zeroframe") else None,
            "cal_step_linearity": model.meta.cal_step.linearity,
            "zero_frame": model.meta.exposure.zero_frame,
        }
