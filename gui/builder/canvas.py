"""The canvas view: zoom (Ctrl+wheel), pan (middle drag or Space+drag), fit all,
rubber-band selection, and drops from the palette (on empty canvas: a new node; on an
edge: inserted into it).

Holds no network logic: drops become Editor calls. Must not mutate the document.
"""
from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen, QTransform
from PySide6.QtWidgets import QFrame, QGraphicsView

from engine.layout import NODE_HEIGHT, NODE_WIDTH

from .. import theme
from .scene import CanvasScene

LAYER_MIME = "application/x-netwright-layer"
MIN_ZOOM, MAX_ZOOM = 0.08, 3.0
READABLE_ZOOM = 0.85  # fit-all never zooms out further: deep nets show their top, readable
FIT_MARGIN = 32.0
GRID = 24.0
MAX_GRID_DOTS = 200_000  # more than any screen shows at the zoom where dots are drawn
MAX_GRID_COORD = 1e12
_NUDGES = {Qt.Key_Left: (-1, 0), Qt.Key_Right: (1, 0), Qt.Key_Up: (0, -1), Qt.Key_Down: (0, 1)}


class CanvasView(QGraphicsView):
    zoom_changed = Signal(float)

    def __init__(self, scene: CanvasScene, parent=None) -> None:
        super().__init__(scene, parent)
        self.canvas_scene = scene
        self.auto_fit = True  # keep fitting on resize until the user zooms or pans
        self._pan_from: QPointF | None = None
        self.setObjectName("canvas")
        self.setFrameShape(QFrame.NoFrame)
        self.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing | QPainter.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.SmartViewportUpdate)
        self.setCacheMode(QGraphicsView.CacheBackground)
        self.setAcceptDrops(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.StrongFocus)
        scene.document.graph_replaced.connect(self._on_document_graph_replaced)

    @property
    def zoom(self) -> float:
        return self.transform().m11()

    # -- zoom and fit ------------------------------------------------------------------
    def set_zoom(self, scale: float, user: bool = True) -> None:
        scale = max(MIN_ZOOM, min(MAX_ZOOM, scale))
        self.setTransform(QTransform.fromScale(scale, scale))
        self.auto_fit = self.auto_fit and not user
        self.zoom_changed.emit(scale)

    def zoom_by(self, factor: float) -> None:
        self.set_zoom(self.zoom * factor)

    def zoom_in(self) -> None:
        self.zoom_by(1.25)

    def zoom_out(self) -> None:
        self.zoom_by(0.8)

    def fit_all(self) -> None:
        """Show the whole network, however small that makes it (the Fit All action)."""
        self._fit(MIN_ZOOM)

    def fit_readable(self) -> None:
        """The default view: fit all, but a very deep network shows its top, readable."""
        self._fit(READABLE_ZOOM)

    def _fit(self, floor: float) -> None:
        rect = self.canvas_scene.nodes_rect()
        view = self.viewport().rect()
        if rect.isEmpty() or view.width() < 10 or view.height() < 10:
            self.set_zoom(1.0, user=False)
            self.centerOn(QPointF(NODE_WIDTH / 2, NODE_HEIGHT * 2))
            return
        fit = min((view.width() - 2 * FIT_MARGIN) / rect.width(), (view.height() - 2 * FIT_MARGIN) / rect.height())
        scale = min(1.0, max(fit, floor))
        self.set_zoom(scale, user=False)
        self.centerOn(self._fit_centre(rect, scale, view.width(), view.height()))

    def _fit_centre(self, rect: QRectF, scale: float, width: float, height: float) -> QPointF:
        x, y = rect.center().x(), rect.center().y()
        if rect.height() * scale > height - 2 * FIT_MARGIN:
            y = rect.top() - FIT_MARGIN / scale + height / (2 * scale)
        if rect.width() * scale > width - 2 * FIT_MARGIN:
            x = self._first_node_x(rect)
        return QPointF(x, y)

    def _first_node_x(self, rect: QRectF) -> float:
        items = self.canvas_scene.node_items()
        top = min(items, key=lambda i: (i.pos().y(), i.pos().x()), default=None)
        return top.pos().x() + NODE_WIDTH / 2 if top else rect.center().x()

    def refresh_theme(self) -> None:
        """Repaint everything in the current theme (cards cache their pixmaps)."""
        self.resetCachedContent()
        for item in self.canvas_scene.items():
            item.update()
        self.viewport().update()

    def ensure_node_visible(self, node_id: str) -> None:
        self.ensureVisible(self.canvas_scene.node_item(node_id).sceneBoundingRect(), 60, 60)

    def _on_document_graph_replaced(self) -> None:
        self.auto_fit = True
        self.fit_readable()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.auto_fit:
            self.fit_readable()

    # -- painting ----------------------------------------------------------------------
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        t = theme.current()
        painter.fillRect(rect, t.color("canvas"))
        if self.zoom < 0.45:
            return
        painter.setRenderHint(QPainter.Antialiasing, False)  # square dots draw far faster
        painter.setPen(QPen(t.color("grid"), 1.25 / self.zoom, Qt.SolidLine, Qt.SquareCap))
        # Count the dots first: far from the origin (or with a non-finite rect) adding GRID to a
        # float no longer moves it, and an accumulating loop never ends.
        bounds = (rect.left(), rect.top(), rect.right(), rect.bottom())
        if not all(math.isfinite(v) and abs(v) < MAX_GRID_COORD for v in bounds):
            return
        left = math.floor(rect.left() / GRID) * GRID
        top = math.floor(rect.top() / GRID) * GRID
        cols = int((rect.right() - left) // GRID) + 1
        rows = int((rect.bottom() - top) // GRID) + 1
        if cols * rows > MAX_GRID_DOTS:
            return
        painter.drawPoints([QPointF(left + i * GRID, top + j * GRID) for j in range(rows) for i in range(cols)])

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        if self.canvas_scene.node_items():
            return
        painter.save()
        painter.resetTransform()
        self._paint_empty_hint(painter)
        painter.restore()

    def _paint_empty_hint(self, painter: QPainter) -> None:
        t = theme.current()
        area = QRectF(self.viewport().rect())
        box = QRectF(0, 0, min(460.0, area.width() - 40), 150)
        box.moveCenter(area.center())
        painter.setPen(QPen(t.color("border"), 1.5, Qt.DashLine))
        painter.setBrush(QColor(t.base))
        painter.drawRoundedRect(box, 14, 14)
        painter.setPen(t.color("text"))
        painter.setFont(theme.scaled_font(4.0, bold=True))
        painter.drawText(box.adjusted(20, 22, -20, 0), Qt.AlignHCenter | Qt.AlignTop, "Start building")
        painter.setFont(theme.scaled_font(0.5))
        painter.setPen(t.color("muted"))
        hint = ("Drag a layer from the palette and drop it here,\nor double-click one to append it.\n"
                "File ▸ Templates… opens a classic network.")
        painter.drawText(box.adjusted(20, 62, -20, -12), Qt.AlignHCenter | Qt.AlignTop, hint)

    # -- zoom and pan gestures -------------------------------------------------------------
    def wheelEvent(self, event) -> None:
        if event.modifiers() & Qt.ControlModifier:
            steps = event.angleDelta().y() / 120.0
            self.zoom_by(1.15 ** steps)
            event.accept()
            return
        self.auto_fit = False
        super().wheelEvent(event)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MiddleButton:
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.pan_by(delta.x(), delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MiddleButton and self._pan_from is not None:
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def pan_by(self, dx: float, dy: float) -> None:
        self.auto_fit = False
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(dx))
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(dy))

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self.setDragMode(QGraphicsView.ScrollHandDrag)
            self.setInteractive(False)
            self.auto_fit = False
            return
        if event.key() in _NUDGES and self.canvas_scene.selected_node_ids():
            step = GRID if event.modifiers() & Qt.ShiftModifier else GRID / 4
            dx, dy = _NUDGES[event.key()]
            self.canvas_scene.editor.nudge(self.canvas_scene.selected_node_ids(), dx * step, dy * step)
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self.setDragMode(QGraphicsView.RubberBandDrag)
            self.setInteractive(True)
            return
        super().keyReleaseEvent(event)

    # -- drops from the palette -------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasFormat(LAYER_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if not event.mimeData().hasFormat(LAYER_MIME):
            event.ignore()
            return
        pos = self.mapToScene(event.position().toPoint())
        self.canvas_scene.set_hot_edge(self.canvas_scene.edge_at(pos))
        event.acceptProposedAction()

    def dragLeaveEvent(self, event) -> None:
        self.canvas_scene.set_hot_edge(None)

    def dropEvent(self, event) -> None:
        self.canvas_scene.set_hot_edge(None)
        layer = layer_from_mime(event.mimeData())
        if layer is None:
            event.ignore()
            return
        self.drop_layer(layer, self.mapToScene(event.position().toPoint()))
        event.acceptProposedAction()

    def drop_layer(self, layer: str, pos: QPointF) -> str:
        """What a palette drop at scene `pos` does; returns the new node's id."""
        editor = self.canvas_scene.editor
        edge = self.canvas_scene.edge_at(pos)
        if edge is not None:
            src, dst = edge.edge.src, edge.edge.dst
            return editor.insert_on_edge(layer, src, dst, (pos.x(), pos.y()))
        return editor.add_layer(layer, (pos.x(), pos.y()))


def layer_from_mime(mime) -> str | None:
    from engine.catalog import CATALOG

    if mime is None or not mime.hasFormat(LAYER_MIME):
        return None
    layer = bytes(mime.data(LAYER_MIME)).decode("utf-8", "replace").strip()
    return layer if layer in CATALOG else None
