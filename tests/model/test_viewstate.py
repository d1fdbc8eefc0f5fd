"""View state without Qt: subscribers hear exactly what changed."""

from __future__ import annotations

import numpy as np
import pytest

from lininspect.core.analysis import analysis
from lininspect.model.viewstate import (
    Colourmap,
    Limits,
    PanelSource,
    RightView,
    Stretch,
    ViewState,
    symmetric_limits,
)


def test_subscribers_hear_only_changes() -> None:
    state = ViewState(frames=(1, 5))
    heard: list[set[str]] = []
    state.subscribe(heard.append)
    state.update(group=3, integration=0)
    state.update(group=3)  # nothing new: nobody is told
    state.update(right=RightView.A_MINUS_B, stretch=Stretch.LOG)
    assert heard == [{"group"}, {"right", "left_display", "right_display"}]  # a stretch for both panels
    with pytest.raises(AttributeError):
        state.update(colour="red")


def test_display_enums_are_the_core_choices() -> None:
    assert {s.value for s in Stretch} == set(analysis.STRETCHES)
    assert {limit.value for limit in Limits if limit is not Limits.USER} == set(analysis.LIMITS)
    assert [p for p in PanelSource if p.needs_b] == [PanelSource.CORRECTED_B, PanelSource.A_MINUS_B, PanelSource.A_OVER_B]


def test_a_difference_scale_ignores_a_few_outliers() -> None:
    values = np.linspace(-10.0, 10.0, 1001, dtype=np.float32)
    values[:3] = [5000.0, np.nan, np.inf]
    low, high = symmetric_limits(values)
    assert low == -high and 9.0 < high < 10.0
    assert symmetric_limits(np.zeros(4, np.float32)) == (-1.0, 1.0)


def test_the_frame_stays_inside_the_exposure() -> None:
    state = ViewState()
    heard: list[set[str]] = []
    state.subscribe(heard.append)
    state.update(group=4)  # no exposure yet: one plane, (0, 0)
    assert (state.integration, state.group) == (0, 0) and heard == []
    state.update(frames=(2, 10), group=9)
    assert heard == [{"frames", "group"}]
    state.update(integration=5, group=-1)
    assert (state.integration, state.group) == (1, 0)
    state.update(frames=(1, 5), group=8)  # a smaller exposure: the new bounds apply at once
    assert (state.integration, state.group) == (0, 4)


def test_new_data_is_one_notification_with_the_frame_reset() -> None:
    state = ViewState(frames=(2, 10), group=9, pixel=(1, 1))
    heard: list[set[str]] = []
    state.subscribe(heard.append)
    state.data_changed()  # a result or a reference: the same frame, its content re-read
    state.data_changed(frames=(1, 4), group=3, pixel=None)  # a new exposure
    assert heard == [{"data_version"}, {"data_version", "frames", "group", "pixel"}]
    assert state.data_version == 2


def test_the_right_panel_has_one_enum_of_views_labelled_as_its_menu() -> None:
    # Saved settings and menus hold the labels: every label the right panel ever offered is a view.
    labels = ["Corrected", "Ratio", "Difference", "NO_LIN_CORR mask", "Residual map", "Product − lininspect",
              "Verify differences", "corrected A", "corrected B", "A − B", "A / B",
              "g−(g−1)", "A g−(g−1)"]  # fmt: skip
    assert [view.value for view in RightView] == labels
    assert [view.reference_view for view in RightView if view.reference_view] == [s for s in PanelSource if s is not PanelSource.INPUT]
    assert RightView.CORRECTED.reference_view is None  # the product when one is open, unlike "corrected A"
    assert [view for view in RightView if view.compares_product] == [RightView.PRODUCT_MINUS_OURS, RightView.VERIFY_DIFFERENCES]


def test_display_choices_are_view_state() -> None:
    state = ViewState()
    assert (state.right, state.colourmap, state.lock_limits, state.overlay_left, state.overlay_right) == (
        RightView.CORRECTED, Colourmap.INFERNO, False, False, False)  # fmt: skip
    heard: list[set[str]] = []
    state.subscribe(heard.append)
    state.update(right=RightView.RATIO, colourmap=Colourmap.VIRIDIS, overlay_right=True)
    state.update(overlay_right=True, lock_limits=False)  # nothing new
    assert heard == [{"right", "left_display", "right_display", "overlay_right"}]
    assert (state.right, state.colourmap, state.overlay_right) == (RightView.RATIO, Colourmap.VIRIDIS, True)


def test_each_panel_has_its_own_display_and_links_share_chosen_fields() -> None:
    state = ViewState()
    heard: list[set[str]] = []
    state.subscribe(heard.append)
    state.link("stretch", False)
    state.set_display("right", stretch=Stretch.LOG, colourmap=Colourmap.GREY)  # colour map linked, stretch not
    assert (state.left_display.stretch, state.right_display.stretch) == (Stretch.LINEAR, Stretch.LOG)
    assert state.left_display.colourmap is state.right_display.colourmap is Colourmap.GREY
    state.set_display("left", limits=Limits.USER, user_limits=(10.0, 20.0))  # limits linked, typed values not
    assert state.right_display.limits is Limits.USER and state.right_display.user_limits == (0.0, 1.0)
    state.link("user_limits", True, source="left")  # linking copies the chosen panel's value across
    assert state.right_display.user_limits == (10.0, 20.0)
    state.link("scale", True)
    assert "scale" in state.linked and heard[-1] == {"linked"}
    with pytest.raises(AttributeError):
        state.link("group", True)
