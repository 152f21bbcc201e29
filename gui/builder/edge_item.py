"""Edges on the canvas, labelled with the tensor shape flowing along them, and the
draft wire drawn while the user drags from a port.

An edge joins two cards (layers or folded blocks) and stands for one or more graph edges
(several, when a folded block has them in parallel). Long edges that would cross other
cards (skip connections) are routed through the gap beside the column; an edge climbing to
the next column of a wrapped layout runs up the lane between the columns. The hit area is
wider than the line so edges are easy to click. Must not mutate the document.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QStyle

from engine.graph import Edge
from engine.layout import COLUMN_GAP, GAP_X, GAP_Y, NODE_HEIGHT, NODE_WIDTH

from .. import theme
from .node_item import UnitItem

LABEL_LOD = 0.5
HIT_WIDTH = 20.0  # the clickable band around the line, in scene px
MAX_SAMPLES = 2000  # points tested along one edge for crossing cards


class EdgeItem(QGraphicsItem):
    def __init__(self, src_item, dst_item, graph_edges: tuple[Edge, ...] = ()) -> None:
        super().__init__()
        self.src_item, self.dst_item = src_item, dst_item
        self.graph_edges = tuple(graph_edges) or (Edge(src_item.node_id, dst_item.node_id),)
        self.label = ""
        self._label_size = (0.0, 0.0)
        self.hot = False  # a palette drag hovers over it: dropping inserts here
        self._path = QPainterPath()
        self._bounds: QRectF | None = None
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
        """The graph edge this line stands for (the first, when it stands for several)."""
        return self.graph_edges[0]

    @property
    def key(self) -> tuple:
        return (self.src_item.unit, self.dst_item.unit)

    def detach(self) -> None:
        for item in (self.src_item, self.dst_item):
            item.edges[:] = [e for e in item.edges if e is not self]  # identity: == on items is slow

    def set_label(self, text: str) -> None:
        if text != self.label:
            self.prepareGeometryChange()
            self._bounds = None
            self.label = text
            self._label_size = (self._metrics.horizontalAdvance(text) + 12, self._metrics.height() + 4)
            self.update()

    def set_hot(self, hot: bool) -> None:
        if hot != self.hot:
            self.hot = hot
            self.update()

    def update_path(self) -> None:
        self.prepareGeometryChange()
        self._bounds = None
        s, d = self.src_item.out_anchor(), self.dst_item.in_anchor()
        if d.y() < s.y() - NODE_HEIGHT and abs(d.x() - s.x()) > NODE_WIDTH:
            self._path, self._label_at = self._climb(s, d)
        else:
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
                if isinstance(i, UnitItem) and i not in ends]

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

    def _climb(self, s: QPointF, d: QPointF) -> tuple[QPainterPath, QPointF]:
        """Up to a card higher on the page (the next column of a wrapped layout): down out of
        the source, across to a free lane, up the lane, across above the target, down into it.
        The lane is the wide gap (between columns) nearest the source, so edges fanning out of
        one card share it, like a bus."""
        top, bottom = d.y() - GAP_Y * 0.35, s.y() + GAP_Y * 0.35
        lo, hi = min(s.x(), d.x()), max(s.x(), d.x())
        band = QRectF(lo - NODE_WIDTH, top, hi - lo + 2 * NODE_WIDTH, bottom - top)
        gaps = _gaps(sorted((c.left(), c.right()) for c in self._cards_near(band)), lo, hi)
        wide = [g for g in gaps if g[1] - g[0] >= COLUMN_GAP * 0.8]
        pick = min(wide, key=lambda g: abs((g[0] + g[1]) / 2 - s.x()), default=None) or \
            max(gaps, key=lambda g: g[1] - g[0], default=(lo, hi))
        return _lane(s, d, (pick[0] + pick[1]) / 2, top, bottom)

    # -- Qt overrides ---------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        if self._bounds is None:  # asked for constantly while painting and picking: keep it
            self._bounds = self._path.boundingRect().adjusted(-3, -3, 3, 3).united(self._label_rect())
        return self._bounds

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(HIT_WIDTH)
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


def _gaps(spans: list[tuple[float, float]], lo: float, hi: float) -> list[tuple[float, float]]:
    """Free stretches of x between `lo` and `hi` not covered by any of the sorted `spans`."""
    gaps, reach = [], lo
    for left, right in spans:
        if left > reach and reach < hi:
            gaps.append((reach, min(left, hi)))
        reach = max(reach, right)
    if reach < hi:
        gaps.append((reach, hi))
    return [g for g in gaps if g[1] > g[0]]


def _lane(s: QPointF, d: QPointF, x: float, top: float, bottom: float) -> tuple[QPainterPath, QPointF]:
    r = min(12.0, abs(x - s.x()) / 2, abs(d.x() - x) / 2, (bottom - top) / 4)
    sx = 1 if x > s.x() else -1
    dx = 1 if d.x() > x else -1
    path = QPainterPath(s)
    path.lineTo(s.x(), bottom - r)
    path.quadTo(s.x(), bottom, s.x() + sx * r, bottom)
    path.lineTo(x - sx * r, bottom)
    path.quadTo(x, bottom, x, bottom - r)
    path.lineTo(x, top + r)
    path.quadTo(x, top, x + dx * r, top)
    path.lineTo(d.x() - dx * r, top)
    path.quadTo(d.x(), top, d.x(), top + r)
    path.lineTo(d)
    return path, QPointF(x, (top + bottom) / 2)


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
