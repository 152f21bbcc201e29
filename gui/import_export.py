"""File ▸ Import… (a torchvision model or a class from the user's own .py file) and File ▸ Export…
(PyTorch code, ONNX, TorchScript): the two dialogs and the controller that runs them.

The work is the engine's (engine.importer, engine.export_formats), run on a worker thread with
a progress line and Cancel (gui.background) so the window keeps painting; ONNX and TorchScript
exports run in a child process (engine.export_child: tracing holds the interpreter lock for
minutes) that Cancel kills; an import
replaces the document through the Editor like Open does, after the unsaved-changes question.
Failures are shown with the engine's message, never a traceback.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from engine.catalog import LayerError, ParamSpec
from engine.formatting import counted

from .background import CallResult, ProgressLine, publish, remove_staging, run_in_background, staging_folder
from .document import Content, Document
from .editing import Editor

_SHAPE = ParamSpec("input shape", "shape", (3, 224, 224), "", minimum=1)
RUNS_CODE = ("Importing a .py file runs the code in it (that is how its class gets defined): "
             "only import your own files or files you trust. Project files never run code.")


class ImportDialog(QDialog):
    """Choose a torchvision model or FILE.py + class, the input shape, and whether to keep weights."""

    def __init__(self, models: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import a PyTorch model")
        self.from_torchvision = QRadioButton("torchvision model", checked=True, objectName="from_torchvision")
        self.from_file = QRadioButton("class in my Python file", objectName="from_file")
        self.model = QComboBox(objectName="model_choice")
        self.model.addItems(models)
        self.model.setCurrentText("resnet18")
        self.file = QLineEdit(objectName="file_path", placeholderText="path/to/model.py")
        browse = QPushButton("Browse…", clicked=self._browse)
        self.class_name = QLineEdit(objectName="class_name", placeholderText="MyNet")
        self.shape = QLineEdit(objectName="input_shape", placeholderText="default: the model's (3, 224, 224)")
        self.tokens = QCheckBox("input is integer token ids (for an embedding)")
        self.weights = QCheckBox("keep weights: torchvision's pretrained ones from the torch hub cache "
                                 "(nothing is downloaded), or your module's own", objectName="keep_weights")
        self.warning = QLabel(RUNS_CODE, wordWrap=True, objectName="runs_code_warning")
        self.message = QLabel(objectName="inline_error", wordWrap=True)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(browse)
        form = QFormLayout()
        form.addRow(self.from_torchvision, self.model)
        form.addRow(self.from_file, file_row)
        form.addRow("Class", self.class_name)
        form.addRow("Input shape", self.shape)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Import")
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for item in (form, self.tokens, self.weights, self.warning, self.message, buttons):
            layout.addLayout(item) if isinstance(item, QFormLayout) else layout.addWidget(item)
        self.from_file.toggled.connect(self._sync)
        self._sync()

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Python file with the model", "", "Python (*.py)")
        if path:
            self.file.setText(path)
            self.from_file.setChecked(True)

    def _sync(self) -> None:
        from_file = self.from_file.isChecked()
        self.model.setEnabled(not from_file)
        for widget in (self.file, self.class_name, self.warning, self.tokens):
            widget.setEnabled(from_file)
        self.warning.setVisible(from_file)

    def source(self) -> str:
        if self.from_torchvision.isChecked():
            return f"torchvision:{self.model.currentText()}"
        return f"{self.file.text().strip()}:{self.class_name.text().strip()}"

    def input_shape(self) -> tuple[int, ...] | None:
        text = self.shape.text().strip()
        return _SHAPE.coerce(text) if text else None

    def _on_buttons_accepted(self) -> None:
        try:
            self.input_shape()
        except LayerError as exc:
            self.message.setText(str(exc))
            return
        if self.from_file.isChecked() and not (self.file.text().strip() and self.class_name.text().strip()):
            self.message.setText("choose the Python file and type the class name")
            return
        self.accept()


class ExportDialog(QDialog):
    """Choose a format and a file; says which weights go along."""

    def __init__(self, name: str, has_weights: bool, start_dir: str, parent: QWidget | None = None) -> None:
        from engine.export_formats import FORMATS, INSTALL_HINT, missing_onnx_packages

        super().__init__(parent)
        self.setWindowTitle("Export the network")
        self.name, self.start_dir, self.formats = name, start_dir, FORMATS
        self.format = QComboBox(objectName="export_format")
        for key, (title, suffix) in FORMATS.items():
            self.format.addItem(f"{title} ({suffix})", key)
        missing = missing_onnx_packages()
        if missing:  # say why, instead of failing after the user picked a file
            item = self.format.model().item(list(FORMATS).index("onnx"))
            item.setEnabled(False)
            item.setToolTip(f"needs {', '.join(missing)}: {INSTALL_HINT}")
        self.path = QLineEdit(objectName="export_path")
        browse = QPushButton("Browse…", clicked=self._browse)
        kept = "with the trained weights" if has_weights else "with random initial weights (nothing trained yet)"
        self.note = QLabel(objectName="export_note", wordWrap=True)
        self._kept = kept
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Format", self.format)
        form.addRow("File", row)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Export")
        buttons.accepted.connect(lambda: self.accept() if self.path.text().strip() else self.path.setFocus())
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        if missing:
            layout.addWidget(QLabel(f"ONNX needs {' and '.join(missing)}: {INSTALL_HINT}", wordWrap=True))
        layout.addWidget(buttons)
        self.format.currentIndexChanged.connect(self._on_format_changed)
        self._on_format_changed()
        self.resize(520, self.sizeHint().height())

    def choice(self) -> tuple[str, str]:
        return self.format.currentData(), self.path.text().strip()

    def _on_format_changed(self) -> None:
        key = self.format.currentData()
        suffix = self.formats[key][1]
        current = self.path.text().strip()
        base = Path(current).with_suffix("") if current else Path(self.start_dir) / self.name
        self.path.setText(str(base.with_suffix(suffix)))
        beside = " (saved beside it as .safetensors)" if key == "python" else ""
        self.note.setText(f"The network is written {self._kept}{beside}.")

    def _browse(self) -> None:
        title, suffix = self.formats[self.format.currentData()]
        path, _ = QFileDialog.getSaveFileName(self, "Export as", self.path.text(), f"{title} (*{suffix})")
        if path:
            self.path.setText(path if Path(path).suffix else path + suffix)


class ImportExport(QObject):
    """Runs File ▸ Import… and File ▸ Export… for the main window."""

    status_message = Signal(str)

    def __init__(self, window: QWidget, document: Document, editor: Editor, files) -> None:
        super().__init__(window)
        self.window, self.document, self.editor, self.files = window, document, editor, files

    # -- import ---------------------------------------------------------------------------
    def import_model(self) -> bool:
        from engine.importer.sources import classification_models

        if not self.files.maybe_save():
            return False
        dialog = ImportDialog(classification_models(), self.window)
        if dialog.exec() != QDialog.Accepted:
            return False
        return self.run_import(dialog.source(), dialog.input_shape(),
                               "tokens" if dialog.tokens.isChecked() else "float", dialog.weights.isChecked())

    def new_from_pretrained(self) -> bool:
        """File ▸ New from a pretrained model…: pick one, fetch its weights if needed, import both."""
        from engine.pretrained import pretrained_models

        from .pretrained_dialog import PretrainedDialog

        if not self.files.maybe_save():
            return False
        listing = run_in_background(self.window, "Listing torchvision's pretrained models…", pretrained_models)
        if listing.cancelled or listing.error is not None:
            if listing.error is not None:
                QMessageBox.warning(self.window, "Could not list the pretrained models", str(listing.error))
            return False
        dialog = PretrainedDialog(listing.value, self.window)
        if dialog.exec() != QDialog.Accepted or dialog.chosen is None:
            return False
        return self.run_import(f"torchvision:{dialog.chosen.name}", None, "float", True)

    def fit_output(self) -> bool:
        """Edit ▸ Fit the Output to a Dataset…"""
        from .fit_output import ask_and_fit

        text = ask_and_fit(self.window, self.document)
        if text:
            self.status_message.emit(text)
        return bool(text)

    def run_import(self, source: str, input_shape=None, dtype: str = "float", weights: bool = False) -> bool:
        from engine.importer import ImportRefused, import_source
        from engine.importer.sources import SourceError

        call = run_in_background(self.window, f"Importing {source}…",
                                 lambda: import_source(source, input_shape, dtype, weights))
        if call.cancelled:
            self.status_message.emit(f"Import of {source} cancelled")
            return False
        if isinstance(call.error, (SourceError, ImportRefused)):
            QMessageBox.warning(self.window, "Could not import", str(call.error))
            return False
        if call.error is not None:
            raise call.error
        result, src = call.value
        self.editor.load_content(Content(result.graph, None, src.name, result.weights, None, src.meta),
                                 f"Import {src.name}")
        notes = "; ".join(result.notes)
        self.status_message.emit(f"Imported {source}: {counted(len(result.graph), 'layer')}, "
                                 f"{counted(result.params, 'parameter')}"
                                 + (f" — {notes}" if notes else ""))
        return True

    # -- export ---------------------------------------------------------------------------
    def export_network(self) -> bool:
        weights = self.document.compatible_weights()
        recent = self.files.recent_files()
        start = str(Path(self.document.path or (recent[0] if recent else Path.home() / "x")).parent)
        dialog = ExportDialog(self.document.name, bool(weights), start, self.window)
        if dialog.exec() != QDialog.Accepted:
            return False
        fmt, path = dialog.choice()
        return self.run_export(fmt, path)

    def run_export(self, fmt: str, path: str) -> bool:
        """Export in the background (the window keeps painting; Cancel leaves no file behind): the
        files are written in a hidden folder beside `path` and moved into place when complete.
        ONNX and TorchScript run in a child process (engine.export_child) that Cancel kills."""
        from engine.export_formats import ExportError

        if not self._may_write(fmt, path):
            return False
        target = Path(path)
        try:
            staging = staging_folder(target)
        except OSError as exc:
            QMessageBox.warning(self.window, "Could not export", f"cannot write in {target.parent}: "
                                                                 f"{exc.strerror or exc}")
            return False
        call = self._export_call(fmt, staging / target.name, staging)
        if call.cancelled:
            self.status_message.emit(f"Export of {target.name} cancelled; nothing was written")
            return False
        if call.error is not None:
            remove_staging(staging)
            if not isinstance(call.error, ExportError):
                raise call.error
            message = str(call.error).replace(str(staging), str(target.parent))
            QMessageBox.warning(self.window, "Could not export", message)
            return False
        try:
            written = publish(call.value, target.parent, staging)
        except OSError as exc:
            remove_staging(staging)
            QMessageBox.warning(self.window, "Could not export", f"cannot write {target}: {exc.strerror or exc}")
            return False
        self.status_message.emit("Exported " + " and ".join(p.name for p in written))
        return True

    def _export_call(self, fmt: str, written: Path, staging: Path) -> CallResult:
        from engine.export_child import ExportChild
        from engine.export_formats import export_to

        graph, weights, title = self.document.graph.copy(), self.document.compatible_weights(), self.document.name
        text = f"Exporting {written.name}…"
        if fmt == "python":  # text and a safetensors file: quick, a thread will do
            return run_in_background(self.window, text, lambda: export_to(fmt, graph, written, weights, title=title),
                                     discard=lambda _: remove_staging(staging))
        child, line = ExportChild(), ProgressLine()
        call = run_in_background(self.window, text,
                                 lambda: child.run(fmt, graph, written, weights, title, line.report),
                                 cancel=child.kill, progress=line)
        if call.cancelled:  # killed: once it is gone, nothing writes in the staging folder any more
            child.wait_gone(5.0)
            remove_staging(staging)
        return call

    def _may_write(self, fmt: str, path: str) -> bool:
        """Never over the open project; over a file of another kind only when the user says so."""
        from engine.export_formats import FORMATS, overwrite_check

        with_weights = fmt == "python" and bool(self.document.compatible_weights())
        refusal, others = overwrite_check(fmt, path, with_weights, self.document.path)
        if refusal:
            QMessageBox.warning(self.window, "Could not export", refusal)
            return False
        if not others:
            return True
        names = "\n".join(str(p) for p in others)
        answer = QMessageBox.question(self.window, "Replace file?",
                                      f"{names}\nalready exists and is not a {FORMATS[fmt][0]} file. Replace it?",
                                      QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        return answer == QMessageBox.Yes
