"""Corrected sources without Qt: on demand equals ``lininspect correct`` bit for bit, A/B combine sample by sample."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lininspect.core.dq import NO_LIN_CORR
from lininspect.core.errors import LinInspectError
from lininspect.core.fits.exposure import open_exposure
from lininspect.core.fits.product import correct_file
from lininspect.model.session import A, B
from lininspect.model.sources import ramp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test helpers in tests/
from comparison_files import session_with, write_comparison_files  # noqa: E402


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("ab")
    paths = write_comparison_files(directory)
    for label in ("a", "b"):
        correct_file(paths["exposure"], paths[label], directory / f"with_{label}_linearity.fits")
        paths[f"product_{label}"] = directory / f"with_{label}_linearity.fits"
    return paths


def written(files: dict[str, Path], label: str) -> tuple[np.ndarray, np.ndarray]:
    product = open_exposure(files[f"product_{label}"])
    return np.asarray(product.sci[...], dtype=np.float32), product.pixeldq


@pytest.mark.parametrize("label", [A, B])
def test_on_demand_planes_boxes_and_ramps_equal_the_written_product(files: dict[str, Path], label: str) -> None:
    session = session_with(files, A, B)
    source = session.correction(label)
    expected, pixeldq = written(files, label.lower())
    nints, ngroups, ny, nx = expected.shape
    for i in range(nints):
        for g in range(ngroups):
            assert source.plane(i, g).tobytes() == expected[i, g].tobytes()
    assert source.box(range(1, 2), (3, 9), (4, 17)).tobytes() == expected[1:2, :, 3:9, 4:17].tobytes()
    assert ramp(source, nints, 13, 12).tobytes() == expected[:, :, 12, 13].tobytes()
    np.testing.assert_array_equal(source.pixeldq(), pixeldq)


def test_the_run_keeps_no_samples_but_reads_them_back_exactly(files: dict[str, Path]) -> None:
    session = session_with(files, A)
    steps: list[tuple[int, int]] = []
    result = session.correction_job()(lambda done, total: steps.append((done, total)), None)
    assert not isinstance(result.data, np.ndarray)  # computed when read
    expected, pixeldq = written(files, "a")
    assert np.asarray(result.data).tobytes() == expected.tobytes()
    assert result.data[1, :, 2:5, 3].tobytes() == expected[1, :, 2:5, 3].tobytes()
    np.testing.assert_array_equal(result.pixeldq, pixeldq)
    assert steps[-1][0] == steps[-1][1]


def test_a_minus_b_and_a_over_b_per_sample(files: dict[str, Path]) -> None:
    session = session_with(files, A, B)
    a, _ = written(files, "a")
    b, _ = written(files, "b")
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(session.source("A − B").plane(1, 4), a[1, 4] - b[1, 4])  # type: ignore[union-attr]
        np.testing.assert_array_equal(session.source("A / B").plane(0, 6), a[0, 6] / b[0, 6])  # type: ignore[union-attr]
    assert session.source("corrected B") is not None
    assert session_with(files, A).source("A − B") is None  # no B yet: nothing to show


def test_pixel_facts_say_for_each_reference_why_a_pixel_is_left_alone(files: dict[str, Path]) -> None:
    session = session_with(files, A, B)
    lost = session.pixel(7, 4)  # A flags NO_LIN_CORR, B corrects it
    by_label = {facts.label: facts for facts in lost.references}
    assert by_label[A].reason == "NO_LIN_CORR in the reference DQ" and by_label[B].reason is None
    gained = {facts.label: facts for facts in session.pixel(11, 10).references}
    assert gained[A].reason is None and gained[B].reason == "NaN coefficient in the reference"
    a, _ = written(files, "a")
    b, _ = written(files, "b")
    np.testing.assert_array_equal(gained[A].corrected, a[:, :, 10, 11])
    np.testing.assert_array_equal(gained[B].corrected, b[:, :, 10, 11])
    assert "classic correction" in gained[A].path


def test_invalidation_a_new_reference_drops_the_run_and_a_new_input_the_product(files: dict[str, Path]) -> None:
    session = session_with(files, A)
    session.result = session.correction_job()(None, None)
    session.open_product(files["product_a"])
    session.open_reference(files["b"], A)  # another A: the run is stale
    assert session.result is None and session.plan().coeffs is not None
    assert int(session.no_lin_corr_mask().sum()) > 0  # type: ignore[union-attr]
    session.open_input(files["exposure"])
    assert session.product is None and session.reference is not None


def test_reference_b_for_another_detector_is_refused(files: dict[str, Path], tmp_path: Path) -> None:
    from astropy.io import fits

    other = tmp_path / "other_detector.fits"
    with fits.open(files["b"]) as hdus:
        hdus[0].header["DETECTOR"] = "NRCA1"
        hdus[0].header["INSTRUME"] = "NIRCAM"
        hdus.writeto(other)
    session = session_with(files, A)
    with pytest.raises(LinInspectError):
        session.open_reference(other, B)
    assert B not in session.references
    assert int(session.correction(A).pixeldq()[4, 7]) & NO_LIN_CORR


LOADING_SCRIPT = """
import sys, threading
from pathlib import Path

import numpy as np

sys.path.insert(0, sys.argv[1])
from comparison_files import session_with

importers = []


class NoteNumbaImports:
    def find_spec(self, name, path=None, target=None):
        if name == "numba":
            importers.append(threading.current_thread().name)


sys.meta_path.insert(0, NoteNumbaImports())
if sys.argv[5] == "at-start":  # as the app's start does
    from lininspect.model.sources import start_loading_compiled_loop

    start_loading_compiled_loop()
    for thread in threading.enumerate():
        if thread is not threading.current_thread():
            thread.join(120)
source = session_with({"exposure": Path(sys.argv[2]), "a": Path(sys.argv[3])}, "A").correction("A")
first = source.plane(0, 1)
print(threading.active_count())  # 2 while a thread loads the loop for this plane, 1 when it had it already
for thread in threading.enumerate():
    if thread is not threading.current_thread():
        thread.join(120)
np.save(sys.argv[4], np.stack([first, source.plane(0, 2)]))  # the second by the compiled loop
print(*importers)
"""


@pytest.mark.parametrize("when", ["first-plane", "at-start"])
def test_the_first_plane_leaves_loading_numba_to_a_thread_of_its_own(
    files: dict[str, Path], tmp_path: Path, when: str
) -> None:
    """A panel's first corrected plane once loaded numba on the GUI thread: a freeze of about 2 s on a cold start.
    It now takes numpy's float32 steps while a thread loads the compiled loop, which the app's start begins
    loading for the usual five coefficients; every path gives the written bits."""
    planes = tmp_path / "planes.npy"
    tests = Path(__file__).resolve().parents[1]
    shown = subprocess.run([sys.executable, "-c", LOADING_SCRIPT, str(tests), str(files["exposure"]), str(files["a"]),
                            str(planes), when], capture_output=True, text=True, timeout=300, check=True)  # fmt: skip
    # These references have four coefficients, so even after the start's loop the plane's own is loaded in a
    # second thread (in about 10 ms: numba is loaded by then); numba itself is imported by a loader thread.
    assert len(session_with(files, A).correction(A).prepared.coeffs) == 4
    assert shown.stdout.split() == ["2", "load-compiled-loop"]
    expected, _ = written(files, "a")
    assert np.load(planes).tobytes() == expected[0, 1:3].tobytes()
