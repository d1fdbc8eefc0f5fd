"""The session keeps pixel facts while nothing they come from changes, and forgets them when anything does."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import lininspect.model.session as session_module
from lininspect.core.fits.product import correct_file
from lininspect.model.session import FACTS_KEPT, A, B, PixelFacts, Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test helpers in tests/
from comparison_files import write_comparison_files  # noqa: E402

PIXEL = (11, 10)  # reference B cannot correct it (NaN coefficients); A can


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("memory")
    paths = write_comparison_files(directory)
    paths["product_b"] = correct_file(paths["exposure"], paths["b"], directory / "with_b_linearity.fits").output
    return paths


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """The pixel ramps read from the file, in order."""
    done: list[tuple[int, int]] = []
    real = session_module.read_boxes

    def counted(exposure, names, integrations, rows, columns):  # type: ignore[no-untyped-def]
        done.append((columns[0], rows[0]))
        return real(exposure, names, integrations, rows, columns)

    monkeypatch.setattr(session_module, "read_boxes", counted)
    return done


def fresh(session: Session, reads: list[tuple[int, int]]) -> PixelFacts:
    """PIXEL's facts computed anew from what the session holds (its read left out of ``reads``)."""
    count = len(reads)
    facts = session._pixel(*PIXEL, 0)
    del reads[count:]
    return facts


def same(first: PixelFacts, second: PixelFacts) -> bool:
    """Equal facts, arrays bit for bit."""
    def flat(facts: PixelFacts) -> list[object]:
        values: list[object] = [facts.x, facts.y, facts.detector, facts.pixeldq, facts.result_pixeldq, facts.reason]
        for array in (facts.raw, facts.corrected, facts.groupdq, facts.coeffs, facts.prepared):
            values.append(None if array is None else np.asarray(array).tobytes())
        values += [(r.label, r.origin, r.reason, None if r.corrected is None else r.corrected.tobytes())
                   for r in facts.references]  # fmt: skip
        return values
    return flat(first) == flat(second)


def test_pins_asked_again_are_not_read_again(files: dict[str, Path], reads: list[tuple[int, int]]) -> None:
    session = Session()
    session.open_input(files["exposure"])
    session.open_reference(files["a"])
    pins = [(1, 2), (3, 4), (5, 6)]
    first = [session.pixel(x, y) for x, y in pins]
    again = [session.pixel(x, y) for x, y in pins]  # the next click refreshes the pins
    assert reads == pins
    assert all(a is b for a, b in zip(first, again, strict=True))
    assert session.pixel(3, 4, integration=1).x == 3 and reads[-1] == (3, 4)  # another integration is another question


def test_new_reference_input_run_product_and_reference_b_each_give_new_facts(files: dict[str, Path],
                                                                            reads: list[tuple[int, int]]) -> None:  # fmt: skip
    session = Session()
    session.open_input(files["exposure"])
    before = session.pixel(*PIXEL)
    assert before.coeffs is None  # no reference yet

    session.open_reference(files["b"])
    with_b = session.pixel(*PIXEL)
    assert with_b.reason is not None and same(with_b, fresh(session, reads))

    session.open_reference(files["a"])  # a new reference A, in place of B
    with_a = session.pixel(*PIXEL)
    assert with_a.reason is None and same(with_a, fresh(session, reads))
    assert not np.array_equal(with_a.coeffs, with_b.coeffs, equal_nan=True)

    session.result = session.correction_job()(None, None)  # a run (the GUI sets it so)
    after_run = session.pixel(*PIXEL)
    assert after_run is not with_a and after_run.result_pixeldq is not None and same(after_run, fresh(session, reads))

    session.open_reference(files["b"], B)
    compared = session.pixel(*PIXEL)
    assert [r.label for r in compared.references] == [A, B] and same(compared, fresh(session, reads))

    session.open_product(files["product_b"])  # the right panel now shows B's product
    shown = session.pixel(*PIXEL)
    assert shown.corrected is not None and shown.corrected.tobytes() == compared.references[1].corrected.tobytes()

    session.open_input(files["exposure"])  # the same file opened again: a new exposure
    reopened = session.pixel(*PIXEL)
    assert reopened is not shown and reopened.result_pixeldq is not None  # no run: as preparing sets it
    session.open_input(files["exposure"])  # and again: only the exposure object is new
    assert session.pixel(*PIXEL) is not reopened
    assert reads == [PIXEL] * 8


def test_only_the_latest_pixels_are_kept(files: dict[str, Path], reads: list[tuple[int, int]]) -> None:
    session = Session()
    session.open_input(files["exposure"])
    pixels = [(n % 30, n // 30) for n in range(FACTS_KEPT + 1)]
    for x, y in pixels:
        session.pixel(x, y)
    session.pixel(*pixels[-1])
    session.pixel(*pixels[0])  # the oldest was let go
    assert reads == [*pixels, pixels[0]]
