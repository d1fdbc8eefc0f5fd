"""A survey reads each exposure once: its content digest comes from the pass's own reads, a rerun finds
kept results without reading the files, and the digest is the file's content whatever reads fed it."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from lininspect.cluster import survey_task
from lininspect.core.fits import fitsfile
from lininspect.core.survey.contentdigest import content_digest
from lininspect.core.survey.survey import SurveySettings, SurveyStore, survey_exposure

from comparison_files import coefficients, ramps
from pipeline_oracle import write_linearity_reference, write_ramp_file

#: Big enough that the reference, the kept results and headers are small beside it (~20 MB).
SHAPE = (2, 30, 256, 258)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("reads")
    ny, nx = SHAPE[2:]
    files = {}
    for name, seed in (("warm", 1), ("exposure", 2)):
        sci, groupdq = ramps(SHAPE, seed=seed)
        files[name] = write_ramp_file(folder / f"{name}_lastframe.fits", sci=sci, groupdq=groupdq, with_asdf=False)
    files["reference"] = write_linearity_reference(folder / "ref.fits", coeffs=coefficients(ny, nx, 1, 2e-6))
    return files


def _bytes_read() -> int:
    """Bytes this process has read through system calls so far (the kernel's count, cached or not)."""
    with open("/proc/self/io") as io:
        return next(int(line.split()[1]) for line in io if line.startswith("rchar:"))


def _surveyed(path: Path, settings: SurveySettings, directory: Path) -> tuple[dict, int]:
    """One survey task's row and the bytes it read."""
    before = _bytes_read()
    survey = survey_task(str(path), settings, settings.identity(), str(directory))
    return survey.row, _bytes_read() - before


def test_a_survey_reads_its_file_once_and_a_rerun_not_at_all(inputs: dict[str, Path], tmp_path: Path) -> None:
    settings = SurveySettings(reference=inputs["reference"], as_is=True)
    SurveyStore(tmp_path / "warm").prepare()
    _surveyed(inputs["warm"], settings, tmp_path / "warm")  # modules, compiled kernels, caches: loaded
    store = SurveyStore(tmp_path / "out")
    store.prepare()
    size = inputs["exposure"].stat().st_size

    row, first = _surveyed(inputs["exposure"], settings, tmp_path / "out")
    assert row["error"] == "" and not row["kept"]
    assert size <= first < 1.25 * size  # every byte once (the digest), little besides: not hash and pass

    row, again = _surveyed(inputs["exposure"], settings, tmp_path / "out")
    assert row["kept"] and again < 0.15 * size  # the kept row and maps, not the file

    copy = tmp_path / "copy_lastframe.fits"
    shutil.copyfile(inputs["exposure"], copy)
    row, copied = _surveyed(copy, settings, tmp_path / "out")
    assert row["kept"] and row["file"] == str(copy)
    assert copied < 1.25 * size  # a copy is digested (once) and found, not surveyed again


def test_the_digest_from_a_pass_is_the_files_content_digest(inputs: dict[str, Path], tmp_path: Path) -> None:
    settings = SurveySettings(reference=inputs["reference"], as_is=True)
    survey = survey_exposure(inputs["exposure"], settings, digest=True)
    assert survey.digest == content_digest(inputs["exposure"])
    assert survey_exposure(inputs["warm"], settings, digest=True).digest != survey.digest


def test_any_changed_byte_changes_the_digest(inputs: dict[str, Path], tmp_path: Path) -> None:
    """A byte in a header, in a plane of SCI, in PIXELDQ, in GROUPDQ's last plane or its padding."""
    original = inputs["exposure"]
    digest = content_digest(original)
    infos = {info.name: info for info in fitsfile.scan(original)}
    sci, pixeldq, groupdq = infos["SCI"], infos["PIXELDQ"], infos["GROUPDQ"]
    plane = SHAPE[2] * SHAPE[3] * 4
    offsets = [100, sci.data_offset + 7 * plane + 12345, pixeldq.data_offset + 3,
               groupdq.data_offset + groupdq.data_span - 1, groupdq.data_offset + np.prod(SHAPE) - 1]
    changed = tmp_path / "changed.fits"
    for offset in offsets:
        shutil.copyfile(original, changed)
        with open(changed, "r+b") as stream:
            stream.seek(int(offset))
            byte = stream.read(1)
            stream.seek(int(offset))
            stream.write(bytes([byte[0] ^ 0x01]))
        assert content_digest(changed) != digest, offset
