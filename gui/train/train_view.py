"""The Train view: dataset, network fit and settings on the left; run controls, the banner
(outcome, curve doctor, keep-or-discard), the curves, the runs list and the results tabs
(compare, decision boundary, confusion matrix, mistakes) on the right.

A thin composition: every panel lives in its own module; what the runs look like is
gui.train.runs_display, the run gestures (start, continue, re-run, stop, keep) are
gui.train.run_actions, the live run is gui.train.live_view. All of it is derived from the
document (its runs and adopted run) and the document's RunCoordinator (the live run, started
here or in the Draw view). The view never mutates the graph and keeps no results of its own.
"""
from __future__ import annotations

from typing import Iterator

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QApplication, QWidget

from engine.data import Dataset, dataset_info
from engine.fitting import FitReport, fit_report
from engine.preflight import MemoryEstimate

from .. import theme
from ..document import Document
from ..jobs.adoption import LiveRun
from ..jobs.coordinator import RunCoordinator
from ..run_commands import delete_runs, rename_run
from . import run_setup, runs_display
from .control_bar import ControlBar
from .dataset_panel import DatasetPanel
from .fit import FitNetwork
from .live_view import LiveRunView
from .palette import make_plots
from .plots import LivePlots
from .readiness import Readiness
from .results_tabs import ResultTabs
from .run_actions import RunActions
from .run_banner import ERROR, RunBanner
from .run_menu import RunMenu
from .runs_panel import RunsPanel
from .settings_form import SettingsForm
from .style import apply_train_style
from .train_layout import lay_out
from .transfer_panel import TransferPanel
from .view_state import RunFocus, fitting_dataset, initial_settings


