"""Reading ramps and references, and writing products: the rules in the facts file."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from lininspect.core.fits import fitsfile
from lininspect.core.fits.atomic import atomic_path
from lininspect.core.dq import NO_LIN_CORR, decode, describe, map_dq_def
from lininspect.core.errors import CorrectionCancelled, LinInspectError
from lininspect.core.fits.exposure import open_exposure
from lininspect.core.fits.product import correct_file, default_output_path
from lininspect.core.kernels.pathway import plan_correction
from lininspect.core.references.reference import coefficients_for, open_reference
from pipeline_oracle import MIRI_DQ_DEF, write_linearity_reference, write_ramp_file, write_uncal_file


def _identity(ny: int, nx: int, ncoeffs: int = 3) -> np.ndarray:
    coeffs = np.zeros((ncoeffs, ny, nx), np.float32)
    coeffs[1] = 1
    return coeffs


def test_sci_and_groupdq_are_read_on_demand_never_through_a_memory_map(tmp_path: Path) -> None:
    """Issue 16 item 1: a map of a file truncated while open killed the app with SIGBUS."""
    sci = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    path = write_ramp_file(tmp_path / "r.fits", sci=sci, with_asdf=True)
    exposure = open_exposure(path)
    assert isinstance(exposure.sci._stored, fitsfile.PositionedImage)
    assert isinstance(exposure.groupdq._stored, fitsfile.PositionedImage)
    assert exposure.plane(1, 2).dtype == np.float32
    assert np.array_equal(exposure.plane(1, 2), sci[1, 2])
    assert np.array_equal(exposure.ramp(3, 4), sci[:, :, 3, 4])
    assert exposure.notes == []


_KEYS = [
    (1, 2, slice(0, 4)), (0, 0, slice(1, 3)), (-1, -2, slice(None)), (1, 1, slice(2, 99)), (0, 2, slice(3, 1)),
    (1, 0, slice(-3, -1)), (1, 2), (0, -3, slice(None), slice(None)), (1, 2, slice(0, 4, 2)), (1, slice(0, 2), 3),
    (1, 2, slice(None), slice(1, 4)), (1, 2, 3, 4), (Ellipsis, 2), (slice(None), 1, slice(1, 2)), (0,),
    (1, slice(None), slice(1, 3)), (0, slice(1, 99), slice(None)), (-1, slice(-2, None), slice(2, 99)),
    (1, slice(2, 1), slice(None)), (0, slice(0, 3), slice(3, 1)), (1, slice(None, None, 2), slice(0, 2)),
    (1, slice(0, 2), slice(None, None, 2)), (1, slice(0, 2), slice(None), slice(1, 4)),
]


@pytest.mark.parametrize("key", _KEYS, ids=str)
def test_positioned_reads_give_what_numpy_indexing_gives(tmp_path: Path, key: tuple) -> None:  # type: ignore[type-arg]
    sci = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    exposure = open_exposure(write_ramp_file(tmp_path / "r.fits", sci=sci, with_asdf=False))
    read = exposure.sci._stored[key]
    assert np.shape(read) == sci[key].shape
    assert np.array_equal(read, sci[key])


@pytest.mark.parametrize("key", [(2, 0, slice(None)), (0, 3, slice(None)), (-3, 0, slice(0, 2)), (0, -4, slice(None)),
                                 (2, slice(None), slice(None)), (-3, slice(0, 2), slice(1, 2))], ids=str)
def test_positioned_reads_refuse_what_numpy_refuses(tmp_path: Path, key: tuple) -> None:  # type: ignore[type-arg]
    sci = np.zeros((2, 3, 4, 5), np.float32)
    exposure = open_exposure(write_ramp_file(tmp_path / "r.fits", sci=sci, with_asdf=False))
    with pytest.raises(IndexError):
        sci[key]
    with pytest.raises(IndexError):
        exposure.sci._stored[key]


def test_whole_rows_of_a_plane_are_one_read_without_index_arithmetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 19, target 4: the streamed passes read a few rows of one group thousands of times; the general
    path's index grids and run splitting cost ten times such a read."""
    sci = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    exposure = open_exposure(write_ramp_file(tmp_path / "r.fits", sci=sci, with_asdf=False))
    reads = []
    original = exposure.file.read_into
    monkeypatch.setattr(exposure.file, "read_into", lambda buffer, offset: reads.append(buffer.nbytes) or original(buffer, offset))
    monkeypatch.setattr(exposure.file, "read", lambda size, offset: pytest.fail("a bytes object made, then copied"))
    monkeypatch.setattr(fitsfile, "_runs", lambda rows: pytest.fail("general path taken"))
    monkeypatch.setattr(np, "ix_", lambda *args: pytest.fail("general path taken"))
    assert np.array_equal(exposure.sci[1, 2, 1:3], sci[1, 2, 1:3])
    assert reads == [2 * 5 * 4]


