"""An ``_uncal`` exposure in a survey: prepared by jwst's steps with the very cache ``lininspect correct``
uses, its reference picked by CRDS, and its figures those of the corrected product."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from lininspect.cluster import survey_task
from lininspect.core.dq import NO_LIN_CORR
from lininspect.core.references.preparation import prepare
from lininspect.core.fits.product import correct_file
from lininspect.core.references.resolve import resolve_input
from lininspect.core.survey.survey import SurveySettings, SurveyStore

from uncal_files import make_uncal_cache, write_uncal


@pytest.fixture
def crds_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from crds.core.utils import clear_function_caches

    cache = make_uncal_cache(tmp_path / "crds")
    for key in ("CRDS_PATH", "CRDS_SERVER_URL", "CRDS_CONTEXT", "CRDS_MODE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in (cache.env | {"LININSPECT_CACHE_DIR": str(tmp_path / "prepared")}).items():
        monkeypatch.setenv(key, value)
    clear_function_caches()
    yield cache
    clear_function_caches()


def test_uncal_row_is_the_corrected_products_with_crds_reference(crds_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    uncal = write_uncal(tmp_path / "jw_sub_uncal.fits", "MIRI", subarray=True, date="2024-01-01",
                        rng=np.random.default_rng(4))
    directory = tmp_path / "survey"
    SurveyStore(directory).prepare()
    settings = SurveySettings()
    row = survey_task(str(uncal), settings, settings.identity(), str(directory)).row
    assert row["error"] == ""
    preparation = prepare(uncal)
    assert preparation.from_cache  # the survey prepared it into correct's cache
    ready = resolve_input(uncal)
    summary = correct_file(ready.ramp, ready.reference, tmp_path / "jw_sub_linearity.fits")
    with fits.open(summary.output) as product:
        flagged = int(np.count_nonzero(product["PIXELDQ"].data.astype(np.uint32) & NO_LIN_CORR))
    assert row["no_lin_corr"] == summary.no_lin_corr_pixels == flagged
    assert row["reference"] == ready.reference.path.name
    assert "CRDS" in row["reference_origin"] and crds_env.context in row["reference_origin"]
