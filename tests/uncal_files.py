"""Test-only: ``_uncal`` exposures and the CRDS cache the Detector1 steps before linearity need.

The uncal files are written with stdatamodels' ``Level1bModel`` (SCI uint16, ASDF extension), as
the archive serves them. The cache maps every reference type those steps ask for to a file
written with stdatamodels' models, or to 'N/A' where the real CRDS has none for the instrument.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import session_shared
from crds_cache import (
    CrdsCache,
    Rule,
    build_cache,
    linearity_writer,
    mask_writer,
    reset_writer,
    saturation_writer,
    superbias_writer,
)

FULL = {"MIRI": (1024, 1032), "NIRCAM": (2048, 2048)}
DETECTOR = {"MIRI": "MIRIMAGE", "NIRCAM": "NRCA1"}
#: Per instrument: (subarray name, (ny, nx), SUBSTRT) of the subarray case.
SUBARRAY = {"MIRI": ("SUB64", (64, 72), (5, 9)), "NIRCAM": ("SUB160", (160, 160), (101, 201))}
NGROUPS = {"MIRI": 5, "NIRCAM": 4}
SATURATION_LEVEL = 50000.0


def _rules(instrument: str, reftype: str, early: str, late: str) -> list[Rule]:
    detector = DETECTOR[instrument]
    dates = {"2000-01-01 00:00:00": early, "2024-06-01 00:00:00": late}
    return [Rule(detector, "FULL", dates), Rule(detector, SUBARRAY[instrument][0], dates)]


def make_uncal_cache(root: Path, seed: int = 11) -> CrdsCache:
    """Two dates for every reference type, so a step that ignored the date would differ.

    The same seed makes the same cache, so a test session writes it once (547 MB, 18 s on an idle
    machine; five test files ask for it) and each caller gets its own tree at ``root``: references
    hard-linked, mappings and crds' config copied (the only parts crds or a test writes)."""
    shared = session_shared.built_once(f"uncal_crds_{seed}", lambda folder: _write_uncal_cache(folder, seed))
    if shared is None:
        return _write_uncal_cache(root, seed)
    root = session_shared.linked_copy(shared, Path(root), copied=("mappings", "config")).resolve()
    files = {path.name: path for path in (root / "references").rglob("*.fits")}
    return CrdsCache(root, "jwst_0001.pmap", files)


def _write_uncal_cache(root: Path, seed: int) -> CrdsCache:
    rng = np.random.default_rng(seed)
    rules: dict = {}
    writers: dict = {}
    for instrument in ("MIRI", "NIRCAM"):
        detector, shape = DETECTOR[instrument], FULL[instrument]
        kinds = {
            "mask": lambda: mask_writer(
                np.where(rng.random(shape) < 0.001, 1 | 1024, 0).astype(np.uint32),
                instrument=instrument, detector=detector, subarray="FULL",
            ),
            "saturation": lambda: saturation_writer(
                rng.uniform(SATURATION_LEVEL - 5000, SATURATION_LEVEL, shape).astype(np.float32),
                instrument=instrument, detector=detector, subarray="FULL",
            ),
            "linearity": lambda: linearity_writer(
                *_linearity(rng, shape), instrument=instrument, detector=detector, subarray="FULL",
            ),
        }  # fmt: skip
        if instrument == "MIRI":  # jwst's reset step does not cut a full-frame reference: one per subarray
            sub_name, sub_shape, sub_start = SUBARRAY[instrument]
            reset_rules = []
            for subarray, size, start in (("FULL", shape, (1, 1)), (sub_name, sub_shape, sub_start)):
                dates = {}
                for serial, date in ((1, "2000-01-01 00:00:00"), (2, "2024-06-01 00:00:00")):
                    file_name = f"jwst_miri_reset_{subarray.lower()}_{serial:04d}.fits"
                    writers[file_name] = reset_writer(
                        rng.normal(0.0, 3.0, (2, NGROUPS["MIRI"], *size)).astype(np.float32),
                        instrument=instrument, detector=detector, subarray=subarray, substrt=start,
                    )  # fmt: skip
                    dates[date] = file_name
                reset_rules.append(Rule(detector, subarray, dates))
            not_applicable = ("emicorr", "ipc", "superbias")
        else:
            kinds["superbias"] = lambda: superbias_writer(
                rng.uniform(9000.0, 11000.0, shape).astype(np.float32),
                instrument=instrument, detector=detector, subarray="FULL",
            )  # fmt: skip
            not_applicable = ("ipc", "refpix", "sirskernel")
        per_type: dict = {reftype: "N/A" for reftype in not_applicable}
        if instrument == "MIRI":
            per_type["reset"] = reset_rules
        for reftype, make in kinds.items():
            early = f"jwst_{instrument.lower()}_{reftype}_0001.fits"
            late = f"jwst_{instrument.lower()}_{reftype}_0002.fits"
            writers[early], writers[late] = make(), make()
            per_type[reftype] = _rules(instrument, reftype, early, late)
        rules[instrument] = per_type
    return build_cache(root, rules, writers)