def test_rows_of_consecutive_planes_are_read_into_one_array_a_read_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 19, target 4: the A/B comparison reads a few rows of every group at once, tens of thousands of
    times; each group's rows land in the block itself, and a digest watching the reads still sees them."""
    sci = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    exposure = open_exposure(write_ramp_file(tmp_path / "r.fits", sci=sci, with_asdf=False))
    seen: list[tuple[int, bytes]] = []
    exposure.file.observer = lambda offset, data: seen.append((offset, bytes(data)))
    monkeypatch.setattr(exposure.file, "read", lambda size, offset: pytest.fail("a bytes object made per read"))
    monkeypatch.setattr(fitsfile, "_runs", lambda rows: pytest.fail("general path taken"))
    block = exposure.sci[1, :, 1:3]
    assert block.dtype == np.float32 and np.array_equal(block, sci[1, :, 1:3])
    assert [len(data) for _, data in seen] == [2 * 5 * 4] * 3
    assert [np.frombuffer(data, ">f4").tolist() for _, data in seen] == [sci[1, g, 1:3].ravel().tolist() for g in range(3)]
    assert [offset - seen[0][0] for offset, _ in seen] == [0, 4 * 5 * 4, 2 * 4 * 5 * 4]


def test_a_file_cut_short_under_a_read_of_many_planes_is_one_line(tmp_path: Path) -> None:
    sci = np.zeros((2, 3, 4, 5), np.float32)
    path = write_ramp_file(tmp_path / "r.fits", sci=sci, with_asdf=False)
    exposure = open_exposure(path)
    os.truncate(path, exposure.sci._stored._offset + 4 * 5 * 4 + 30)  # within the rows read of the second plane
    with pytest.raises(LinInspectError, match="ended early"):
        exposure.sci[0, :, 1:3]


def test_uncal_file_reads_uint16_and_says_its_dq_is_empty(tmp_path: Path) -> None:
    sci = np.array([0, 1, 32767, 32768, 65535, 40000], np.uint16).reshape(1, 6, 1, 1) * np.ones((1, 1, 2, 3), np.uint16)
    exposure = open_exposure(write_uncal_file(tmp_path / "x_uncal.fits", sci=sci))
    assert exposure.is_uncal and exposure.sci.dtype == np.uint16
    assert np.array_equal(exposure.sci[:, :, 1, 2], sci[:, :, 1, 2])
    assert exposure.ramp(0, 0).tolist() == [[0, 1, 32767, 32768, 65535, 40000]]
    assert any("DQ is empty" in note for note in exposure.notes)


def test_dq_def_maps_stored_values_to_standard_bits_and_skips_unknown_names() -> None:
    stored = np.array([[0, 1, 4, 5, 8]], np.uint32)
    with pytest.warns(UserWarning) as warned:
        mapped = map_dq_def(stored, [(1, "DO_NOT_USE"), (4, "NO_LIN_CORR "), (8, "NOT_A_FLAG"), (2, "no_lin_corr")])
    assert ["NOT_A_FLAG" in str(w.message) for w in warned] == [True, False]  # names match exactly, as the pipeline's
    assert mapped.tolist() == [[0, 1, NO_LIN_CORR, NO_LIN_CORR | 1, 0]]
    assert decode(NO_LIN_CORR | 2**31 | 2) == ["SATURATED", "NO_LIN_CORR", "REFERENCE_PIXEL"]
    assert describe(0) == "0" and describe(1048577) == "1048577 (DO_NOT_USE, NO_LIN_CORR)"


def test_reference_maps_dq_and_casts_float64_coefficients(tmp_path: Path) -> None:
    dq = np.zeros((4, 5), np.uint32)
    dq[1, 2] = 4
    path = write_linearity_reference(
        tmp_path / "ref.fits", coeffs=_identity(4, 5).astype(np.float64) / 3, dq=dq, dq_def=MIRI_DQ_DEF,
        coeffs_dtype=np.float64,
    )
    reference = open_reference(path)
    assert reference.coeffs.dtype == np.float32
    assert reference.dq[1, 2] == NO_LIN_CORR and np.count_nonzero(reference.dq) == 1
    assert reference.r_linear == os.path.abspath(path)


