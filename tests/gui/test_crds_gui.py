"""The app asks CRDS (and runs missing pipeline steps) in a worker, shows where the reference came
from, lets the user override it, and can cancel; the GUI thread never waits for either."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test helpers in tests/

from crds_cache import Rule, build_cache, linearity_writer
from guihelpers import READABLE_CHARACTERS, answer_preparation, visible_status_texts
from pipeline_oracle import write_ramp_file
from PyQt6.QtWidgets import QFileDialog, QMessageBox
from uncal_files import make_uncal_cache, write_uncal

from lininspect.core.fits.exposure import open_exposure
from lininspect.core.fits.product import default_output_path
from lininspect.gui.preparationchoice import PREPARE_BUTTON
from lininspect.gui.worker import running
from lininspect.model.opening import OpeningRequest

SUBSTRT, SHAPE = (5, 9), (64, 72)


@pytest.fixture
def crds_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Point this process's crds at a cache (its cached configuration cleared before and after)."""
    from crds.core.utils import clear_function_caches

    def use(env: dict[str, str]) -> None:
        for key in ("CRDS_PATH", "CRDS_SERVER_URL", "CRDS_CONTEXT", "CRDS_MODE"):
            monkeypatch.delenv(key, raising=False)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("LININSPECT_CACHE_DIR", str(tmp_path / "prepared"))
        clear_function_caches()

    yield use
    clear_function_caches()


