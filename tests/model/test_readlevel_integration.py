"""A read-level integration is corrected by a job, never by asking for a plane it does not have yet."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from lininspect.core.errors import CorrectionCancelled
from lininspect.core.fits.exposure import open_exposure
from lininspect.model.session import CORRECTED, PRODUCT_MINUS_OURS, A, B, Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test helpers in tests/
from comparison_files import session_with  # noqa: E402
from readlevel_files import SHAPE, write_read_level_files_and_products  # noqa: E402


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("readlevel")
    return write_read_level_files_and_products(directory)


def written(files: dict[str, Path], label: str) -> np.ndarray:
    return np.asarray(open_exposure(files[f"product_{label}"]).sci[...], dtype=np.float32)


def test_views_list_what_they_wait_for_and_the_job_makes_it_ready(files: dict[str, Path]) -> None:
    session = session_with(files, A, B)
    assert session.plan(A).read_level and session.plan(B).read_level
    assert [(p.label, p.integration) for p in session.unready(1, CORRECTED)] == [(A, 1)]
    assert [p.label for p in session.unready(1, "A − B")] == [A, B]
    assert [p.label for p in session.unready(1, "corrected B")] == [B]
    assert session.unready(1, "input") == [] and session.unready(1, PRODUCT_MINUS_OURS) == []

    steps: list[tuple[int, int]] = []
    (pending,) = session.unready(1, "corrected A")
    assert pending.job()(lambda done, total: steps.append((done, total)), threading.Event()) == 1
    ny, nx = SHAPE[2:]
    tiles = -(-ny // session.correction(A).prepared.tile_rows(nx))
    assert len(steps) == tiles > 1 and steps[-1] == (ny, ny)  # one report per row tile
    assert session.unready(1, CORRECTED) == [] and [p.label for p in session.unready(1, "A − B")] == [B]
    assert [p.label for p in session.unready(0, CORRECTED)] == [A]  # one integration kept, not the exposure
    expected = written(files, "a")
    for g in range(SHAPE[1]):
        assert session.correction(A).plane(1, g).tobytes() == expected[1, g].tobytes()
    assert session.unready(1, CORRECTED) == []  # asking for the planes corrected nothing else


def test_a_cancelled_job_leaves_the_cached_integration(files: dict[str, Path]) -> None:
    session = session_with(files, A)
    source = session.correction(A)
    source.correct_integration(1)
    kept = source.plane(1, 2)
    cancel = threading.Event()
    (pending,) = session.unready(0, CORRECTED)
    with pytest.raises(CorrectionCancelled):
        pending.job()(lambda done, total: cancel.set(), cancel)  # cancelled after the first row tile
    assert source.ready(1) and not source.ready(0)
    assert np.shares_memory(source.plane(1, 2), kept)  # the same cached array, not corrected again


def test_pixel_facts_and_boxes_never_correct_an_integration(files: dict[str, Path]) -> None:
    session = session_with(files, A, B)
    facts = session.pixel(40, 270, 1)
    session.region_means(1, 0, 250, 30, 290)
    assert session.correction(A).ready(1) is False and session.correction(B).ready(1) is False
    expected = written(files, "b")
    assert facts.references[1].corrected.tobytes() == expected[:, :, 270, 40].tobytes()  # type: ignore[union-attr]


def test_the_classic_path_is_always_ready(files: dict[str, Path]) -> None:
    session = Session()
    session.open_input(files["exposure"])
    session.open_reference(files["classic"])
    assert not session.plan().read_level
    assert session.unready(1, CORRECTED) == [] and session.correction().ready(1)


def test_scripts_correct_in_their_own_thread(files: dict[str, Path]) -> None:
    session = session_with(files, A, B)
    session.correct_integration_now(1)
    assert session.unready(1, "A − B") == []
    expected_a, expected_b = written(files, "a"), written(files, "b")
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(session.source("A − B").plane(1, 3), expected_a[1, 3] - expected_b[1, 3])  # type: ignore[union-attr]
    assert session.corrected_plane(0, 4).tobytes() == expected_a[0, 4].tobytes()  # type: ignore[union-attr]


def test_the_shown_group_is_corrected_first_with_the_same_bits(files: dict[str, Path]) -> None:
    """Issue 19, target 3: a view asks for the group on the screen first (a group difference for the one
    before too), then for the rest; each group alone is bit for bit the whole integration's plane."""
    from lininspect.model.viewstate import PanelSource

    session = session_with(files, A, B)
    expected = written(files, "a")
    source = session.correction(A)
    assert [(p.label, p.groups) for p in session.unready(1, "A − B", 3)] == [(A, range(3, 4)), (B, range(3, 4))]
    (steps,) = session.unready(1, PanelSource.CORRECTED_A_STEPS.value, 3)
    assert steps.groups == range(2, 4)
    for g in reversed(range(SHAPE[1])):  # each group on its own, last first as a new exposure shows them
        (pending,) = session.unready(1, CORRECTED, g)
        assert pending.groups == range(g, g + 1)
        assert pending.job()(None, threading.Event()) == 1
        assert source.plane(1, g).tobytes() == expected[1, g].tobytes()
        assert not source.ready(1)  # only groups so far
    (rest,) = session.unready(1, CORRECTED, 0)
    assert rest.groups is None  # the shown group is there: what is left is the whole integration
    rest.job()(None, threading.Event())
    assert source.ready(1) and session.unready(1, CORRECTED, 0) == []
    for g in range(SHAPE[1]):
        assert source.plane(1, g).tobytes() == expected[1, g].tobytes()
