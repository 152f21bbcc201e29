"""One editor widget per parameter kind, generated from the catalog's ParamSpec.

Every edit is validated with `ParamSpec.coerce`; a bad value shows the message inline
and is not committed. Valid values are emitted through `committed`. Must not mutate
the document.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QSpinBox, QWidget

from engine.catalog import LayerError, ParamSpec

INT_LIMIT = 1_000_000_000
# What a 0 means where 0 is a stand-in (shown instead of the number in the spin box).
SPECIAL_ZERO = {"stride": "same as kernel"}


class ParamEditor(QObject):
    committed = Signal(str, object)  # parameter name, coerced value

    def __init__(self, spec: ParamSpec, parent: QWidget) -> None:
        super().__init__(parent)
        self.spec = spec
        self.widget = self._make_widget(parent)
        self.widget.setToolTip(spec.help)
        self.widget.setObjectName(f"param_{spec.name}")
        self.message = QLabel(parent, objectName="inline_error", wordWrap=True)
        self.message.hide()

    # -- subclasses -----------------------------------------------------------------------
    def _make_widget(self, parent: QWidget) -> QWidget:
        raise NotImplementedError

    def _show(self, value: Any) -> None:
        raise NotImplementedError

    # -- shared ---------------------------------------------------------------------------
    def set_value(self, raw: Any) -> None:
        """Show a stored value without committing it; a bad stored value shows its message."""
        self.widget.blockSignals(True)
        try:
            self._show(self.spec.coerce(raw))
            self._set_error(None)
        except LayerError as exc:
            self._show_raw(raw)
            self._set_error(str(exc))
        finally:
            self.widget.blockSignals(False)

    def _show_raw(self, raw: Any) -> None:
        pass

    def commit(self, raw: Any) -> bool:
        """Validate `raw` as typed by the user; emit it if valid."""
        try:
            value = self.spec.coerce(raw)
        except LayerError as exc:
            self._set_error(str(exc))
            return False
        self._set_error(None)
        self.committed.emit(self.spec.name, list(value) if isinstance(value, tuple) else value)
        return True

    def _set_error(self, text: str | None) -> None:
        self.message.setText(text or "")
        self.message.setVisible(bool(text))
        self.widget.setProperty("invalid", bool(text))
        self.widget.style().unpolish(self.widget)
        self.widget.style().polish(self.widget)

    @property
    def error(self) -> str | None:
        return self.message.text() or None


class IntEditor(ParamEditor):
    def _make_widget(self, parent: QWidget) -> QSpinBox:
        box = QSpinBox(parent)
        low = -INT_LIMIT if self.spec.minimum is None else int(self.spec.minimum)
        high = INT_LIMIT if self.spec.maximum is None else int(self.spec.maximum)
        box.setRange(low, high)
        if low == 0 and self.spec.name in SPECIAL_ZERO:
            box.setSpecialValueText(SPECIAL_ZERO[self.spec.name])
        box.setKeyboardTracking(False)  # commit on Enter, focus-out or arrows, not per digit
        box.setAccelerated(True)
        box.valueChanged.connect(self.commit)
        return box

    def _show(self, value: int) -> None:
        self.widget.setValue(value)


class TextEditor(ParamEditor):
    """Floats, shapes and anything typed as text."""

    def _make_widget(self, parent: QWidget) -> QLineEdit:
        edit = QLineEdit(parent)
        if self.spec.kind == "shape":
            edit.setPlaceholderText("e.g. 1, 28, 28")
        elif self.spec.kind == "pair":
            edit.setPlaceholderText("e.g. 3, or 1, 7 for height, width")
        edit.editingFinished.connect(lambda: self.commit(self._typed(edit.text())))
        return edit

    def _typed(self, text: str) -> Any:
        """The typed text, with a zero's stand-in words (or nothing) read back as 0."""
        text = text.strip()
        special = SPECIAL_ZERO.get(self.spec.name)
        return 0 if special and text in ("", special) else text

    def _show(self, value: Any) -> None:
        special = SPECIAL_ZERO.get(self.spec.name)
        zero = value == 0 or (isinstance(value, (list, tuple)) and all(v == 0 for v in value))
        self.widget.setText(special if special and zero else _text(value))

    def _show_raw(self, raw: Any) -> None:
        self.widget.setText(_text(raw))


class BoolEditor(ParamEditor):
    def _make_widget(self, parent: QWidget) -> QCheckBox:
        box = QCheckBox(parent)
        box.toggled.connect(self.commit)
        return box

    def _show(self, value: bool) -> None:
        self.widget.setChecked(value)


class ChoiceEditor(ParamEditor):
    def _make_widget(self, parent: QWidget) -> QComboBox:
        box = QComboBox(parent)
        for choice in self.spec.choices:
            box.addItem(str(choice), choice)
        box.activated.connect(lambda index: self.commit(box.itemData(index)))
        return box

    def _show(self, value: Any) -> None:
        self.widget.setCurrentIndex(self.spec.choices.index(value))


class IntOrSameEditor(ParamEditor):
    """An editable combo box: type a number (or height, width) or pick "same"."""

    def _make_widget(self, parent: QWidget) -> QComboBox:
        box = QComboBox(parent)
        box.setEditable(True)
        box.addItem("same")
        box.setInsertPolicy(QComboBox.NoInsert)
        box.activated.connect(lambda index: self.commit(box.currentText().strip()))
        box.lineEdit().editingFinished.connect(lambda: self.commit(box.currentText().strip()))
        return box

    def _show(self, value: Any) -> None:
        self.widget.setEditText(_text(value))

    def _show_raw(self, raw: Any) -> None:
        self.widget.setEditText(_text(raw))


_EDITORS = {"int": IntEditor, "float": TextEditor, "shape": TextEditor, "bool": BoolEditor,
            "choice": ChoiceEditor, "int_or_same": IntOrSameEditor, "pair": TextEditor,
            "pair_or_same": IntOrSameEditor, "ints": TextEditor}


def make_editor(spec: ParamSpec, parent: QWidget) -> ParamEditor:
    return _EDITORS[spec.kind](spec, parent)


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
