"""The view state alone drives the window: no public method called, every widget that shows it follows."""

from __future__ import annotations

import numpy as np
from smallfiles import NGROUPS, NINTS

from lininspect.core.analysis import analysis
from lininspect.gui.mainwindow import MainWindow
from lininspect.model.viewstate import Colourmap, Limits, PanelSource, RightView, Stretch


def _stretched(window: MainWindow, values: np.ndarray) -> np.ndarray:
    """``values`` as the panels draw them: on their own limits, in the chosen stretch."""
    low, high = analysis.display_limits(values, window.view.limits.value)
    return analysis.stretch(values, low, high, window.view.stretch.value)


def _markers(window: MainWindow) -> set[tuple[float, float]]:
    sets = []
    for panel in (window.left, window.right):
        xs, ys = panel.markers.getData()
        sets.append({(float(x), float(y)) for x, y in zip(xs, ys, strict=True)})
    assert sets[0] == sets[1]
    return sets[0]


def test_frame_from_the_view_state_moves_controls_panels_and_inspector(window: MainWindow) -> None:
    session, view = window.session, window.view
    assert (view.integration, view.group) != (1, 3)
    view.update(integration=1, group=3)
    assert window.frame.integration_box.value() == 1
    assert window.frame.group_box.value() == window.frame.group_slider.value() == 3
    np.testing.assert_array_equal(window.left.image.image, _stretched(window, session.input_plane(1, 3)))
    np.testing.assert_array_equal(window.right.image.image, _stretched(window, session.corrected_plane(1, 3)))
    for panel in (window.left, window.right):
        assert "integration 1, group 3" in panel.title.text
    assert [line.value() for line in window.inspector.group_lines] == [3, 3, 3]
    view.update(group=NGROUPS + 5, integration=-2)  # outside the exposure: clamped, as the keys are
    assert (view.integration, view.group) == (0, NGROUPS - 1)
    assert window.frame.group_box.value() == window.frame.group_slider.value() == NGROUPS - 1
    assert window.frame.integration_box.value() == 0
    assert NINTS > 1


def test_selection_from_the_view_state_plots_marks_and_outlines(window: MainWindow) -> None:
    session, view = window.session, window.view
    view.update(integration=1)
    x, y = 7, 11
    view.update(pixel=(x, y))
    ramp_in, ramp_out = (window.inspector.curves[role][0].getData()[1] for role in ("input", "corrected"))
    np.testing.assert_array_equal(ramp_in, [session.input_plane(1, g)[y, x] for g in range(NGROUPS)])
    np.testing.assert_array_equal(ramp_out, [session.corrected_plane(1, g)[y, x] for g in range(NGROUPS)])
    assert _markers(window) == {(x + 0.5, y + 0.5)}

    view.update(pins=((2, 3), (20, 9)))
    assert window.inspector.pin_list.count() == 2
    pinned = [pin.y for pin, _ in window.inspector.pins]
    assert pinned == [3, 9]
    assert _markers(window) == {(x + 0.5, y + 0.5), (2.5, 3.5), (20.5, 9.5)}

    view.update(box=(4, 5, 10, 8))
    region = window.inspector.region
    assert region is not None and (region.x0, region.y0, region.x1, region.y1, region.integration) == (4, 5, 10, 8, 1)
    raw, corrected, _ = session.region_means(1, 4, 5, 10, 8)
    np.testing.assert_array_equal(region.raw, raw)
    np.testing.assert_array_equal(region.corrected, corrected)
    for panel in (window.left, window.right):
        outline = panel.view.box_shown
        assert outline is not None and outline.getRect() == (4.0, 5.0, 6.0, 3.0)

    view.update(pins=(), box=None, pixel=None)
    assert window.inspector.region is None and window.inspector.pin_list.count() == 0
    assert window.inspector.curves["input"] == []
    assert _markers(window) == set()
    assert window.left.view.box_shown is None and window.right.view.box_shown is None


def test_display_choices_from_the_view_state_move_their_boxes_and_redraw(window: MainWindow) -> None:
    session, view = window.session, window.view
    view.update(left=PanelSource.CORRECTED_A, right=RightView.CORRECTED_B, stretch=Stretch.SQRT, limits=Limits.MINMAX)
    display = window.display
    assert (display.left_box.currentText(), display.mode_box.currentText()) == ("corrected A", "corrected B")
    assert (display.stretch_box.currentText(), display.limits_box.currentText()) == ("sqrt", "min-max")
    i, g = view.integration, view.group
    np.testing.assert_array_equal(window.left.image.image, _stretched(window, session.correction().plane(i, g)))
    assert window.left.title.text.startswith("corrected A — integration")
    assert window.right.title.text == "corrected B" and "reference B" in window.right.message.toPlainText()


def test_the_right_view_colours_and_overlays_from_the_view_state_move_the_toolbar_and_redraw(window: MainWindow) -> None:
    session, view, display = window.session, window.view, window.display
    view.update(integration=1, group=3)
    view.update(right=RightView.RATIO)
    assert display.mode_box.currentText() == "Ratio"
    assert window.right.title.text == "Input / corrected — integration 1, group 3"
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = session.input_plane(1, 3) / session.corrected_plane(1, 3)
    expected = analysis.stretch(ratio, *analysis.display_limits(ratio, view.limits.value), view.stretch.value)
    np.testing.assert_array_equal(window.right.image.image, expected)

    view.update(colourmap=Colourmap.VIRIDIS)
    assert display.colourmap_box.currentText() == "viridis"
    assert window.left.image.getColorMap().name == window.right.image.getColorMap().name == "viridis"

    mask = session.no_lin_corr_mask()
    assert mask is not None and mask.any()
    view.update(overlay_right=True)
    assert display.overlay_right.isChecked() and not display.overlay_left.isChecked()
    assert window.right.overlay.isVisible() and not window.left.overlay.isVisible()
    assert int((window.right.overlay.image[..., 3] > 0).sum()) == int(mask.sum())

    view.update(right=RightView.CORRECTED, lock_limits=True)  # back to the corrected plane, limits kept from now on
    assert display.mode_box.currentText() == "Corrected" and display.lock_limits.isChecked()
    np.testing.assert_array_equal(window.right.image.image, _stretched(window, session.corrected_plane(1, 3)))
