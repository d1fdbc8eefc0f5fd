"""A reference made for another instrument or detector is refused, in the core and by `lininspect correct`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from astropy.io import fits

from lininspect.core.errors import LinInspectError
from lininspect.core.fits.exposure import open_exposure
from lininspect.core.references.reference import check_same_detector, open_reference

sys.path.insert(0, str(Path(__file__).parent / "gui"))
from smallfiles import SmallFiles, write_small_pair  # noqa: E402


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> SmallFiles:
    return write_small_pair(tmp_path_factory.mktemp("match"))


def relabelled(source: Path, target: Path, **cards: str | None) -> Path:
    with fits.open(source) as hdul:
        for key, value in cards.items():
            if value is None:
                del hdul[0].header[key]
            else:
                hdul[0].header[key] = value
        hdul.writeto(target)
    return target


def test_another_instrument_is_refused_naming_both(files: SmallFiles, tmp_path: Path) -> None:
    nircam = relabelled(files.exposure, tmp_path / "nrc_lastframe.fits", INSTRUME="NIRCAM", DETECTOR="NRCA1")
    with pytest.raises(LinInspectError) as refused:
        check_same_detector(open_exposure(nircam), open_reference(files.reference))
    message = str(refused.value)
    assert "\n" not in message
    assert "MIRI MIRIMAGE" in message and "NIRCAM NRCA1" in message
    assert files.reference.name in message and nircam.name in message


def test_another_detector_is_refused_and_a_missing_keyword_is_not_held_against(files: SmallFiles, tmp_path: Path) -> None:
    other = relabelled(files.exposure, tmp_path / "lw_lastframe.fits", DETECTOR="MIRIFULONG")
    with pytest.raises(LinInspectError, match="DETECTOR = MIRIMAGE, but .* has DETECTOR = MIRIFULONG"):
        check_same_detector(open_exposure(other), open_reference(files.reference))
    unlabelled = relabelled(files.exposure, tmp_path / "nodet_lastframe.fits", DETECTOR=None)
    check_same_detector(open_exposure(unlabelled), open_reference(files.reference))
    check_same_detector(open_exposure(files.exposure), open_reference(files.reference))


def test_correct_refuses_with_exit_2_unless_forced(files: SmallFiles, tmp_path: Path) -> None:
    # A prepared near-IR ramp: its earlier Detector1 steps have run, so only linearity is left.
    nircam = relabelled(files.exposure, tmp_path / "nrc_lastframe.fits", INSTRUME="NIRCAM", DETECTOR="NRCA1",
                        S_SUPERB="COMPLETE", S_REFPIX="COMPLETE")  # fmt: skip
    command = [sys.executable, "-m", "lininspect", "correct", str(nircam), "-r", str(files.reference)]
    refused = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "MIRI MIRIMAGE" in refused.stderr and "NIRCAM NRCA1" in refused.stderr
    assert not (tmp_path / "nrc_linearity.fits").exists()
    forced = subprocess.run(command + ["--force"], capture_output=True, text=True, timeout=120)
    assert forced.returncode == 0, forced.stderr
    assert (tmp_path / "nrc_linearity.fits").exists()


def test_an_empty_crds_path_is_named_as_such(files: SmallFiles, tmp_path: Path) -> None:
    """CRDS_PATH set but empty: the refusal says so, rather than naming an empty cache path."""
    import os

    environment = dict(os.environ, CRDS_PATH="", CRDS_SERVER_URL="https://serverless.invalid")
    environment.pop("CRDS_CONTEXT", None)
    result = subprocess.run([sys.executable, "-m", "lininspect", "correct", str(files.exposure), "-o",
                             str(tmp_path / "out.fits")], capture_output=True, text=True, timeout=120, env=environment)  # fmt: skip
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "CRDS_PATH is empty" in result.stderr and "at  " not in result.stderr
