"""Which right-panel views the loaded files can show: a restored view falls back when one is missing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from lininspect.model.availability import missing_for
from lininspect.model.viewstate import RightView

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test helpers in tests/
from comparison_files import session_with, write_comparison_files  # noqa: E402


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return write_comparison_files(tmp_path)


def test_views_needing_b_or_a_product_say_so_until_it_is_loaded(files: dict[str, Path]) -> None:
    session = session_with(files, "A")
    needs = {view: missing_for(view, session) for view in RightView}
    needing_b = {view for view, missing in needs.items() if missing == "reference B"}
    assert needing_b == {RightView.CORRECTED_B, RightView.A_MINUS_B, RightView.A_OVER_B}
    needing_product = {view for view, missing in needs.items() if missing == "a pipeline product"}
    assert needing_product == {RightView.PRODUCT_MINUS_OURS, RightView.VERIFY_DIFFERENCES}
    assert all(missing is None for view, missing in needs.items() if view not in needing_b | needing_product)
    assert missing_for(RightView.A_MINUS_B, session_with(files, "A", "B")) is None
