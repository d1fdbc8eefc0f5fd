"""Opening files into the window: what each kind of file makes stale, which jobs stop, what the user is told,
and what is asked of a ramp with no record of the pipeline's steps before linearity.

The session does the reading and knows the invalidation rules of the data; this adds the
window's side: jobs on the old files stop, results computed for them go, the view state
starts afresh on a new exposure, and the file joins the recent ones.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from ..core.fits import fitsfile
from ..core.fits.exposure import Exposure, open_exposure
from ..core.errors import LinInspectError
from ..core.references.reference import LinearityReference, open_reference
from ..core.references.resolve import ResolvedInput
from ..model.session import B, ReadiedCorrection, Session
from ..model.viewstate import ViewState
from .dialogs import Dialogs
from .jobs import Jobs, Opened, ReadReference
from .preparationchoice import AS_IS, PREPARE, PreparationChoice
from .statusarea import StatusArea
from .worker import Job


class FileOpener:
    """Opens exposures, references and products for one window, and takes the CRDS lookup's answer."""

    def __init__(
        self, session: Session, view: ViewState, jobs: Jobs, dialogs: Dialogs, status: StatusArea,
        remember: Callable[[Path], None], retitle: Callable[[str], None], choice: PreparationChoice,
    ) -> None:  # fmt: skip
        self.session, self.view, self.jobs, self.dialogs, self.status = session, view, jobs, dialogs, status
        self.remember, self.retitle, self.choice = remember, retitle, choice
        #: The reference the user named for the running lookup, once read: kept if the preparation fails.
        self._named: LinearityReference | None = None
        jobs.lookup.opened.connect(self._on_named_reference)
        jobs.lookup.failed.connect(self._keep_named_reference)
        #: Reference B given on the command line, opened once the lookup has chosen A.
        self.against_after_lookup: Path | None = None
        #: Or the CRDS context whose pick is B, looked up once the lookup has chosen A.
        self.against_context_after_lookup: str | None = None

    def open_input(
        self, path: Path, *, prepared_from: Path | None = None, then: Callable[[], object] = lambda: None
    ) -> Job[Opened]:
        """Read a ramp exposure in a job (the GUI thread never waits on the disk), then show it as
        :meth:`open_input_now` does and run ``then``. A refusal is the usual dialog; the newest opening wins."""
        path = Path(path)

        def show(exposure: Exposure, readied: dict[str, ReadiedCorrection]) -> None:
            self.dialogs.guard(lambda: self._show_input(path, exposure, prepared_from, readied))
            if self.session.exposure is exposure:
                self.dialogs.guard(then)

        return self.jobs.open_in_background(path, show)

    def open_input_now(self, path: Path, *, prepared_from: Path | None = None) -> None:
        """Read and show a ramp on this thread: for scripts and snapshots with no event loop to wait on."""
        self._show_input(Path(path), open_exposure(Path(path)), prepared_from)

    def _show_input(
        self, path: Path, exposure: Exposure, prepared_from: Path | None,
        readied: dict[str, ReadiedCorrection] | None = None,
    ) -> None:  # fmt: skip
        """The read ramp as the input; forgets any correction and shows its last group of integration 0.

        ``prepared_from``: the user's ``_uncal`` this ramp was prepared from; it names the
        window, the plots and the export, and keeps a product opened for it. A ramp with no
        record of the earlier pipeline steps is said to be so at once. ``readied``: the loaded
        references' corrections of it, prepared in the job that read it.
        """
        self.jobs.stop()
        self.jobs.stop_lookup()  # its prepared ramp and "preparing" title were for the old file
        self.choice.withdraw()
        self.jobs.question = ""
        dropped = self.session.adopt_input(path, exposure, prepared_from=prepared_from, readied=readied)
        source = self.session.input_path
        assert source is not None
        self.dialogs.forget_exposure()
        self.jobs.forget_result()
        self.remember(source)
        self.retitle(f"lininspect — {source.name}")
        unrecorded = self._unrecorded(source)
        unprepared = [f"no record of the pipeline's steps {', '.join(unrecorded)} before linearity"] if unrecorded else []
        self._note(unprepared + exposure.notes + ([dropped] if dropped else []))
        self.view.data_changed(frames=(exposure.nints, exposure.ngroups), integration=0, group=exposure.ngroups - 1,
                               pixel=None, pins=(), box=None)  # fmt: skip

    def open_user_input(self, path: Path) -> None:
        """A ramp the user picked in the app: loaded; with no record of the earlier steps, the question
        (once per file): prepared, it keeps reference A if one is loaded, else CRDS picks one."""
        path = Path(path)
        self.open_input(path, then=lambda: self._decide(
            path, lambda choice: self.jobs.resolve_in_background(path, reference=self.session.reference)
            if choice == PREPARE else None))  # fmt: skip

    def reconsider_preparation(self) -> None:
        """Correction ▸ Earlier pipeline steps…: the kept answer for the input is forgotten and the question
        put again, on the user's file as opened (an ``_uncal``, not its prepared ramp)."""
        path = self.session.input_path
        if path is None:
            raise LinInspectError("no exposure loaded")
        self.choice.forget(path)
        self.open_user_input(path)

    def resolve(self, path: Path, *, reference: Path | None = None, as_is: bool = False) -> None:
        """The command line's start (the input already loaded): CRDS's reference unless named, and the
        pipeline's missing steps, in a worker, after the question for a ramp with no record of them."""
        path = Path(path)
        self._named = None
        if as_is or not self._unrecorded(path):
            self.jobs.resolve_in_background(path, reference=reference, as_is=as_is)
            return
        self._decide(path, lambda choice: self.jobs.resolve_in_background(path, reference=reference,
                                                                          as_is=choice == AS_IS))  # fmt: skip

    def _decide(self, path: Path, then: Callable[[str], object]) -> None:
        """For a ramp with no record of the earlier steps: the remembered answer, else the question; then ``then``."""
        steps = self._unrecorded(path)
        if not steps:
            return
        remembered = self.choice.remembered(path)
        if remembered is not None:
            self._chosen(path, remembered, then, "remembered for this file")
        else:
            self.jobs.question = "waiting for your answer: prepare with the pipeline's steps, or correct as it is"
            self.jobs.imagesStale.emit()
            self.choice.ask(path, steps, lambda choice: self._chosen(path, choice, then, "your choice"))

    def _chosen(self, path: Path, choice: str, then: Callable[[str], object], how: str) -> None:
        self.jobs.question = ""
        self.jobs.imagesStale.emit()
        if self.session.input_path != path:  # another file was opened meanwhile
            return
        what = "preparing with the pipeline's steps" if choice == PREPARE else "corrected as it is, without the earlier steps"
        self.status.message(f"{path.name}: {what} ({how})", 15000)
        self.dialogs.guard(lambda: then(choice))

    def _unrecorded(self, path: Path) -> tuple[str, ...]:
        """The earlier steps the loaded input (if it is ``path``, not yet prepared) has no record of."""
        preparation = self.session.preparation
        if preparation is None or self.session.input_path != path or preparation.steps:
            return ()
        return preparation.unrecorded

    def _on_named_reference(self, reference: LinearityReference) -> None:
        self._named = reference

    def _keep_named_reference(self, _message: str) -> None:
        """The lookup failed after reading the reference the user named: it stays, for the ramp as it is."""
        named, self._named = self._named, None
        if named is not None and self.session.reference is None and self.session.exposure is not None:
            self.dialogs.guard(lambda: self.use_reference(named))

    def open_reference(self, path: Path) -> None:
        """The user's reference, read on this thread: it overrides CRDS's (a lookup still running is dropped)."""
        self.use_reference(open_reference(Path(path)))
        self.remember(path)

    def open_reference_in_background(self, path: Path) -> Job[ReadReference]:
        """As :meth:`open_reference`, read in a job (File ▸ Choose reference, a drop, a recent file)."""
        path = Path(path)

        def show(reference: LinearityReference, readied: ReadiedCorrection | None) -> None:
            self.dialogs.guard(lambda: self.use_reference(reference, readied))
            if self.session.reference is reference:
                self.remember(path)

        return self.jobs.read_reference_in_background(path, show)

    def use_reference(self, reference: LinearityReference, readied: ReadiedCorrection | None = None) -> None:
        """An opened reference as A; one CRDS picked keeps its origin (the status bar names the context).
        ``readied``: its correction of the exposure, prepared in the job that read it."""
        self.jobs.stop()
        self.jobs.stop_lookup()
        self.session.use_reference(reference, readied=readied)
        self.jobs.forget_result()
        self._note(reference.notes)
        self.view.data_changed()

    def open_against(self, path: Path) -> None:
        """Reference B, compared with A: the panels can show its correction, A − B and A / B."""
        self.check_against_possible()
        self.session.open_reference(Path(path), B)
        self.remember(path)
        self._note(self.session.references[B].notes)
        self.view.data_changed()

    def use_against(self, reference: LinearityReference) -> None:
        """Reference B as CRDS picked it under a second context (its origin is kept and shown)."""
        self.check_against_possible()
        self.session.use_reference(reference, B)
        a = self.session.reference
        same = a is not None and a.path.resolve() == reference.path.resolve()
        self._note(reference.notes + ([f"A and B are the same file, {reference.path.name}: A − B is zero"] if same else []))
        self.view.data_changed()

    def suggested_context(self) -> str:
        """The context that chose A (else CRDS_CONTEXT): the user edits it into the new one. Asks no server."""
        reference = self.session.reference
        if reference is not None and reference.origin is not None:
            return reference.origin.context
        return os.environ.get("CRDS_CONTEXT", "")

    def check_against_possible(self) -> None:
        if self.session.reference is None:
            raise LinInspectError("choose reference A first (File ▸ Choose reference...), then one to compare with")

    def open_product(self, path: Path) -> None:
        """Show a pipeline ``_linearity`` product on the right instead of a run of ours."""
        self.jobs.stop()
        self.session.open_product(Path(path))
        self.jobs.forget_result()
        self.remember(path)
        self.view.data_changed()

    def open_any(self, path: Path) -> None:
        """Open a file as what its content says: COEFFS is a reference, SCI a ramp to inspect."""
        kind = fitsfile.content_kind(fitsfile.scan(Path(path)))
        if kind == "reference":
            self.open_reference_in_background(path)
        elif kind == "exposure":
            self.open_user_input(path)
        else:
            raise LinInspectError(f"{path}: neither an exposure (SCI) nor a linearity reference (COEFFS)")

    def use_resolved(self, ready: ResolvedInput) -> None:
        """The lookup's answer: its prepared ramp as the input (unless loaded), its reference as A, then a run."""
        self._named = None
        exposure = self.session.exposure
        if exposure is None or exposure.path != ready.ramp:
            self.open_input_now(ready.ramp, prepared_from=ready.source)  # the input to linearity, from the pipeline's steps
        self.session.preparation = ready.preparation
        self.session.use_reference(ready.reference)
        self.jobs.forget_result()
        against, self.against_after_lookup = self.against_after_lookup, None
        if against is not None:
            self.dialogs.guard(lambda: self.open_against(against))
        context, self.against_context_after_lookup = self.against_context_after_lookup, None
        if context is not None:
            self.jobs.pick_against_in_background(ready.source, context)
        steps = ready.preparation.steps
        if steps:
            how = "cached" if ready.preparation.from_cache else "run"
            self._note([f"pipeline steps {', '.join(steps)} {how} before linearity"])
        if self.session.product is None:  # an opened pipeline product is shown, not replaced by a run
            self.jobs.run_correction()
        else:
            self.view.data_changed()

    def _note(self, notes: list[str]) -> None:
        if notes:
            self.status.message("note: " + "; ".join(notes), 15000)
