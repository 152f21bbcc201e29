"""The Train view: dataset, network fit and settings on the left; run controls, the banner
(outcome, curve doctor, keep-or-discard), the curves, the runs list and the results tabs
(compare, decision boundary, confusion matrix, mistakes) on the right.

A thin composition: every panel lives in its own module, and what they show is derived
from the document (its runs and adopted run) and the document's RunCoordinator (the live
run, started here or in the Draw view). Gestures become RunRequests for the coordinator
or undo commands (fit the network, rename or delete runs). The view never mutates the
graph and keeps no results of its own.
"""
from __future__ import annotations

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QApplication, QWidget

from engine.builder import BuildError
from engine.data import Dataset, dataset_info
from engine.fitting import FitReport, fit_report
from engine.graph import GraphError
from engine.preflight import MemoryEstimate
from engine.runs import Run, advise
from engine.serialize import ProjectError
from engine.training import TrainingError
from engine.training.status import has_weights, is_finished

from .. import theme
from ..document import Document
from ..jobs.adoption import Finish, LiveRun, run_title, status_title
from ..jobs.coordinator import RunCoordinator
from ..run_commands import SetNetwork, delete_runs, rename_run
from . import run_setup
from .control_bar import STOPPING, ControlBar
from .dataset_panel import DatasetPanel
from .fit import FitNetwork
from .live_view import LiveRunView
from .palette import run_color
from .plots import LivePlots, Overlay
from .readiness import Readiness
from .results_tabs import ResultTabs
from .run_banner import ERROR, INFO, RunBanner, level_of
from .run_menu import RunMenu
from .runs_panel import RunsPanel
from .settings_form import SettingsForm
from .style import apply_train_style
from .train_layout import lay_out
from .transfer_panel import TransferPanel
from .view_state import boundary_grid, focus_run, initial_settings


