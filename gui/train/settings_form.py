"""The hyperparameter form: one editor per `TrainConfig` field a learner should see.

Turns the editors into a `TrainConfig` and lists what is wrong in the engine's own words
(`TrainConfig.problems()`, plus the device check), so the view can show the message
inline and keep Start disabled. Fields not shown (amp, log_every) keep their values.
Must not import the rest of the Train view.
"""
from __future__ import annotations

import dataclasses
import math

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QSpinBox, QWidget

from engine.training import TrainConfig, TrainingError, pick_device

OPTIMIZER_TITLES = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "adagrad": "Adagrad",
                    "adadelta": "Adadelta", "rmsprop": "RMSprop"}
LOSS_TITLES = {"cross_entropy": "Cross-entropy", "bce": "Binary cross-entropy (1 output)",
               "mse": "Mean squared error", "nll": "NLL (after log-softmax)"}
SCHEDULE_TITLES = {"none": "Constant", "step": "Step (×0.1 every third)", "cosine": "Cosine",
                   "onecycle": "One-cycle"}
DEVICE_TITLES = {"auto": "Auto (best available)", "cpu": "CPU", "cuda": "CUDA GPU", "mps": "Apple GPU"}
TEXT_FIELDS = {"lr": "learning rate", "weight_decay": "weight decay", "momentum": "momentum"}
PERCENT_FIELDS = ("val_split",)  # shown as whole percents, stored as fractions
TIPS = {
    "optimizer": "How the weights move along the gradient. Adam forgives a rough learning rate.",
    "lr": "Step size of each update. Too high: the loss jumps or becomes NaN; too low: slow.",
    "batch_size": "Samples per update. Larger batches run faster per sample; smaller ones take more, noisier steps.",
    "epochs": "Passes over the training split.",
    "loss": "What is minimized; cross-entropy for classification with one output per class.",
    "schedule": "How the learning rate changes during the run.",
    "weight_decay": "L2 penalty on the weights; 0 turns it off. Try 0.0005.",
    "momentum": "SGD and RMSprop: share of the previous update kept.",
    "nesterov": "SGD only: look ahead along the momentum before taking the gradient.",
    "val_split": "Share of the training set held out to measure generalization each epoch.",
    "early_stopping": "Stop when the validation loss stops improving and keep the best epoch's weights.",
    "patience": "Epochs without a better validation loss before stopping early.",
    "seed": "Same seed, same initial weights and batch order: the same run (on the CPU).",
    "device": "Where training runs; auto picks a GPU when there is one.",
}


def _combo(titles: dict[str, str]) -> QComboBox:
    combo = QComboBox()
    for key, title in titles.items():
        combo.addItem(title, key)
    return combo