def test_subarray_cut_follows_substrt_and_refuses_wraps(tmp_path: Path) -> None:
    coeffs = _identity(20, 30)
    coeffs[0] = np.arange(600, dtype=np.float32).reshape(20, 30)
    reference = open_reference(write_linearity_reference(tmp_path / "ref.fits", coeffs=coeffs, substrt=(5, 3)))
    sci = np.zeros((1, 2, 4, 6), np.float32)
    inside = open_exposure(write_ramp_file(tmp_path / "in.fits", sci=sci, substrt=(8, 10), with_asdf=False))
    cut, _ = coefficients_for(inside, reference)
    assert np.array_equal(cut[0], coeffs[0, 7:11, 3:9])
    for substrt in ((4, 10), (8, 2), (30, 3), (5, 20)):
        outside = open_exposure(write_ramp_file(tmp_path / f"o{substrt}.fits", sci=sci, substrt=substrt, with_asdf=False))
        with pytest.raises(LinInspectError, match="reference does not cover this subarray"):
            coefficients_for(outside, reference)


def test_inv_coeffs_with_several_frames_takes_the_read_level_path(tmp_path: Path) -> None:
    reference = open_reference(
        write_linearity_reference(tmp_path / "ref.fits", coeffs=_identity(4, 4), inv_coeffs=_identity(4, 4))
    )
    sci = np.zeros((1, 2, 4, 4), np.float32)
    averaged = open_exposure(write_ramp_file(tmp_path / "n4.fits", sci=sci, nframes=4, with_asdf=False))
    plan = plan_correction(averaged, reference)
    assert plan.read_level and plan.read_pattern == ((1, 2, 3, 4), (5, 6, 7, 8))
    assert "NFRAMES = 4" in plan.reason
    single = open_exposure(write_ramp_file(tmp_path / "n1.fits", sci=sci, nframes=1, with_asdf=False))
    plan = plan_correction(single, reference)
    assert not plan.read_level and plan.coeffs.shape == (3, 4, 4) and "NFRAMES = 1" in plan.reason


@pytest.mark.parametrize(
    "name, expected",
    [
        ("jw01_00001_mirimage_lastframe.fits", "jw01_00001_mirimage_linearity.fits"),
        ("jw01_00001_nrca1_dq_init.fits", "jw01_00001_nrca1_linearity.fits"),
        ("jw01_00001_nrca1_uncal.fits", "jw01_00001_nrca1_linearity.fits"),
        ("jw01_00001_nrca1_linearity.fits", "jw01_00001_nrca1_linearity.fits"),
        ("jw01_00001_mirimage.fits", "jw01_00001_mirimage_linearity.fits"),
        ("myramp.fits", "myramp_linearity.fits"),
        ("saturation.fits", "saturation_linearity.fits"),
    ],
)
def test_default_output_name_replaces_the_last_step_suffix(name: str, expected: str) -> None:
    assert default_output_path(Path("/data") / name) == Path("/data") / expected
    assert default_output_path(Path("/data") / name, "/out") == Path("/out") / expected


def test_product_gets_ordinary_permissions_and_cancel_leaves_nothing(tmp_path: Path) -> None:
    sci = np.ones((2, 3, 1024, 600), np.float32)  # ~10 tiles an integration
    exposure = write_ramp_file(tmp_path / "a_lastframe.fits", sci=sci, with_asdf=False)
    reference = write_linearity_reference(tmp_path / "ref.fits", coeffs=_identity(1024, 600))
    summary = correct_file(exposure, reference)
    mode = stat.S_IMODE(summary.output.stat().st_mode)
    assert mode == 0o666 & ~_umask()
    cancel = threading.Event()
    calls = []

    def cancel_midway(done: int, total: int) -> None:
        calls.append(done)
        cancel.set()

    with pytest.raises(CorrectionCancelled):
        correct_file(exposure, reference, tmp_path / "b.fits", progress=cancel_midway, cancel=cancel, workers=1)
    assert calls and calls[-1] < 2 * 1024
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_lastframe.fits", "a_linearity.fits", "ref.fits"]


