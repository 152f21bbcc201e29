"""Edit ▸ Fit the Output to a Dataset…: resize the classifier layer to new classes, keep every other weight.

The dialog asks for the number of classes, either typed or taken from a dataset (a built-in
one, or an image folder, whose sub-folders are the classes), and what to freeze with it
(engine.head.FREEZE_CHOICES; the feature extractor by default). The change is engine.head's
(replace_head, carry_weights) on a copy of the graph; the window swaps the copy in as one undo
step (gui.commands.LoadGraph), the way an import replaces content with its weights. Must not
mutate the document except through that command.
"""
from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.data import DatasetError
from engine.data.folder import folder_classes
from engine.data.info import DATASET_NAMES, dataset_info
from engine.formatting import counted
from engine.graph import GraphError
from engine.head import FREEZE_CHOICES, HeadError, carry_weights, find_head, replace_head

from .background import run_in_background
from .commands import LoadGraph
from .document import Content, Document

MAX_CLASSES = 100_000
FREEZE_TIP = ("Frozen layers keep their pretrained weights. Freezing only the feature extractor lets the dense "
              "layers before the new one adapt: LeNet-5 pretrained on digits 0-4 and fitted to 5-9 with 20 pictures "
              "a class reached 95 % that way (scratch: 92.5 %), but 76-80 % when only the new layer trained "
              "(bench/transfer.py). With a one-layer classifier (ResNet) both freeze the same layers.")


class FitOutputDialog(QDialog):
    """How many classes the new output has, and whether the body stays frozen."""

    def __init__(self, head: str, old_classes: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Fit the output to a dataset")
        self.class_names: list[str] = []
        self.classes = QSpinBox(objectName="num_classes", minimum=2, maximum=MAX_CLASSES, value=2)
        self.dataset = QComboBox(objectName="dataset_choice")
        self.dataset.addItem("—", None)
        for name in DATASET_NAMES:
            info = dataset_info(name)
            if info.num_classes and info.kind == "image":  # a pretrained image network meets image data
                self.dataset.addItem(f"{info.title} ({info.num_classes} classes)", name)
        self.dataset.currentIndexChanged.connect(self._on_dataset_changed)
        folder = QPushButton("Image folder…", objectName="pick_folder", clicked=self._pick_folder)
        self.freeze = QComboBox(objectName="freeze_choice", toolTip=FREEZE_TIP)
        for key, text in FREEZE_CHOICES.items():
            self.freeze.addItem(text[0].upper() + text[1:], key)
        self.freeze.setCurrentIndex(self.freeze.findData("features"))
        self.message = QLabel(objectName="inline_error", wordWrap=True)
        form = QFormLayout()
        form.addRow("Classes", self.classes)
        form.addRow("or from a dataset", self.dataset)
        form.addRow("", folder)
        form.addRow("Freeze", self.freeze)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Replace the output layer")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"The classifier layer {head} has {old_classes} outputs. It gets fresh weights with "
                                "one output per class; every other weight is kept.", wordWrap=True))
        for item in (form, self.message, buttons):
            layout.addLayout(item) if isinstance(item, QFormLayout) else layout.addWidget(item)

    def _on_dataset_changed(self) -> None:
        name = self.dataset.currentData()
        if name is not None:
            self.classes.setValue(dataset_info(name).num_classes)
            self.class_names = []

    def _pick_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Image folder (one sub-folder per class)")
        if path:
            self.use_folder(path)

    def use_folder(self, path: str) -> bool:
        """Take the classes of an image folder; False (and the reason shown) when it is not one. The
        folder is listed on a worker (a folder of 100,000 pictures takes seconds), the window painting."""
        call = run_in_background(self, f"Reading the class folders of {path}…", lambda: folder_classes(path))
        if call.cancelled:
            return False
        if isinstance(call.error, DatasetError):
            self.message.setText(str(call.error))
            return False
        if call.error is not None:
            raise call.error
        counts = call.value
        self.class_names = list(counts)
        self.classes.setValue(len(counts))
        self.message.setText(f"{counted(len(counts), 'class')} from {path}: {', '.join(list(counts)[:8])}"
                             + ("…" if len(counts) > 8 else ""))
        return True


def fitted_content(document: Document, num_classes: int, freeze: str,
                   class_names: list[str] | None = None) -> tuple[Content, str]:
    """The document's content with its head resized (weights carried over), and the undo text. `freeze`:
    a key of FREEZE_CHOICES. Raises HeadError or GraphError with a message for the user."""
    graph = document.graph.copy()
    weights = document.compatible_weights()
    change = replace_head(graph, num_classes, freeze=freeze)
    new_weights = carry_weights(graph, weights, change.node_id) if weights else None
    meta = dict(document.meta)
    meta["num_classes"] = num_classes
    if class_names and len(class_names) == num_classes:
        meta["class_names"] = list(class_names)
    else:
        meta.pop("class_names", None)  # ImageNet's names no longer describe the outputs
    content = Content(graph, document.path, document.name, new_weights, document.runs, meta,
                      sections=dict(document.sections))
    return content, f"Fit the output to {counted(num_classes, 'class')}"


def fit_output(document: Document, num_classes: int, freeze: str,
               class_names: list[str] | None = None) -> str:
    """Replace the head as one undo step; returns the status text. Raises HeadError or GraphError."""
    content, text = fitted_content(document, num_classes, freeze, class_names)
    document.undo_stack.push(LoadGraph(document, content, text))
    return text


def ask_and_fit(window: QWidget, document: Document) -> str | None:
    """The whole gesture: dialog, then the replacement; the status text, or None when nothing changed."""
    try:
        head, param = find_head(document.graph)
    except HeadError as exc:
        QMessageBox.warning(window, "Cannot fit the output", str(exc))
        return None
    dialog = FitOutputDialog(head, int(document.graph.node(head).params.get(param, 0) or 0), window)
    if dialog.exec() != QDialog.Accepted:
        return None
    try:
        return fit_output(document, dialog.classes.value(), dialog.freeze.currentData(), dialog.class_names)
    except (HeadError, GraphError) as exc:
        QMessageBox.warning(window, "Cannot fit the output", str(exc))
        return None
