"""Hundreds of deterministic mutations of the demo's files through ``lininspect correct``.

The files are the demo's exposure and reference (same headers, HDUs and DQ_DEF table) cut
down to 16 x 20 pixels, plus a ramp with the pipeline's ASDF extension. Each mutation edits
a header card, flips bytes, truncates, or removes or repeats a block, or puts a hostile tree
in the ASDF extension (an alias bomb, 6 MB of YAML, array sources outside the file). Every run
must end in exit 0 or a one-line refusal (exit 2): no traceback, no "internal error", no hang,
no memory beyond the files' size, no changed input, no temporary left, and every product
written must open and pass astropy's verification.

Runs go through ``lininspect.cli.main`` in this process (a subprocess each would cost ~0.6 s
of imports); a timer turns a hang into a failure, the peak resident size bounds memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import resource
import signal
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

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
from hostile_files import BLOCK, blank_card, header_spans, set_card
from lininspect import cli
from lininspect.core import demo
from lininspect.core.errors import LinInspectError
from lininspect.core.fits.exposure import open_exposure
from lininspect.core.references.reference import open_reference
from pipeline_oracle import write_ramp_file

CASES = 420
SECONDS_PER_RUN = 10

KEYS = {
    "exposure": {
        "PRIMARY": ["NFRAMES", "NGROUPS", "NINTS", "SUBSTRT1", "SUBSTRT2", "SUBSIZE1", "SUBSIZE2", "ZEROFRAM",
                    "INSTRUME", "NAXIS", "BITPIX", "END"],
        "SCI": ["BITPIX", "NAXIS", "NAXIS1", "NAXIS2", "NAXIS3", "NAXIS4", "PCOUNT", "GCOUNT", "EXTNAME",
                "XTENSION", "END"],
        "PIXELDQ": ["BITPIX", "NAXIS1", "NAXIS2", "BZERO", "BSCALE", "GCOUNT", "EXTNAME", "XTENSION", "END"],
        "GROUPDQ": ["BITPIX", "NAXIS1", "NAXIS4", "PCOUNT", "GCOUNT", "EXTNAME", "END"],
    },
    "reference": {
        "PRIMARY": ["SUBSTRT1", "SUBSTRT2", "SUBSIZE1", "SUBSIZE2", "INSTRUME"],
        "COEFFS": ["BITPIX", "NAXIS", "NAXIS1", "NAXIS3", "GCOUNT", "EXTNAME", "END"],
        "DQ": ["BITPIX", "NAXIS1", "NAXIS2", "BZERO", "GCOUNT", "EXTNAME", "XTENSION"],
        "DQ_DEF": ["TFIELDS", "TFORM1", "TFORM2", "TFORM3", "TTYPE2", "TTYPE3", "NAXIS1", "NAXIS2", "TZERO2",
                   "PCOUNT", "END"],
    },
    "asdf exposure": {
        "ASDF": ["NAXIS1", "NAXIS2", "PCOUNT", "TFORM1", "EXTNAME", "END"],
        "SCI": ["BITPIX", "NAXIS2", "GCOUNT"],
    },
}
VALUES = ["-1", "0", "1", "2", "7", "8", "16", "-32", "-64", "999", "2147483647", "99999999999999999999",
          "'abc'", "abc", "1.5", "1E999", "T", "''", "'1000J'", "'J'", "'BINTABLE'", "'IMAGE'", "'SCI'"]


@pytest.fixture(scope="module")
def originals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The demo's exposure and reference, cut to 16 x 20 pixels, and an ASDF-bearing ramp."""
    folder = tmp_path_factory.mktemp("fuzz_originals")
    rng = np.random.default_rng(11)
    sci = rng.normal(20000, 8000, (2, 4, 16, 20)).astype(np.float32)
    sci[0, 3, 2, 3] = np.inf
    groupdq = np.zeros(sci.shape, np.uint8)
    groupdq[:, 3, :4] = 2
    pixeldq = np.zeros((16, 20), np.uint32)
    pixeldq[5, 5] = 1
    coeffs = np.zeros((4, 16, 20), np.float32)
    coeffs[1], coeffs[2], coeffs[3] = 1, 2e-6, 1e-11
    coeffs[:, 7, 7] = np.nan
    ref_dq = np.zeros((16, 20), np.uint32)
    ref_dq[8, 9] = 5
    demo._exposure_hdul(sci, pixeldq, groupdq).writeto(folder / "exposure.fits")
    demo._reference_hdul(coeffs, ref_dq).writeto(folder / "reference.fits")
    write_ramp_file(folder / "asdf.fits", sci=sci[:1, :3, :8, :10], with_asdf=True)
    originals = {
        "exposure": (folder / "exposure.fits").read_bytes(),
        "reference": (folder / "reference.fits").read_bytes(),
        "asdf exposure": (folder / "asdf.fits").read_bytes(),
    }
    outside = make_outside_files(folder / "outside")
    for number, (name, edit) in enumerate(asdf_attacks(outside).items()):
        attacked = with_asdf_yaml(folder / "asdf.fits", folder / f"attack{number}.fits", edit)
        originals[f"ASDF attack: {name}"] = attacked.read_bytes()
    return originals