def test_zeroframe_flag_without_extension_is_noted_not_fatal(tmp_path: Path) -> None:
    path = write_ramp_file(tmp_path / "z.fits", sci=np.zeros((1, 2, 3, 3), np.float32), with_asdf=False)
    with fits.open(path, mode="update") as hdul:
        hdul[0].header["ZEROFRAM"] = True
    exposure = open_exposure(path)
    assert exposure.zeroframe is None and any("ZEROFRAME" in note for note in exposure.notes)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_atomic_path_leaves_the_target_alone_when_writing_fails(tmp_path: Path) -> None:
    target = tmp_path / "plot.png"
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target) as temporary:
            assert temporary.parent == tmp_path and temporary.suffix == ".png"
            temporary.write_bytes(b"half")
            raise KeyboardInterrupt
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["plot.png"]
    with atomic_path(target) as temporary:
        temporary.write_bytes(b"new")
    assert target.read_bytes() == b"new" and stat.S_IMODE(target.stat().st_mode) == 0o666 & ~_umask()


@pytest.mark.parametrize(
    "dtype, bscale, bzero", [(np.int16, 0.5, 10.0), (np.int32, 2.0, -3.0), (np.uint32, 1, 0), (np.int8, 1, 0)]
)
def test_small_images_read_scaled_as_astropy_scales_them(tmp_path: Path, dtype, bscale, bzero) -> None:
    stored = np.arange(-6, 6, dtype=np.int64).reshape(3, 4).astype(dtype) if dtype != np.uint32 else np.array(
        [[0, 1, 2**31, 2**32 - 1]], np.uint32
    )
    hdu = fits.ImageHDU(stored, name="X")
    if bscale != 1 or bzero != 0:
        hdu.scale(type=np.dtype(dtype).name, bscale=bscale, bzero=bzero)
    fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(tmp_path / "x.fits")
    info = fitsfile.find(fitsfile.scan(tmp_path / "x.fits"), "X")
    ours = fitsfile.read_image(tmp_path / "x.fits", info)
    with fits.open(tmp_path / "x.fits") as hdul:
        expected = hdul["X"].data
    assert ours.dtype.isnative and np.array_equal(ours, expected)
    assert not isinstance(ours, np.memmap)


# ------------------------------------------------------------------ issue 11 / issue 7: hostile files and faults


def test_groupdq_of_any_integer_type_is_read_as_the_pipeline_reads_it(tmp_path: Path) -> None:
    """Issue 7 item 11: GROUPDQ stored as int16 ended in "internal error". jwst's LinearityStep
    accepts it, casting to uint8 (258 -> 2, -2 -> 254, -256 -> 0), and writes GROUPDQ as uint8."""
    from pipeline_oracle import read_pipeline_product, run_linearity_steps

    rng = np.random.default_rng(5)
    sci = (rng.random((1, 4, 6, 8)) * 1000).astype(np.float32)
    write_ramp_file(tmp_path / "g16_lastframe.fits", sci=sci, with_asdf=False)
    stored = np.array([0, 2, 258, -2, 3, -256, 512, 1] * 24, np.int16).reshape(1, 4, 6, 8)
    with fits.open(tmp_path / "g16_lastframe.fits", mode="update") as hdul:
        hdul["GROUPDQ"].data = stored
    coeffs = _identity(6, 8)
    coeffs[2] = 1e-5
    reference = write_linearity_reference(tmp_path / "ref.fits", coeffs=coeffs)
    ours = correct_file(tmp_path / "g16_lastframe.fits", reference).output
    run_linearity_steps([(tmp_path / "g16_lastframe.fits", reference, tmp_path / "pipeline.fits")], tmp_path / "crds")
    theirs, mine = read_pipeline_product(tmp_path / "pipeline.fits"), read_pipeline_product(ours)
    for name in ("SCI", "PIXELDQ", "GROUPDQ"):
        assert mine[name].dtype == theirs[name].dtype, name
        assert mine[name].tobytes() == theirs[name].tobytes(), name
    assert mine["GROUPDQ"].ravel()[:8].tolist() == [0, 2, 2, 254, 3, 0, 0, 1]


