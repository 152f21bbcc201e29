"""The Train view's run gestures: start (named after what changed since the run it re-runs),
continue the adopted run, the doctor's one-click re-runs (settings, or a network remedy in one
undo step), stop, keep a run trained on an edited network, and what the view says when the
coordinator reports the end of a run.

Every run goes through the document's RunCoordinator as a RunRequest (gui.train.run_setup
makes it); the graph changes only through undo commands. Must not import the rest of the view.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from engine.builder import BuildError
from engine.graph import GraphError
from engine.runs import Run
from engine.serialize import ProjectError
from engine.training import TrainingError
from engine.training.status import has_weights, is_finished

from ..jobs.adoption import Finish, run_title, status_title
from ..run_commands import SetNetwork
from . import run_setup
from .control_bar import STOPPING
from .run_banner import INFO
from .view_state import focus_run

if TYPE_CHECKING:
    from .train_view import TrainView


class RunActions(QObject):
    def __init__(self, view: TrainView) -> None:
        super().__init__(view)
        self.view = view
        self.rerun_base: Run | None = None  # the run whose settings the form holds: the next Start is named after it
        self.remedying = False  # the doctor's network change is swapping the graph: same project, same settings
        c = view.coordinator
        c.ended.connect(self._on_coordinator_ended)
        c.finished.connect(self._on_coordinator_finished)

    def start(self) -> bool:
        """Start training with the form's settings; False (with the reason shown) if refused."""
        config = self.view.form.config()
        number = run_setup.next_run_number(self.view.document.runs)
        return self.start_named(run_setup.rerun_name(self.rerun_base, config, number) if config else "")

    def start_named(self, name: str = "", parent: Run | None = None) -> bool:
        view = self.view
        problem = view.start_problem()
        if problem is not None:
            view.show_error(problem)
            return False
        request = run_setup.request(view.dataset, view.form.config(), view.datasets.loaded_request, name, parent)
        request = view.transfer.adjust(request)  # "Start from: current weights" makes it a fine-tune
        try:
            view.coordinator.start(request)
        except BuildError as exc:
            view.show_error(f"The network cannot be built: {exc}. Fix it in the <a href='build'>Build view</a>.")
            return False
        except TrainingError as exc:
            view.show_error(f"Training cannot start: {exc}.")
            return False
        self.rerun_base = None
        return True

    def continue_training(self) -> bool:
        """Train the adopted run's weights further for the form's epochs; its curves carry on."""
        view = self.view
        problem = run_setup.continue_problem(view.document, view.coordinator.running, view.dataset,
                                             view.datasets.loaded_request)
        if problem is not None:
            view.show_error(problem)
            return False
        return self.start_named(parent=view.document.adopted_run)

    def prepare_rerun(self, run_id: str) -> None:
        """Put a run's settings (and dataset) in the form; the next Start is named after the change."""
        view = self.view
        run = view.document.run(run_id)
        if run is None:
            return
        self.rerun_base = run
        view.form.set_config(run.config)
        if run.dataset and run.dataset != view.datasets.name:
            view.datasets.select(run.dataset)
        view.banner.show_text(f"The settings of <b>{run.name}</b> are in the form: change one (the learning rate, "
                              "the optimizer, the batch size…) and press Start training to compare.", INFO)

    def rerun_with_change(self, change: dict) -> bool:
        """The doctor's one click: the shown run's settings with `change`, started at once."""
        base = focus_run(self.view.document, self.view.shown.picked)
        return base is not None and self._rerun(base, change)

    def rerun_with_network_change(self, kind: str, change: dict) -> bool:
        """The doctor's one click for a network remedy: the network the shown run trained, changed by `kind`
        (engine.training.network_remedy), becomes the project's network in one undo step; then the run's
        settings with `change` start at once."""
        view = self.view
        base = focus_run(view.document, view.shown.picked)
        if base is None or not self._same_data_or_ask(base):
            return False
        try:
            graph = run_setup.remedied_network(base, kind)
        except (ProjectError, GraphError, KeyError) as exc:
            view.show_error(f"The network of {base.name} cannot be changed: {exc}")
            return False
        text = run_setup.remedy_title(kind)
        self.remedying = True
        try:
            view.document.undo_stack.push(SetNetwork(view.document, graph, text))
        finally:
            self.remedying = False
        number = run_setup.next_run_number(view.document.runs)
        return self._rerun(base, change, f"Run {number}: {text}")  # named once, by its own number and its change

    def _rerun(self, base: Run, change: dict, name: str = "") -> bool:
        self.view.shown.picked = base.id
        self.view.form.set_config(run_setup.changed_config(base, change))
        self.rerun_base = base
        if not self._same_data_or_ask(base):
            return False
        return self.start_named(name) if name else self.start()

    def _same_data_or_ask(self, base: Run) -> bool:
        view = self.view
        if run_setup.same_data(base, view.dataset, view.datasets.loaded_request):
            return True
        view.datasets.select(base.dataset)
        view.show_error(f"Load {base.dataset} and press Start training to re-run {base.name} with the change.")
        return False

    def stop(self) -> None:
        if self.view.coordinator.running:
            self.view.coordinator.stop()
            self.view.control.set_state(STOPPING)

    def keep_pending(self) -> None:
        """Keep the run trained on a network that was edited meanwhile (its network and weights come back)."""
        view = self.view
        pending = view.coordinator.pending
        if pending is not None and view.coordinator.keep_pending():
            view.shown.notes[pending.run.id] = (
                "The network it trained is back, with its weights; Undo brings your edits back."
                if pending.network_changed else
                "Its weights are now the project's; Undo brings the previous ones back.")
            view.shown.picked = pending.run.id
            view.show_runs()

    def _on_coordinator_ended(self, record) -> None:
        """Training is over: say so now; the test pass and the record follow (`finished`)."""
        self.view.control.ended(status_title(record.status), has_weights(record.status))
        self.view.control.repaint()  # seen at once, before the window waits for the outcome

    def _on_coordinator_finished(self, finish: Finish) -> None:
        view = self.view
        view.plots.flush()
        status = finish.outcome.finished.status
        title = run_title(finish.run) if finish.run is not None else status_title(status)
        view.control.finish(title, is_finished(status))
        if finish.run is not None:  # said once, after the run's own message
            view.shown.notes[finish.run.id] = finish.text.removeprefix(finish.outcome.finished.message).strip()
            view.shown.picked = view.shown.finished = finish.run.id
        view.set_editable(True)
        view.show_runs()
        if finish.run is None:
            view.show_error(finish.text)
        view.training_finished.emit(finish.outcome)
