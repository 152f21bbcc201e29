"""Augmentation controls and their live preview: one checkbox and amount per term of
engine.training.augment_spec.TERMS (so a new term appears here by itself), writing the
canonical spec a run stores in `TrainConfig.augment`, and a strip showing one training
sample augmented eight times by the engine's own `Augmenter` (what training will see).

Must not import the rest of the Train view.
"""
from __future__ import annotations

import numpy as np
import torch
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from engine.data import Dataset
from engine.training.augment import Augmenter
from engine.training.augment_spec import TERMS, AugmentError, canonical, parse

from .images import sample_pixels, to_qimage

COPIES = 8
TITLES = {"flip": "Flip left-right", "rotate": "Rotate", "translate": "Shift", "crop": "Random crop",
          "jitter": "Colour jitter"}
SUFFIXES = {"rotate": "°"}
PREVIEW_PX = 36  # each copy on screen: eight fit the settings column
PREVIEW_SEED = 0  # the same draws each time, so a changed amount is what changes the strip


class AugmentControls(QWidget):
    """A checkbox and an amount per term; `spec()` is the canonical string ("" for none)."""

    changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.boxes: dict[str, QCheckBox] = {}
        self.amounts: dict[str, QDoubleSpinBox] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        for row, term in enumerate(TERMS.values()):
            box = QCheckBox(TITLES.get(term.name, term.name), objectName=f"augment_{term.name}")
            box.setToolTip(term.help)
            amount = QDoubleSpinBox(objectName=f"augment_{term.name}_amount")
            decimals = 0 if term.high >= 10 else 2
            amount.setDecimals(decimals)
            amount.setSingleStep(1.0 if decimals == 0 else 0.05)
            amount.setRange(term.low if term.low_inclusive else term.low + 10 ** -decimals, term.high)
            amount.setValue(term.default)
            amount.setSuffix(SUFFIXES.get(term.name, ""))
            amount.setToolTip(term.help)
            amount.setEnabled(False)
            box.toggled.connect(amount.setEnabled)
            box.toggled.connect(self._on_edited)
            amount.valueChanged.connect(self._on_edited)
            grid.addWidget(box, row, 0)
            grid.addWidget(amount, row, 1)
            self.boxes[term.name], self.amounts[term.name] = box, amount

    def spec(self) -> str:
        return canonical(",".join(f"{name}={self.amounts[name].value():g}"
                                  for name, box in self.boxes.items() if box.isChecked()))

    def set_spec(self, spec: str) -> None:
        """Show `spec` (a run's stored settings); an unusable one shows as none."""
        try:
            amounts = parse(spec)
        except AugmentError:
            amounts = {}
        for name, box in self.boxes.items():
            for widget in (box, self.amounts[name]):
                widget.blockSignals(True)
            box.setChecked(name in amounts)
            self.amounts[name].setEnabled(name in amounts)
            self.amounts[name].setValue(amounts.get(name, TERMS[name].default))
            for widget in (box, self.amounts[name]):
                widget.blockSignals(False)

    def _on_edited(self, *args) -> None:
        self.changed.emit(self.spec())


def augmented_copies(x: torch.Tensor, spec: str, copies: int = COPIES, seed: int = PREVIEW_SEED) -> torch.Tensor:
    """`copies` augmentations of one raw sample `x` (C, H, W), as uint8 (copies, C, H, W)."""
    top = 255.0 if x.dtype == torch.uint8 else 1.0
    batch = x.unsqueeze(0).expand(copies, *x.shape)
    augmenter = Augmenter(spec, top)
    out = augmenter(batch, torch.Generator().manual_seed(seed)) if augmenter else batch.float()
    return (out * (255.0 / top)).round().clamp(0, 255).to(torch.uint8)


class AugmentPreview(QWidget):
    """One training sample augmented eight times; empty (with a note) without an image dataset."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cells = [QLabel(objectName="augment_copy") for _ in range(COPIES)]
        self.note = QLabel("Load an image dataset to see its augmented samples.", objectName="muted",
                           wordWrap=True)
        row = QHBoxLayout()
        row.setSpacing(3)
        row.setContentsMargins(0, 0, 0, 0)
        for cell in self.cells:
            cell.setFixedSize(PREVIEW_PX, PREVIEW_PX)
            cell.setAlignment(Qt.AlignCenter)
            row.addWidget(cell)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.note)
        self.sample: torch.Tensor | None = None

    def set_dataset(self, dataset: Dataset | None) -> None:
        images = dataset is not None and dataset.kind == "image" and dataset.x_train.dim() == 4 and len(dataset.x_train)
        self.sample = dataset.x_train[0] if images else None
        self.note.setVisible(self.sample is None)
        for cell in self.cells:
            cell.setVisible(self.sample is not None)

    def show_spec(self, spec: str) -> None:
        if self.sample is None:
            return
        for cell, image in zip(self.cells, augmented_copies(self.sample, spec)):
            pixels = sample_pixels(image.unsqueeze(0), 0)
            pixmap = QPixmap.fromImage(to_qimage(np.asarray(pixels)))
            cell.setPixmap(pixmap.scaled(PREVIEW_PX, PREVIEW_PX, Qt.KeepAspectRatio, Qt.FastTransformation))


class AugmentPanel(QWidget):
    """Controls over the preview; `changed(spec)` when the user edits them."""

    changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controls = AugmentControls()
        self.preview = AugmentPreview()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Training images only, drawn anew for every sample of every epoch:",
                                objectName="muted", wordWrap=True))
        layout.addWidget(self.controls)
        layout.addWidget(self.preview)
        self.controls.changed.connect(self._on_controls_changed)

    def spec(self) -> str:
        return self.controls.spec()

    def set_spec(self, spec: str) -> None:
        if spec != self.spec():
            self.controls.set_spec(spec)
            self.preview.show_spec(self.spec())

    def set_dataset(self, dataset: Dataset | None) -> None:
        self.controls.setEnabled(dataset is None or dataset.kind == "image")  # points have nothing to rotate
        self.preview.set_dataset(dataset)
        self.preview.show_spec(self.spec())

    def _on_controls_changed(self, spec: str) -> None:
        self.preview.show_spec(spec)
        self.changed.emit(spec)
