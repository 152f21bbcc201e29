"""Layer cards and their ports on the canvas.

A `NodeItem` shows a layer's type, id, key parameters, output shape and parameter count
(painted by `cards` at the zoom's level of detail) and draws the error style when its
analysis row has an error. It only displays: moves are reported to the scene on release,
wiring gestures go through the scene. Must not mutate the document.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyle, QStyleOptionGraphicsItem

from engine.analysis import NodeRow
from engine.blocks import NODE
from engine.catalog import LayerSpec, fmt_shape
from engine.graph import Node
from engine.layout import NODE_HEIGHT, NODE_WIDTH

from .. import theme
from ..formatting import key_params_text, params_text, row_tooltip, shape_text
from .cards import RADIUS, CardText, paint_card

_MOVED = QGraphicsItem.ItemPositionHasChanged

class PortItem(QGraphicsItem):
    """An input (top) or output (bottom) connector; dragging from it draws a wire."""

    def __init__(self, node_item: "NodeItem", kind: str) -> None:
        super().__init__(node_item)
        self.node_item, self.kind = node_item, kind
        self.hovered = False
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CrossCursor)
        self.setPos(NODE_WIDTH / 2, 0.0 if kind == "in" else NODE_HEIGHT)
        self.setZValue(2)

    @property
    def node_id(self) -> str:
        return self.node_item.node_id

    def boundingRect(self) -> QRectF:
        return QRectF(-10, -10, 20, 20)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        t = theme.current()
        connected = any((e.src_item if self.kind == "out" else e.dst_item) is self.node_item
                        for e in self.node_item.edges)
        if self.hovered:
            painter.setPen(QPen(t.color("accent"), 1.5))
            painter.setBrush(t.color("node_fill"))
            painter.drawEllipse(QPointF(0, 0), 6.0, 6.0)
            return
        painter.setPen(QPen(t.color("edge"), 1.4))
        painter.setBrush(t.color("edge") if connected else t.color("node_fill"))
        painter.drawEllipse(QPointF(0, 0), 3.6, 3.6)

    def hoverEnterEvent(self, event) -> None:
        self.hovered = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:
        self.hovered = False
        self.update()

    def mousePressEvent(self, event) -> None:
        if event.button() != Qt.LeftButton:
            return super().mousePressEvent(event)
        self.scene().begin_wire(self)
        event.accept()

    def mouseMoveEvent(self, event) -> None:
        self.scene().drag_wire(event.scenePos())

    def mouseReleaseEvent(self, event) -> None:
        self.scene().end_wire(event.scenePos())


class UnitItem(QGraphicsItem):
    """What a card on the canvas has in common, a layer's or a folded block's: size,
    anchors for edges, the list of its edges and the moves it reports."""

    def __init__(self) -> None:
        super().__init__()
        self.edges: list = []
        self.setFlags(QGraphicsItem.ItemIsSelectable | QGraphicsItem.ItemIsMovable
                      | QGraphicsItem.ItemSendsGeometryChanges)
        self.setAcceptHoverEvents(True)
        self.setZValue(1)
        # Cards change only when their row does: cache the painted card, so panning and
        # repainting a 500-layer network redraws pixmaps, not text and rounded rects.
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)

    def in_anchor(self) -> QPointF:
        return self.scenePos() + QPointF(NODE_WIDTH / 2, 0.0)

    def out_anchor(self) -> QPointF:
        return self.scenePos() + QPointF(NODE_WIDTH / 2, NODE_HEIGHT)

    def boundingRect(self) -> QRectF:
        return QRectF(-3, -3, NODE_WIDTH + 6, NODE_HEIGHT + 6)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, NODE_WIDTH, NODE_HEIGHT), RADIUS, RADIUS)
        return path

    def itemChange(self, change, value):
        # Called for every change of every card (16 per card while a 10,000-layer network is
        # built): compare with a module constant, and skip the base call, which returns `value`.
        if change == _MOVED:
            for edge in self.edges:
                edge.update_path()
        return value

    def card_text(self) -> CardText:
        raise NotImplementedError

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        selected = bool(option.state & QStyle.State_Selected)
        paint_card(painter, QRectF(0, 0, NODE_WIDTH, NODE_HEIGHT), self.card_text(), lod, selected)


class NodeItem(UnitItem):
    def __init__(self, node: Node, spec: LayerSpec) -> None:
        super().__init__()
        self.node_id, self.spec = node.id, spec
        self.unit = (NODE, node.id)
        self.row: NodeRow | None = None
        self.key_text = ""
        self.hide_results = False  # predict-then-reveal hides this layer's numbers (gui.builder.exercise)
        self.inputs_masked = False  # ... or the shape flowing into it
        self.warnings: list = []  # lint warnings about this layer (gui.builder.lint)
        self.frozen = node.frozen  # its weights stay as they are while training (engine.freezing)
        self.in_port = PortItem(self, "in") if spec.max_inputs != 0 else None
        self.out_port = PortItem(self, "out")
        self.setPos(*node.pos)
        self.set_params(node.params)

    # -- state from the document ------------------------------------------------------
    def set_params(self, params: dict) -> None:
        self.key_text = key_params_text(self.spec, params)
        self.update()

    def set_frozen(self, frozen: bool) -> None:
        if frozen != self.frozen:
            self.frozen = frozen
            self._set_tooltip()
            self.update()

    def set_row(self, row: NodeRow | None) -> None:
        self.row = row
        self._set_tooltip()
        self.update()

    def set_warnings(self, warnings: list) -> None:
        if warnings != self.warnings:
            self.warnings = list(warnings)
            self._set_tooltip()
            self.update()

    def set_masked(self, masked: bool, inputs_masked: bool) -> None:
        if (masked, inputs_masked) != (self.hide_results, self.inputs_masked):
            self.hide_results, self.inputs_masked = masked, inputs_masked
            self._set_tooltip()
            self.update()

    @property
    def masked(self) -> bool:
        """Predict-then-reveal hides this layer's numbers."""
        return self.hide_results

    def _set_tooltip(self) -> None:
        if self.hide_results or self.inputs_masked:
            self.setToolTip(f"{self.spec.name} ({self.node_id}): predict its numbers in the Exercise tab")
            return
        lints = "".join(f"\n⚠ {w.message}" for w in self.warnings)
        frozen = "\n🔒 Frozen: its weights do not change while training" if self.frozen else ""
        self.setToolTip(row_tooltip(self.spec, self.node_id, self.row) + frozen + lints)

    @property
    def detail_text(self) -> str:
        """Third line: the key parameters, or for layers without any, what flows in."""
        if self.key_text or self.row is None or not self.row.input_shapes:
            return self.key_text
        shapes = self.row.input_shapes
        if len(shapes) == 1:
            return "from ?" if self.inputs_masked else f"from {fmt_shape(shapes[0])}"
        return f"joins {len(shapes)} inputs"

    @property
    def has_error(self) -> bool:
        return self.row is not None and self.row.error is not None

    @property
    def is_blocked(self) -> bool:
        return self.row is not None and self.row.blocked

    def card_text(self) -> CardText:
        row = self.row
        state = "error" if self.has_error else ("blocked" if self.is_blocked else "ok")
        message = ("⚠ " + row.error) if self.has_error else ("waiting for the layer above" if self.is_blocked else "")
        return CardText(self.spec.name, self.node_id, self.detail_text, shape_text(row), params_text(row),
                        message, state, self.spec.category, self.hide_results, len(self.warnings),
                        self.frozen and (row is None or row.params > 0))  # a lock means weights kept
