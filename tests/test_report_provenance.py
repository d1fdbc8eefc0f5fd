"""The comparison report records every file it compared by its absolute path, however it was named."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from astropy.io import fits
from astropy.table import Table

from lininspect.core.analysis.comparison import compare_references
from lininspect.core.analysis.comparisonreport import provenance, report_files, write_report
from lininspect.core.fits.exposure import open_exposure
from lininspect.core.references.reference import open_reference

from comparison_files import write_comparison_files


def test_a_report_of_files_named_relative_to_the_working_folder_records_absolute_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = write_comparison_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    relative = {name: Path(os.path.relpath(path, tmp_path)) for name, path in files.items()}
    assert not any(path.is_absolute() for path in relative.values())
    compared = compare_references(open_exposure(relative["exposure"]), open_reference(relative["a"]),
                                  open_reference(relative["b"]))  # fmt: skip
    expected = {"exposure": files["exposure"], "reference_a": files["a"], "reference_b": files["b"]}
    recorded = provenance(compared)
    for name, path in expected.items():
        assert recorded[name] == str(path.resolve())
    written = report_files(tmp_path / "report", relative["exposure"])
    (tmp_path / "report").mkdir()
    write_report(compared, written,
                 draw_picture=lambda comparison, path: path.write_bytes(b"\x89PNG\r\n\x1a\n"))  # fmt: skip
    table = Table.read(written.summary, format="ascii.ecsv")
    for name, path in expected.items():
        assert table.meta[name] == str(path.resolve())
    with fits.open(written.maps) as hdul:
        assert [hdul[0].header[keyword] for keyword in ("EXPOSURE", "REF_A", "REF_B")] == [
            str(path.resolve()) for path in expected.values()
        ]