def test_signed_byte_dq_is_read_as_the_pipeline_reads_it(tmp_path: Path) -> None:
    """int8 GROUPDQ, PIXELDQ and reference DQ, stored as FITS stores signed bytes (BITPIX = 8,
    BZERO = -128), were refused as scaled. jwst's LinearityStep accepts them, casting with
    wrapping (-2 -> 254 as uint8, -2 -> 2**32 - 2 as uint32); the products agree bit for bit."""
    from pipeline_oracle import read_pipeline_product, run_linearity_steps

    rng = np.random.default_rng(6)
    sci = (rng.random((1, 4, 6, 8)) * 1000).astype(np.float32)
    exposure = write_ramp_file(tmp_path / "i8_lastframe.fits", sci=sci, with_asdf=False)
    signed = np.array([0, 2, -128, -2, 3, 127, -1, 1], np.int8)
    with fits.open(exposure, mode="update") as hdul:
        hdul["GROUPDQ"].data = np.resize(signed, (1, 4, 6, 8))
        hdul["PIXELDQ"].data = np.resize(signed[::-1], (6, 8))
    coeffs = _identity(6, 8)
    coeffs[2] = 1e-5
    reference = write_linearity_reference(tmp_path / "ref.fits", coeffs=coeffs)
    with fits.open(reference, mode="update") as hdul:
        hdul["DQ"].data = np.resize(np.array([0, 0, 0, -1, 0, 4], np.int8), (6, 8))
    for path, name in ((exposure, "GROUPDQ"), (exposure, "PIXELDQ"), (reference, "DQ")):
        header = fits.getheader(path, name)
        assert (header["BITPIX"], header["BZERO"]) == (8, -128), name
    ours = correct_file(exposure, reference).output
    run_linearity_steps([(exposure, reference, tmp_path / "pipeline.fits")], tmp_path / "crds")
    theirs, mine = read_pipeline_product(tmp_path / "pipeline.fits"), read_pipeline_product(ours)
    for name in ("SCI", "PIXELDQ", "GROUPDQ"):
        assert mine[name].dtype == theirs[name].dtype, name
        assert mine[name].tobytes() == theirs[name].tobytes(), name
    assert mine["GROUPDQ"].ravel()[:8].tolist() == [0, 2, 128, 254, 3, 127, 255, 1]


@pytest.mark.parametrize("folder, name", [("Jürgen ☃", "réf.fits"), ("plain", b"r\xe9f_latin1.fits")])
def test_references_with_non_ascii_paths_are_recorded_fits_legally(tmp_path: Path, folder: str, name) -> None:
    """Item 11: a reference path with non-ASCII characters (or not UTF-8 at all) made every
    product fail. R_LINEAR and HISTORY now carry it percent-encoded, pure ASCII."""
    directory = tmp_path / folder
    directory.mkdir()
    path = Path(os.fsdecode(os.path.join(os.fsencode(directory), name if isinstance(name, bytes) else name.encode())))
    reference = open_reference(write_linearity_reference(path, coeffs=_identity(4, 5)))
    exposure = write_ramp_file(tmp_path / "x_lastframe.fits", sci=np.ones((1, 2, 4, 5), np.float32), with_asdf=False)
    output = correct_file(exposure, reference).output
    with fits.open(output) as hdul:
        hdul.verify("exception")
        recorded = hdul[0].header["R_LINEAR"]
        history = [str(line) for line in hdul[0].header["HISTORY"]]
    from urllib.parse import unquote_to_bytes

    assert recorded.isascii() and "%" in recorded
    assert unquote_to_bytes(recorded) == os.fsencode(os.path.abspath(path))
    assert unquote_to_bytes("".join(history[1:])) == os.fsencode(path.name)


def test_history_never_breaks_a_file_name_into_a_one_letter_card(tmp_path: Path) -> None:
    """Issue 7 item 12: the HISTORY card wrapped mid-file-name, leaving a card holding just ``s``."""
    name = "jwst_miri_linearity_" + "x" * 50 + "_reference_file_with_a_long_name.fits"  # 105 characters
    reference = write_linearity_reference(tmp_path / name, coeffs=_identity(4, 5))
    exposure = write_ramp_file(tmp_path / "x_lastframe.fits", sci=np.ones((1, 2, 4, 5), np.float32), with_asdf=False)
    output = correct_file(exposure, reference).output
    history = [str(line) for line in fits.getheader(output)["HISTORY"]]
    assert history[0].startswith("Linearity corrected by lininspect") and history[0].endswith(" with")
    assert "".join(history[1:]) == name
    assert min(len(line) for line in history[1:]) > 40