class TrainView(QWidget):
    build_view_requested = Signal()
    training_finished = Signal(object)  # RunOutcome, after the document took the run

    def __init__(self, document: Document, parent: QWidget | None = None,
                 settings: QSettings | None = None, *, staged: bool = False) -> None:
        """`staged`: made a slice at a time by `build_step()` (the window's switcher runs one slice per
        event-loop turn, so opening the view never holds the window long); otherwise made at once."""
        super().__init__(parent)
        self.setObjectName("train_view")
        self.document = document
        settings = settings or getattr(parent, "settings", None)  # the main window's, when it has one
        self.settings = settings if isinstance(settings, QSettings) else QSettings()
        self.coordinator = RunCoordinator.of(document)
        self.runner = self.coordinator.runner
        self._stale = True
        self._pick_dataset = False  # a project that names no dataset gets one its network takes
        self._building: Iterator[None] | None = self._build()
        if not staged:
            self.finish_building()

    # -- construction -------------------------------------------------------------------
    def _build(self) -> Iterator[None]:
        """The making, in slices of a few tens of milliseconds each (the curves' plots are one)."""
        self.datasets = DatasetPanel(self.settings)
        self.form = SettingsForm()
        self.control = ControlBar()
        self.banner = RunBanner()
        self.message = self.banner.message
        yield
        plots = []
        for plot in make_plots():  # the curves' four plots, two per slice
            plots.append(plot)
            if len(plots) % 2 == 0:
                yield
        self.plots = LivePlots(plots=tuple(plots))
        yield
        self.runs_panel = RunsPanel()
        self.run_menu = RunMenu(self.runs_panel, self.document)  # right-click a run: use, continue, export, …
        self.results = ResultTabs()
        self.fit: FitReport | None = None
        self.estimate: MemoryEstimate | None = None
        self.shown = RunFocus()
        self.readiness = Readiness(self)
        self.fit_label, self.fit_button = self.readiness.fit_label, self.readiness.fit_button
        self.memory_label = self.readiness.memory_label
        self.transfer = TransferPanel(self)  # start from, augmentation, learning-rate finder (issue 20)
        yield
        lay_out(self)
        apply_train_style(self)  # its plots and panels follow the theme themselves
        theme.follow(self, self.show_runs)  # the runs list and compare table hold run colours
        yield
        self.run_actions = RunActions(self)
        self._connect()
        self.live_view = LiveRunView(self)
        self._choose_initial_dataset()
        self.refresh()

    def build_step(self) -> bool:
        """Make the next slice of the view; False once it is complete."""
        if self._building is not None and next(self._building, StopIteration) is not StopIteration:
            return True
        self._building = None
        return False

    def finish_building(self) -> None:
        while self.build_step():
            pass

    def _connect(self) -> None:
        self.datasets.dataset_changed.connect(self._on_datasets_dataset_changed)
        self.form.changed.connect(self._refresh_start)
        self.readiness.fit_requested.connect(self._on_readiness_fit_requested)
        self.banner.link_activated.connect(self._on_banner_link_activated)
        self.banner.rerun_requested.connect(self.run_actions.rerun_with_change)
        self.banner.remedy_requested.connect(self.run_actions.rerun_with_network_change)
        self.banner.keep_requested.connect(self.run_actions.keep_pending)
        self.banner.discard_requested.connect(self.coordinator.discard_pending)
        self.control.start_requested.connect(self.start)
        self.control.pause_requested.connect(self.coordinator.pause)
        self.control.resume_requested.connect(self.coordinator.resume)
        self.control.stop_requested.connect(self.stop)
        self.runs_panel.checked_changed.connect(self._on_runs_checked_changed)
        self.runs_panel.focus_changed.connect(self._on_runs_focus_changed)
        self.runs_panel.rename_requested.connect(self._on_runs_rename_requested)
        self.runs_panel.delete_requested.connect(self._on_runs_delete_requested)
        self.runs_panel.rerun_requested.connect(self.run_actions.prepare_rerun)
        self.runs_panel.continue_requested.connect(self.continue_training)
        self.coordinator.pending_changed.connect(self.show_runs)
        doc = self.document
        doc.analysis_changed.connect(self._on_document_changed)
        doc.weights_changed.connect(self._on_document_changed)
        doc.runs_changed.connect(self.show_runs)
        doc.graph_replaced.connect(self._on_document_graph_replaced)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def _choose_initial_dataset(self) -> None:
        """The open project's settings and dataset (its adopted or latest run's: the view may be made
        after the project was opened), else the dataset used last."""
        config, dataset = initial_settings(self.document)
        if config is not None:
            self.form.set_config(config)
        saved = dataset or self.settings.value("train/dataset")
        if saved:
            self.datasets.select(str(saved))
        self._pick_dataset = not dataset
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
        if self.document.replacing:  # another project: redrawn once, at its analysis_changed
            return
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

    def _on_document_graph_replaced(self) -> None:
        """Another project: its runs, and the settings and dataset of its adopted (or latest) run."""
        if self.run_actions.remedying:
            self._on_document_changed()
            return
        self.shown.pick(None)
        self.run_actions.rerun_base = None
        if not self.coordinator.running:
            self.control.reset()
            config, dataset = initial_settings(self.document)
            if config is not None:
                self.form.set_config(config)
            self._pick_dataset = not dataset
            if dataset:
                self.datasets.select(dataset)
        self._on_document_changed()

    def show_runs(self) -> None:
        if self.document.replacing:  # another project: redrawn once, at its analysis_changed
            self._stale = True
            return
        runs_display.show_runs(self)

    def displayed_run_ids(self) -> list[str]:
        """Ids of the runs the curves show now (the live one first while training)."""
        return runs_display.displayed_run_ids(self)

    def _on_runs_focus_changed(self, run_id: str) -> None:
        self.shown.pick(run_id)
        self.show_runs()

    def _on_runs_checked_changed(self) -> None:
        self.shown.finished = None
        self.show_runs()

    def _on_runs_rename_requested(self, run_id: str, name: str) -> None:
        self.document.undo_stack.push(rename_run(self.document, run_id, name))

    def _on_runs_delete_requested(self, run_ids: list) -> None:
        self.document.undo_stack.push(delete_runs(self.document, list(run_ids)))

    # -- fit and readiness ----------------------------------------------------------------
    def _refresh_start(self) -> None:
        """Recheck the fit and whether Start can be pressed."""
        if self._pick_dataset and self.document.analysis_current:  # the new network's own analysis
            self._pick_dataset = False
            fitting = fitting_dataset(self.document, self.datasets.name)
            if fitting:
                self.datasets.select(fitting)
        self.datasets.set_network_input(self.document.analysis.input_shape)
        config = self.form.config()
        self.fit = None
        title = dataset_info(self.dataset.name).title if self.dataset is not None else None
        if self.dataset is not None:
            self.fit = fit_report(self.document.graph, self.dataset, config.loss if config else "cross_entropy", title)
        self.readiness.show_fit(self.fit, title)
        self.estimate = run_setup.memory_estimate(self.document, config, self.dataset, self.fit)
        self.readiness.show_estimate(self.estimate)
        problem = self.start_problem()
        self.control.set_startable(problem is None, problem or "")

    def start_problem(self) -> str | None:
        """Why Start cannot be pressed now, or None."""
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

    # -- running (gui.train.run_actions) ----------------------------------------------------
    def start(self) -> bool:
        """Start training with the form's settings; False (with the reason shown) if refused."""
        return self.run_actions.start()

    def continue_training(self) -> bool:
        """Train the adopted run's weights further for the form's epochs; its curves carry on."""
        return self.run_actions.continue_training()

    def stop(self) -> None:
        self.run_actions.stop()

    def set_editable(self, editable: bool) -> None:
        self.datasets.set_editable(editable)
        self.form.set_editable(editable)
        self.fit_button.setEnabled(editable)
        self._refresh_start()

    def show_error(self, text: str) -> None:
        self.banner.show_diagnoses([])
        self.banner.show_pending(False)
        self.banner.show_text(text, ERROR)

    def _on_banner_link_activated(self, link: str) -> None:
        if link == "build":
            self.build_view_requested.emit()

    # -- the window's view protocol (gui.views) -----------------------------------------------
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
