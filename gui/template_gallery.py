"""The template gallery: every course network with its title, summary, teaching note and
paper, plus the input shape and class count to build it for. Reads engine.templates only.
"""
from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QStyle,
    QStyledItemDelegate,
    QVBoxLayout,
    QWidget,
)

from engine import templates
from engine.catalog import LayerError, ParamSpec, fmt_shape
from engine.templates.base import is_large

from . import theme
from .theme import scaled_font

_SHAPE = ParamSpec("input shape", "shape", (1, 28, 28), "", minimum=1)


class _TemplateDelegate(QStyledItemDelegate):
    """Title in bold, the one-line summary below it in two muted lines."""

    def sizeHint(self, option, index) -> QSize:
        lines = QFontMetrics(option.font).height()
        return QSize(260, int(lines * 3 + 18))

    def paint(self, painter: QPainter, option, index) -> None:
        t = theme.current()
        selected = bool(option.state & QStyle.State_Selected)
        rect = QRectF(option.rect).adjusted(4, 2, -4, -2)
        painter.save()
        painter.setRenderHint(QPainter.Antialiasing)
        if selected:
            painter.setPen(Qt.NoPen)
            painter.setBrush(t.color("accent"))
            painter.drawRoundedRect(rect, 6, 6)
        name = index.data(Qt.UserRole)
        template = templates.get(name)
        inner = rect.adjusted(10, 6, -10, -6)
        painter.setFont(scaled_font(0.0, bold=True))
        painter.setPen(t.color("accent_text" if selected else "text"))
        line = QFontMetrics(painter.font()).height()
        painter.drawText(QRectF(inner.left(), inner.top(), inner.width(), line), Qt.AlignLeft, template.title)
        painter.setFont(scaled_font(-0.5))
        painter.setPen(t.color("accent_text" if selected else "muted"))
        body = QRectF(inner.left(), inner.top() + line + 2, inner.width(), inner.height() - line - 2)
        painter.drawText(body, Qt.AlignLeft | Qt.TextWordWrap, template.summary)
        painter.restore()


class TemplateGalleryDialog(QDialog):
    def __init__(self, parent=None, current: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Templates")
        self.resize(820, 520)
        self.list = QListWidget(objectName="template_list")
        for name in templates.names():
            t = templates.get(name)
            item = QListWidgetItem(t.title)
            item.setData(Qt.UserRole, name)
            item.setToolTip(t.summary)
            self.list.addItem(item)
        self.list.setItemDelegate(_TemplateDelegate(self.list))
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.list.setFixedWidth(300)
        self.list.currentItemChanged.connect(self._on_list_current_item_changed)
        self.list.itemDoubleClicked.connect(lambda _: self.accept())
        self._build_details()
        self._select(current or "lenet5")

    def _build_details(self) -> None:
        self.title = QLabel(objectName="inspector_title")
        self.title.setFont(scaled_font(5.0, bold=True))
        self.summary = QLabel(wordWrap=True, objectName="help")
        self.note = QLabel(wordWrap=True)
        self.note.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.paper = QLabel(wordWrap=True, objectName="muted")
        self.paper.setFont(scaled_font(-0.5))
        details = QWidget()
        col = QVBoxLayout(details)
        for widget in (self.title, self.summary, self.note, self.paper):
            col.addWidget(widget)
        col.addStretch(1)
        self._build_form(col)
        row = QHBoxLayout(self)
        row.addWidget(self.list)
        row.addWidget(details, 1)

    def _build_form(self, col: QVBoxLayout) -> None:
        self.shape_edit = QLineEdit()
        self.classes = QSpinBox(minimum=1, maximum=100_000)
        self.message = QLabel(objectName="inline_error", wordWrap=True)
        self.variant = QLabel(objectName="muted", wordWrap=True)
        self.shape_edit.textChanged.connect(self._on_shape_edit_text_changed)
        form = QFormLayout()
        form.addRow("Input shape", self.shape_edit)
        form.addRow("Classes", self.classes)
        form.addRow("", self.variant)
        buttons = QDialogButtonBox(QDialogButtonBox.Open | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        col.addLayout(form)
        col.addWidget(self.message)
        col.addWidget(buttons)

    def _select(self, name: str) -> None:
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.UserRole) == name:
                self.list.setCurrentRow(i)

    def _on_list_current_item_changed(self, item: QListWidgetItem, _previous=None) -> None:
        if item is None:
            return
        t = templates.get(item.data(Qt.UserRole))
        self.title.setText(t.title)
        self.summary.setText(t.summary)
        self.note.setText(t.note)
        self.paper.setText(t.paper)
        self.shape_edit.setText(", ".join(str(d) for d in t.default_input))
        self.classes.setValue(t.default_classes)
        self.message.clear()

    def _on_shape_edit_text_changed(self, text: str) -> None:
        try:
            shape = _SHAPE.coerce(text)
        except LayerError:
            self.variant.setText("")
            return
        template = templates.get(self.template_name)
        if not template.faithful:
            self.variant.setText("")
        elif is_large(shape):
            self.variant.setText("Paper-faithful architecture (ImageNet-sized input).")
        else:
            self.variant.setText("Classroom version: the same structure, narrow enough to train on a CPU.")

    # -- result ------------------------------------------------------------------------
    @property
    def template_name(self) -> str:
        return self.list.currentItem().data(Qt.UserRole)

    def input_shape(self) -> tuple[int, ...] | None:
        try:
            return _SHAPE.coerce(self.shape_edit.text())
        except LayerError as exc:
            self.message.setText(str(exc))
            return None

    def accept(self) -> None:
        if self.input_shape() is not None:
            super().accept()

    def choice(self) -> tuple[str, tuple[int, ...], int]:
        return self.template_name, self.input_shape(), self.classes.value()

    def describe(self) -> str:
        name, shape, classes = self.choice()
        return f"{name} for {fmt_shape(shape)} inputs and {classes} classes"
