"""`DrawView`: draw a digit (or, for an image network, try your own pictures: drop, open or
paste them, or pick a test picture) and watch the document's own network classify it: the
answer and every class's probability, the preprocessing steps ending with the exact tensor
the network receives, and what each convolution and dense layer sees.

Owns the page switching (set-up panel when the network cannot answer yet; pad for digit
datasets; Try it for photo datasets, gui/draw/try_it.py), the background jobs (loading samples,
one-click training) and the throttling of feature maps. The network is asked through
`Classifier` (engine.inference); the document changes only through undo commands.
"""
from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QGridLayout,
    QLabel,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from engine.classifier import Classifier, fits_digits, readiness
from engine.digits import ImageError, load_image_file
from engine.formatting import counted
from engine.inference import unlike_words
from engine.project import weight_changes

from ..document import Document
from ..jobs.adoption import ADOPTED, CHANGED, KEPT, dataset_title
from ..jobs.loader import DatasetLoader, DatasetRequest
from .feature_maps import FeatureMapsPanel
from .pad_panel import PadPanel
from .probabilities import AnswerPanel
from .quick_train import FOLDER_PATH_KEY, QuickTrainer, data_folders
from .samples import SamplesPanel, pick_samples, to_picture
from .setup_panel import SetupPanel
from .tiles import StepStrip, TileColumn
from .try_it import IMAGE_FILTER, TryIt, answer_note, promise_words

MAPS_INTERVAL_MS = 30
SETUP_PAGE, WORK_PAGE = 0, 1


