"""The minimap: an overview of the whole network in a corner of the canvas, with the visible
region outlined; clicking or dragging in it moves the canvas there. It shows only while part
of the network is out of view, and never over a card the user is looking at: it takes the first
free corner of the canvas (bottom right, bottom left, top left, top right) and hides when
cards lie under all four.

It paints coloured rectangles from the scene's cards and frames (cheap even for 500 layers)
rather than rendering the scene a second time. Must not mutate the document.
"""
from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget

from engine.layout import NODE_HEIGHT, NODE_WIDTH

from .. import theme
from .block_item import BlockItem
from .cards import stripe_color

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
        self._boxes: list[tuple[QRectF, QColor]] = []
        self._frames: list[QRectF] = []
        self._refresh = QTimer(self, singleShot=True, interval=30, timeout=self.refresh)

    def schedule_refresh(self) -> None:
        self._refresh.start()

    def refresh(self) -> None:
        """Re-read the cards and frames (after an edit, a fold or a layout)."""
        scene = self.canvas.canvas_scene
        self._content = scene.content_rect()
        self._boxes = [(QRectF(i.pos().x(), i.pos().y(), NODE_WIDTH, NODE_HEIGHT),
                        QColor(theme.current().accent) if isinstance(i, BlockItem) else stripe_color(i.card_text()))
                       for i in scene.unit_items()]
        self._frames = [f.rect for f in scene.frame_items()]
        self.follow_view()

    def follow_view(self) -> None:
        """Show only while part of the network is out of view, in a corner with no card under
        it; repaint the visible region."""
        view = self.canvas
        shown = view.mapToScene(view.viewport().rect()).boundingRect()
        needed = bool(self._boxes) and not shown.contains(self._content.adjusted(4, 4, -4, -4))
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
            if not any(area.intersects(rect) for rect, _ in self._boxes):
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
        for rect, color in self._boxes:
            painter.setBrush(color)
            painter.drawRect(self.to_map(rect))
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