@pytest.fixture(scope="module")
def small_cache(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("gui_crds")
    rng = np.random.default_rng(9)
    coeffs = np.stack([rng.normal(0, 1, SHAPE), 1 + rng.normal(0, 0.01, SHAPE), rng.normal(0, 1e-6, SHAPE)])
    name = "jwst_miri_linearity_0001.fits"
    writer = linearity_writer(coeffs.astype(np.float32), np.zeros(SHAPE, np.uint32), instrument="MIRI",
                              detector="MIRIMAGE", subarray="SUB64", substrt=SUBSTRT)
    cache = build_cache(root / "crds", {"MIRI": {"linearity": [Rule("MIRIMAGE", "SUB64", {"2000-01-01 00:00:00": name})]}},
                        {name: writer})
    ramp = write_ramp_file(root / "sub_lastframe.fits", sci=rng.uniform(0, 30000, (1, 3, *SHAPE)).astype(np.float32),
                           substrt=SUBSTRT, extra_header={"SUBARRAY": "SUB64"})
    return cache, ramp


def _window(qtbot, path: Path):  # type: ignore[no-untyped-def]
    from lininspect.gui.app import application, open_window

    application()
    window = open_window(path, None, None)
    qtbot.addWidget(window)
    window.show()
    return window


def test_crds_pick_is_shown_and_the_exposure_corrected(qtbot, crds_env, small_cache) -> None:  # type: ignore[no-untyped-def]
    cache, ramp = small_cache
    crds_env(cache.env)
    window = _window(qtbot, ramp)
    steps: list[str] = []
    window.jobs.lookup.stepped.connect(steps.append)
    window.resolve_in_background(ramp)
    assert window.status.cancel_button.isVisible()  # the lookup runs in a worker: the GUI is live meanwhile
    qtbot.waitUntil(lambda: window.session.result is not None, timeout=60000)
    origin = window.session.reference.origin
    assert origin is not None and origin.uri == "crds://jwst_miri_linearity_0001.fits"
    text = window.status.reference_label.text()
    assert "jwst_miri_linearity_0001.fits" in text and cache.context in text and "meta.subarray.name=SUB64" in text
    assert "meta.instrument.detector=MIRIMAGE" in window.dialogs.summary_html()
    assert steps == ["asking CRDS for the linearity reference"]  # a prepared ramp needs no pipeline step
    window.close()


def test_choosing_a_reference_overrides_crds(qtbot, crds_env, small_cache) -> None:  # type: ignore[no-untyped-def]
    cache, ramp = small_cache
    crds_env(cache.env)
    window = _window(qtbot, ramp)
    window.resolve_in_background(ramp)
    qtbot.waitUntil(lambda: window.session.result is not None, timeout=60000)
    window.open_reference(cache.files["jwst_miri_linearity_0001.fits"])  # File > Choose reference...
    assert window.session.reference.origin is None
    assert window.status.reference_label.text().endswith("(chosen by you)")
    assert "chosen by you" in window.dialogs.summary_html()
    window.close()


def test_crds_failure_is_a_dialog_and_the_exposure_stays(qtbot, crds_env, small_cache, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _, ramp = small_cache
    crds_env({"CRDS_PATH": str(tmp_path / "nowhere"), "CRDS_SERVER_URL": "https://jwst-serverless.invalid"})
    window = _window(qtbot, ramp)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, message: shown.append(message))
    window.resolve_in_background(ramp)
    qtbot.waitUntil(lambda: bool(shown), timeout=60000)
    assert "CRDS_PATH" in shown[0]
    assert "--reference" not in shown[0] and "choose one with File ▸ Choose reference…" in shown[0]  # the app's words
    assert window.session.exposure is not None and window.session.reference is None
    assert not window.status.cancel_button.isVisible()
    window.close()


@pytest.fixture(scope="module")
def uncal_setup(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("gui_uncal")
    cache = make_uncal_cache(root / "crds")
    uncal = write_uncal(root / "jw_gui_uncal.fits", "MIRI", subarray=True, date="2025-03-01",
                        rng=np.random.default_rng(6))
    return cache, uncal


def test_uncal_is_prepared_step_by_step_then_shown_as_input_to_linearity(qtbot, crds_env, uncal_setup, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    cache, uncal = uncal_setup
    crds_env(cache.env)
    window = _window(qtbot, uncal)
    steps: list[str] = []
    window.jobs.lookup.stepped.connect(steps.append)
    titles: list[str] = []  # the left panel's title while each step runs (the window's slot runs first)
    window.jobs.lookup.preparing.connect(lambda *_: titles.append(window.left.title.text))
    window.resolve_in_background(uncal)
    answer_preparation(qtbot, window, PREPARE_BUTTON)
    qtbot.waitUntil(lambda: window.session.result is not None, timeout=300000)
    assert len(titles) == 8 and all(title.startswith("Raw (_uncal) — preparing: step ") for title in titles)
    assert titles[1].startswith("Raw (_uncal) — preparing: step 2/8 (dq_init)")
    assert window.left.title.text.startswith("Input — ")  # the prepared ramp is the input to linearity
    assert [s.split(" (")[0] for s in steps if s.startswith("pipeline step")] == [
        f"pipeline step {name}" for name in
        ("group_scale", "dq_init", "emicorr", "saturation", "ipc", "firstframe", "lastframe", "reset")
    ]
    exposure = window.session.exposure
    assert exposure.path.parent == Path(os.environ["LININSPECT_CACHE_DIR"])  # the prepared ramp
    assert exposure.header["S_RESET"] == "COMPLETE" and exposure.groupdq is not None
    # What the user opened names the window, the plots and the export, not the hidden prepared ramp.
    assert window.windowTitle() == f"lininspect — {uncal.name}"
    assert window.inspector.caption_text().startswith(uncal.name)
    suggested: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (suggested.append(args[2]), ("", ""))[1])
    window.actions.ask_export()
    assert suggested == [str(default_output_path(uncal))] and suggested[0].endswith("jw_gui_linearity.fits")
    # The summary's file row and the A/B comparison name the user's file too (issue 15, item 13).
    assert f"<b>file</b></td><td>{uncal.name}</td>" in window.dialogs.summary_html()
    window.open_against(cache.files["jwst_miri_linearity_0001.fits"])
    compared: list[object] = []
    window.jobs.compared.disconnect()
    window.jobs.compared.connect(compared.append)
    window.jobs.compare_in_background()
    qtbot.waitUntil(lambda: bool(compared), timeout=120000)
    assert compared[0].exposure == uncal
    report = window.session.comparison_report_job(compared[0], Path(os.environ["LININSPECT_CACHE_DIR"]).parent,
                                                  overwrite=False, draw_picture=lambda comparison, path: path.write_bytes(b""))  # fmt: skip
    files = report(None, None)
    assert files.maps.name.startswith("jw_gui_") and "_prepared" not in files.maps.name
    assert "_prepared" not in fits.getheader(files.maps)["EXPOSURE"]
    window.close()
    again = _window(qtbot, uncal)  # reopening: the prepared ramp comes from the cache, no step runs
    later: list[str] = []
    again.jobs.lookup.stepped.connect(later.append)
    again.resolve_in_background(uncal)
    qtbot.waitUntil(lambda: again.session.result is not None, timeout=60000)
    assert not [s for s in later if s.startswith("pipeline step")]
    again.close()


@pytest.mark.parametrize("width", [1024, 1600])
def test_each_preparation_step_is_a_readable_status_line(qtbot, crds_env, uncal_setup, width: int) -> None:  # type: ignore[no-untyped-def]
    cache, uncal = uncal_setup
    crds_env(cache.env)
    window = _window(qtbot, uncal)
    window.resize(width, 800)
    qtbot.waitUntil(lambda: window.width() == width, timeout=10000)
    window.status.show_readout(3, 4)  # a long readout beside the message, as under a cursor
    seen: list[tuple[str, list[str]]] = []  # each step's line, and what the status bar painted (the window's slot ran first)
    window.jobs.lookup.stepped.connect(lambda line: seen.append((line, visible_status_texts(window))))
    window.resolve_in_background(uncal)
    answer_preparation(qtbot, window, PREPARE_BUTTON)
    qtbot.waitUntil(lambda: window.session.result is not None, timeout=300000)
    steps = [(line, painted) for line, painted in seen if line.startswith("pipeline step")]
    assert len(steps) == 8
    for line, painted in steps:
        assert any(text.startswith(line[:READABLE_CHARACTERS]) for text in painted), (line, painted)
    window.close()


def test_another_file_opened_while_preparing_stays_and_gets_no_preparing_title(qtbot, crds_env, uncal_setup, small_files) -> None:  # type: ignore[no-untyped-def]
    cache, uncal = uncal_setup
    crds_env(cache.env)
    window = _window(qtbot, uncal)
    window.resolve_in_background(uncal)
    answer_preparation(qtbot, window, PREPARE_BUTTON)
    titles_after: list[str] = []  # the left panel's title at each redraw once the other file is open

    def open_other(step: str, *_: object) -> None:
        if step == "dq_init" and window.session.input_path == uncal:
            window.open_input(small_files.exposure, then=lambda: titles_after.append(window.left.title.text))

    window.jobs.lookup.preparing.connect(open_other)
    window.jobs.imagesStale.connect(lambda: titles_after.append(window.left.title.text) if titles_after else None)
    qtbot.waitUntil(lambda: bool(titles_after), timeout=120000)
    qtbot.wait(8000)  # the remaining steps would have reported (and the prepared ramp landed) by now
    assert window.session.exposure.path == small_files.exposure and window.session.input_path == small_files.exposure
    assert not [title for title in titles_after if "preparing" in title], titles_after
    assert "preparing" not in window.left.title.text and not window.jobs.lookup.running
    window.close()


def test_preparation_can_be_cancelled(qtbot, crds_env, uncal_setup, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    cache, uncal = uncal_setup
    crds_env(cache.env)
    window = _window(qtbot, uncal)
    from lininspect.gui import crdslookup

    real = crdslookup.resolve_input

    def held_at_dq_init(path, reference, *, as_is, progress, cancel):  # type: ignore[no-untyped-def]
        """The worker waits in dq_init for the GUI's cancel, so the steps cannot all finish first."""

        def report(step: str, index: int, total: int) -> None:
            progress(step, index, total)
            if step == "dq_init":
                cancel.wait(30)

        return real(path, reference, as_is=as_is, progress=report, cancel=cancel)

    monkeypatch.setattr(crdslookup, "resolve_input", held_at_dq_init)
    window.jobs.lookup.stepped.connect(lambda what: window.jobs.cancel_run() if what.startswith("pipeline step dq_init") else None)
    window.resolve_in_background(uncal)
    answer_preparation(qtbot, window, PREPARE_BUTTON)
    qtbot.waitUntil(lambda: not window.jobs.lookup.running, timeout=120000)
    qtbot.wait(3000)  # the worker stops at its next step; its answer must be dropped
    assert window.session.reference is None and window.session.result is None
    assert window.session.exposure.path == uncal
    assert not list(Path(os.environ["LININSPECT_CACHE_DIR"]).glob("*_prepared.fits"))
    window.close()


def test_given_reference_still_gets_the_missing_steps(qtbot, crds_env, uncal_setup) -> None:  # type: ignore[no-untyped-def]
    cache, uncal = uncal_setup
    crds_env(cache.env)
    window = _window(qtbot, uncal)
    chosen = cache.files["jwst_miri_linearity_0001.fits"]
    window.resolve_in_background(uncal, reference=chosen)
    answer_preparation(qtbot, window, PREPARE_BUTTON)
    qtbot.waitUntil(lambda: window.session.result is not None, timeout=300000)
    assert window.session.exposure.header["S_SATURA"] == "COMPLETE"
    assert window.session.reference.path == chosen and window.status.reference_label.text().endswith("(chosen by you)")
    window.close()


def test_snapshot_command_takes_the_crds_pick(qtbot, crds_env, small_cache, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from PyQt6.QtGui import QImage

    from lininspect.cli import main

    cache, ramp = small_cache
    crds_env(cache.env)
    output = tmp_path / "shot.png"
    assert main(["snapshot", str(ramp), "--pixel", "3", "4", "-o", str(output)]) == 0
    assert not QImage(str(output)).isNull()
    assert "jwst_miri_linearity_0001.fits (CRDS jwst_0001.pmap" in capsys.readouterr().err


def test_a_product_opened_with_an_uncal_survives_its_preparation(qtbot, crds_env, uncal_setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """``lininspect X_uncal.fits --corrected X_linearity.fits``: the prepared ramp is the same exposure."""
    from lininspect.gui.app import show_window

    cache, uncal = uncal_setup
    crds_env(cache.env)
    shape = open_exposure(uncal).shape
    product = write_ramp_file(tmp_path / "jw_gui_linearity.fits", sci=np.ones(shape, np.float32), substrt=(1, 1))
    window = show_window(OpeningRequest(uncal, corrected=product, correct_on_open=True, resolve=True))
    qtbot.addWidget(window)
    answer_preparation(qtbot, window, PREPARE_BUTTON)
    qtbot.waitUntil(lambda: not window.jobs.lookup.running and window.session.reference is not None, timeout=300000)
    session = window.session
    assert session.exposure.path.parent == Path(os.environ["LININSPECT_CACHE_DIR"])  # now on the prepared ramp
    assert session.product is not None and session.product.path == product
    assert window.jobs.correction is None or not running(window.jobs.correction)  # the product is shown, no run replaces it
    assert window.right.title.text.startswith("Corrected (pipeline product)")
    window.close()
