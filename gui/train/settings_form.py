"""The hyperparameter form: one editor per `TrainConfig` setting a learner should see,
generated from the engine's `Setting` records (kind, range, choices, help, `when`, `beside`).

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

from engine.training import SETTINGS, Setting, TrainConfig, TrainingError, pick_device

SPIN_LIMIT = 2**31 - 1  # the widest a QSpinBox counts
SHOWN = {name: spec for name, spec in SETTINGS.items() if spec.form}
TEXT_FIELDS = {name: spec.title for name, spec in SHOWN.items() if spec.kind == "float" and not spec.percent}


def _editor(spec: Setting) -> QWidget:
    """The editor for one setting, from its kind and range (never from a list of its own)."""
    if spec.kind == "choice":
        combo = QComboBox()
        for value, title in spec.choices:
            combo.addItem(title, value)
        return combo
    if spec.kind == "bool":
        return QCheckBox(spec.form_label)
    if spec.kind == "float" and not spec.percent:
        return QLineEdit()
    scale = 100 if spec.percent else 1
    high = spec.maximum if spec.maximum is not None else spec.form_max
    spin = QSpinBox()
    spin.setRange(int((spec.minimum or 0) * scale), int(min(SPIN_LIMIT, high * scale if high else SPIN_LIMIT)))
    spin.setAccelerated(True)
    if spec.percent:
        spin.setSuffix(" %")
        spin.setSingleStep(5)
    return spin


class SettingsForm(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.base = TrainConfig()
        self.editors = {name: _editor(spec) for name, spec in SHOWN.items()}
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
        rows: dict[str, list[QWidget]] = {}
        for name, spec in SHOWN.items():
            if spec.beside:  # e.g. Nesterov beside momentum, patience beside early stopping
                words = [] if spec.kind == "bool" else [QLabel(spec.title)]
                rows[spec.beside] += [*words, e[name]]
            else:
                rows[name] = [e[name]]
        for name, widgets in rows.items():
            spec = SHOWN[name]  # a check box carries its own text; its row is titled
            label = spec.title[:1].upper() + spec.title[1:] if spec.kind == "bool" else spec.form_label
            form.addRow(label, widgets[0] if len(widgets) == 1 else _pair(*widgets))
        form.addRow(self.error_label)
        for name, editor in e.items():
            editor.setToolTip(SHOWN[name].help)
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
                example = SHOWN[name].default or float(SHOWN[name].hint)
                problems.append(f"{words} must be a number such as {example:g}")
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
        for name, spec in SHOWN.items():
            if spec.when is not None:  # e.g. momentum applies to sgd and rmsprop only
                other, values = spec.when
                e[name].setEnabled(_value(e[other], other) in values)
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
        editor.setValue(round(value * 100) if SHOWN[name].percent else value)


def _value(editor: QWidget, name: str):
    if isinstance(editor, QComboBox):
        return editor.currentData()
    if isinstance(editor, QLineEdit):
        return _parse_float(editor.text())
    if isinstance(editor, QCheckBox):
        return editor.isChecked()
    return editor.value() / 100.0 if SHOWN[name].percent else int(editor.value())


def _mark_invalid(editor: QWidget, invalid: bool) -> None:
    if editor.property("invalid") != invalid:
        editor.setProperty("invalid", invalid)
        editor.style().unpolish(editor)
        editor.style().polish(editor)
