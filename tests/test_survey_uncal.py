"""An ``_uncal`` exposure in a survey: prepared by jwst's steps with the very cache ``lininspect correct``
uses, its reference picked by CRDS, and its figures those of the command's product; on Dask's worker
processes (jwst imported there) the same row as in this process."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from distributed import Client

from lininspect.cli import main
from lininspect.cluster import run_survey, survey_task
from lininspect.core.dq import NO_LIN_CORR
from lininspect.core.references.preparation import prepare
from lininspect.core.survey.survey import SurveySettings, SurveyStore

from uncal_files import make_uncal_cache, write_uncal

#: What says where CRDS's references and the prepared ramps are.
_CACHE_VARIABLES = ("CRDS_PATH", "CRDS_SERVER_URL", "CRDS_CONTEXT", "CRDS_MODE", "LININSPECT_CACHE_DIR")


@pytest.fixture
def crds_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from crds.core.utils import clear_function_caches

    cache = make_uncal_cache(tmp_path / "crds")
    for key in _CACHE_VARIABLES:
        monkeypatch.delenv(key, raising=False)
    for key, value in (cache.env | {"LININSPECT_CACHE_DIR": str(tmp_path / "prepared")}).items():
        monkeypatch.setenv(key, value)
    clear_function_caches()
    yield cache
    clear_function_caches()


def _uncal(tmp_path: Path) -> Path:
    return write_uncal(tmp_path / "jw_sub_uncal.fits", "MIRI", subarray=True, date="2024-01-01",
                       rng=np.random.default_rng(4))


def test_uncal_row_is_the_corrected_products_with_crds_reference(crds_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    uncal = _uncal(tmp_path)
    directory = tmp_path / "survey"
    SurveyStore(directory).prepare()
    settings = SurveySettings()
    row = survey_task(str(uncal), settings, settings.identity(), str(directory)).row
    assert row["error"] == ""
    assert prepare(uncal).from_cache  # the survey prepared it into correct's cache
    product = tmp_path / "jw_sub_linearity.fits"
    assert main(["correct", str(uncal), "-o", str(product), "--quiet"]) == 0
    with fits.open(product) as hdul:
        flagged = int(np.count_nonzero(hdul["PIXELDQ"].data.astype(np.uint32) & NO_LIN_CORR))
        r_linear, context = hdul[0].header["R_LINEAR"], hdul[0].header["CRDS_CTX"]
    assert row["no_lin_corr"] == flagged
    assert r_linear.endswith(row["reference"]) and context == crds_env.context
    assert "CRDS" in row["reference_origin"] and crds_env.context in row["reference_origin"]


@contextmanager
def _workers_see(client: Client, names: Sequence[str]) -> Iterator[None]:
    """The workers see this process's values of ``names`` during the block, and their own again after."""
    def use(values: dict[str, str | None]) -> dict[str, str | None]:  # nested: sent by value, run on a worker
        from crds.core.utils import clear_function_caches

        earlier = {name: os.environ.get(name) for name in values}
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        clear_function_caches()  # crds keeps its setup per process
        return earlier

    earlier = client.run(use, {name: os.environ.get(name) for name in names})
    try:
        yield
    finally:
        for address, values in earlier.items():
            client.run(use, values, workers=[address])


def _figures(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in ("worker", "seconds", "kept", "key")}


def test_uncal_row_on_dask_workers_is_the_in_process_one(crds_env, local_client: Client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    uncal = _uncal(tmp_path)
    settings = SurveySettings()
    with _workers_see(local_client, _CACHE_VARIABLES):
        (row,) = run_survey(local_client, [uncal], settings, tmp_path / "cluster")
    workers = {str(info["name"]) for info in local_client.scheduler_info()["workers"].values()}
    assert row["error"] == "" and row["worker"] in workers
    assert prepare(uncal).from_cache  # a worker ran jwst's steps into the cache this process and correct use
    SurveyStore(tmp_path / "here").prepare()
    here = survey_task(str(uncal), settings, settings.identity(), str(tmp_path / "here")).row
    assert here["worker"] == "local" and not here["kept"]
    assert _figures(row) == pytest.approx(_figures(here), nan_ok=True)
    assert "CRDS" in row["reference_origin"]