def test_no_replace_publishing_loses_to_a_file_that_appeared_meanwhile(tmp_path: Path) -> None:
    """Item 4: a run that finds its target created meanwhile (another run won) must not replace it."""
    target = tmp_path / "out.fits"
    with pytest.raises(LinInspectError, match="out.fits: already exists"):
        with atomic_path(target, replace=False) as temporary:
            temporary.write_bytes(b"ours")
            target.write_bytes(b"the other run's")
    assert target.read_bytes() == b"the other run's"
    assert [p.name for p in tmp_path.iterdir()] == ["out.fits"]


def test_a_full_disk_is_reported_naming_the_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Item 14: a full disk said ``short write (208704 of 260064 bytes)``."""
    import errno

    exposure = write_ramp_file(tmp_path / "x_lastframe.fits", sci=np.ones((1, 2, 4, 5), np.float32), with_asdf=False)
    reference = write_linearity_reference(tmp_path / "ref.fits", coeffs=_identity(4, 5))
    real_pwrite = os.pwrite

    def short_then_full(fd: int, data, position: int) -> int:  # type: ignore[no-untyped-def]
        if len(data) > 8:
            return real_pwrite(fd, bytes(data)[:8], position)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "pwrite", short_then_full)
    with pytest.raises(LinInspectError) as refused:
        correct_file(exposure, reference, tmp_path / "out.fits")
    assert str(refused.value) == f"no space left on device writing {tmp_path / 'out.fits'}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ref.fits", "x_lastframe.fits"]


def test_a_read_only_folder_is_reported_naming_the_target_not_the_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 14: read-only errors named the hidden temporary. (Tests run as root, where chmod does
    not stop writes, so the file system's answer is simulated.)"""
    import errno

    def read_only(path, flags, mode=0o777):  # type: ignore[no-untyped-def]
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))

    monkeypatch.setattr(os, "open", read_only)
    with pytest.raises(LinInspectError) as refused:
        with atomic_path(tmp_path / "shot.png"):
            pass
    assert str(refused.value) == f"read-only file system writing {tmp_path / 'shot.png'}"


def test_an_input_truncated_while_being_read_is_named(tmp_path: Path) -> None:
    """Item 14: a truncated input said ``file ended early reading 65016 bytes at 1747374720``."""
    path = write_ramp_file(tmp_path / "x_lastframe.fits", sci=np.ones((1, 2, 40, 50), np.float32), with_asdf=False)
    exposure = open_exposure(path)
    os.truncate(path, fitsfile.find(exposure.hdus, "SCI").data_offset + 100)
    sci, _ = exposure.streamed()
    with pytest.raises(LinInspectError, match=r"x_lastframe.fits: ended early \(truncated while being read\?\)"):
        sci[0, 1, 0:40]


def test_a_product_that_would_fail_fits_verification_is_not_published(tmp_path: Path) -> None:
    """Item 12: damaged inputs gave products marked COMPLETE that astropy could not verify. An
    extension we carry through byte for byte with an unparsable card is such an input."""
    from hostile_files import set_card

    extra = fits.ImageHDU(np.zeros((2, 2), np.float32), name="EXTRA")
    extra.header["FOO"] = 1
    path = write_ramp_file(tmp_path / "x_lastframe.fits", sci=np.ones((1, 2, 4, 5), np.float32), with_asdf=False,
                           extra_hdus=[extra])
    path.write_bytes(set_card(path.read_bytes(), "EXTRA", "FOO", "1.2.3"))
    reference = write_linearity_reference(tmp_path / "ref.fits", coeffs=_identity(4, 5))
    with pytest.raises(LinInspectError, match="not written: its product would not be valid FITS"):
        correct_file(path, reference)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ref.fits", "x_lastframe.fits"]


def test_the_scan_reads_headers_only_however_large_the_file_claims_to_be(tmp_path: Path) -> None:
    """Items 6, 7: refusals cost header reads, not file reads (checked by counting bytes read)."""
    from hostile_files import set_card

    path = write_ramp_file(tmp_path / "x.fits", sci=np.ones((2, 10, 256, 256), np.float32), with_asdf=False)
    damaged = tmp_path / "bad.fits"
    damaged.write_bytes(set_card(path.read_bytes(), "SCI", "NAXIS1", "0"))
    real_pread, read = os.pread, []

    def counting(fd: int, size: int, offset: int) -> bytes:
        read.append(size)
        return real_pread(fd, size, offset)

    import unittest.mock

    with unittest.mock.patch.object(os, "pread", counting):
        with pytest.raises(LinInspectError, match="no extension header at byte"):
            fitsfile.scan(damaged)
    assert sum(read) < 10 * fitsfile.BLOCK