def _spin(low: int, high: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setAccelerated(True)
    return spin


def _percent(high: int) -> QSpinBox:
    spin = _spin(0, high)
    spin.setSuffix(" %")
    spin.setSingleStep(5)
    return spin


class SettingsForm(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.base = TrainConfig()
        self.editors = {
            "optimizer": _combo(OPTIMIZER_TITLES), "lr": QLineEdit(), "batch_size": _spin(1, 65536),
            "epochs": _spin(1, 10000), "loss": _combo(LOSS_TITLES), "schedule": _combo(SCHEDULE_TITLES),
            "weight_decay": QLineEdit(), "momentum": QLineEdit(),
            "nesterov": QCheckBox("Nesterov"), "val_split": _percent(90),
            "early_stopping": QCheckBox("Stop early"), "patience": _spin(1, 1000),
            "seed": _spin(0, 2**31 - 1), "device": _combo(DEVICE_TITLES),
        }
        self.error_label = QLabel(objectName="inline_error", wordWrap=True)
        self.error_label.hide()
        self._layout()
        self.set_config(self.base)
        self._connect()

    def _layout(self) -> None:
        e = self.editors
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        rows = [("Optimizer", e["optimizer"]), ("Learning rate", e["lr"]), ("Batch size", e["batch_size"]),
                ("Epochs", e["epochs"]), ("Loss", e["loss"]), ("LR schedule", e["schedule"]),
                ("Weight decay", e["weight_decay"]), ("Momentum", _pair(e["momentum"], e["nesterov"])),
                ("Validation split", e["val_split"]),
                ("Early stopping", _pair(e["early_stopping"], QLabel("patience"), e["patience"])),
                ("Seed", e["seed"]), ("Device", e["device"])]
        for label, widget in rows:
            form.addRow(label, widget)
        form.addRow(self.error_label)
        for name, editor in e.items():
            editor.setToolTip(TIPS[name])
            editor.setObjectName(f"setting_{name}")
            if not isinstance(editor, QCheckBox):
                editor.setMinimumWidth(64)  # long choices and wide ranges must not widen the panel

    def _connect(self) -> None:
        for editor in self.editors.values():
            for signal in ("currentIndexChanged", "textChanged", "valueChanged", "toggled"):
                if hasattr(editor, signal):
                    getattr(editor, signal).connect(self._on_editor_changed)
                    break

    # -- values -------------------------------------------------------------------------
    def set_config(self, config: TrainConfig) -> None:
        """Show `config`; hidden fields (amp, log_every) are kept from it."""
        self.base = config
        for name, editor in self.editors.items():
            editor.blockSignals(True)
            _set_value(editor, name, getattr(config, name))
            editor.blockSignals(False)
        self._on_editor_changed()

    def set_field(self, name: str, value) -> None:
        """Set a setting that has no editor here (augmentation, from gui.train.augment_panel)."""
        self.base = dataclasses.replace(self.base, **{name: value})
        self._on_editor_changed()

    def config(self) -> TrainConfig | None:
        """The settings shown, or None while a value is unusable (see `problems`)."""
        values = self._values()
        if values is None:
            return None
        config = dataclasses.replace(self.base, **values)
        return None if config.problems() else config

    def problems(self) -> list[str]:
        values = self._values()
        if values is None:
            return self._text_problems()
        problems = dataclasses.replace(self.base, **values).problems()
        return problems or self._device_problems(values["device"])

    def _values(self) -> dict | None:
        if self._text_problems():
            return None
        return {name: _value(editor, name) for name, editor in self.editors.items()}

    def _text_problems(self) -> list[str]:
        problems = []
        for name, words in TEXT_FIELDS.items():
            if _parse_float(self.editors[name].text()) is None:
                problems.append(f"{words} must be a number such as {getattr(TrainConfig(), name) or 0.0005:g}")
        return problems

    @staticmethod
    def _device_problems(device: str) -> list[str]:
        try:
            pick_device(device)
        except TrainingError as exc:
            return [str(exc)]
        return []

    def _on_editor_changed(self, *args) -> None:
        e = self.editors
        optimizer = e["optimizer"].currentData()
        e["momentum"].setEnabled(optimizer in ("sgd", "rmsprop"))
        e["nesterov"].setEnabled(optimizer == "sgd")
        e["patience"].setEnabled(e["early_stopping"].isChecked())
        problems = self.problems()
        self.error_label.setText(problems[0] if problems else "")
        self.error_label.setVisible(bool(problems))
        for name in TEXT_FIELDS:
            bad = any(TEXT_FIELDS[name] in p for p in problems)
            _mark_invalid(e[name], bad)
        self.changed.emit()

    def set_editable(self, editable: bool) -> None:
        for editor in self.editors.values():
            editor.setEnabled(editable)
        if editable:
            self._on_editor_changed()


def _pair(*widgets: QWidget) -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        row.addWidget(widget)
    row.addStretch(1)
    return box


def _parse_float(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _set_value(editor: QWidget, name: str, value) -> None:
    if isinstance(editor, QComboBox):
        editor.setCurrentIndex(max(editor.findData(value), 0))
    elif isinstance(editor, QLineEdit):
        editor.setText(f"{value:g}")
    elif isinstance(editor, QCheckBox):
        editor.setChecked(bool(value))
    else:
        editor.setValue(round(value * 100) if name in PERCENT_FIELDS else value)


def _value(editor: QWidget, name: str):
    if isinstance(editor, QComboBox):
        return editor.currentData()
    if isinstance(editor, QLineEdit):
        return _parse_float(editor.text())
    if isinstance(editor, QCheckBox):
        return editor.isChecked()
    return editor.value() / 100.0 if name in PERCENT_FIELDS else int(editor.value())


def _mark_invalid(editor: QWidget, invalid: bool) -> None:
    if editor.property("invalid") != invalid:
        editor.setProperty("invalid", invalid)
        editor.style().unpolish(editor)
        editor.style().polish(editor)
