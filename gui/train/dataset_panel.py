"""The dataset picker: which dataset, where its files live, its options, loading it on a
worker thread with a progress bar, and the preview of what was loaded.

Small offline sets (the 2-D point sets) load by themselves when picked; sets already on
disk are looked for quietly (never downloaded) when picked; anything else waits for the
Load button. A DatasetError is shown as the engine words it (it names the folder) and
the app keeps working. The data folder and last choice are remembered in QSettings.
Must not train or touch the document.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.data import DATASET_NAMES, Dataset, dataset_info, default_data_dir
from engine.data.info import DatasetOption

from ..jobs.loader import DatasetLoader, DatasetRequest
from .folder_view import FolderView
from .preview import DatasetPreview

AUTO_LOAD_DELAY_MS = 250  # option spin boxes change in bursts


def _option_rows() -> dict[str, DatasetOption]:
    """One row per option title the form shows, over every dataset (e.g. "Samples", "Noise")."""
    rows: dict[str, DatasetOption] = {}
    for name in DATASET_NAMES:
        for option in dataset_info(name).form_options:
            rows.setdefault(option.title, option)
    return rows


def _option_editor(option: DatasetOption) -> QWidget:
    if option.kind == "int":
        return QSpinBox(singleStep=int(option.step), accelerated=True, minimumWidth=64)
    edit = QLineEdit(minimumWidth=64)
    edit.setValidator(QDoubleValidator(edit))
    return edit


def _show_option(editor: QWidget, option: DatasetOption) -> None:
    """Give `editor` the range, default and help of `option` (of the dataset just picked)."""
    editor.setToolTip(option.help)
    if isinstance(editor, QSpinBox):
        editor.setRange(int(option.minimum or 0), int(option.maximum or 2**31 - 1))
        editor.setValue(option.default)
    else:
        editor.validator().setRange(option.minimum or 0.0, option.maximum or 1e9, 3)
        editor.setText(f"{option.default:g}")


def _browse_row(edit: QLineEdit, button: QPushButton) -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(4)
    row.addWidget(edit, 1)
    row.addWidget(button)
    return box


class DatasetPanel(QWidget):
    dataset_changed = Signal(object)  # the loaded Dataset, or None when the choice changed

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.dataset: Dataset | None = None
        self.loaded_request: DatasetRequest | None = None
        self.network_input: tuple[int, ...] | None = None
        self._wanted: DatasetRequest | None = None
        self._quiet = False
        self._auto_pending = False  # an automatic load waits until the panel is first shown
        self.loader = DatasetLoader(self)
        self._make_widgets()
        self._layout()
        self._connect()
        self._auto_timer = QTimer(self, singleShot=True, interval=AUTO_LOAD_DELAY_MS)
        self._auto_timer.timeout.connect(self._on_auto_timer_timeout)
        self._on_combo_changed()

    def _make_widgets(self) -> None:
        self.combo = QComboBox(objectName="dataset_combo", minimumWidth=80)
        for name in DATASET_NAMES:
            info = dataset_info(name)
            self.combo.addItem(info.title, name)
            self.combo.setItemData(self.combo.count() - 1, info.description, Qt.ToolTipRole)
        self.description = QLabel(objectName="muted", wordWrap=True)
        self.data_dir = QLineEdit(str(self.settings.value("train/data_dir", str(default_data_dir()))))
        self.data_dir.setToolTip("Where datasets are looked for and downloaded to")
        self.data_dir_button = QPushButton("Browse…")
        self.folder_path = QLineEdit(str(self.settings.value("train/folder_path", "")))
        self.folder_path.setPlaceholderText("a folder with one sub-folder per class")
        self.folder_button = QPushButton("Browse…")
        self.option_editors = {title: _option_editor(option) for title, option in _option_rows().items()}
        self.samples = self.option_editors["Samples"]  # the sample count of a toy set or the digits
        self.noise = self.option_editors["Noise"]
        self.download = QCheckBox("Download if missing")
        self.download.setChecked(True)
        self.load_button = QPushButton("Load", objectName="load_button")
        self.progress = QProgressBar(textVisible=False, maximumHeight=6)
        self.progress_label = QLabel(objectName="muted", wordWrap=True)
        self.error = QLabel(objectName="error_box", wordWrap=True)
        self.error.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.hint = QLabel(objectName="muted", wordWrap=True)
        self.preview = DatasetPreview()

    def _layout(self) -> None:
        self.folder_view = FolderView()
        self.form = QFormLayout()
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        self.form.addRow("Dataset", self.combo)
        self.form.addRow(self.description)
        self.data_dir_row = _browse_row(self.data_dir, self.data_dir_button)
        self.folder_row = _browse_row(self.folder_path, self.folder_button)
        self.form.addRow("Data folder", self.data_dir_row)
        self.form.addRow("Image folder", self.folder_row)
        for title, editor in self.option_editors.items():
            self.form.addRow(title, editor)
        self.form.addRow("", self.download)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(self.form)
        layout.addWidget(self.folder_view)  # classes, counts, thumbnails of an image folder (issue 20)
        layout.addWidget(self.load_button, 0, Qt.AlignLeft)
        for widget in (self.progress, self.progress_label, self.error, self.hint):
            layout.addWidget(widget)  # the view places `preview` (below the settings, so they stay in view)
        for widget in (self.progress, self.progress_label, self.error, self.hint):
            widget.hide()

    def _connect(self) -> None:
        self.combo.currentIndexChanged.connect(self._on_combo_changed)
        for editor in self.option_editors.values():
            signal = editor.valueChanged if isinstance(editor, QSpinBox) else editor.editingFinished
            signal.connect(self._on_option_changed)
        self.data_dir.editingFinished.connect(self._on_option_changed)
        self.folder_path.editingFinished.connect(self._on_option_changed)
        self.data_dir_button.clicked.connect(self._on_data_dir_button_clicked)
        self.folder_button.clicked.connect(self._on_folder_button_clicked)
        self.load_button.clicked.connect(self._on_load_button_clicked)
        self.loader.progress_changed.connect(self._on_loader_progress_changed)
        self.loader.loaded.connect(self._on_loader_loaded)
        self.loader.failed.connect(self._on_loader_failed)

    # -- choosing -----------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.combo.currentData()

    def select(self, name: str) -> None:
        self.combo.setCurrentIndex(max(self.combo.findData(name), 0))

    def set_network_input(self, shape: tuple[int, ...] | None) -> None:
        """The network's input shape: an image folder is resized to it."""
        self.network_input = tuple(shape) if shape else None

    def request(self, download: bool = False) -> DatasetRequest:
        """What Load would load now."""
        name = self.name
        options = {option.name: self._option_value(option) for option in dataset_info(name).form_options}
        if name == "folder":
            options = {"path": self.folder_path.text().strip()}
            if self.network_input and len(self.network_input) == 3 and self.network_input[0] in (1, 3):
                options["input_shape"] = self.network_input
        return DatasetRequest(name, self.data_dir.text().strip(), download, options)

    def _option_value(self, option: DatasetOption) -> int | float:
        editor = self.option_editors[option.title]
        if isinstance(editor, QSpinBox):
            return editor.value()
        try:
            return round(float(editor.text()), 3)
        except ValueError:  # empty: the set's own default
            return option.default

    def noise_value(self) -> float:
        info = dataset_info(self.name)
        return self._option_value(info.option("noise")) if "noise" in info.options else 0.0

    def _on_combo_changed(self, *args) -> None:
        info = dataset_info(self.name)
        self.settings.setValue("train/dataset", self.name)
        self.description.setText(_describe(info))
        self.form.setRowVisible(self.data_dir_row, info.downloads)
        self.form.setRowVisible(self.download, info.downloads)
        self.form.setRowVisible(self.folder_row, self.name == "folder")
        self.folder_view.setVisible(self.name == "folder")
        if self.name == "folder":
            self.folder_view.show_folder(self.folder_path.text().strip())
        self._show_options(info.form_options)
        self.load_button.setText("Load" if not info.downloads else "Load (download if missing)")
        self._forget_dataset()
        self._maybe_auto_load()

    def _show_options(self, options: tuple[DatasetOption, ...]) -> None:
        """Show the rows of the picked set's options, each with its range, default and help."""
        shown = {option.title: option for option in options}
        for title, editor in self.option_editors.items():
            self.form.setRowVisible(editor, title in shown)
            if title in shown:
                editor.blockSignals(True)
                _show_option(editor, shown[title])
                editor.blockSignals(False)

    def _on_option_changed(self, *args) -> None:
        self.settings.setValue("train/data_dir", self.data_dir.text().strip())
        self.settings.setValue("train/folder_path", self.folder_path.text().strip())
        if self.name == "folder":
            self.folder_view.show_folder(self.folder_path.text().strip())
        if self.request().same_data(self.loaded_request):
            return
        self._forget_dataset()
        self._maybe_auto_load()

    def _maybe_auto_load(self) -> None:
        info = dataset_info(self.name)
        self._auto_pending = info.kind == "points" or info.downloads
        if self._auto_pending and self.isVisible():
            self._auto_pending = False
            self._auto_timer.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._auto_pending and self.dataset is None and not self.loading:
            self._maybe_auto_load()

    def _on_auto_timer_timeout(self) -> None:
        self._start_load(download=False, quiet=dataset_info(self.name).downloads)

    def _on_data_dir_button_clicked(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Where datasets are stored", self.data_dir.text())
        if path:
            self.data_dir.setText(path)
            self._on_option_changed()

    def _on_folder_button_clicked(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Image folder (one sub-folder per class)",
                                                self.folder_path.text() or str(Path.home()))
        if path:
            self.folder_path.setText(path)
            self._on_option_changed()

    # -- loading ------------------------------------------------------------------------
    def _on_load_button_clicked(self) -> None:
        self._start_load(download=self.download.isChecked() and dataset_info(self.name).downloads, quiet=False)

    def load(self, download: bool = False) -> None:
        """Load the current choice now (the Load button)."""
        self._start_load(download, quiet=False)

    def _start_load(self, download: bool, quiet: bool) -> None:
        self._auto_timer.stop()
        self._wanted, self._quiet = self.request(download), quiet
        self.error.hide()
        self.hint.hide()
        self.progress.setRange(0, 0)
        self.progress.show()
        self.progress_label.setText(f"Loading {dataset_info(self.name).title}…")
        self.progress_label.show()
        self.load_button.setEnabled(False)
        self.loader.load(self._wanted)

    def _on_loader_progress_changed(self, fraction: float, message: str) -> None:
        if fraction > 0:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(fraction * 1000))
        self.progress_label.setText(message)

    def _on_loader_loaded(self, request: DatasetRequest, dataset: Dataset) -> None:
        if request != self._wanted:
            return  # an older choice finished loading
        self._end_load()
        self.dataset, self.loaded_request = dataset, request
        self.preview.show_dataset(dataset)
        if dataset.name == "folder":
            self.folder_view.show_loaded(dataset)
        self.hint.setToolTip("")
        self.hint.setText(f"{dataset.num_train:,} training and {dataset.num_test:,} test samples of "
                          f"{sample_shape(dataset.input_shape)}, {dataset.num_classes} classes.")
        self.hint.show()
        self.dataset_changed.emit(dataset)

    def _on_loader_failed(self, request: DatasetRequest, message: str) -> None:
        if request != self._wanted:
            return
        self._end_load()
        if self._quiet:
            self.hint.setText(f"{dataset_info(request.name).title} is not in the data folder yet: press Load to "
                              "download it, or Browse to the folder that holds it.")
            self.hint.setToolTip(message)
            self.hint.show()
        else:
            self.error.setText(message)
            self.error.show()

    def _end_load(self) -> None:
        self._wanted = None
        self.progress.hide()
        self.progress_label.hide()
        self.load_button.setEnabled(True)

    def _forget_dataset(self) -> None:
        self._wanted = None
        self.error.hide()
        self.hint.hide()
        self.progress.hide()
        self.progress_label.hide()
        self.load_button.setEnabled(True)
        self.preview.show_dataset(None)
        if self.dataset is not None or self.loaded_request is not None:
            self.dataset, self.loaded_request = None, None
            self.dataset_changed.emit(None)

    @property
    def loading(self) -> bool:
        return self._wanted is not None

    def set_editable(self, editable: bool) -> None:
        for widget in (self.combo, self.data_dir, self.data_dir_button, self.folder_path, self.folder_button,
                       *self.option_editors.values(), self.download):
            widget.setEnabled(editable)
        self.load_button.setEnabled(editable and not self.loading)

    def shutdown(self) -> None:
        self._auto_timer.stop()
        self.loader.shutdown()
        self.folder_view.shutdown()


def sample_shape(shape) -> str:
    """'1×28×28' for images; '2 values' for a vector (a bare '2' reads as a count of samples)."""
    return f"{shape[0]} values" if len(shape) == 1 else "×".join(map(str, shape))


def _describe(info) -> str:
    parts = [info.description[:1].upper() + info.description[1:] + "."]
    if info.input_shape is not None:
        parts.append(f"Samples of {sample_shape(info.input_shape)}, {info.num_classes} classes.")
    if info.downloads:
        parts.append("Downloaded on first use.")
    return " ".join(parts)
