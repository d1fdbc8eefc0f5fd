"""Issue 19, target 5: after a group step the next group the same way is read, corrected and made ready to draw in
a job, so the next step's turn of the GUI thread only draws, and so is the group below after a file and its reference
are opened; a step the other way, or a file changed meanwhile, draws what it did before."""

from __future__ import annotations

from pathlib import Path

from guihelpers import assert_drawn_as_chosen, shown_window, visible_status_texts, work_on_the_gui_thread

from lininspect.core.fits.exposure import open_exposure
from lininspect.core.fits.product import correct_file
from lininspect.gui import readahead

WAIT_MS = 60000


def _step_and_wait_for_the_read_ahead(qtbot, window, groups: int) -> None:  # type: ignore[no-untyped-def]
    earlier = window.jobs.read_ahead.job
    window.step(0, groups)
    qtbot.waitUntil(lambda: window.jobs.read_ahead.job is not earlier and window.jobs.read_ahead.job.done, timeout=WAIT_MS)


def test_the_next_group_is_drawn_without_reading_or_scaling_it_on_the_gui_thread(qtbot, small_files, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    window = shown_window(qtbot, small_files.exposure, small_files.reference)
    correct_file(small_files.exposure, small_files.reference, tmp_path / "corrected.fits")
    inputs, corrected = open_exposure(small_files.exposure), open_exposure(tmp_path / "corrected.fits")
    last = inputs.ngroups - 1
    assert window.group == last
    _step_and_wait_for_the_read_ahead(qtbot, window, -1)  # a step down: the group below is read ahead
    status = visible_status_texts(window)
    on_gui_thread = work_on_the_gui_thread(monkeypatch, int(inputs.plane(0, 0).size))
    window.step(0, -1)
    drawn_group = window.group
    monkeypatch.undo()
    assert drawn_group == last - 2 and on_gui_thread == []
    assert_drawn_as_chosen(window, window.left, inputs.plane(0, drawn_group))
    assert_drawn_as_chosen(window, window.right, corrected.plane(0, drawn_group))
    assert visible_status_texts(window) == status  # not the user's job: nothing said
    window.close()


def test_the_first_step_after_opening_draws_a_group_read_ahead(qtbot, small_files, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    window = shown_window(qtbot, small_files.exposure, small_files.reference)
    correct_file(small_files.exposure, small_files.reference, tmp_path / "corrected.fits")
    inputs, corrected = open_exposure(small_files.exposure), open_exposure(tmp_path / "corrected.fits")
    read_ahead = window.jobs.read_ahead
    qtbot.waitUntil(lambda: read_ahead.job is not None and read_ahead.job.done, timeout=WAIT_MS)
    status = visible_status_texts(window)
    on_gui_thread = work_on_the_gui_thread(monkeypatch, int(inputs.plane(0, 0).size))
    window.step(0, -1)  # the opened file shows its last group: the first step goes down
    drawn_group = window.group
    monkeypatch.undo()
    assert drawn_group == inputs.ngroups - 2 and on_gui_thread == []
    assert_drawn_as_chosen(window, window.left, inputs.plane(0, drawn_group))
    assert_drawn_as_chosen(window, window.right, corrected.plane(0, drawn_group))
    assert visible_status_texts(window) == status
    window.close()


def test_a_step_the_other_way_and_a_new_file_draw_their_own_planes(qtbot, small_files, tmp_path) -> None:  # type: ignore[no-untyped-def]
    window = shown_window(qtbot, small_files.exposure, small_files.reference)
    correct_file(small_files.exposure, small_files.reference, tmp_path / "corrected.fits")
    inputs, corrected = open_exposure(small_files.exposure), open_exposure(tmp_path / "corrected.fits")
    _step_and_wait_for_the_read_ahead(qtbot, window, -1)
    window.step(0, 1)  # back up: the group read ahead (two below) is not the one shown
    assert window.group == inputs.ngroups - 1
    assert_drawn_as_chosen(window, window.left, inputs.plane(0, window.group))
    assert_drawn_as_chosen(window, window.right, corrected.plane(0, window.group))
    window.step(0, -1)
    job = window.jobs.read_ahead.job
    window.open_input_now(Path(small_files.exposure))  # a new exposure object: what was read ahead is not drawn
    qtbot.waitUntil(lambda: job is not None and job.done, timeout=WAIT_MS)
    window.step(0, -1)
    assert_drawn_as_chosen(window, window.left, inputs.plane(0, window.group))
    window.close()


def test_steps_as_close_as_a_held_key_s_read_nothing_ahead(qtbot, small_files, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The read ahead would not be done before the next repeat, and the GUI thread reading the same plane
    meanwhile made each step slower: a held key's steps read nothing ahead, a person's next press does."""
    window = shown_window(qtbot, small_files.exposure, small_files.reference)
    read_ahead = window.jobs.read_ahead
    _step_and_wait_for_the_read_ahead(qtbot, window, -1)  # the first step after a pause reads ahead
    first = read_ahead.job
    monkeypatch.setattr(readahead, "HELD_KEY_S", 3600.0)  # from now on every step follows the last too closely
    window.step(0, -1)
    qtbot.wait(200)
    assert read_ahead.job is first and window.group == window.session.exposure.ngroups - 3
    window.close()


def test_a_window_closed_before_its_read_ahead_starts_reads_nothing(qtbot, small_files) -> None:  # type: ignore[no-untyped-def]
    """``lininspect snapshot`` refusing a pixel closes its window in the turn the files were opened in: the read
    ahead they armed must not start after the window's jobs were waited for (it read a file being closed,
    and its failure reached a deleted window: a traceback on the terminal)."""
    window = shown_window(qtbot, small_files.exposure, small_files.reference)
    window.close()
    qtbot.wait(100)
    assert window.jobs.read_ahead.job is None
