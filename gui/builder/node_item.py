"""Node cards and their ports on the canvas.

A `NodeItem` shows a layer's type, key parameters, output shape and parameter count,
and draws the error style when its analysis row has an error. It only displays: moves
are reported to the scene on release, wiring gestures go through the scene.
Must not mutate the document.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyle, QStyleOptionGraphicsItem

from engine.analysis import NodeRow
from engine.catalog import LayerSpec, fmt_shape
from engine.graph import Node
from engine.layout import NODE_HEIGHT, NODE_WIDTH

from .. import theme
from ..formatting import key_params_text, params_text, row_tooltip, shape_text
from ..icons import paint_category_glyph
from ..lint.style import paint_warning_badge, paint_warning_frame

RADIUS = 8.0
STRIPE = 4.0
PAD = 11.0
DETAIL_LOD = 0.42  # below this zoom, cards drop their text (it would be unreadable anyway)


class _Fonts:
    """Card fonts, created once a QApplication exists."""
    title: QFont | None = None

    @classmethod
    def ensure(cls) -> None:
        if cls.title is not None:
            return
        cls.title = theme.scaled_font(0.0, bold=True)
        cls.small = theme.scaled_font(-1.0)
        cls.shape = theme.scaled_font(0.0, bold=True)
        cls.title_metrics = QFontMetricsF(cls.title)
        cls.small_metrics = QFontMetricsF(cls.small)
        cls.shape_metrics = QFontMetricsF(cls.shape)


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


class NodeItem(QGraphicsItem):
    def __init__(self, node: Node, spec: LayerSpec) -> None:
        super().__init__()
        _Fonts.ensure()
        self.node_id, self.spec = node.id, spec
        self.row: NodeRow | None = None
        self.edges: list = []
        self.key_text = ""
        self.warnings: list = []  # lint warnings about this layer (gui.lint): amber frame and badge
        self.masked = self.inputs_masked = False  # predict-then-reveal hides the numbers (gui.exercise)
        self.setFlags(QGraphicsItem.ItemIsSelectable | QGraphicsItem.ItemIsMovable
                      | QGraphicsItem.ItemSendsGeometryChanges)
        self.setAcceptHoverEvents(True)
        self.setZValue(1)
        # Cards change only when their row does: cache the painted card, so panning and
        # repainting a 500-layer network redraws pixmaps, not text and rounded rects.
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self.in_port = PortItem(self, "in") if spec.max_inputs != 0 else None
        self.out_port = PortItem(self, "out")
        self.setPos(*node.pos)
        self.set_params(node.params)

    # -- state from the document ------------------------------------------------------
    def set_params(self, params: dict) -> None:
        self.key_text = key_params_text(self.spec, params)
        self.update()

    def set_row(self, row: NodeRow | None) -> None:
        self.row = row
        self._set_tooltip()
        self.update()

    def set_warnings(self, warnings: list) -> None:
        if warnings == self.warnings:
            return
        self.warnings = list(warnings)
        self._set_tooltip()
        self.update()

    def set_masked(self, masked: bool, inputs_masked: bool) -> None:
        if (masked, inputs_masked) != (self.masked, self.inputs_masked):
            self.masked, self.inputs_masked = masked, inputs_masked
            self._set_tooltip()
            self.update()

    def _set_tooltip(self) -> None:
        if self.masked or self.inputs_masked:
            self.setToolTip(f"{self.spec.name} ({self.node_id}): predict its numbers in the Exercise tab")
            return
        lints = "".join(f"\n⚠ {w.message}" for w in self.warnings)
        self.setToolTip(row_tooltip(self.spec, self.node_id, self.row) + lints)

    @property
    def detail_text(self) -> str:
        """Second line: the key parameters, or for layers without any, what flows in."""
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

    def in_anchor(self) -> QPointF:
        return self.scenePos() + QPointF(NODE_WIDTH / 2, 0.0)

    def out_anchor(self) -> QPointF:
        return self.scenePos() + QPointF(NODE_WIDTH / 2, NODE_HEIGHT)

    # -- Qt overrides -------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return QRectF(-3, -3, NODE_WIDTH + 6, NODE_HEIGHT + 6)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, NODE_WIDTH, NODE_HEIGHT), RADIUS, RADIUS)
        return path

    def itemChange(self, change, value):
        if change == QGraphicsItem.ItemPositionHasChanged:
            for edge in self.edges:
                edge.update_path()
        return super().itemChange(change, value)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        t = theme.current()
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        selected = bool(option.state & QStyle.State_Selected)
        painter.setOpacity(0.5 if self.is_blocked else 1.0)
        self._paint_card(painter, t, selected)
        if lod >= DETAIL_LOD:
            self._paint_text(painter, t)

    def _paint_card(self, painter: QPainter, t: theme.Theme, selected: bool) -> None:
        rect = QRectF(0, 0, NODE_WIDTH, NODE_HEIGHT)
        painter.setPen(Qt.NoPen)
        painter.setBrush(QColor(0, 0, 0, 70 if t.dark else 22))
        painter.drawRoundedRect(rect.translated(0, 1.5), RADIUS, RADIUS)
        painter.setBrush(t.color("error_fill") if self.has_error else t.color("node_fill"))
        painter.drawRoundedRect(rect, RADIUS, RADIUS)
        painter.save()
        painter.setClipPath(self.shape())
        painter.fillRect(QRectF(0, 0, STRIPE, NODE_HEIGHT), theme.category_color(self.spec.category))
        painter.restore()
        if selected:
            pen = QPen(t.color("accent"), 2.2)
        elif self.has_error:
            pen = QPen(t.color("error"), 1.8)
        else:
            pen = QPen(t.color("node_border"), 1.0)
        painter.setPen(pen)
        painter.setBrush(Qt.NoBrush)
        painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), RADIUS, RADIUS)
        if self.warnings and not self.has_error:
            if not selected:
                paint_warning_frame(painter, rect, RADIUS)
            paint_warning_badge(painter, QPointF(NODE_WIDTH - 13, 14), len(self.warnings), 14.0)

    def _paint_text(self, painter: QPainter, t: theme.Theme) -> None:
        paint_category_glyph(painter, self.spec.category, QRectF(PAD, 7, 15, 15))
        left, right = PAD + 21, NODE_WIDTH - PAD
        top_right = right - (16 if self.warnings and not self.has_error else 0)  # room for the warning badge
        painter.setFont(_Fonts.title)
        painter.setPen(t.color("text"))
        title = _Fonts.title_metrics.elidedText(self.spec.name, Qt.ElideRight, top_right - left)
        painter.drawText(QRectF(left, 5, top_right - left, 19), Qt.AlignLeft | Qt.AlignVCenter, title)
        used = _Fonts.title_metrics.horizontalAdvance(title) + 8
        painter.setFont(_Fonts.small)
        painter.setPen(t.color("muted"))
        if top_right - left - used > 24:
            node_id = _Fonts.small_metrics.elidedText(self.node_id, Qt.ElideMiddle, top_right - left - used)
            painter.drawText(QRectF(left + used, 5, top_right - left - used, 19), Qt.AlignRight | Qt.AlignVCenter,
                             node_id)
        key = _Fonts.small_metrics.elidedText(self.detail_text, Qt.ElideRight, right - PAD)
        painter.drawText(QRectF(PAD, 24, right - PAD, 17), Qt.AlignLeft | Qt.AlignVCenter, key)
        self._paint_result(painter, t, QRectF(PAD, 41, right - PAD, 18))

    def _paint_result(self, painter: QPainter, t: theme.Theme, rect: QRectF) -> None:
        row = self.row
        if row is not None and row.error:
            painter.setFont(_Fonts.small)
            painter.setPen(t.color("error"))
            text = _Fonts.small_metrics.elidedText("⚠ " + row.error, Qt.ElideRight, rect.width())
            painter.drawText(rect, Qt.AlignLeft | Qt.AlignVCenter, text)
            return
        if row is not None and row.blocked:
            painter.setFont(_Fonts.small)
            painter.drawText(rect, Qt.AlignLeft | Qt.AlignVCenter, "waiting for the layer above")
            return
        painter.setFont(_Fonts.small)
        painter.setPen(t.color("muted"))
        if self.masked:
            painter.drawText(rect, Qt.AlignLeft | Qt.AlignVCenter, "shape ?   ·   parameters ?")
            return
        count = params_text(row)
        painter.drawText(rect, Qt.AlignRight | Qt.AlignVCenter, count)
        width = rect.width() - _Fonts.small_metrics.horizontalAdvance(count) - 8
        painter.setFont(_Fonts.shape)
        painter.setPen(t.color("text"))
        shape = _Fonts.shape_metrics.elidedText(shape_text(row), Qt.ElideRight, width)
        painter.drawText(QRectF(rect.left(), rect.top(), width, rect.height()), Qt.AlignLeft | Qt.AlignVCenter, shape)
