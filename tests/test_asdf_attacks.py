"""Hostile ASDF extensions (issue 16, items 2, 3, 4): refused in one line before any library walks the tree.

A YAML alias bomb, megabytes of YAML, deep nesting, a ``$ref`` and ndarray sources naming files
outside the input (``/dev/zero``, a FIFO, a sparse 8 GB file, ``/etc/passwd``, a URI, a relative
name) must cost no more than reading the extension's bytes, and no file but the input may be
opened: an audit hook records every ``open`` in this process, and a FIFO named as a source tells
when another process opens it (a writer's non-blocking open succeeds only then).
"""

from __future__ import annotations

import os
import resource
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from asdf_attacks import (
    OUTSIDE,
    alias_bomb,
    deep_nesting,
    external_source,
    json_reference,
    make_outside_files,
    oversized,
    with_asdf_yaml,
)
from test_uncal import lininspect
from uncal_files import make_uncal_cache, write_uncal

from lininspect.core.references.crdsref import crds_parameters
from lininspect.core.errors import LinInspectError
from lininspect.core.fits.exposure import open_exposure
from lininspect.core.references.preparation import missing_steps

ATTACKS = {
    "alias bomb": (alias_bomb(), "alias bomb"),
    "deep nesting": (deep_nesting(100), "nests deeper than"),
    "6 MB of read_times": (oversized(6), "MB is refused"),
    "$ref": (json_reference(), "$ref"),
    "source in no HDU": (external_source("fits:NOPE,1"), "names no HDU of this file"),
} | {f"source {name}": (external_source(name), "outside this file") for name in OUTSIDE}

#: A bomb small enough to pass the node bound, as the tree's value of a keyword lininspect reads.
SMALL_BOMB = {"small bomb as SUBARRAY": (alias_bomb(levels=3), "SUBARRAY is a list, not a single value")}

_opened: list[str] = []
_watching = threading.Event()


def _record_opens(event: str, args: tuple) -> None:  # type: ignore[type-arg]
    if event == "open" and _watching.is_set() and isinstance(args[0], (str, bytes, os.PathLike)):
        _opened.append(os.fsdecode(args[0]))


sys.addaudithook(_record_opens)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> dict:  # type: ignore[type-arg]
    """An _uncal file as the archive serves it, the CRDS cache its steps need, and the outside files."""
    folder = tmp_path_factory.mktemp("asdf_attacks")
    uncal = write_uncal(folder / "jw_nrc_uncal.fits", "NIRCAM", subarray=True, date="2024-01-01",
                        rng=np.random.default_rng(3), nints=1)
    cache = make_uncal_cache(folder / "crds")
    return {"folder": folder, "uncal": uncal, "outside": make_outside_files(folder / "outside"),
            "env": cache.env | {"LININSPECT_CACHE_DIR": str(folder / "prepared")}}


def hostile(work: dict, attack: str) -> Path:  # type: ignore[type-arg]
    edit, _ = (ATTACKS | SMALL_BOMB)[attack]
    target = work["folder"] / f"jw_{sorted(ATTACKS | SMALL_BOMB).index(attack)}_uncal.fits"
    if not target.exists():
        with_asdf_yaml(work["uncal"], target, lambda text: edit(text).replace("{fifo}", work["outside"]["fifo"])
                       .replace("{big}", work["outside"]["big"]), drop=("SUBARRAY",) if attack in SMALL_BOMB else ())
    return target


READERS = {"open_exposure": open_exposure, "crds_parameters": crds_parameters, "missing_steps": missing_steps}


@pytest.mark.parametrize(("attack", "reader"), [(attack, reader) for attack in sorted(ATTACKS) for reader in READERS]
                         + [(attack, "open_exposure") for attack in SMALL_BOMB])
def test_every_reader_refuses_the_attack_in_one_line_opening_nothing_else(work, attack: str, reader: str) -> None:  # type: ignore[no-untyped-def]
    """The app and ``--as-is`` read through open_exposure; CRDS lookups and preparation through the others."""
    path = hostile(work, attack)
    before = path.read_bytes()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _opened.clear()
    _watching.set()
    started = time.monotonic()
    try:
        with pytest.raises(LinInspectError) as refused:
            READERS[reader](path)
    finally:
        _watching.clear()
    message = str(refused.value)
    assert "\n" not in message and str(path) in message and (ATTACKS | SMALL_BOMB)[attack][1] in message, message
    assert {Path(name).resolve() for name in _opened} <= {path.resolve()}, _opened
    assert time.monotonic() - started < 30  # only a hang bound: the refusal costs milliseconds
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) / 1024 < 100
    assert path.read_bytes() == before


def test_a_source_naming_an_hdu_of_the_file_is_the_pipelines_own_and_opens(work) -> None:  # type: ignore[no-untyped-def]
    """The pre-scan must not refuse what jwst writes: ``fits:SCI,1`` and integer block numbers."""
    path = with_asdf_yaml(work["uncal"], work["folder"] / "jw_own_sources_uncal.fits",
                          lambda text: external_source("fits:SCI,1")(text).replace("source: 'fits:SCI,1'", "source: 0")
                          .replace("--- !core/asdf-1.1.0\n", "--- !core/asdf-1.1.0\nsci: !core/ndarray-1.1.0 "
                                   "{source: 'fits:SCI,1', datatype: uint16, byteorder: big, shape: [1, 4, 160, 160]}\n"))
    assert open_exposure(path).metadata.values["subarray.name"] == "SUB160"
    assert crds_parameters(path)["meta.subarray.name"] == "SUB160"


class FifoWatch:
    """Tells whether any process opened the FIFO for reading while the watch ran."""

    def __init__(self, fifo: str) -> None:
        self.fifo, self.opened, self._stop = fifo, False, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                descriptor = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # ENXIO: nobody has it open for reading
                time.sleep(0.005)
                continue
            self.opened = True
            os.close(descriptor)  # the reader sees end of file and goes on
            return

    def __enter__(self) -> FifoWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@pytest.mark.parametrize("attack", ["alias bomb", "6 MB of read_times", "source {fifo}", "source /dev/zero"])
@pytest.mark.parametrize("command", ["correct", "correct --as-is", "snapshot --as-is"])
def test_commands_refuse_the_attack_in_one_line(work, tmp_path: Path, attack: str, command: str) -> None:  # type: ignore[no-untyped-def]
    """Through the CLI, the _uncal preparation included: exit 2, one line, no product, the FIFO never opened."""
    path = hostile(work, attack)
    reference = next(Path(work["env"]["CRDS_PATH"]).rglob("jwst_nircam_linearity_0001.fits"))
    name, *options = command.split()
    output = tmp_path / ("shot.png" if name == "snapshot" else "out.fits")
    if name == "snapshot":
        options += ["--pixel", "3", "3", "--reference", str(reference)]
    with FifoWatch(work["outside"]["fifo"]) as watch:
        result = lininspect(name, str(path), *options, "-o", str(output), env=work["env"], cwd=tmp_path)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert "ASDF extension" in lines[0] and str(path) in lines[0], lines[0]
    assert not watch.opened and not output.exists()
