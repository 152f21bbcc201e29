"""Edges on the canvas, labelled with the tensor shape flowing along them, and the
draft wire drawn while the user drags from a port.

Long edges that would cross other cards (skip connections) are routed through the gap
beside the column. Must not mutate the document.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QStyle

from engine.graph import Edge
from engine.layout import GAP_X, GAP_Y, NODE_HEIGHT, NODE_WIDTH

from .. import theme
from .node_item import NodeItem

LABEL_LOD = 0.5
MAX_SAMPLES = 2000  # points tested along one edge for crossing cards


class EdgeItem(QGraphicsItem):
    def __init__(self, src_item, dst_item) -> None:
        super().__init__()
        self.src_item, self.dst_item = src_item, dst_item
        self.label = ""
        self._label_size = (0.0, 0.0)
        self.hot = False  # a palette drag hovers over it: dropping inserts here
        self._path = QPainterPath()
        self._label_at = QPointF()
        self._font = theme.scaled_font(-1.5)
        self._metrics = QFontMetricsF(self._font)
        self.setFlags(QGraphicsItem.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setZValue(0)
        src_item.edges.append(self)
        dst_item.edges.append(self)
        self.update_path()

    @property
    def edge(self) -> Edge:
        return Edge(self.src_item.node_id, self.dst_item.node_id)

    def detach(self) -> None:
        for item in (self.src_item, self.dst_item):
            if self in item.edges:
                item.edges.remove(self)

    def set_label(self, text: str) -> None:
        if text != self.label:
            self.prepareGeometryChange()
            self.label = text
            self._label_size = (self._metrics.horizontalAdvance(text) + 12, self._metrics.height() + 4)
            self.update()

    def set_hot(self, hot: bool) -> None:
        if hot != self.hot:
            self.hot = hot
            self.update()

    def update_path(self) -> None:
        self.prepareGeometryChange()
        s, d = self.src_item.out_anchor(), self.dst_item.in_anchor()
        self._path, self._label_at = _straight(s, d)
        if d.y() - s.y() > NODE_HEIGHT + GAP_Y * 1.5 and self._crosses_cards(self._path):
            self._path, self._label_at = self._detour(s, d)
        self.update()

    def _cards_near(self, area: QRectF) -> list[QRectF]:
        scene = self.scene()
        if scene is None:
            return []
        ends = (self.src_item, self.dst_item)
        return [i.sceneBoundingRect().adjusted(3, 3, -3, -3) for i in scene.items(area)
                if isinstance(i, NodeItem) and i not in ends]

    def _crosses_cards(self, path: QPainterPath) -> bool:
        """Sample the curve (QPainterPath.intersects would treat it as a closed area)."""
        cards = self._cards_near(path.boundingRect().adjusted(-1, 0, 1, 0))
        if not cards:
            return False
        steps = min(max(8, int(path.length() / 10)), MAX_SAMPLES)  # bounded for far-apart cards
        points = (path.pointAtPercent(i / steps) for i in range(1, steps))
        return any(card.contains(p) for p in points for card in cards)

    def _detour(self, s: QPointF, d: QPointF) -> tuple[QPainterPath, QPointF]:
        """Run down a free gap between card columns, the one nearest the straight line."""
        band = QRectF(min(s.x(), d.x()) - NODE_WIDTH, s.y(), abs(d.x() - s.x()) + 2 * NODE_WIDTH, d.y() - s.y())
        lanes = {s.x() + NODE_WIDTH / 2 + GAP_X / 2, s.x() - NODE_WIDTH / 2 - GAP_X / 2}
        for card in self._cards_near(band):
            lanes.update((card.left() - 3 - GAP_X / 2, card.right() + 3 + GAP_X / 2))
        middle = (s.x() + d.x()) / 2
        for x in sorted(lanes, key=lambda x: abs(x - middle)):
            route = _bulge(s, d, x)
            if not self._crosses_cards(route[0]):
                return route
        return _bulge(s, d, max(lanes))

    # -- Qt overrides ---------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return self._path.boundingRect().adjusted(-8, -8, 8, 8).united(self._label_rect())

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(12)
        return stroker.createStroke(self._path)

    def _label_rect(self) -> QRectF:
        if not self.label:
            return QRectF()
        w, h = self._label_size
        return QRectF(self._label_at.x() - w / 2, self._label_at.y() - h / 2, w, h)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        t = theme.current()
        selected = bool(option.state & QStyle.State_Selected)
        color = t.color("accent") if (selected or self.hot) else t.color("edge")
        width = 3.0 if self.hot else (2.4 if selected else 1.6)
        painter.setPen(QPen(color, width, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
        painter.setBrush(Qt.NoBrush)
        painter.drawPath(self._path)
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        if self.label and lod >= LABEL_LOD:
            self._paint_label(painter, t)

    def _paint_label(self, painter: QPainter, t: theme.Theme) -> None:
        rect = self._label_rect()
        painter.setPen(QPen(t.color("border"), 1.0))
        painter.setBrush(t.color("label_fill"))
        painter.drawRoundedRect(rect, rect.height() / 2, rect.height() / 2)
        painter.setFont(self._font)
        painter.setPen(t.color("muted"))
        painter.drawText(rect, Qt.AlignCenter, self.label)


def _straight(s: QPointF, d: QPointF) -> tuple[QPainterPath, QPointF]:
    bend = max(24.0, abs(d.y() - s.y()) * 0.5) if d.y() > s.y() else 80.0
    path = QPainterPath(s)
    path.cubicTo(QPointF(s.x(), s.y() + bend), QPointF(d.x(), d.y() - bend), d)
    return path, path.pointAtPercent(0.5)


def _bulge(s: QPointF, d: QPointF, x: float) -> tuple[QPainterPath, QPointF]:
    """Out to the side at `x`, down past the cards, and back in above the target."""
    turn = GAP_Y * 0.8
    path = QPainterPath(s)
    path.cubicTo(QPointF(s.x(), s.y() + turn * 0.8), QPointF(x, s.y() + turn * 0.2), QPointF(x, s.y() + turn))
    path.lineTo(x, d.y() - turn)
    path.cubicTo(QPointF(x, d.y() - turn * 0.2), QPointF(d.x(), d.y() - turn * 0.8), d)
    return path, QPointF(x, (s.y() + d.y()) / 2)


class DraftWireItem(QGraphicsPathItem):
    """The dashed wire that follows the cursor while connecting."""

    def __init__(self, start: QPointF, from_output: bool) -> None:
        super().__init__()
        self.start, self.from_output = start, from_output
        pen = QPen(theme.current().color("accent"), 2.0, Qt.DashLine, Qt.RoundCap)
        self.setPen(pen)
        self.setZValue(3)
        self.move_to(start)

    def move_to(self, pos: QPointF) -> None:
        s, d = (self.start, pos) if self.from_output else (pos, self.start)
        self.setPath(_straight(s, d)[0])
