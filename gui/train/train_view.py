"""The Train view: dataset and settings on the left; run controls, live curves and the
results (decision boundary, confusion matrix, mistakes) on the right.

Gestures become requests to the `TrainRunner` (which trains on a worker thread) or undo
commands on the document (fitting the network, adopting trained weights with
`TrainingResult`). The view never mutates the graph itself and holds no network logic.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, Signal
from PySide6.QtWidgets import (QApplication, QFrame, QLabel, QMessageBox, QPushButton, QScrollArea, QSplitter,
                               QTabWidget, QVBoxLayout, QWidget)

from engine.builder import BuildError, build_module
from engine.data import Dataset, dataset_info
from engine.fitting import FitReport, fit_report
from engine.training import DecisionGrid, EpochRecord, TrainConfig, TrainingError, steps_per_epoch
from engine.training.checks import val_count

from ..document import Document
from ..jobs.adoption import FAILED, RunInfo, adopt, result_text, status_title
from ..jobs.runner import TrainRunner
from ..jobs.worker import RunOutcome
from .control_bar import PAUSED, RUNNING, STOPPING, ControlBar
from .dataset_panel import DatasetPanel
from .fit import FitNetwork
from .gradflow import GradientFlowView
from .plots import LivePlots
from .results import BoundaryPlot, ConfusionTableModel, MistakesView, Placeholder, confusion_view
from .settings_form import SettingsForm
from .style import train_stylesheet

def _section(title: str) -> QLabel:
    return QLabel(title.upper(), objectName="section_title")


class TrainView(QWidget):
    build_view_requested = Signal()
    training_finished = Signal(object)  # RunOutcome, after the document took its weights

    def __init__(self, document: Document, parent: QWidget | None = None,
                 settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("train_view")
        self.document = document
        settings = settings or getattr(parent, "settings", None)  # the main window's, when it has one
        self.settings = settings if isinstance(settings, QSettings) else QSettings()
        self.runner = TrainRunner(self)
        self.datasets = DatasetPanel(self.settings)
        self.form = SettingsForm()
        self.control = ControlBar()
        self.plots = LivePlots()
        self.fit: FitReport | None = None
        self._run: RunInfo | None = None
        self._make_results()
        self._make_fit_box()
        self._make_message()
        self._layout()
        self.setStyleSheet(train_stylesheet())
        self._connect()
        self._choose_initial_dataset()
        self._refresh()

    # -- construction -------------------------------------------------------------------
    def _make_results(self) -> None:
        self.boundary = BoundaryPlot()
        self.confusion_model = ConfusionTableModel(self)
        self.confusion = confusion_view(self.confusion_model)
        self.mistakes = MistakesView()
        self.results = QTabWidget(objectName="results_tabs")
        self.results.setDocumentMode(True)
        self.confusion_page = Placeholder(self.confusion, "After training, the confusion matrix of the test "
                                                          "set appears here: true classes down, predictions across.")
        self.mistakes_page = Placeholder(self.mistakes, "After training, the test images the network got wrong "
                                                        "appear here.")
        self.results.addTab(self.boundary, "Decision boundary")
        self.results.addTab(self.confusion_page, "Confusion matrix")
        self.results.addTab(self.mistakes_page, "Mistakes")
        self.gradflow = GradientFlowView()  # per-layer gradient norms over the run (gradflow)
        self.results.addTab(self.gradflow, "Gradient flow")

    def _make_fit_box(self) -> None:
        self.fit_label = QLabel(objectName="fit_ok", wordWrap=True)
        self.fit_button = QPushButton("Fit network to dataset", objectName="fit_button")
        self.fit_button.setToolTip("Set the input shape and the last linear layer's outputs to match the data "
                                   "(one undoable step)")
        self.fit_button.hide()

    def _make_message(self) -> None:
        self.message = QLabel(objectName="result_box", wordWrap=True)
        self.message.setTextInteractionFlags(Qt.TextSelectableByMouse | Qt.LinksAccessibleByMouse)
        self.message.hide()

    def _left_panel(self) -> QWidget:
        page = QWidget(objectName="train_settings_page")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(14, 4, 14, 14)
        layout.setSpacing(6)
        layout.addWidget(_section("Dataset"))
        layout.addWidget(self.datasets)
        layout.addWidget(_section("Network"))
        layout.addWidget(self.fit_label)
        layout.addWidget(self.fit_button, 0, Qt.AlignLeft)
        layout.addWidget(_section("Settings"))
        layout.addWidget(self.form)
        layout.addStretch(1)
        scroll = QScrollArea(objectName="train_settings")
        scroll.setWidget(page)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(330)
        return scroll

    def _right_panel(self) -> QWidget:
        panel = QWidget(objectName="train_run_panel")
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(14, 12, 14, 10)
        layout.setSpacing(10)
        layout.addWidget(self.control)
        layout.addWidget(self.message)
        self.run_splitter = QSplitter(Qt.Vertical, objectName="train_run_splitter")
        self.run_splitter.addWidget(self.plots)
        self.run_splitter.addWidget(self.results)
        self.run_splitter.setStretchFactor(0, 3)
        self.run_splitter.setStretchFactor(1, 2)
        self.run_splitter.setSizes([480, 300])
        self.run_splitter.setChildrenCollapsible(False)
        layout.addWidget(self.run_splitter, 1)
        return panel

    def _layout(self) -> None:
        self.splitter = QSplitter(Qt.Horizontal, objectName="train_splitter")
        self.splitter.addWidget(self._left_panel())
        self.splitter.addWidget(self._right_panel())
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([360, 1040])
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

    def _connect(self) -> None:
        self.datasets.dataset_changed.connect(self._on_datasets_dataset_changed)
        self.form.changed.connect(self._refresh)
        self.fit_button.clicked.connect(self._on_fit_button_clicked)
        self.message.linkActivated.connect(self._on_message_link_activated)
        self.control.start_requested.connect(self.start)
        self.control.pause_requested.connect(self.runner.pause)
        self.control.resume_requested.connect(self.runner.resume)
        self.control.stop_requested.connect(self.stop)
        self.runner.pause_changed.connect(self._on_runner_pause_changed)
        self.runner.steps_logged.connect(self._on_runner_steps_logged)
        self.runner.epoch_ended.connect(self._on_runner_epoch_ended)
        self.runner.grid_computed.connect(self._on_runner_grid_computed)
        self.runner.gradients_recorded.connect(self.gradflow.add_record)
        self.document.weights_changed.connect(self._on_document_weights_changed)
        self.runner.run_finished.connect(self._on_runner_run_finished)
        self.document.analysis_changed.connect(self._on_document_analysis_changed)
        self.document.graph_replaced.connect(self._on_document_graph_replaced)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def _choose_initial_dataset(self) -> None:
        saved = self.settings.value("train/dataset")
        if saved:
            self.datasets.select(str(saved))
        self._show_result_tabs(None)

    # -- fit and readiness ----------------------------------------------------------------
    @property
    def dataset(self) -> Dataset | None:
        return self.datasets.dataset

    def _refresh(self) -> None:
        """Recheck the fit and whether Start can be pressed."""
        self.datasets.set_network_input(self.document.analysis.input_shape)
        config = self.form.config()
        self.fit = None
        if self.dataset is not None:
            self.fit = fit_report(self.document.graph, self.dataset, config.loss if config else "cross_entropy",
                                  dataset_info(self.dataset.name).title)
        self._show_fit()
        problem = self._start_problem()
        self.control.set_startable(problem is None, problem or "")

    def _show_fit(self) -> None:
        if self.fit is None:
            self.fit_label.setText("Load a dataset to check that the network fits it.")
            self.fit_label.setObjectName("muted")
        else:
            self.fit_label.setText(("✓ " if self.fit.ok else "") + self.fit.message)
            self.fit_label.setObjectName("fit_ok" if self.fit.ok else "error_box")
        self.fit_label.style().unpolish(self.fit_label)
        self.fit_label.style().polish(self.fit_label)
        offer = self.fit is not None and not self.fit.ok and bool(self.fit.changes)
        self.fit_button.setVisible(offer)
        if offer:
            self.fit_button.setText(f"Fit network to {dataset_info(self.dataset.name).title}")

    def _start_problem(self) -> str | None:
        if self.runner.running:
            return "Training is running"
        if self.dataset is None:
            return "Load a dataset first"
        if self.form.config() is None:
            return "Fix the settings first: " + (self.form.problems() or ["?"])[0]
        if self.fit is not None and not self.fit.ok:
            return self.fit.message
        return None

    def _on_fit_button_clicked(self) -> None:
        if self.fit is not None and self.fit.changes and self.dataset is not None:
            title = dataset_info(self.dataset.name).title
            self.document.undo_stack.push(FitNetwork(self.document, self.fit, title))

    def _on_datasets_dataset_changed(self, dataset: Dataset | None) -> None:
        self.boundary.show_dataset(dataset)
        self._show_result_tabs(dataset)
        self._refresh()

    def _show_result_tabs(self, dataset: Dataset | None) -> None:
        points = (dataset.kind if dataset is not None else dataset_info(self.datasets.name).kind) == "points"
        self.results.setTabVisible(0, points)
        self.results.setTabVisible(2, not points)
        self.results.setCurrentIndex(0 if points else 1)

    def _on_document_analysis_changed(self, analysis) -> None:
        self._refresh()

    def _on_document_weights_changed(self) -> None:
        if self._run is None:  # a run draws its own, live
            self.gradflow.set_history(self.document.training)

    def _on_document_graph_replaced(self) -> None:
        """Another network: take its saved settings and dataset (not while a run uses the current ones)."""
        if self._run is not None:
            self._run.replaced = True
            return
        self.gradflow.set_history(self.document.training)
        training = self.document.training or {}
        if isinstance(training.get("config"), dict):
            try:
                self.form.set_config(TrainConfig.from_dict(training["config"]))
            except TrainingError:
                pass  # damaged settings in a file: keep the form as it is
        wanted = (self.document.meta or {}).get("dataset")
        if wanted:
            self.datasets.select(str(wanted))

    # -- running --------------------------------------------------------------------------
    def start(self) -> bool:
        """Start training with the form's settings; False (with the reason shown) if refused."""
        problem = self._start_problem()
        if problem is not None:
            self._show_message(problem, error=True)
            return False
        config, dataset = self.form.config(), self.dataset
        try:
            module = build_module(self.document.graph)
            self.runner.start(module, dataset, config)
        except BuildError as exc:
            self._show_message(f"The network cannot be built: {exc}. Fix it in the "
                               f"<a href='build'>Build view</a>.", error=True)
            return False
        except TrainingError as exc:
            self._show_message(f"Training cannot start: {exc}.", error=True)
            return False
        self._begin_run(dataset, config)
        return True

    def _begin_run(self, dataset: Dataset, config: TrainConfig) -> None:
        graph = self.document.graph
        self._run = RunInfo(dataset, config, graph, graph.revision)
        n_train = dataset.num_train - val_count(dataset.num_train, config.val_split)
        self.plots.begin_run(config.epochs)
        self.gradflow.clear()
        self.control.begin(steps_per_epoch(n_train, config.batch_size) * config.epochs, config.epochs)
        self.control.set_state(RUNNING)
        self.message.hide()
        self.confusion_page.set_ready(False)
        self.mistakes_page.set_ready(False)
        self.mistakes.clear()
        self.boundary.show_dataset(dataset)
        self._set_editable(False)

    def stop(self) -> None:
        if self.runner.running:
            self.runner.stop()
            self.control.set_state(STOPPING)

    def _set_editable(self, editable: bool) -> None:
        self.datasets.set_editable(editable)
        self.form.set_editable(editable)
        self.fit_button.setEnabled(editable)
        self._refresh()

    def _on_runner_pause_changed(self, paused: bool) -> None:
        if not paused:
            self.control.resumed()
        self.control.set_state(PAUSED if paused else RUNNING)

    def _on_runner_steps_logged(self, records: tuple) -> None:
        if self._run is None:
            return
        self.plots.add_steps(records, self._run.config.epochs)
        self.control.show_step(records[-1])

    def _on_runner_epoch_ended(self, record: EpochRecord) -> None:
        self.plots.add_epoch(record)

    def _on_runner_grid_computed(self, grid: DecisionGrid) -> None:
        self.boundary.show_grid(grid)

    def _on_runner_run_finished(self, outcome: RunOutcome) -> None:
        run, self._run = self._run, None
        self.plots.flush()
        finished = outcome.finished
        adopted = adopt(self.document, outcome, run)
        if outcome.evaluation is not None:
            self._show_evaluation(run.dataset, outcome)
        self.control.finish(status_title(finished.status), finished.status in ("completed", "early_stopped"))
        self._show_message(result_text(self.document, outcome, run, adopted), error=finished.status in FAILED)
        self._set_editable(True)
        self.training_finished.emit(outcome)

    def _show_evaluation(self, dataset: Dataset, outcome: RunOutcome) -> None:
        evaluation = outcome.evaluation
        self.confusion_model.set_matrix(evaluation.confusion, dataset.class_names)
        right, total = int(evaluation.confusion.trace()), int(evaluation.confusion.sum())
        self.confusion_page.set_ready(True, f"Test set: {right:,} of {total:,} right ({evaluation.accuracy:.1%}). "
                                            "Rows are the true class, columns the network's answer.")
        if dataset.kind == "points":
            self.boundary.show_mistakes(dataset, evaluation)
            return
        self.mistakes.show_mistakes(dataset, evaluation)
        wrong = len(evaluation.misclassified)
        shown = f" (the first {self.mistakes.count()})" if self.mistakes.count() < wrong else ""
        self.mistakes_page.set_ready(True, f"{wrong:,} test images the network got wrong{shown}, "
                                           "labelled true → predicted.")

    def _show_message(self, text: str, error: bool) -> None:
        self.message.setText(text)
        self.message.setObjectName("error_box" if error else "result_box")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.show()

    def _on_message_link_activated(self, link: str) -> None:
        if link == "build":
            self.build_view_requested.emit()

    # -- closing --------------------------------------------------------------------------
    def guard_close(self, window: QWidget) -> None:
        """Ask before `window` closes mid-training, then stop the run cleanly (weights kept)."""
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Close and watched.isWidgetType() and watched.isWindow():
            if self.runner.running and not self._confirm_stop_for_close():
                event.ignore()
                return True
            self.shutdown()
        return False

    def _confirm_stop_for_close(self) -> bool:
        answer = QMessageBox.question(
            self, "Training is running",
            "Training is still running. Stop it and close? The weights trained so far are kept.",
            QMessageBox.Yes | QMessageBox.Cancel, QMessageBox.Cancel)
        return answer == QMessageBox.Yes

    def running_job(self) -> str | None:
        """For the window's close question: what closing would stop, or None."""
        if self.runner.running:
            return "Training is still running: closing stops it and keeps the weights trained so far."
        return None

    def shutdown(self) -> None:
        """Stop training and loading and wait for their threads (safe to call twice)."""
        self.runner.shutdown()
        self.datasets.shutdown()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)