class TrainView(QWidget):
    build_view_requested = Signal()
    training_finished = Signal(object)  # RunOutcome, after the document took the run

    def __init__(self, document: Document, parent: QWidget | None = None,
                 settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("train_view")
        self.document = document
        settings = settings or getattr(parent, "settings", None)  # the main window's, when it has one
        self.settings = settings if isinstance(settings, QSettings) else QSettings()
        self.coordinator = RunCoordinator.of(document)
        self.runner = self.coordinator.runner
        self.datasets = DatasetPanel(self.settings)
        self.form = SettingsForm()
        self.control = ControlBar()
        self.banner = RunBanner()
        self.message = self.banner.message
        self.plots = LivePlots()
        self.runs_panel = RunsPanel()
        self.run_menu = RunMenu(self.runs_panel, document)  # right-click a run: use, continue, export, …
        self.results = ResultTabs()
        self.fit: FitReport | None = None
        self.estimate: MemoryEstimate | None = None
        self._focus: str | None = None
        self._rerun_base: Run | None = None
        self._remedying = False  # the doctor's network change is swapping the graph: same project, same settings
        self._notes: dict[str, str] = {}  # run id -> what happened when it finished, said once
        self._finished: str | None = None  # the run that just finished: its message wins over comparing
        self._stale = True
        self._make_fit_box()
        self.transfer = TransferPanel(self)  # start from, augmentation, learning-rate finder (issue 20)
        lay_out(self)
        apply_train_style(self)  # its plots and panels follow the theme themselves
        theme.follow(self, self.show_runs)  # the runs list and compare table hold run colours
        self._connect()
        self.live_view = LiveRunView(self)
        self._choose_initial_dataset()
        self.refresh()

    # -- construction -------------------------------------------------------------------
    def _make_fit_box(self) -> None:
        self.readiness = Readiness(self)
        self.fit_label, self.fit_button = self.readiness.fit_label, self.readiness.fit_button
        self.memory_label = self.readiness.memory_label

    def _connect(self) -> None:
        self.datasets.dataset_changed.connect(self._on_datasets_dataset_changed)
        self.form.changed.connect(self._refresh_start)
        self.readiness.fit_requested.connect(self._on_readiness_fit_requested)
        self.banner.link_activated.connect(self._on_banner_link_activated)
        self.banner.rerun_requested.connect(self.rerun_with_change)
        self.banner.remedy_requested.connect(self.rerun_with_network_change)
        self.banner.keep_requested.connect(self._on_banner_keep_requested)
        self.banner.discard_requested.connect(self.coordinator.discard_pending)
        self.control.start_requested.connect(self.start)
        self.control.pause_requested.connect(self.coordinator.pause)
        self.control.resume_requested.connect(self.coordinator.resume)
        self.control.stop_requested.connect(self.stop)
        self.runs_panel.checked_changed.connect(self._on_runs_checked_changed)
        self.runs_panel.focus_changed.connect(self._on_runs_focus_changed)
        self.runs_panel.rename_requested.connect(self._on_runs_rename_requested)
        self.runs_panel.delete_requested.connect(self._on_runs_delete_requested)
        self.runs_panel.rerun_requested.connect(self.prepare_rerun)
        self.runs_panel.continue_requested.connect(self.continue_training)
        self.coordinator.ended.connect(self._on_coordinator_ended)
        self.coordinator.finished.connect(self._on_coordinator_finished)
        self.coordinator.pending_changed.connect(self.show_runs)
        doc = self.document
        doc.analysis_changed.connect(self._on_document_changed)
        doc.weights_changed.connect(self._on_document_changed)
        doc.runs_changed.connect(self._on_document_runs_changed)
        doc.graph_replaced.connect(self._on_document_graph_replaced)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def _choose_initial_dataset(self) -> None:
        saved = self.settings.value("train/dataset")
        if saved:
            self.datasets.select(str(saved))
        self.results.set_kind(dataset_info(self.datasets.name).kind == "points")

    # -- following the document -------------------------------------------------------------
    @property
    def dataset(self) -> Dataset | None:
        return self.datasets.dataset

    @property
    def live(self) -> LiveRun | None:
        """The run training now, when it belongs to the open project."""
        live = self.coordinator.live
        return live if live is not None and live.generation == self.document.content_generation else None

    def _on_document_changed(self, *args) -> None:
        """Edits re-check the fit only when the view is seen (a hidden view refreshes when shown)."""
        self._stale = True
        if self.isVisible() or self.window() is self:  # a page of the main window waits until shown
            self.refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Re-check the fit and Start, and redraw the runs from the document."""
        self._stale = False
        self._refresh_start()
        self.show_runs()

    def _on_document_runs_changed(self) -> None:
        self.show_runs()

    def _on_document_graph_replaced(self) -> None:
        """Another project: its runs, and the settings and dataset of its adopted (or latest) run."""
        if self._remedying:
            self._on_document_changed()
            return
        self._focus, self._rerun_base, self._finished = None, None, None
        if not self.coordinator.running:
            self.control.reset()
            config, dataset = initial_settings(self.document)
            if config is not None:
                self.form.set_config(config)
            if dataset:
                self.datasets.select(dataset)
        self._on_document_changed()

    def show_runs(self) -> None:
        doc, live = self.document, self.live
        runs = list(doc.runs)
        checked = self.runs_panel.checked_ids()
        focus = focus_run(doc, self._focus)
        colors = {run_id: run_color(i) for i, run_id in enumerate(checked)}
        adopted = doc.adopted_run
        self.runs_panel.set_runs(runs, adopted.id if adopted else None, checked, colors,
                                 focus.id if focus else None, live.name if live else None)
        compared = [doc.run(i) for i in checked]
        self.plots.set_overlays([Overlay(r, r.name, colors[r.id]) for r in compared if live or len(compared) >= 2])
        self.results.compare.show_runs(compared, [r.name for r in compared], [colors[r.id] for r in compared])
        if live is not None:  # the running run is always drawn in full, compared runs beside it
            self.plots.set_detail_visible(True)
        else:
            overlaid = len(compared) >= 2 and self._finished is None
            self.plots.set_detail_visible(not overlaid)
            self.plots.show_run(None if overlaid else focus, max((r.epochs_run for r in compared), default=0))
            self._show_results(focus)
            if overlaid:
                self._show_comparison(compared)
            else:
                self._show_banner(focus)
        problem = run_setup.continue_problem(doc, self.coordinator.running, self.dataset, self.datasets.loaded_request)
        self.runs_panel.set_continuable(problem is None, problem or "")

    def _show_results(self, run: Run | None) -> None:
        loaded = self.dataset if run is not None and run_setup.same_data(run, self.dataset,
                                                                          self.datasets.loaded_request) else None
        self.results.show_run(run, loaded)
        if run is not None and loaded is not None and loaded.kind == "points":
            self.results.show_grid(boundary_grid(self.document, run, loaded))

    def _show_banner(self, run: Run | None) -> None:
        pending = self.coordinator.pending
        if run is None:
            self.banner.clear()
            self.banner.show_text("No runs yet in this project: load a dataset and press Start training. Each run "
                                  "stays with the project, so you can compare them later.", INFO)
            return
        diagnoses = advise(run, self.document.runs)  # told which one-click changes earlier runs tried
        said = " ".join(p for p in (run.result.message if run.result else "", self._notes.get(run.id, "")) if p)
        self.banner.show_text(f"<b>{run.name}</b> — {run_title(run)}. {said}",
                              level_of(run.status, diagnoses))
        self.banner.show_diagnoses(diagnoses, can_rerun=not self.coordinator.running)
        self.banner.show_pending(pending is not None and pending.run.id == run.id,
                                 pending is None or pending.network_changed)

    def _show_comparison(self, runs: list[Run]) -> None:
        self.banner.clear()
        best = max(runs, key=lambda r: r.test_acc if r.test_acc is not None else -1.0)
        self.banner.show_text(f"Comparing {len(runs)} runs, one colour each: the <b>Compare</b> tab lists what "
                              f"differs. Best test accuracy: <b>{best.name}</b>. Untick runs to see one in detail.",
                              INFO)

    def displayed_run_ids(self) -> list[str]:
        """Ids of the runs the curves show now (the live one first while training)."""
        live = self.live
        compared = [i for i in self.runs_panel.checked_ids() if self.document.run(i) is not None]
        if live is not None:
            return [live.id] + compared
        focus = focus_run(self.document, self._focus)
        if len(compared) >= 2:
            shown = [focus.id] if self._finished is not None and focus is not None else []
            return shown + [i for i in compared if i not in shown]
        return [focus.id] if focus is not None else []

    def _on_runs_focus_changed(self, run_id: str) -> None:
        self._focus, self._finished = run_id, None
        self.show_runs()

    def _on_runs_checked_changed(self) -> None:
        self._finished = None
        self.show_runs()

    def _on_runs_rename_requested(self, run_id: str, name: str) -> None:
        self.document.undo_stack.push(rename_run(self.document, run_id, name))

    def _on_runs_delete_requested(self, run_ids: list) -> None:
        self.document.undo_stack.push(delete_runs(self.document, list(run_ids)))

    # -- fit and readiness ----------------------------------------------------------------
    def _refresh_start(self) -> None:
        """Recheck the fit and whether Start can be pressed."""
        self.datasets.set_network_input(self.document.analysis.input_shape)
        config = self.form.config()
        self.fit = None
        if self.dataset is not None:
            self.fit = fit_report(self.document.graph, self.dataset, config.loss if config else "cross_entropy",
                                  dataset_info(self.dataset.name).title)
        self.readiness.show_fit(self.fit, dataset_info(self.dataset.name).title if self.dataset else None)
        self.estimate = run_setup.memory_estimate(self.document, config, self.dataset, self.fit)
        self.readiness.show_estimate(self.estimate)
        problem = self._start_problem()
        self.control.set_startable(problem is None, problem or "")

    def _start_problem(self) -> str | None:
        return run_setup.start_problem(self.coordinator.running, self.dataset, self.form.config(),
                                       self.form.problems(), self.fit, self.estimate)

    def _on_readiness_fit_requested(self) -> None:
        if self.fit is not None and self.fit.changes and self.dataset is not None:
            title = dataset_info(self.dataset.name).title
            self.document.undo_stack.push(FitNetwork(self.document, self.fit, title))

    def _on_datasets_dataset_changed(self, dataset: Dataset | None) -> None:
        points = (dataset.kind if dataset is not None else dataset_info(self.datasets.name).kind) == "points"
        self.results.set_kind(points)
        self.refresh()

    # -- running --------------------------------------------------------------------------
    def start(self) -> bool:
        """Start training with the form's settings; False (with the reason shown) if refused."""
        config = self.form.config()
        number = run_setup.next_run_number(self.document.runs)
        return self._start(run_setup.rerun_name(self._rerun_base, config, number) if config else "")

    def _start(self, name: str = "", parent: Run | None = None) -> bool:
        problem = self._start_problem()
        if problem is not None:
            self._show_error(problem)
            return False
        request = run_setup.request(self.dataset, self.form.config(), self.datasets.loaded_request, name, parent)
        request = self.transfer.adjust(request)  # "Start from: current weights" makes it a fine-tune
        try:
            self.coordinator.start(request)
        except BuildError as exc:
            self._show_error(f"The network cannot be built: {exc}. Fix it in the <a href='build'>Build view</a>.")
            return False
        except TrainingError as exc:
            self._show_error(f"Training cannot start: {exc}.")
            return False
        self._rerun_base = None
        return True

    def continue_training(self) -> bool:
        """Train the adopted run's weights further for the form's epochs; its curves carry on."""
        problem = run_setup.continue_problem(self.document, self.coordinator.running, self.dataset,
                                             self.datasets.loaded_request)
        if problem is not None:
            self._show_error(problem)
            return False
        return self._start(parent=self.document.adopted_run)

    def prepare_rerun(self, run_id: str) -> None:
        """Put a run's settings (and dataset) in the form; the next Start is named after the change."""
        run = self.document.run(run_id)
        if run is None:
            return
        self._rerun_base = run
        self.form.set_config(run.config)
        if run.dataset and run.dataset != self.datasets.name:
            self.datasets.select(run.dataset)
        self.banner.show_text(f"The settings of <b>{run.name}</b> are in the form: change one (the learning rate, "
                              "the optimizer, the batch size…) and press Start training to compare.", INFO)

    def rerun_with_change(self, change: dict) -> bool:
        """The doctor's one click: the shown run's settings with `change`, started at once."""
        base = focus_run(self.document, self._focus)
        return base is not None and self._rerun(base, change)

    def rerun_with_network_change(self, kind: str, change: dict) -> bool:
        """The doctor's one click for a network remedy: the network the shown run trained, changed by `kind`
        (engine.training.network_remedy), becomes the project's network in one undo step; then the run's
        settings with `change` start at once."""
        base = focus_run(self.document, self._focus)
        if base is None or not self._same_data_or_ask(base):
            return False
        try:
            graph = run_setup.remedied_network(base, kind)
        except (ProjectError, GraphError, KeyError) as exc:
            self._show_error(f"The network of {base.name} cannot be changed: {exc}")
            return False
        text = run_setup.remedy_title(kind)
        self._remedying = True
        try:
            self.document.undo_stack.push(SetNetwork(self.document, graph, text))
        finally:
            self._remedying = False
        number = run_setup.next_run_number(self.document.runs)
        return self._rerun(base, change, f"Run {number}: {text}")  # named once, by its own number and its change

    def _rerun(self, base: Run, change: dict, name: str = "") -> bool:
        self._focus = base.id
        self.form.set_config(run_setup.changed_config(base, change))
        self._rerun_base = base
        if not self._same_data_or_ask(base):
            return False
        return self._start(name) if name else self.start()

    def _same_data_or_ask(self, base: Run) -> bool:
        if run_setup.same_data(base, self.dataset, self.datasets.loaded_request):
            return True
        self.datasets.select(base.dataset)
        self._show_error(f"Load {base.dataset} and press Start training to re-run {base.name} with the change.")
        return False

    def stop(self) -> None:
        if self.coordinator.running:
            self.coordinator.stop()
            self.control.set_state(STOPPING)

    def set_editable(self, editable: bool) -> None:
        self.datasets.set_editable(editable)
        self.form.set_editable(editable)
        self.fit_button.setEnabled(editable)
        self._refresh_start()

    def _on_coordinator_ended(self, record) -> None:
        """Training is over: say so now; the test pass and the record follow (`finished`)."""
        self.control.ended(status_title(record.status), has_weights(record.status))
        self.control.repaint()  # seen at once, before the window waits for the outcome

    def _on_coordinator_finished(self, finish: Finish) -> None:
        self.plots.flush()
        status = finish.outcome.finished.status
        title = run_title(finish.run) if finish.run is not None else status_title(status)
        self.control.finish(title, is_finished(status))
        if finish.run is not None:  # said once, after the run's own message
            self._notes[finish.run.id] = finish.text.removeprefix(finish.outcome.finished.message).strip()
            self._focus = self._finished = finish.run.id
        self.set_editable(True)
        self.show_runs()
        if finish.run is None:
            self._show_error(finish.text)
        self.training_finished.emit(finish.outcome)

    def _on_banner_keep_requested(self) -> None:
        pending = self.coordinator.pending
        if pending is not None and self.coordinator.keep_pending():
            self._notes[pending.run.id] = ("The network it trained is back, with its weights; Undo brings your "
                                           "edits back." if pending.network_changed else
                                           "Its weights are now the project's; Undo brings the previous ones back.")
            self._focus = pending.run.id
            self.show_runs()

    def _show_error(self, text: str) -> None:
        self.banner.show_diagnoses([])
        self.banner.show_pending(False)
        self.banner.show_text(text, ERROR)

    def _on_banner_link_activated(self, link: str) -> None:
        if link == "build":
            self.build_view_requested.emit()

    # -- closing --------------------------------------------------------------------------
    def running_job(self) -> str | None:
        """For the window's close question: what closing would stop, or None."""
        if self.coordinator.running:
            return "Training is still running: closing stops it and keeps the weights trained so far."
        return None

    def shutdown(self) -> None:
        """Stop training and loading and wait for their threads (safe to call twice)."""
        self.coordinator.shutdown()
        self.datasets.shutdown()
        self.transfer.lr_finder.shutdown()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)
