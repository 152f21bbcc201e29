"""The Train view's transfer-learning section: where a run starts from (the project's current
weights, a fine-tune with a fresh optimizer, or fresh weights), augmentation with its preview
(gui.train.augment_panel) and the learning-rate finder (gui.train.lr_finder).

Hooks into the view are few on purpose: the panel listens to the view's dataset panel, settings
form and document itself, writes the augmentation into the form's config, and `adjust(request)`
turns the view's RunRequest into a fine-tune. Must not mutate the document.
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication, QButtonGroup, QLabel, QRadioButton, QVBoxLayout, QWidget

from engine.builder import BuildError, build_module
from engine.runs import fine_tune_name, fine_tune_origin

from ..jobs.adoption import RunRequest
from .augment_panel import AugmentPanel
from .lr_finder import LrFinderPanel

if TYPE_CHECKING:
    from .train_view import TrainView


def _title(text: str) -> QLabel:
    return QLabel(text, objectName="param_name")


class StartFromChoice(QWidget):
    """"Start from: current weights / fresh weights". Current is the default for weights the project
    brought in (imported, pretrained, a fitted head); after one of its own runs fresh stays the default,
    so runs compare from the same start (Continue is how a run trains further)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.current = QRadioButton("Current weights (fine-tune, fresh optimizer)", objectName="start_current")
        self.fresh = QRadioButton("Fresh weights (random initialization)", objectName="start_fresh", checked=True)
        group = QButtonGroup(self)
        group.addButton(self.current)
        group.addButton(self.fresh)
        self.origin = QLabel(objectName="muted", wordWrap=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.current, self.fresh, self.origin):
            layout.addWidget(widget)
        self._seen: tuple | None = None

    @property
    def fine_tune(self) -> bool:
        return self.current.isEnabled() and self.current.isChecked()

    def follow(self, document) -> None:
        """Enable and default the choice for the document's weights (a new default only when they change)."""
        fits = document.compatible_weights() is not None
        adopted = document.adopted_run
        key = (document.content_generation, fits, adopted.id if adopted else None)
        self.current.setEnabled(fits)
        # not "from Run 2": under "Fresh weights" it read as if fresh weights came from Run 2
        origin = f"Current weights: {start_name(document)}"
        self.origin.setText(origin if fits else "The network holds no weights that fit it.")
        if key != self._seen:
            self._seen = key
            (self.current if fits and adopted is None else self.fresh).setChecked(True)


def start_name(document) -> str:
    """Where a fine-tune starts (engine.runs.fine_tune_origin: one rule for the window and the CLI)."""
    return fine_tune_origin(document.adopted_run, document.meta)


class TransferPanel(QWidget):
    def __init__(self, view: TrainView) -> None:
        super().__init__(view)
        self.view = view
        self.start_from = StartFromChoice()
        self.augment = AugmentPanel()
        self.lr_finder = LrFinderPanel(self.probe)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for title, widget in (("Start from", self.start_from), ("Augmentation", self.augment),
                              ("Learning rate", self.lr_finder)):
            layout.addWidget(_title(title))
            layout.addWidget(widget)
        self.augment.changed.connect(self._on_augment_changed)
        self.lr_finder.lr_chosen.connect(self._on_lr_chosen)
        view.datasets.dataset_changed.connect(self.augment.set_dataset)
        view.form.changed.connect(self._on_form_changed)
        for signal in (view.document.weights_changed, view.document.graph_replaced, view.document.runs_changed,
                       view.document.analysis_changed):
            signal.connect(self._on_document_changed)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.lr_finder.shutdown)
        self.augment.set_dataset(view.dataset)
        self._on_document_changed()

    def adjust(self, request: RunRequest) -> RunRequest:
        """A new run (not a Continue) from current weights becomes a fine-tune, named after its start."""
        if request.parent is not None or not self.start_from.fine_tune:
            return request
        doc = self.view.document
        name = request.name or fine_tune_name(doc.runs, doc.adopted_run, doc.meta)
        return replace(request, fine_tune=True, name=name)

    def probe(self) -> tuple | str:
        """What the learning-rate finder tests: the module a Start would train, the data, the settings."""
        view = self.view
        config = view.form.config()
        if view.dataset is None:
            return "Load a dataset first: the finder trains on it for a few batches."
        if config is None:
            return "Fix the settings first: " + "; ".join(view.form.problems())
        if view.fit is not None and not view.fit.ok:
            return f"The network does not fit the data yet: {view.fit.message}"
        try:
            module = build_module(view.document.graph)
        except BuildError as exc:
            return f"The network cannot be built: {exc}"
        if self.start_from.fine_tune:
            module.load_state_dict(view.document.compatible_weights())
        return module, view.dataset, config

    def _on_document_changed(self, *args) -> None:
        self.start_from.follow(self.view.document)

    def _on_augment_changed(self, spec: str) -> None:
        self.view.form.set_field("augment", spec)

    def _on_form_changed(self) -> None:
        self.augment.set_spec(self.view.form.base.augment)

    def _on_lr_chosen(self, lr: float) -> None:
        self.view.form.editors["lr"].setText(f"{lr:g}")
