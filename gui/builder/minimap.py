"""The minimap: an overview of the whole network in a corner of the canvas, with the visible
region outlined; clicking or dragging in it moves the canvas there. It shows only while part
of the network is out of view, and never over a card the user is looking at: it takes the first
free corner of the canvas (bottom right, bottom left, top left, top right) and hides when
cards lie under all four.

It paints coloured rectangles from the scene's plan of cards (real items or the stand-ins of a
huge network) and frames, grouped by colour and mapped once per refresh (cheap even for 20,000
layers), rather than rendering the scene a second time. Must not mutate the document.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget

from engine.blocks import NODE
from engine.catalog import CATALOG
from engine.layout import NODE_HEIGHT, NODE_WIDTH

from .. import theme, turns
from .block_item import BlockItem
from .cards import CardText, stripe_color
from .plan_arrays import first_of_each

SIZE = (220, 150)
PAD = 6.0
MARGIN = 12


class Minimap(QWidget):
    navigated = Signal(QPointF)  # the scene point the user asked to centre on

    def __init__(self, canvas) -> None:
        super().__init__(canvas)
        self.canvas = canvas
        self.setObjectName("minimap")
        self.setFixedSize(*SIZE)
        self.setCursor(Qt.PointingHandCursor)
        self.setToolTip("Overview: click or drag to move the canvas")
        self._content = QRectF()
        self._frames: list[QRectF] = []
        self._painted: dict[int, list[QRectF]] = {}  # rgba -> the cards in minimap coordinates
        self._refresh = QTimer(self, singleShot=True, interval=30, timeout=lambda: turns.later(self.refresh, self))
        self.hide()  # until a network is out of view (follow_view): an empty canvas showed an empty box

    def schedule_refresh(self) -> None:
        self._refresh.start()

    def refresh(self) -> None:
        """Re-read the cards and frames (after an edit, a fold or a layout)."""
        scene = self.canvas.canvas_scene
        self._content = scene.content_rect()
        self._frames = [f.rect for f in scene.frame_items()]
        positions = scene.plan_positions()
        colors = np.array(_unit_colors(scene, positions), dtype=np.int64)
        k, o, c = self._scale(), self._origin(), self._content.topLeft()
        w, h = max(NODE_WIDTH * k, 1.5), max(NODE_HEIGHT * k, 1.0)  # a 10,000-layer chain still shows
        at = (np.array(list(positions.values()), dtype=float).reshape(-1, 2) - (c.x(), c.y())) * k + (o.x(), o.y())
        # one rectangle per colour and quarter pixel: 20,000 cards in a 220 x 150 box are a few thousand
        first = first_of_each(np.column_stack((colors, np.rint(at * 4).astype(np.int64))))
        self._painted = {}
        for i in first.tolist():
            self._painted.setdefault(int(colors[i]), []).append(QRectF(at[i, 0], at[i, 1], w, h))
        self.follow_view()

    def follow_view(self) -> None:
        """Show only while part of the network is out of view, in a corner with no card under
        it; repaint the visible region."""
        view = self.canvas
        shown = view.mapToScene(view.viewport().rect()).boundingRect()
        needed = bool(self._painted) and not shown.contains(self._content.adjusted(4, 4, -4, -4))
        corner = self._free_corner() if needed else None
        if corner is not None and corner != self.pos():
            self.move(corner)
        if (corner is not None) != self.isVisible():
            self.setVisible(corner is not None)
        self.update()

    def _corners(self) -> list[QPoint]:
        view, m = self.canvas, MARGIN
        right, bottom = view.width() - self.width() - m, view.height() - self.height() - m
        corners = [QPoint(right, bottom), QPoint(m, bottom), QPoint(m, m)]
        find_bar = getattr(view, "find_bar", None)
        return corners if find_bar is not None and find_bar.isVisible() else corners + [QPoint(right, m)]

    def _free_corner(self) -> QPoint | None:
        view = self.canvas
        for corner in self._corners():
            area = view.mapToScene(QRect(corner, self.size()).adjusted(-4, -4, 4, 4)).boundingRect()
            if not view.canvas_scene.any_unit_in(area):
                return corner
        return None

    # -- geometry ---------------------------------------------------------------------------
    def _scale(self) -> float:
        if self._content.isEmpty():
            return 1.0
        return min((self.width() - 2 * PAD) / self._content.width(), (self.height() - 2 * PAD) / self._content.height())

    def _origin(self) -> QPointF:
        k = self._scale()
        used_w, used_h = self._content.width() * k, self._content.height() * k
        return QPointF((self.width() - used_w) / 2, (self.height() - used_h) / 2)

    def to_scene(self, point: QPointF) -> QPointF:
        k, o = self._scale(), self._origin()
        return QPointF(self._content.left() + (point.x() - o.x()) / k, self._content.top() + (point.y() - o.y()) / k)

    def to_map(self, rect: QRectF) -> QRectF:
        k, o = self._scale(), self._origin()
        return QRectF(o.x() + (rect.left() - self._content.left()) * k, o.y() + (rect.top() - self._content.top()) * k,
                      rect.width() * k, rect.height() * k)

    def visible_rect(self) -> QRectF:
        """The part of the scene the canvas shows now, in minimap coordinates."""
        view = self.canvas
        return self.to_map(view.mapToScene(view.viewport().rect()).boundingRect())

    # -- painting and gestures -----------------------------------------------------------------
    def paintEvent(self, event) -> None:
        t = theme.current()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(QPen(t.color("border"), 1.0))
        back = QColor(t.base)
        back.setAlpha(235)
        painter.setBrush(back)
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 8, 8)
        painter.setPen(QPen(t.color("node_border"), 1.0, Qt.DashLine))
        painter.setBrush(Qt.NoBrush)
        for rect in self._frames:
            painter.drawRect(self.to_map(rect))
        painter.setPen(Qt.NoPen)
        for rgba, rects in self._painted.items():
            painter.setBrush(QColor.fromRgba(rgba))
            painter.drawRects(rects)
        view = self.visible_rect().intersected(QRectF(self.rect()).adjusted(1, 1, -1, -1))
        accent = t.color("accent")
        fill = QColor(accent)
        fill.setAlpha(40)
        painter.setPen(QPen(accent, 1.5))
        painter.setBrush(fill)
        painter.drawRect(view)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.LeftButton:
            self.navigated.emit(self.to_scene(event.position()))
            event.accept()

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & Qt.LeftButton:
            self.navigated.emit(self.to_scene(event.position()))
            event.accept()


def _unit_colors(scene, units) -> list[int]:
    """Each unit's colour (rgba), worked out once per layer type for the plain stand-in cards."""
    live, cache, by_layer, colors = scene.live_units(), {}, {}, []
    nodes, rows = scene.document.graph.nodes, scene.document.analysis.by_id
    for unit in units:
        node = nodes.get(unit[1]) if unit[0] == NODE and unit not in live else None
        if node is None or node.frozen:
            colors.append(_color(unit, scene.unit_item(unit) if unit in live else None, nodes, rows, cache))
        elif (color := by_layer.get(node.layer)) is not None:
            colors.append(color)
        else:
            colors.append(by_layer.setdefault(node.layer, _color(unit, None, nodes, rows, cache)))
    return colors


def _color(unit, item, nodes: dict, rows: dict, cache: dict) -> int:
    """A card's stripe colour (rgba); for a stand-in card, from its layer type as its card would say."""
    if item is not None:
        color = QColor(theme.current().accent) if isinstance(item, BlockItem) else stripe_color(item.card_text())
        return color.rgba()
    if unit[0] != NODE:
        return QColor(theme.current().accent).rgba()
    node = nodes[unit[1]]
    frozen = node.frozen and ((row := rows.get(unit[1])) is None or row.params > 0)
    key = (node.layer, frozen)
    if key not in cache:
        cache[key] = stripe_color(CardText("", category=CATALOG.get(node.layer).category, frozen=frozen)).rgba()
    return cache[key]
