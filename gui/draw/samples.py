"""The Try it panel, for networks trained on photos (Fashion-MNIST, CIFAR-10, image folders,
pretrained ImageNet networks) where drawing makes no sense: the user's own pictures (dropped
on the view, opened or pasted; a strip of thumbnails, the newest first) above a grid of the
dataset's test pictures. Clicking a test thumbnail emits `sample_picked(index)` (the view
classifies it and shows its true label), clicking one of the user's emits `mine_picked(index)`.

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
MAX_MINE = 24  # the user's pictures kept in the strip; older ones drop off
HINT = "Drop image files here, open them, or paste a picture (Ctrl+V)."


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
    mine_picked = Signal(int)
    open_requested = Signal()
    paste_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="samples_panel")
        self.pictures: list[np.ndarray] = []
        self.labels: list[int] = []
        self.mine_pictures: list[np.ndarray] = []  # the user's own, newest first
        self.mine_names: list[str] = []
        self.heading = QLabel("Try it", objectName="section_title")
        self.hint = QLabel(HINT, objectName="try_it_hint", wordWrap=True)
        self.mine = _strip("my_pictures")
        self.mine.setVisible(False)
        self.mine.itemClicked.connect(self._on_mine_item_clicked)
        self.title = QLabel("Or pick a test picture", objectName="section_title")
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
        self.open_button = QPushButton("Open images…", objectName="open_image_button")
        self.open_button.setToolTip("Classify picture files (PNG, JPEG, …): each is read, resized and normalized "
                                    "the way the training pictures were")
        self.open_button.clicked.connect(self.open_requested)
        self.paste_button = QPushButton("Paste image", objectName="paste_image_button")
        self.paste_button.setToolTip("Classify the picture (or image file) on the clipboard (Ctrl+V)")
        self.paste_button.clicked.connect(self.paste_requested)
        self.setFocusPolicy(Qt.ClickFocus)  # so Ctrl+V reaches the view, not the hidden canvas's Paste
        self._lay_out()

    def _lay_out(self) -> None:
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        row.addWidget(self.paste_button)
        row.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.heading)
        column.addWidget(self.hint)
        column.addLayout(row)
        column.addWidget(self.mine)
        column.addWidget(self.title)
        column.addWidget(self.note)
        column.addWidget(self.grid, 1)
        column.addStretch(0)  # takes the height only while the grid is hidden

    def show_message(self, text: str) -> None:
        self.note.setText(text)

    def set_samples(self, pictures: list[np.ndarray], labels: list[int], class_names: list[str]) -> None:
        self.pictures, self.labels = pictures, labels
        self.grid.clear()
        self.grid.setVisible(bool(pictures))  # no empty box where no test pictures are known
        for index, (picture, label) in enumerate(zip(pictures, labels)):
            name = class_names[label] if label < len(class_names) else str(label)
            self.grid.addItem(_thumb_item(picture, name, index))

    def add_mine(self, picture: np.ndarray, name: str) -> None:
        """Put one of the user's pictures first in their strip (it is the one being classified)."""
        self.mine_pictures.insert(0, picture)
        self.mine_names.insert(0, name)
        del self.mine_pictures[MAX_MINE:], self.mine_names[MAX_MINE:]
        self.mine.clear()
        for index, (pic, label) in enumerate(zip(self.mine_pictures, self.mine_names)):
            self.mine.addItem(_thumb_item(pic, label, index))
        self.mine.setCurrentRow(0)
        self.mine.setVisible(True)

    def _on_mine_item_clicked(self, item: QListWidgetItem) -> None:
        self.mine_picked.emit(int(item.data(Qt.UserRole)))

    def _on_grid_item_clicked(self, item: QListWidgetItem) -> None:
        self.sample_picked.emit(int(item.data(Qt.UserRole)))


def _strip(name: str) -> QListWidget:
    """One row of thumbnails, scrolling sideways."""
    strip = QListWidget(objectName=name)
    strip.setFlow(QListView.LeftToRight)
    strip.setWrapping(False)
    strip.setIconSize(QSize(THUMB, THUMB))
    strip.setMovement(QListView.Static)
    strip.setFixedHeight(THUMB + 26)
    return strip


def _thumb_item(picture: np.ndarray, tooltip: str, index: int) -> QListWidgetItem:
    """Small dataset pictures are enlarged with crisp pixels, big photos shrunk smoothly."""
    smooth = max(picture.shape[:2]) > THUMB
    pixmap = QPixmap.fromImage(picture_image(picture)).scaled(
        THUMB, THUMB, Qt.KeepAspectRatio, Qt.SmoothTransformation if smooth else Qt.FastTransformation)
    item = QListWidgetItem(QIcon(pixmap), "")
    item.setToolTip(tooltip)
    item.setData(Qt.UserRole, index)
    return item
