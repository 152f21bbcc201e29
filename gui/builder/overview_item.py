"""The stand-in for cards and edges that have no item yet on a huge canvas.

A network of thousands of layers would cost a QGraphicsItem per card, per port and per edge
(seconds to build, seconds to paint at a zoom where nothing is legible). The scene makes real
items only where the view looks (`scene_lazy`); everything else is drawn by this one item in
one paint call: a tinted block per card (what a card looks like zoomed far out: its category's
colour, red for an error) and a straight line per edge. The shapes are rebuilt only when the
picture changes (a card made real, a move, an edit, a new analysis), not on every paint.
Must not mutate the document.
"""
from __future__ import annotations

from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

from engine.blocks import NODE
from engine.catalog import CATALOG
from engine.layout import NODE_HEIGHT, NODE_WIDTH

from .. import theme

TINT = 0.45  # how much of the category colour tints a far-out card (as cards.paint_card does)


def _mix(a: QColor, b: QColor, share: float) -> QColor:
    return QColor(int(a.red() * (1 - share) + b.red() * share), int(a.green() * (1 - share) + b.green() * share),
                  int(a.blue() * (1 - share) + b.blue() * share))


class OverviewItem(QGraphicsItem):
    """Placeholder cards and edges for every unit of the scene that has no item of its own."""

    def __init__(self, scene) -> None:
        super().__init__()
        self._scene = scene  # the CanvasScene whose plan it draws (not yet added: scene() is None)
        self._bounds = QRectF()
        self._boxes: dict[tuple[int, int], list[QRectF]] | None = None  # (fill, border) rgba -> cards
        self._lines: list[QLineF] = []
        self.setZValue(-1)  # under the real cards and edges
        self.setAcceptedMouseButtons(Qt.NoButton)

    def invalidate(self) -> None:
        """The picture changed: rebuild the shapes at the next paint."""
        self._boxes = None
        self.update()

    def set_bounds(self, rect: QRectF) -> None:
        if rect != self._bounds:
            self.prepareGeometryChange()
            self._bounds = QRectF(rect)
        self.invalidate()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def drawn_count(self) -> tuple[int, int]:
        """(cards, edges) drawn as placeholders (for tests and the bench)."""
        self._build()
        return sum(len(v) for v in self._boxes.values()), len(self._lines)

    def _build(self) -> None:
        if self._boxes is not None:
            return
        scene, t = self._scene, theme.current()
        live, positions = scene.live_units(), scene.plan_positions()
        analysis, graph = scene.document.analysis, scene.document.graph
        fill, accent = t.color("node_fill"), QColor(t.accent)
        error = (t.color("error_fill").rgba(), t.color("error").rgba())
        border = t.color("node_border").rgba()
        tints: dict[str, tuple[int, int]] = {}
        boxes: dict[tuple[int, int], list[QRectF]] = {}
        for unit, (x, y) in positions.items():
            if unit in live:
                continue
            if unit[0] != NODE:
                key = tints.setdefault("", (_mix(fill, accent, TINT).rgba(), border))
            else:
                row = analysis.by_id.get(unit[1])
                if row is not None and row.error is not None:
                    key = error
                else:
                    category = CATALOG.get(graph.node(unit[1]).layer).category
                    if category not in tints:
                        tints[category] = (_mix(fill, theme.category_color(category), TINT).rgba(), border)
                    key = tints[category]
            boxes.setdefault(key, []).append(QRectF(x, y, NODE_WIDTH, NODE_HEIGHT))
        self._boxes = boxes
        self._lines = [QLineF(a[0] + NODE_WIDTH / 2, a[1] + NODE_HEIGHT, b[0] + NODE_WIDTH / 2, b[1])
                       for (src, dst) in scene.plan_edge_keys()
                       if not (src in live and dst in live)
                       for a, b in [(positions.get(src), positions.get(dst))] if a is not None and b is not None]

    def paint(self, painter: QPainter, option, widget=None) -> None:
        self._build()
        t = theme.current()
        painter.setRenderHint(QPainter.Antialiasing, False)  # thousands of shapes: square is fast
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        painter.setPen(QPen(t.color("edge"), 1.6 if lod > 0.3 else 0.0))  # 0: one pixel at any zoom
        painter.drawLines(self._lines)
        for (fill, border), rects in self._boxes.items():
            painter.setPen(QPen(QColor.fromRgba(border), 1.0 if lod > 0.3 else 0.0))
            painter.setBrush(QColor.fromRgba(fill))
            painter.drawRects(rects)