class DrawView(QWidget):
    """The Draw view. `pad` is the DrawPad (also exposed by the main window as `draw_pad`)."""

    training_finished = Signal(bool)  # one-click training ended: True when weights were applied
    samples_loaded = Signal()

    def __init__(self, document: Document, parent: QWidget | None = None, settings=None) -> None:
        super().__init__(parent, objectName="draw_view")
        self.document, self.settings = document, settings
        self.classifier: Classifier | None = None
        self.trainer = QuickTrainer(document, self)
        self.samples_loader = DatasetLoader(self)
        self._samples_for: DatasetRequest | None = None
        self._stale = True
        self._pending_tensor = None
        self._maps_clock = QElapsedTimer()
        self._make_widgets()
        self._lay_out()
        self.try_it = TryIt(self)  # own pictures for image networks: drops, Ctrl+V (its event filter), open
        self._connect()
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self.refresh()

    # -- building -------------------------------------------------------------------------
    def _make_widgets(self) -> None:
        self.pad_panel = PadPanel()
        self.pad = self.pad_panel.pad
        self.samples_panel = SamplesPanel()
        self.input_stack = QStackedWidget(objectName="input_stack")
        self.input_stack.addWidget(self.pad_panel)
        self.input_stack.addWidget(self.samples_panel)
        self.answer = AnswerPanel()
        self.steps = StepStrip(side=76)
        self.steps_section = TileColumn("What the network receives", self.steps)
        self.steps_note = QLabel(objectName="muted_note", wordWrap=True)
        self.feature_maps = FeatureMapsPanel()
        self.maps_title = QLabel("What the network sees", objectName="section_title")
        self.maps_legend = QLabel("Each layer's outputs for this input: orange above zero, blue below, "
                                  "strongest where the layer responds most.", objectName="muted_note",
                                  wordWrap=True)
        self.setup = SetupPanel()
        self.pages = QStackedWidget(objectName="draw_pages")

    def _lay_out(self) -> None:
        steps = QVBoxLayout()
        steps.addWidget(self.steps_section)
        steps.addWidget(self.steps_note)
        maps = QVBoxLayout()
        maps.addWidget(self.maps_title)
        maps.addWidget(self.maps_legend)
        maps.addWidget(self.feature_maps, 1)
        work = QWidget(objectName="draw_work")
        grid = QGridLayout(work)
        grid.setContentsMargins(16, 4, 16, 12)
        grid.setHorizontalSpacing(24)
        grid.addWidget(self.input_stack, 0, 0)
        grid.addWidget(self.answer, 0, 1)
        grid.addLayout(steps, 1, 0, 1, 2)
        grid.addLayout(maps, 0, 2, 3, 1)
        for column, stretch in enumerate((4, 3, 6)):
            grid.setColumnStretch(column, stretch)
        grid.setRowStretch(2, 1)  # spare height goes below the steps, not between pad and steps
        self.pages.addWidget(self.setup)
        self.pages.addWidget(work)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.pages)

    def _connect(self) -> None:
        self.pad.classified.connect(self._on_pad_classified)
        self.pad.prediction_cleared.connect(self._on_pad_prediction_cleared)
        self.pad.classification_failed.connect(self._on_pad_classification_failed)
        self.pad_panel.open_requested.connect(self.open_image)
        self.samples_panel.open_requested.connect(self.open_image)
        self.samples_panel.sample_picked.connect(self._on_samples_sample_picked)
        self.samples_loader.loaded.connect(self._on_samples_loader_loaded)
        self.samples_loader.failed.connect(self._on_samples_loader_failed)
        self.setup.train_requested.connect(self.train_for_drawing)
        self.trainer.progressed.connect(self.setup.show_progress)
        self.trainer.finished.connect(self._on_trainer_finished)
        self.trainer.failed.connect(self._on_trainer_failed)
        self.setup.cancel_requested.connect(self._on_setup_cancel_requested)
        self._maps_timer = QTimer(self, singleShot=True)
        self._maps_timer.timeout.connect(self._on_maps_timer_timeout)
        doc = self.document
        for signal in (doc.analysis_changed, doc.graph_replaced):
            signal.connect(self._on_document_changed)
        doc.weights_changed.connect(self._on_document_changed)
        doc.runs_changed.connect(self._on_document_changed)

    # -- following the document -------------------------------------------------------------
    def _on_document_changed(self, *args) -> None:
        self._stale = True
        if self.isVisible():
            QTimer.singleShot(0, self._refresh_if_stale)

    def _refresh_if_stale(self) -> None:
        if self._stale:
            self.refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._refresh_if_stale()
        self._focus_try_it()

    def _focus_try_it(self) -> None:
        if self.try_it.active and self.isVisible():  # Ctrl+V pastes a picture here without a click first
            self.samples_panel.setFocus()

    def refresh(self) -> None:
        """Rebuild the classifier from the document and show the matching page."""
        self._stale = False
        self.classifier = _classifier(self.document)
        if self.classifier is None:
            self._show_setup()
            return
        self.pages.setCurrentIndex(WORK_PAGE)
        drawing = self.classifier.draws_digits
        self.input_stack.setCurrentWidget(self.pad_panel if drawing else self.samples_panel)
        self._clear_outputs()
        if drawing:
            self.pad.set_classifier(self.classifier)
        else:
            self.pad.set_classifier(None)
            self._load_samples()
            self._focus_try_it()

    def _show_setup(self) -> None:
        self.pad.set_classifier(None)
        doc = self.document
        state = readiness(doc.analysis, doc.weights is not None, doc.compatible_weights() is not None)
        changed = doc.weights is not None and doc.analysis.valid and doc.compatible_weights() is None
        changes = weight_changes(doc.graph, doc.weights) if changed else None
        self.setup.set_reason(state.message.rstrip("."), state.state, fits_digits(doc.analysis), changes)
        self.pages.setCurrentIndex(SETUP_PAGE)

    # -- showing a prediction -----------------------------------------------------------------
    def _on_pad_classified(self, prediction) -> None:
        self.show_prediction(prediction)

    def _on_pad_prediction_cleared(self) -> None:
        self._clear_outputs()

    def _on_pad_classification_failed(self, message: str) -> None:
        self._clear_outputs()
        self.answer.show_nothing(f"The network could not classify this picture: {message}")

    def show_prediction(self, prediction, truth: int | None = None) -> None:
        meta = self.classifier.meta if self.classifier else {}
        note = answer_note(prediction, meta) if self.try_it.active else ""
        self.answer.show_prediction(prediction, truth, unlike_words(meta), note)
        self.steps.set_steps(prediction.preprocessed.steps)
        shape = "×".join(str(s) for s in prediction.preprocessed.tensor.shape[1:])
        self.steps_note.setText(f"The last picture is the {shape} tensor the network receives, "
                                "normalized like its training data.")
        self._pending_tensor = prediction.preprocessed.tensor
        if not self._maps_timer.isActive():
            elapsed = self._maps_clock.elapsed() if self._maps_clock.isValid() else MAPS_INTERVAL_MS
            self._maps_timer.start(max(0, MAPS_INTERVAL_MS - elapsed))

    def _on_maps_timer_timeout(self) -> None:
        if self._pending_tensor is None or self.classifier is None:
            return
        self._maps_clock.start()
        self.feature_maps.show_activations(self.classifier.activations(self._pending_tensor))

    def _clear_outputs(self) -> None:
        self._pending_tensor = None
        self._maps_timer.stop()
        names = self.classifier.class_names if self.classifier else None
        drawing = self.classifier is None or self.classifier.draws_digits
        hint = "Draw a digit to see what it thinks." if drawing else \
            "Drop, open or paste a picture, or pick a test picture, to see what it thinks."
        promise = "" if drawing else promise_words(self.classifier.meta)
        self.answer.show_nothing(trained_note(self.document) + hint + (f"\n\n{promise}" if promise else ""), names)
        self.answer.confidence.setToolTip(promise)
        self.steps.clear_steps()
        self.steps_note.setText("Each step the picture goes through on its way into the network appears here.")
        seen = "a digit" if drawing else "a picture"
        self.feature_maps.clear_maps(f"Feature maps appear here once the network sees {seen}.")

    # -- pictures: files and test samples --------------------------------------------------------
    def open_image(self) -> None:
        if self.try_it.active:
            self.try_it.open_files()
            return
        path, _ = QFileDialog.getOpenFileName(self, "Classify an image", "", IMAGE_FILTER)
        if path:
            self.classify_file(path)

    def classify_file(self, path: str) -> bool:
        if self.try_it.active:  # read the way the network's training pictures were, kept in the strip
            return self.try_it.classify_files([path]) == 1
        try:
            picture = load_image_file(path)
        except ImageError as exc:
            QMessageBox.warning(self, "Cannot open image", str(exc))
            return False
        if self.classifier is None:
            return False
        if self.classifier.draws_digits:
            self.pad.load_picture(picture)
        else:
            self.classify_picture(picture)
        return True

    def classify_picture(self, picture, truth: int | None = None) -> None:
        """Samples and files of photo datasets (the pad classifies its own pictures)."""
        try:
            prediction = self.classifier.classify(picture)
        except (ValueError, RuntimeError) as exc:
            self._on_pad_classification_failed(str(exc))
            return
        self.show_prediction(prediction, truth)

    def _load_samples(self) -> None:
        request = self._samples_request()
        if request is None:
            self.samples_panel.set_samples([], [], [])
            self.samples_panel.show_message("The image folder this network learned from is not known here: "
                                            "open image files to classify them.")
            return
        if request.same_data(self._samples_for):
            return
        self._samples_for = request
        self.samples_panel.set_samples([], [], [])
        self.samples_panel.show_message(f"Loading {request.name} test pictures…")
        self.samples_loader.load(request)

    def _samples_request(self) -> DatasetRequest | None:
        """Where the test pictures of the network's dataset are, without downloading."""
        meta = self.classifier.meta
        name = meta.get("dataset")
        if name != "folder":
            return DatasetRequest(name, str(data_folders(self.settings)[0]), download=False)
        path = self.settings.value(FOLDER_PATH_KEY) if self.settings is not None else None
        shape = tuple(meta.get("input_shape") or ())
        if not path or len(shape) != 3:
            return None
        return DatasetRequest("folder", "", download=False, options={"path": str(path), "input_shape": shape})

    def _on_samples_loader_loaded(self, request, dataset) -> None:
        labels = dataset.y_test.numpy()
        picked = pick_samples(labels)
        images = dataset.x_test.numpy()
        self.samples_panel.set_samples([to_picture(images[i]) for i in picked], [int(labels[i]) for i in picked],
                                       list(dataset.class_names))
        self.samples_panel.show_message(f"{counted(len(picked), 'picture')} the network never saw while training. "
                                        "Click one to classify it.")
        self.samples_loaded.emit()

    def _on_samples_loader_failed(self, request, message: str) -> None:
        self._samples_for = None
        self.samples_panel.show_message(f"Test pictures are not available: {message}. "
                                        "Open image files instead.")
        self.samples_loaded.emit()

    def _on_samples_sample_picked(self, index: int) -> None:
        if self.classifier is None:
            return
        panel = self.samples_panel
        self.classify_picture(panel.pictures[index], panel.labels[index])

    # -- one-click training -----------------------------------------------------------------
    def train_for_drawing(self) -> bool:
        """Train the document's digit network (or LeNet-5, loaded first) in the background: an
        ordinary run of the project, shown live in the Train view too."""
        if self.trainer.running:
            return False
        if self.trainer.coordinator.running:
            self.setup.show_message("Another run is training (see the Train view): wait for it or stop it first.")
            return False
        if not fits_digits(self.document.analysis) and not self._load_lenet():
            return False
        self.setup.set_busy(True)
        self.trainer.start(data_folders(self.settings))
        return True

    def _load_lenet(self) -> bool:
        if self.document.is_modified and not self.confirm_replace():
            return False
        from ..editing import Editor

        Editor(self.document).load_template("lenet5", (1, 28, 28), 10)
        return True

    def confirm_replace(self) -> bool:
        answer = QMessageBox.question(
            self, "Replace the network?",
            f"“{self.document.name}” has unsaved changes. Load LeNet-5 in its place and train it? "
            "Edit ▸ Undo brings your network back.", QMessageBox.Yes | QMessageBox.Cancel, QMessageBox.Cancel)
        return answer == QMessageBox.Yes

    def _on_trainer_finished(self, finish) -> None:
        self.setup.set_busy(False)
        if finish.kind != ADOPTED:
            extra = {CHANGED: " The Train view offers to keep the trained version.",
                     KEPT: " The Train view offers to use its weights."}.get(finish.kind, "")
            self.setup.show_message(finish.text + extra)
            self.training_finished.emit(False)
            return
        self.setup.show_message(trained_note(self.document))
        self.refresh()
        self.training_finished.emit(True)

    def _on_trainer_failed(self, message: str) -> None:
        self.setup.set_busy(False)
        self.setup.show_message(f"Training did not finish: {message}")
        self.training_finished.emit(False)

    def _on_setup_cancel_requested(self) -> None:
        self.trainer.stop()

    def shutdown(self) -> None:
        """Stop background work and wait for its threads (app quit, window close, tests)."""
        self.trainer.shutdown()
        self.samples_loader.shutdown()


def trained_note(document: Document) -> str:
    """What the network learned from, derived from the document's adopted run ("" when none)."""
    run = document.adopted_run
    if run is None or document.compatible_weights() is None:
        return ""
    what = "digits" if run.dataset in ("mnist", "digits") else "pictures"
    acc = f", {run.test_acc:.1%} right on its test {what}" if run.test_acc is not None else ""
    return f"Trained on {dataset_title(run)}{acc}. "


def _classifier(document: Document) -> Classifier | None:
    return Classifier.from_network(document.graph, document.analysis, document.compatible_weights(), document.meta)
