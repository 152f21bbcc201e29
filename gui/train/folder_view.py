"""The image-folder data set view: the classes of a folder with their image counts, a row of
thumbnails per class, a class-imbalance warning, and after loading the train/test split and
the files that were left out as unreadable.

Scanning is the engine's (engine.data.folder: folder_classes, sample_files, imbalance_warning;
nothing is decoded for the counts); thumbnails are read small with QImageReader, at most
THUMBS per class for the first MAX_CLASSES classes. Must not import the rest of the Train view.
"""
from __future__ import annotations

import torch
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImageReader, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from engine.data import Dataset, DatasetError
from engine.data.folder import folder_classes, imbalance_warning, sample_files
from engine.formatting import counted

from .. import theme

THUMBS = 6
THUMB_PX = 34
MAX_CLASSES = 12
MAX_SKIPPED_SHOWN = 8


def thumbnail(path) -> QPixmap | None:
    """A small picture of the file, or None when Qt cannot read it (the load will say why)."""
    reader = QImageReader(str(path))
    size = reader.size()
    if size.isValid() and size.width() > 0 and size.height() > 0:
        reader.setScaledSize(size.scaled(QSize(THUMB_PX, THUMB_PX), Qt.KeepAspectRatio))
    image = reader.read()
    return None if image.isNull() else QPixmap.fromImage(image)


class FolderView(QWidget):
    """Shown under the dataset choice when it is "Image folder"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counts: dict[str, int] = {}
        self.summary = QLabel(objectName="folder_summary", wordWrap=True)
        self.warning = QLabel(objectName="folder_warning", wordWrap=True)
        self.skipped = QLabel(objectName="folder_skipped", wordWrap=True)
        self.skipped.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.grid_box = QWidget(objectName="folder_classes")
        self.grid = QGridLayout(self.grid_box)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(3)
        self.grid.setVerticalSpacing(3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.summary, self.grid_box, self.warning, self.skipped):
            layout.addWidget(widget)
        theme.restyle(self.warning, "error_box")
        self.show_folder("")

    def show_folder(self, path: str) -> bool:
        """Scan `path`: classes, counts, thumbnails, imbalance; False (reason shown) when it is not usable."""
        self._clear()
        if not path:
            self.summary.setText("Choose a folder with one sub-folder of images per class, e.g. pets/cat, pets/dog.")
            return False
        try:
            self.counts = folder_classes(path)
            samples = sample_files(path, THUMBS)
        except DatasetError as exc:
            self.summary.setText(str(exc))
            return False
        total = sum(self.counts.values())
        self.summary.setText(f"{counted(len(self.counts), 'class', 'classes')}, {counted(total, 'image')}")
        self._fill_grid(samples)
        warning = imbalance_warning(self.counts)
        self.warning.setText(warning or "")
        self.warning.setVisible(bool(warning))
        return True

    def show_loaded(self, dataset: Dataset) -> None:
        """After a load: each class's train/test split, and the files left out."""
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
        lines = "\n".join(skipped[:MAX_SKIPPED_SHOWN]) + (f"\n… and {len(skipped) - MAX_SKIPPED_SHOWN} more"
                                                           if len(skipped) > MAX_SKIPPED_SHOWN else "")
        self.skipped.setText(f"{counted(len(skipped), 'unreadable file')} left out:\n{lines}" if skipped else "")
        self.skipped.setVisible(bool(skipped))

    def _fill_grid(self, samples: dict) -> None:
        for row, (name, files) in enumerate(list(samples.items())[:MAX_CLASSES]):
            label = QLabel(f"{name}\n{counted(self.counts[name], 'image')}", objectName="folder_class")
            label.setMinimumWidth(90)
            self.grid.addWidget(label, row, 0)
            for col, file in enumerate(files, start=1):
                cell = QLabel(objectName="folder_thumb")
                cell.setFixedSize(THUMB_PX, THUMB_PX)
                cell.setAlignment(Qt.AlignCenter)
                pixmap = thumbnail(file)
                if pixmap is not None:
                    cell.setPixmap(pixmap)
                else:
                    cell.setText("?")
                    cell.setToolTip(f"{file.name} cannot be shown; loading says whether it can be used")
                self.grid.addWidget(cell, row, col)
        more = len(samples) - MAX_CLASSES
        if more > 0:
            self.grid.addWidget(QLabel(f"… and {counted(more, 'more class', 'more classes')}"), MAX_CLASSES, 0, 1, -1)

    def _clear(self) -> None:
        self.counts = {}
        while self.grid.count():
            widget = self.grid.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self.warning.hide()
        self.skipped.hide()
