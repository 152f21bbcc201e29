"""The template gallery: every course network with its title and one-line lesson in the list;
beside it the chosen one's diagram, parameter count, teaching note and paper, plus the input
shape and class count to build it for. Reads engine.templates (and the engine's analysis for
the parameter count, once PyTorch has loaded).
"""
from __future__ import annotations

import sys

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QSpinBox,
    QStyle,
    QStyledItemDelegate,
    QVBoxLayout,
    QWidget,
)

from engine import templates
from engine.catalog import CATALOG, LayerError, ParamSpec, fmt_shape
from engine.formatting import counted, short_count
from engine.graph import Graph
from engine.layout import NODE_HEIGHT, NODE_WIDTH
from engine.templates.base import is_large

from . import theme
from .theme import scaled_font

_SHAPE = ParamSpec("input shape", "shape", (1, 28, 28), "", minimum=1)


def _params(graph: Graph) -> int | str:
    """The parameter count, or why this input does not fit the network (its first error)."""
    from engine.analysis import analyze

    analysis = analyze(graph)
    if analysis.valid:
        return analysis.total_params
    first = next(iter(analysis.errors.items()), None)
    return f"{first[0]}: {first[1]}" if first else "; ".join(analysis.graph_errors)


class _TemplateDelegate(QStyledItemDelegate):
    """Title in bold, the one-line summary below it in muted lines; both wrap, never clip."""

    def sizeHint(self, option, index) -> QSize:
        template = templates.get(index.data(Qt.UserRole))
        width = max(120, self.parent().viewport().width() - 28)
        title, body = _text_height(scaled_font(0.0, bold=True), width, template.title), \
            _text_height(scaled_font(-0.5), width, template.summary)
        return QSize(width, title + body + 2 + 16)

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
        line = _text_height(painter.font(), int(inner.width()), template.title)
        painter.drawText(QRectF(inner.left(), inner.top(), inner.width(), line), Qt.AlignLeft | Qt.TextWordWrap,
                         template.title)
        painter.setFont(scaled_font(-0.5))
        painter.setPen(t.color("accent_text" if selected else "muted"))
        body = QRectF(inner.left(), inner.top() + line + 2, inner.width(), inner.height() - line - 2)
        painter.drawText(body, Qt.AlignLeft | Qt.TextWordWrap, template.summary)
        painter.restore()


def _text_height(font: QFont, width: int, text: str) -> int:
    return QFontMetrics(font).boundingRect(QRect(0, 0, width, 10_000), Qt.TextWordWrap, text).height()


class DiagramThumb(QWidget):
    """The template's network as its canvas lays it out, shrunk: one box per layer in its
    category's colour, a line per connection."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent, objectName="template_thumb")
        self.setMinimumSize(160, 170)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.graph: Graph | None = None

    def set_graph(self, graph: Graph | None) -> None:
        self.graph = graph
        self.update()

    def paintEvent(self, event) -> None:
        t = theme.current()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(QPen(t.color("border"), 1.0))
        painter.setBrush(t.color("canvas"))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 8, 8)
        if not self.graph or not len(self.graph):
            return
        nodes = self.graph.nodes
        xs, ys = [n.pos[0] for n in nodes.values()], [n.pos[1] for n in nodes.values()]
        content = QRectF(min(xs), min(ys), max(xs) - min(xs) + NODE_WIDTH, max(ys) - min(ys) + NODE_HEIGHT)
        k = min((self.width() - 16) / content.width(), (self.height() - 16) / content.height(), 0.5)
        ox = (self.width() - content.width() * k) / 2 - content.left() * k
        oy = (self.height() - content.height() * k) / 2 - content.top() * k
        box = {n: QRectF(ox + v.pos[0] * k, oy + v.pos[1] * k, NODE_WIDTH * k, NODE_HEIGHT * k)
               for n, v in nodes.items()}
        painter.setPen(QPen(t.color("muted"), 1.0))
        for edge in self.graph.edges:
            painter.drawLine(box[edge.src].center(), box[edge.dst].center())
        painter.setPen(Qt.NoPen)
        for node_id, rect in box.items():
            painter.setBrush(theme.category_color(CATALOG.get(nodes[node_id].layer).category))
            painter.drawRoundedRect(rect, 2, 2)


class TemplateGalleryDialog(QDialog):
    def __init__(self, parent=None, current: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Templates")
        self.resize(900, 680)
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
        self.list.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOn)  # item heights assume its width
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
        self.thumb = DiagramThumb()
        self.facts = QLabel(objectName="template_facts", wordWrap=True)  # an error can be long
        details = QWidget()
        col = QVBoxLayout(details)
        for widget in (self.title, self.summary, self.facts):
            col.addWidget(widget)
        col.addWidget(self.thumb, 1)
        for widget in (self.note, self.paper):
            col.addWidget(widget)
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
        self.classes.valueChanged.connect(lambda *_: self._show_network())
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
        self._show_network()

    def _show_network(self) -> None:
        """The diagram and parameter count for the size in the form (the default until edited)."""
        name = self.template_name
        try:
            shape = _SHAPE.coerce(self.shape_edit.text())
            graph = templates.load(name, shape, self.classes.value())
        except (LayerError, templates.TemplateError, ValueError) as exc:
            self.thumb.set_graph(None)
            self.facts.setText(str(exc))
            return
        self.thumb.set_graph(graph)
        layers = counted(len(graph), "layer")  # as the summary counts them, the input included
        if "torch" not in sys.modules:  # the window opens before PyTorch; counting needs it
            self.facts.setText(f"{layers} · parameters shown once PyTorch has loaded")
            return
        params = _params(graph)
        self.facts.setText(f"{layers} · {counted(params, 'parameter')} ({short_count(params)})"
                           if isinstance(params, int) else f"{layers} · does not fit this input — {params}")

    def _on_shape_edit_text_changed(self, text: str) -> None:
        try:
            shape = _SHAPE.coerce(text)
        except LayerError:
            self.variant.setText("")
            return
        template = templates.get(self.template_name)
        self._show_network()
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
