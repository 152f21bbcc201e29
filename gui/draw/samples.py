"""Test pictures to pick from, for networks trained on photos (Fashion-MNIST, CIFAR-10,
image folders) where drawing makes no sense: a grid of thumbnails and an "Open image…"
button. Clicking a thumbnail emits `sample_picked(index)`; the view classifies it and
shows its true label.

`pick_samples` chooses which test samples to show (a few of every class, reproducibly);
the dataset itself is loaded by the view in the background. No network logic.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .imaging import picture_image

THUMB = 56
SAMPLES = 40


def pick_samples(labels: np.ndarray, count: int = SAMPLES, seed: int = 0) -> list[int]:
    """Indices of `count` test samples, classes taking turns, in a fixed random order."""
    rng = np.random.default_rng(seed)
    by_class = [rng.permutation(np.flatnonzero(labels == c)).tolist() for c in np.unique(labels)]
    picked: list[int] = []
    while len(picked) < count and any(by_class):
        for pool in by_class:
            if pool and len(picked) < count:
                picked.append(int(pool.pop()))
    return picked


def to_picture(sample: np.ndarray) -> np.ndarray:
    """A dataset sample (C, H, W) uint8 -> a picture (H, W) or (H, W, 3)."""
    return sample[0] if sample.shape[0] == 1 else np.ascontiguousarray(sample.transpose(1, 2, 0))


class SamplesPanel(QWidget):
    """Thumbnails of test samples and an Open image… button."""

    sample_picked = Signal(int)
    open_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="samples_panel")
        self.pictures: list[np.ndarray] = []
        self.labels: list[int] = []
        self.title = QLabel("Pick a test picture", objectName="section_title")
        self.note = QLabel(objectName="muted_note", wordWrap=True)
        self.grid = QListWidget(objectName="sample_grid")
        # List mode flowing left to right: thumbnails only, no empty caption row under each.
        self.grid.setFlow(QListView.LeftToRight)
        self.grid.setWrapping(True)
        self.grid.setIconSize(QSize(THUMB, THUMB))
        self.grid.setResizeMode(QListView.Adjust)
        self.grid.setMovement(QListView.Static)
        self.grid.setUniformItemSizes(True)
        self.grid.setSpacing(3)
        self.grid.itemClicked.connect(self._on_grid_item_clicked)
        self.open_button = QPushButton("Open image…", objectName="open_image_button")
        self.open_button.clicked.connect(self.open_requested)
        self._lay_out()

    def _lay_out(self) -> None:
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        row.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.title)
        column.addWidget(self.note)
        column.addWidget(self.grid, 1)
        column.addLayout(row)

    def show_message(self, text: str) -> None:
        self.note.setText(text)

    def set_samples(self, pictures: list[np.ndarray], labels: list[int], class_names: list[str]) -> None:
        self.pictures, self.labels = pictures, labels
        self.grid.clear()
        for index, (picture, label) in enumerate(zip(pictures, labels)):
            pixmap = QPixmap.fromImage(picture_image(picture)).scaled(
                THUMB, THUMB, Qt.KeepAspectRatio, Qt.FastTransformation)
            item = QListWidgetItem(QIcon(pixmap), "")
            item.setToolTip(class_names[label] if label < len(class_names) else str(label))
            item.setData(Qt.UserRole, index)
            self.grid.addItem(item)

    def _on_grid_item_clicked(self, item: QListWidgetItem) -> None:
        self.sample_picked.emit(int(item.data(Qt.UserRole)))
