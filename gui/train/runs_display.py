"""What the Train view shows of the project's runs, derived from the document each time: the
runs list, the curves (one run in detail, or several overlaid), the results tabs and the banner
(the shown run's outcome and the curve doctor, or a comparison). Keeps no state of its own: the
picked run lives in the view's `RunFocus`. Must not import the rest of the view.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from engine.runs import Run, advise

from ..jobs.adoption import run_title
from . import run_setup
from .palette import run_color
from .plots import Overlay
from .run_banner import INFO, level_of
from .view_state import boundary_grid, focus_run

if TYPE_CHECKING:
    from .train_view import TrainView

NO_RUNS = ("No runs yet in this project: load a dataset and press Start training. Each run stays with the "
           "project, so you can compare them later.")


def show_runs(view: TrainView) -> None:
    doc, live, shown = view.document, view.live, view.shown
    checked = view.runs_panel.checked_ids()
    focus = focus_run(doc, shown.picked)
    colors = {run_id: run_color(i) for i, run_id in enumerate(checked)}
    adopted = doc.adopted_run
    view.runs_panel.set_runs(list(doc.runs), adopted.id if adopted else None, checked, colors,
                             focus.id if focus else None, live.name if live else None)
    compared = [doc.run(i) for i in checked]
    view.plots.set_overlays([Overlay(r, r.name, colors[r.id]) for r in compared if live or len(compared) >= 2])
    view.results.compare.show_runs(compared, [r.name for r in compared], [colors[r.id] for r in compared])
    if live is not None:  # the running run is always drawn in full, compared runs beside it
        view.plots.set_detail_visible(True)
    else:
        overlaid = len(compared) >= 2 and shown.finished is None
        view.plots.set_detail_visible(not overlaid)
        view.plots.show_run(None if overlaid else focus, max((r.epochs_run for r in compared), default=0))
        _show_results(view, focus)
        if overlaid:
            _show_comparison(view, compared)
        else:
            _show_banner(view, focus)
    problem = run_setup.continue_problem(doc, view.coordinator.running, view.dataset, view.datasets.loaded_request)
    view.runs_panel.set_continuable(problem is None, problem or "")


def _show_results(view: TrainView, run: Run | None) -> None:
    same = run is not None and run_setup.same_data(run, view.dataset, view.datasets.loaded_request)
    loaded = view.dataset if same else None
    view.results.show_run(run, loaded)
    if run is not None and loaded is not None and loaded.kind == "points":
        view.results.show_grid(boundary_grid(view.document, run, loaded))


def _show_banner(view: TrainView, run: Run | None) -> None:
    banner, pending = view.banner, view.coordinator.pending
    if run is None:
        banner.clear()
        banner.show_text(NO_RUNS, INFO)
        return
    diagnoses = advise(run, view.document.runs)  # told which one-click changes earlier runs tried
    said = " ".join(p for p in (run.result.message if run.result else "", view.shown.notes.get(run.id, "")) if p)
    banner.show_text(f"<b>{run.name}</b> — {run_title(run)}. {said}", level_of(run.status, diagnoses))
    banner.show_diagnoses(diagnoses, can_rerun=not view.coordinator.running)
    banner.show_pending(pending is not None and pending.run.id == run.id, pending is None or pending.network_changed)


def _show_comparison(view: TrainView, runs: list[Run]) -> None:
    view.banner.clear()
    best = max(runs, key=lambda r: r.test_acc if r.test_acc is not None else -1.0)
    view.banner.show_text(f"Comparing {len(runs)} runs, one colour each: the <b>Compare</b> tab lists what "
                          f"differs. Best test accuracy: <b>{best.name}</b>. Untick runs to see one in detail.", INFO)


def displayed_run_ids(view: TrainView) -> list[str]:
    """Ids of the runs the curves show now (the live one first while training)."""
    live, shown = view.live, view.shown
    compared = [i for i in view.runs_panel.checked_ids() if view.document.run(i) is not None]
    if live is not None:
        return [live.id] + compared
    focus = focus_run(view.document, shown.picked)
    if len(compared) >= 2:
        first = [focus.id] if shown.finished is not None and focus is not None else []
        return first + [i for i in compared if i not in first]
    return [focus.id] if focus is not None else []
