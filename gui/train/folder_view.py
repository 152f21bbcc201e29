"""The image-folder data set view: the classes of a folder with their image counts, a row of
thumbnails per class, a class-imbalance warning, and after loading the train/test split and
the files that were left out as unreadable.

Scanning is the engine's (engine.data.folder: class_folders, folder_overview, imbalance_warning;
nothing is decoded for the counts) and runs off the GUI thread (folder_scan.FolderScan) with a
progress bar and Cancel: only the folder's own listing is read at once, so a folder that cannot
be used (missing, one class) is refused on the spot. Thumbnails are read small with
QImageReader, at most THUMBS per class for the first MAX_CLASSES classes. Must not import the
rest of the Train view.
"""
from __future__ import annotations

import torch
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from engine.catalog import fmt_shape
from engine.data import Dataset, DatasetError
from engine.data.folder import class_folders, imbalance_warning
from engine.formatting import counted

from .. import theme
from .folder_scan import FolderScan, ScanResult

THUMBS = 6
THUMB_PX = 34
MAX_CLASSES = 12
MAX_SKIPPED_SHOWN = 8


class FolderView(QWidget):
    """Shown under the dataset choice when it is "Image folder"."""

    scan_finished = Signal(bool)  # a scan ended: True when its classes are shown (not refused, not cancelled)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counts: dict[str, int] = {}
        self.path = ""  # the folder shown (or being scanned)
        self._loaded: Dataset | None = None  # the folder's last load, shown over the scan's counts
        self.scanner = FolderScan(THUMBS, MAX_CLASSES, THUMB_PX, self)
        self.scanner.progress_changed.connect(self._on_scanner_progress_changed)
        self.scanner.scanned.connect(self._on_scanner_scanned)
        self.scanner.failed.connect(self._on_scanner_failed)
        self.scanner.cancelled.connect(self._on_scanner_cancelled)
        self.progress = QProgressBar(objectName="folder_scan_progress", maximum=1000, visible=False)
        self.cancel_button = QPushButton("Cancel", objectName="folder_scan_cancel", visible=False)
        self.cancel_button.setToolTip("Stop looking through this folder")
        self.cancel_button.clicked.connect(self.cancel_scan)
        self.summary = QLabel(objectName="folder_summary", wordWrap=True)
        self.warning = QLabel(objectName="folder_warning", wordWrap=True)
        self.skipped = QLabel(objectName="folder_skipped", wordWrap=True)
        self.reading = QLabel(objectName="folder_reading", wordWrap=True, visible=False)  # how pictures are read
        self.skipped.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.grid_box = QWidget(objectName="folder_classes")
        self.grid = QGridLayout(self.grid_box)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(3)
        self.grid.setVerticalSpacing(3)
        scanning = QHBoxLayout()
        scanning.setContentsMargins(0, 0, 0, 0)
        scanning.addWidget(self.progress, 1)
        scanning.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addLayout(scanning)
        for widget in (self.grid_box, self.reading, self.warning, self.skipped):
            layout.addWidget(widget)
        theme.restyle(self.warning, "error_box")
        self.show_folder("")

    def show_folder(self, path: str) -> bool:
        """Look at `path`: False (reason shown) when its own listing already says it is not usable;
        else True, and its classes, counts, thumbnails and imbalance follow from a background scan
        (`scan_finished`)."""
        if path == self.path and (self.scanner.running or self.counts):
            return True  # the same folder again (the panel re-asks on every option change)
        self._clear()
        self.path = path
        if not path:
            self.scanner.cancel()
            self.summary.setText("Choose a folder with one sub-folder of images per class, e.g. pets/cat, pets/dog.")
            return False
        try:
            classes = class_folders(path)
        except DatasetError as exc:
            self.scanner.cancel()
            self.summary.setText(str(exc))
            return False
        self.summary.setText(f"Looking through {counted(len(classes), 'class folder')}…")
        self._set_scanning(True)
        self.scanner.scan(path)
        return True

    def cancel_scan(self) -> None:
        self.scanner.cancel()

    def shutdown(self) -> None:
        self.scanner.shutdown()

    def _set_scanning(self, on: bool) -> None:
        self.progress.setValue(0)
        self.progress.setVisible(on)
        self.cancel_button.setVisible(on)

    def _on_scanner_progress_changed(self, fraction: float) -> None:
        self.progress.setValue(round(fraction * 1000))

    def _on_scanner_scanned(self, path: str, result: ScanResult) -> None:
        if path != self.path:
            return
        self._set_scanning(False)
        self.counts = dict(result.overview.counts)
        total = sum(self.counts.values())
        self.summary.setText(_heading(len(self.counts), total))
        self._fill_grid(result.overview.samples, result.thumbnails)
        warning = imbalance_warning(self.counts)
        self.warning.setText(warning or "")
        self.warning.setVisible(bool(warning))
        if self._loaded is not None:
            self.show_loaded(self._loaded)
        self.scan_finished.emit(True)

    def _on_scanner_failed(self, path: str, message: str) -> None:
        if path == self.path:
            self._set_scanning(False)
            self.summary.setText(message)
            self.scan_finished.emit(False)

    def _on_scanner_cancelled(self, path: str) -> None:
        if path == self.path:
            self._set_scanning(False)
            self.path = ""  # choosing the same folder again scans it again
            self.summary.setText(f"Stopped looking through {path}. Choose the folder again to count its images.")
            self.scan_finished.emit(False)

    def show_loaded(self, dataset: Dataset) -> None:
        """After a load: each class's train/test split, and the files left out."""
        # shown again if the scan's result lands later (its signal can still be queued when the scan
        # thread is done), else the scan's file counts overwrote the split and the heading
        self._loaded = dataset
        train = torch.bincount(dataset.y_train, minlength=dataset.num_classes).tolist()
        test = torch.bincount(dataset.y_test, minlength=dataset.num_classes).tolist()
        for row, name in enumerate(dataset.class_names[:MAX_CLASSES]):
            item = self.grid.itemAtPosition(row, 0)
            if item is not None:
                item.widget().setText(f"{name}\n{train[row]} train · {test[row]} test")
        warning = imbalance_warning({n: a + b for n, a, b in zip(dataset.class_names, train, test)})
        self.warning.setText(warning or "")  # the images actually read, unreadable ones left out
        self.warning.setVisible(bool(warning))
        skipped = dataset.skipped
        read = _heading(dataset.num_classes, dataset.num_train + dataset.num_test)
        self.summary.setText(read + (f" ({len(skipped)} unreadable left out)" if skipped else ""))  # not the scan's
        lines = "\n".join(skipped[:MAX_SKIPPED_SHOWN]) + (f"\n… and {len(skipped) - MAX_SKIPPED_SHOWN} more"
                                                           if len(skipped) > MAX_SKIPPED_SHOWN else "")
        self.skipped.setText(f"{counted(len(skipped), 'unreadable file')} left out:\n{lines}" if skipped else "")
        self.skipped.setVisible(bool(skipped))
        self.reading.setText(reading_text(dataset.input_shape))
        self.reading.setVisible(True)

    def _fill_grid(self, samples: dict, thumbs: dict) -> None:
        for row, (name, files) in enumerate(list(samples.items())[:MAX_CLASSES]):
            label = QLabel(f"{name}\n{counted(self.counts[name], 'image')}", objectName="folder_class")
            label.setMinimumWidth(90)
            self.grid.addWidget(label, row, 0)
            for col, file in enumerate(files, start=1):
                cell = QLabel(objectName="folder_thumb")
                cell.setFixedSize(THUMB_PX, THUMB_PX)
                cell.setAlignment(Qt.AlignCenter)
                image = thumbs.get(file)
                if image is not None:
                    cell.setPixmap(QPixmap.fromImage(image))
                else:
                    cell.setText("?")
                    cell.setToolTip(f"{file.name} cannot be shown; loading says whether it can be used")
                self.grid.addWidget(cell, row, col)
        more = len(samples) - MAX_CLASSES
        if more > 0:
            self.grid.addWidget(QLabel(f"… and {counted(more, 'more class', 'more classes')}"), MAX_CLASSES, 0, 1, -1)

    def _clear(self) -> None:
        self.counts = {}
        self._loaded = None
        self._set_scanning(False)
        while self.grid.count():
            widget = self.grid.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self.warning.hide()
        self.skipped.hide()
        self.reading.hide()


def _heading(classes: int, images: int) -> str:
    """The folder's heading: what the scan counted, or after a load the images actually read."""
    return f"{counted(classes, 'class', 'classes')}, {counted(images, 'image')}"


def reading_text(shape: tuple[int, ...]) -> str:
    """How every picture of the folder reaches the network: its colour and size, said once (a colour photo read
    for a one-channel network turns grey, which the shape alone does not tell a learner)."""
    if len(shape) != 3:
        return ""
    channels, height, width = shape
    colour = "in grey (the network takes one channel)" if channels == 1 else f"in colour ({channels} channels)"
    return f"Each picture is read {colour} and resized to {height}×{width}: {fmt_shape(shape)}, the network's input."