def test_product_filename_keyword_is_the_products_own_name(tmp_path: Path) -> None:
    """The pipeline's product says FILENAME = its own name; the input's (for a prepared _uncal file,
    the hidden temporary of the preparation cache) must not be carried into it."""
    exposure = write_ramp_file(tmp_path / "x_lastframe.fits", sci=np.ones((1, 2, 8, 8), np.float32),
                               with_asdf=False)
    with fits.open(exposure, mode="update") as hdul:
        hdul[0].header["FILENAME"] = ".lininspect-1a2b-4242-c0ffee.part.fits"
    reference = write_linearity_reference(tmp_path / "ref.fits", coeffs=_identity(8, 8))
    summary = correct_file(exposure, reference, tmp_path / "named_linearity.fits")
    assert fits.getheader(summary.output)["FILENAME"] == "named_linearity.fits"


def test_correcting_a_product_again_says_so_once(tmp_path: Path) -> None:
    """The pipeline corrects a file with S_LINEAR = COMPLETE again (it does not look); so do we, but the
    user is told, since a twice-linearized ramp is wrong for any science."""
    exposure = write_ramp_file(tmp_path / "x_lastframe.fits", sci=np.full((1, 2, 8, 8), 1000, np.float32),
                               with_asdf=False)
    coeffs = _identity(8, 8)
    coeffs[2] = 1e-5
    reference = write_linearity_reference(tmp_path / "ref.fits", coeffs=coeffs)
    first = correct_file(exposure, reference)
    assert not any("S_LINEAR" in note for note in first.notes)
    again = correct_file(first.output, reference, tmp_path / "twice_linearity.fits")
    assert [note for note in again.notes if "S_LINEAR = COMPLETE" in note] == [
        "S_LINEAR = COMPLETE: the linearity step has already run on this file; it is corrected again, "
        "as the pipeline would"
    ]
    with fits.open(first.output) as once, fits.open(again.output) as twice:
        assert np.all(twice["SCI"].data > once["SCI"].data)  # corrected twice indeed: the user must know


class _InterruptedRightAfterClose:
    """The ``os`` module, but an interrupt arrives the moment the temporary's descriptor is closed."""

    def __getattr__(self, name: str) -> object:
        return getattr(os, name)

    @staticmethod
    def close(fd: int) -> None:
        os.close(fd)
        raise KeyboardInterrupt


def test_an_interrupt_right_after_the_temporary_is_created_removes_it(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """CI: a SIGTERM between creating the temporary and guarding it left the .part file behind."""
    from lininspect.core.fits import atomic

    monkeypatch.setattr(atomic, "os", _InterruptedRightAfterClose())
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(tmp_path / "out.fits"):
            pass
    assert list(tmp_path.iterdir()) == []


def test_an_exposure_keeps_the_plane_shown_while_the_next_is_read_ahead(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 19, target 5: the app reads the next group ahead of a step; the plane on the screen, asked for again by
    the readout, must not be read again for it. Two planes are kept, the one asked for least recently dropped."""
    sci = np.arange(1 * 4 * 3 * 5, dtype=np.float32).reshape(1, 4, 3, 5)
    exposure = open_exposure(write_ramp_file(tmp_path / "r.fits", sci=sci, with_asdf=False))
    shown = exposure.plane(0, 3)
    ahead = exposure.plane(0, 2)
    reads: list[tuple[int, int]] = []
    real = fitsfile.StoredImage.__getitem__
    monkeypatch.setattr(fitsfile.StoredImage, "__getitem__", lambda image, key: reads.append(key) or real(image, key))
    assert exposure.plane(0, 3) is shown and exposure.plane(0, 2) is ahead and reads == []
    assert np.array_equal(exposure.plane(0, 1), sci[0, 1]) and reads == [(0, 1)]
    assert exposure.plane(0, 2) is ahead  # asked for after 3: 3 was the one dropped
    assert np.array_equal(exposure.plane(0, 3), sci[0, 3]) and reads == [(0, 1), (0, 3)]