def asdf_attacks(outside: dict[str, str]) -> dict:  # type: ignore[type-arg]
    """Hostile ASDF extensions (bombs, oversized YAML, sources outside the file), each edits the YAML."""
    attacks = {"alias bomb": alias_bomb(), "deep nesting": deep_nesting(100), "6 MB of YAML": oversized(6),
               "$ref": json_reference()}
    for name in OUTSIDE:
        attacks[f"source {name}"] = external_source(name.format(**outside))
    return attacks


def mutate(originals: dict[str, bytes], case: int) -> tuple[str, bytes, str]:
    """Case ``case``: which file, its damaged bytes, and a description for failure messages."""
    rng = np.random.default_rng(case)
    which = ["exposure", "reference", "asdf exposure"][case % 3 if case % 7 else 0]
    data = originals[which]
    kind = case % 5
    if kind <= 2:  # header card edits: the bulk of the cases, one or two cards
        edits = []
        for _ in range(1 + (kind == 2)):
            hdu = str(rng.choice(list(KEYS[which])))
            key = str(rng.choice(KEYS[which][hdu]))
            value = None if key == "END" else str(rng.choice(VALUES))
            original = originals[which]
            try:
                if value is None:
                    data = blank_card(data, hdu, key, original)
                else:
                    data = set_card(data, hdu, key, value, original)
            except KeyError:  # an optional keyword the file lacks: it takes EXTNAME's place
                if hdu != "PRIMARY":
                    data = set_card(data, hdu, "EXTNAME>" + key, value or "0", original)
            edits.append(f"{hdu} {key}={value}")
        return which, data, f"{which}: {', '.join(edits)}"
    if kind == 3:  # a few bytes flipped, mostly in headers
        spans = header_spans(data)
        damaged = bytearray(data)
        flips = []
        for _ in range(int(rng.integers(1, 4))):
            name, start, end = spans[int(rng.integers(len(spans)))]
            offset = int(rng.integers(start, end)) if rng.random() < 0.8 else int(rng.integers(len(data)))
            damaged[offset] = int(rng.integers(256))
            flips.append(offset)
        return which, bytes(damaged), f"{which}: bytes changed at {flips}"
    attacks = sorted(name for name in originals if name.startswith("ASDF attack"))
    if which == "asdf exposure" and case % 2 == 0:  # the ASDF extension's tree itself, hostile
        name = attacks[case // 2 % len(attacks)]
        return "asdf exposure", originals[name], name
    cut = int(rng.integers(len(data) // BLOCK))  # truncated, or a block removed or repeated
    match int(rng.integers(3)):
        case 0:
            return which, data[: cut * BLOCK + int(rng.integers(BLOCK))], f"{which}: truncated in block {cut}"
        case 1:
            return which, data[: cut * BLOCK] + data[(cut + 1) * BLOCK :], f"{which}: block {cut} removed"
        case _:
            return which, data[: (cut + 1) * BLOCK] + data[cut * BLOCK :], f"{which}: block {cut} repeated"


class Hung(BaseException):
    """Raised by the timer: not an Exception, so lininspect's own handlers cannot swallow it."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def expire(signum, frame):  # type: ignore[no-untyped-def]
        raise Hung()

    previous = signal.signal(signal.SIGALRM, expire)
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        signal.signal(signal.SIGINT, handlers[0])  # main() installs its own; give pytest its back
        signal.signal(signal.SIGTERM, handlers[1])


def run_cli(args: list[str]) -> tuple[int, str]:
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = cli.main(args)
        except SystemExit as leaving:
            code = leaving.code if isinstance(leaving.code, int) else 2
    return code, stderr.getvalue()


def test_hundreds_of_damaged_demo_files(originals: dict[str, bytes], tmp_path: Path) -> None:
    (tmp_path / "good_exposure.fits").write_bytes(originals["exposure"])
    (tmp_path / "good_reference.fits").write_bytes(originals["reference"])
    (tmp_path / "out").mkdir()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    outcomes = {0: 0, 2: 0}
    for case in range(CASES):
        which, data, what = mutate(originals, case)
        damaged = tmp_path / f"case{case}.fits"
        damaged.write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        if which == "reference":
            exposure, reference = "good_exposure.fits", damaged.name
        else:
            exposure, reference = damaged.name, "good_reference.fits"
        output = tmp_path / "out" / f"case{case}_linearity.fits"
        with time_limit(SECONDS_PER_RUN):
            code, stderr = run_cli(["correct", str(tmp_path / exposure), "--reference", str(tmp_path / reference),
                                    "-o", str(output), "-q"])
            try:  # what the app does on File > Open: only one-line refusals
                (open_reference if which == "reference" else open_exposure)(damaged)
            except LinInspectError as error:
                assert "\n" not in str(error), (what, str(error))
        assert code in (0, 2), (what, code, stderr)
        if what.startswith("ASDF attack"):
            assert code == 2 and "ASDF extension" in stderr, (what, stderr)
        assert "Traceback" not in stderr and "internal error" not in stderr, (what, stderr)
        assert stderr.isascii() and all(line.isprintable() for line in stderr.splitlines()), (what, stderr)
        if code == 2:
            assert stderr.startswith("lininspect: error: ") and not output.exists(), (what, stderr)
        else:
            check_product(output, what)
        assert hashlib.sha256(damaged.read_bytes()).hexdigest() == digest, what
        outcomes[code] += 1
        damaged.unlink()
    assert not [p for p in tmp_path.rglob("*") if ".part" in p.name]
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert grown_mb < 200, grown_mb
    assert outcomes[0] > 20 and outcomes[2] > 200, outcomes  # the mutations reach both outcomes


def check_product(path: Path, what: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with fits.open(path) as hdul:
            hdul.verify("exception")
            for hdu in hdul:
                _ = hdu.data
            assert hdul[0].header["S_LINEAR"] == "COMPLETE", what
            assert hdul["SCI"].data.dtype == np.dtype(">f4"), what


#: Issue 16's operators: a CONTINUE card after any card, an HDU stored tile-compressed, and
#: control characters (escape sequences, a newline) in the file's name.
OPERATOR_CASES = 90
CONTROL_NAMES = ["jw_\x1b]0;PWNED\x07\x1b[2J_lastframe.fits", "jw_a\nb_lastframe.fits", "jw_\r\x08\x7f\x9b_ramp.fits"]


def operate(originals: dict[str, bytes], case: int, folder: Path) -> tuple[str, bytes, str, str]:
    """Case ``case`` of the new operators: which file, its bytes, its name, and a description."""
    rng = np.random.default_rng(10_000 + case)
    which = ["exposure", "reference", "asdf exposure"][case % 3]
    data = originals[which]
    name = f"op{case}.fits"
    match case % 3 if which != "asdf exposure" else case % 2:
        case 0:  # CONTINUE in place of the card after a random card of a random HDU
            hdu, start, end = header_spans(data)[int(rng.integers(len(header_spans(data))))]
            cards = [offset for offset in range(start, end - 80, 80) if data[offset + 80 : offset + 88] != b"END     "]
            after = cards[int(rng.integers(len(cards)))]
            data = data[: after + 80] + "CONTINUE  'more'".ljust(80).encode() + data[after + 160 :]
            what = f"{which}: CONTINUE after byte {after} of {hdu}"
        case 1:  # one image HDU stored tile-compressed
            source = folder / f"plain{case}.fits"
            source.write_bytes(data)
            with fits.open(source) as hdul:
                hdus = [hdu.copy() for hdu in hdul]
            images = [n for n, hdu in enumerate(hdus) if n and isinstance(hdu, fits.ImageHDU)]
            n = images[int(rng.integers(len(images)))]
            hdus[n] = fits.CompImageHDU(hdus[n].data, header=hdus[n].header, name=hdus[n].name)
            target = folder / f"compressed{case}.fits"
            fits.HDUList(hdus).writeto(target, output_verify="silentfix")
            data = target.read_bytes()
            source.unlink()
            target.unlink()
            what = f"{which}: HDU {n} tile-compressed"
        case _:  # control characters in the name, on an intact or a truncated file
            name = CONTROL_NAMES[case % len(CONTROL_NAMES)].replace("jw_", f"jw{case}_")
            if rng.random() < 0.5:
                data = data[: int(rng.integers(len(data)))]
            what = f"{which}: named {name!r}, {len(data)} bytes"
    return which, data, name, what


def test_continue_cards_compressed_hdus_and_control_characters_in_names(originals: dict[str, bytes], tmp_path: Path) -> None:
    """Issue 16's operators through ``lininspect correct``: one printable line or a product, never an internal error."""
    (tmp_path / "good_exposure.fits").write_bytes(originals["exposure"])
    (tmp_path / "good_reference.fits").write_bytes(originals["reference"])
    (tmp_path / "out").mkdir()
    outcomes = {0: 0, 2: 0}
    for case in range(OPERATOR_CASES):
        which, data, name, what = operate(originals, case, tmp_path)
        damaged = tmp_path / name
        damaged.write_bytes(data)
        if which == "reference":
            exposure, reference = tmp_path / "good_exposure.fits", damaged
        else:
            exposure, reference = damaged, tmp_path / "good_reference.fits"
        output = tmp_path / "out" / f"case{case}_linearity.fits"
        with time_limit(SECONDS_PER_RUN):
            code, stderr = run_cli(["correct", str(exposure), "--reference", str(reference), "-o", str(output), "-q"])
        assert code in (0, 2), (what, code, stderr)
        assert "internal error" not in stderr and "Traceback" not in stderr, (what, stderr)
        assert stderr.isascii() and all(line.isprintable() for line in stderr.splitlines()), (what, stderr)
        if code == 2:
            assert stderr.startswith("lininspect: error: ") and stderr.count("\n") == 1, (what, stderr)
            assert not output.exists(), what
        else:
            check_product(output, what)
        assert damaged.read_bytes() == data, what
        outcomes[code] += 1
        damaged.unlink()
    assert not [p for p in tmp_path.rglob("*") if ".part" in p.name]
    assert outcomes[0] > 10 and outcomes[2] > 30, outcomes
