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
        self._styled: list | None = None  # (unit, (fill, border) rgba, card) for every unit of the plan
        self._segments: list = []  # (source unit, target unit, line) for every edge of the plan
        self._boxes: dict[tuple[int, int], list[QRectF]] | None = None  # the stand-ins: style -> cards
        self._lines: list[QLineF] = []
        self.setZValue(-1)  # under the real cards and edges
        # Painted once per zoom into a viewport-sized pixmap (Qt caches only the part in view of
        # an item this big): a repaint, a grab or a scroll blits it instead of redrawing 40,000 lines.
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self.setAcceptedMouseButtons(Qt.NoButton)

    def invalidate(self, styles: bool = True) -> None:
        """The picture changed: rebuild the shapes at the next paint. `styles=False`: only which
        units have real items changed (the colours and places of the rest did not)."""
        if styles:
            self._styled = None
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
        if self._styled is None:
            self._style()
        live = self._scene.live_units()
        boxes: dict[tuple[int, int], list[QRectF]] = {}
        for unit, key, rect in self._styled:
            if unit not in live:
                boxes.setdefault(key, []).append(rect)
        self._boxes = boxes
        self._lines = [line for src, dst, line in self._segments if src not in live or dst not in live]

    def _style(self) -> None:
        """Each unit's colours (by its layer's category, red for an error) and each edge's line."""
        scene, t = self._scene, theme.current()
        positions, rows, nodes = scene.plan_positions(), scene.document.analysis.by_id, scene.document.graph.nodes
        fill, border = t.color("node_fill"), t.color("node_border").rgba()
        error = (t.color("error_fill").rgba(), t.color("error").rgba())
        block = (_mix(fill, QColor(t.accent), TINT).rgba(), border)  # a folded block's card
        tints: dict[str, tuple[int, int]] = {}  # layer type -> its category's tint
        styled = []
        for unit, (x, y) in positions.items():
            if unit[0] != NODE:
                key = block
            elif (row := rows.get(unit[1])) is not None and row.error is not None:
                key = error
            else:
                layer = nodes[unit[1]].layer
                if layer not in tints:
                    color = theme.category_color(CATALOG.get(layer).category)
                    tints[layer] = (_mix(fill, color, TINT).rgba(), border)
                key = tints[layer]
            styled.append((unit, key, QRectF(x, y, NODE_WIDTH, NODE_HEIGHT)))
        self._styled = styled
        half = NODE_WIDTH / 2
        self._segments = [(src, dst, QLineF(a[0] + half, a[1] + NODE_HEIGHT, b[0] + half, b[1]))
                          for (src, dst) in scene.plan_edge_keys()
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