def _linearity(rng: np.random.Generator, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    coeffs = np.empty((3, *shape), np.float32)
    coeffs[0] = rng.normal(0.0, 2.0, shape)
    coeffs[1] = 1.0 + rng.normal(0.0, 0.02, shape)
    coeffs[2] = rng.normal(0.0, 3e-6, shape)
    return coeffs, np.zeros(shape, np.uint32)


def write_uncal(
    path: Path,
    instrument: str,
    *,
    subarray: bool,
    date: str,
    rng: np.random.Generator,
    nints: int = 2,
    zeroframe: bool = False,
) -> Path:
    """A Level1b ``_uncal`` ramp: uint16 counts rising to (and some past) saturation."""
    from stdatamodels.jwst.datamodels import Level1bModel

    name, shape, substrt = SUBARRAY[instrument] if subarray else ("FULL", FULL[instrument], (1, 1))
    ngroups = NGROUPS[instrument]
    bias = 10000.0
    rate = rng.uniform(50.0, 9000.0, shape)
    groups = np.arange(1, ngroups + 1)[None, :, None, None]
    counts = bias + rate[None, None] * groups + rng.normal(0.0, 5.0, (nints, ngroups, *shape))
    sci = np.clip(counts, 0, 65535).astype(np.uint16)
    with Level1bModel() as model:
        model.data = sci
        if zeroframe:
            model.zeroframe = np.clip(bias + rate[None] * 0.5, 0, 65535).astype(np.uint16).repeat(nints, axis=0)
        meta = model.meta
        meta.telescope = "JWST"
        meta.instrument.name = instrument
        meta.instrument.detector = DETECTOR[instrument]
        meta.instrument.filter = "F770W" if instrument == "MIRI" else "F200W"
        if instrument == "NIRCAM":
            meta.instrument.pupil = "CLEAR"
            meta.instrument.channel = "SHORT"
            meta.instrument.module = "A"
            meta.exposure.noutputs = 4 if not subarray else 1
        meta.exposure.type = "MIR_IMAGE" if instrument == "MIRI" else "NRC_IMAGE"
        meta.exposure.readpatt = "FASTR1" if instrument == "MIRI" else "RAPID"
        meta.exposure.nints = nints
        meta.exposure.ngroups = ngroups
        meta.exposure.nframes = 1
        meta.exposure.groupgap = 0
        meta.exposure.zero_frame = zeroframe
        meta.exposure.frame_time = 2.775
        meta.exposure.group_time = 2.775
        meta.observation.date = date
        meta.observation.time = "00:00:00.000"
        meta.subarray.name = name
        meta.subarray.xstart, meta.subarray.ystart = substrt
        meta.subarray.xsize, meta.subarray.ysize = shape[1], shape[0]
        meta.subarray.fastaxis, meta.subarray.slowaxis = (1, 2) if instrument == "MIRI" else (-1, 2)
        model.save(path)
    return Path(path)
