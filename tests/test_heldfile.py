"""The held input file's copies (issue 19, target 1): the product carries the HDUs the step leaves alone
without reading them into Python, and a copy still refuses a source that ends early."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from lininspect.core.errors import LinInspectError
from lininspect.core.fits import fitsfile
from lininspect.core.fits.heldfile import HeldFile
from lininspect.core.fits.product import correct_file
from pipeline_oracle import write_linearity_reference, write_ramp_file


def _copy_with(held: HeldFile, tmp_path: Path, size: int, offset: int, target_offset: int) -> bytes:
    target = tmp_path / "target.bin"
    fd = os.open(target, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        held.copy_into(fd, size, offset, target_offset)
    finally:
        os.close(fd)
    return target.read_bytes()


@pytest.mark.parametrize("in_kernel", [True, False])
def test_a_copy_puts_the_source_bytes_where_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_kernel: bool) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(np.random.default_rng(1).integers(0, 256, 100_000, dtype=np.uint8).tobytes())
    if not in_kernel:  # a system, or a pair of file systems, without copy_file_range
        monkeypatch.setattr(os, "copy_file_range", _refuse_cross_device, raising=False)
    copied = _copy_with(HeldFile(source), tmp_path, 60_000, 12_345, 7)
    assert copied == b"\0" * 7 + source.read_bytes()[12_345 : 12_345 + 60_000]


@pytest.mark.parametrize("in_kernel", [True, False])
def test_a_copy_past_the_end_of_the_source_is_refused_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_kernel: bool) -> None:
    source = tmp_path / "short.bin"
    source.write_bytes(b"x" * 1000)
    if not in_kernel:
        monkeypatch.setattr(os, "copy_file_range", _refuse_cross_device, raising=False)
    with pytest.raises(LinInspectError, match=r"short\.bin: ended early"):
        _copy_with(HeldFile(source), tmp_path, 2000, 0, 0)


def test_the_product_carries_untouched_hdus_without_reading_them_into_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GROUPDQ is read once, for the correction; its copy into the product stays inside the kernel."""
    rng = np.random.default_rng(2)
    sci = (rng.random((1, 4, 64, 72)) * 1000).astype(np.float32)
    groupdq = rng.integers(0, 4, sci.shape, dtype=np.uint8)
    ramp = write_ramp_file(tmp_path / "ramp_lastframe.fits", sci=sci, groupdq=groupdq)
    coeffs = np.zeros((3, 64, 72), np.float32)
    coeffs[1] = 1
    reference = write_linearity_reference(tmp_path / "ref.fits", coeffs=coeffs)
    bytes_read: list[int] = []
    original_read = HeldFile.read
    monkeypatch.setattr(HeldFile, "read", lambda self, size, offset: bytes_read.append(size) or original_read(self, size, offset))

    def read_by_correcting(name: str) -> int:
        bytes_read.clear()
        output = correct_file(ramp, reference, tmp_path / name).output
        with fits.open(output) as product, fits.open(ramp) as source:
            assert np.array_equal(product["GROUPDQ"].data, source["GROUPDQ"].data)
        return sum(bytes_read)

    in_kernel = read_by_correcting("in_kernel.fits")
    monkeypatch.setattr(os, "copy_file_range", _refuse_cross_device, raising=False)
    through_python = read_by_correcting("through_python.fits")
    assert in_kernel <= through_python - groupdq.nbytes
    after_primary = fitsfile.scan(tmp_path / "in_kernel.fits")[1].header_offset  # the primary names its own file
    assert (tmp_path / "in_kernel.fits").read_bytes()[after_primary:] == (tmp_path / "through_python.fits").read_bytes()[after_primary:]


def _refuse_cross_device(*args: object) -> int:
    raise OSError(18, "Invalid cross-device link")
