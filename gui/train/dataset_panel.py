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
from engine.data.toy import TOY_SETS

from ..jobs.loader import DatasetLoader, DatasetRequest
from .folder_view import FolderView
from .preview import DatasetPreview

AUTO_LOAD_DELAY_MS = 250  # option spin boxes change in bursts


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
        self.samples = QSpinBox(minimum=10, maximum=200000, singleStep=100, accelerated=True, minimumWidth=64)
        self.noise = QLineEdit(minimumWidth=64)
        self.noise.setValidator(QDoubleValidator(0.0, 10.0, 3, self.noise))
        self.noise.setToolTip("Spread of the random jitter added to each point, in the data's units")
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
        self.form.addRow("Samples", self.samples)
        self.form.addRow("Noise", self.noise)
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
        self.samples.valueChanged.connect(self._on_option_changed)
        self.noise.editingFinished.connect(self._on_option_changed)
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
        options: dict = {}
        name = self.name
        if name in TOY_SETS:
            options = {"n_samples": self.samples.value(), "noise": self.noise_value()}
        elif name == "digits":
            options = {"n_train": self.samples.value()}
        elif name == "folder":
            options = {"path": self.folder_path.text().strip()}
            if self.network_input and len(self.network_input) == 3 and self.network_input[0] in (1, 3):
                options["input_shape"] = self.network_input
        return DatasetRequest(name, self.data_dir.text().strip(), download, options)

    def noise_value(self) -> float:
        try:
            return round(float(self.noise.text()), 3)
        except ValueError:  # empty: the set's own default
            return TOY_SETS[self.name][1] if self.name in TOY_SETS else 0.0

    def _on_combo_changed(self, *args) -> None:
        info = dataset_info(self.name)
        self.settings.setValue("train/dataset", self.name)
        toy, digits = self.name in TOY_SETS, self.name == "digits"
        self.description.setText(_describe(info))
        self.form.setRowVisible(self.data_dir_row, info.downloads)
        self.form.setRowVisible(self.download, info.downloads)
        self.form.setRowVisible(self.folder_row, self.name == "folder")
        self.folder_view.setVisible(self.name == "folder")
        if self.name == "folder":
            self.folder_view.show_folder(self.folder_path.text().strip())
        self.form.setRowVisible(self.samples, toy or digits)
        self.form.setRowVisible(self.noise, toy)
        self._set_option_defaults(toy, digits)
        self.load_button.setText("Load" if not info.downloads else "Load (download if missing)")
        self._forget_dataset()
        self._maybe_auto_load()

    def _set_option_defaults(self, toy: bool, digits: bool) -> None:
        for spin in (self.samples, self.noise):
            spin.blockSignals(True)
        if toy:
            self.samples.setValue(1000)
            self.noise.setText(f"{TOY_SETS[self.name][1]:g}")
        elif digits:
            self.samples.setValue(20000)
        for spin in (self.samples, self.noise):
            spin.blockSignals(False)

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
                       self.samples, self.noise, self.download):
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
    if info.name == "digits":
        parts.append("Drawing 20,000 takes a little while.")
    return " ".join(parts)
