"""The canvas view: zoom (Ctrl+wheel), pan (middle drag or Space+drag), fit all,
rubber-band selection, a minimap and a find bar over it, and drops from the palette (on
an edge: inserted into it; beside a selected layer with a free output: appended to it; on
empty canvas: a new node).

Holds no network logic: drops become Editor calls. Must not mutate the document.
"""
from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPen, QTransform
from PySide6.QtWidgets import QFrame, QGraphicsView

from engine.blocks import NODE
from engine.layout import GAP_Y, NODE_HEIGHT, NODE_WIDTH

from .. import theme
from .find_bar import FindBar
from .minimap import Minimap
from .scene import CanvasScene

LAYER_MIME = "application/x-netwright-layer"
MIN_ZOOM, MAX_ZOOM = 0.02, 3.0
FIT_MARGIN = 16.0
OVERLAY_MARGIN = 12
GRID = 24.0
MAX_GRID_DOTS = 200_000  # more than any screen shows at the zoom where dots are drawn
MAX_GRID_COORD = 1e12
_NUDGES = {Qt.Key_Left: (-1, 0), Qt.Key_Right: (1, 0), Qt.Key_Up: (0, -1), Qt.Key_Down: (0, 1)}


class CanvasView(QGraphicsView):
    zoom_changed = Signal(float)
    context_menu_requested = Signal(QPointF, object)  # scene position, global QPoint

    def __init__(self, scene: CanvasScene, parent=None) -> None:
        super().__init__(scene, parent)
        self.canvas_scene = scene
        self.auto_fit = True  # keep fitting on resize until the user zooms or pans
        self.notice = ""  # a line for the empty-state card, e.g. "Loading PyTorch…"
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
        self.minimap = Minimap(self)
        self.minimap.navigated.connect(self._on_minimap_navigated)
        self.find_bar = FindBar(scene.document, self)
        self._was_empty = not scene.has_units()
        # On a huge network cards are made where the view looks, once scrolling or zooming settles.
        self._look = QTimer(self, singleShot=True, interval=0, timeout=self.materialize_visible)
        self.rubberBandChanged.connect(self._on_rubber_band_changed)
        doc = scene.document
        doc.graph_replaced.connect(self._on_document_graph_replaced)
        for signal in (doc.node_added, doc.node_removed):
            signal.connect(self._on_document_nodes_changed)
        doc.analysis_changed.connect(self.minimap.schedule_refresh)
        doc.node_moved.connect(self.minimap.schedule_refresh)
        scene.folds_changed.connect(self._on_scene_folds_changed)
        scene.fold_anchor_moved.connect(self._on_scene_fold_anchor_moved)
        for bar in (self.horizontalScrollBar(), self.verticalScrollBar()):
            bar.valueChanged.connect(self.minimap.follow_view)
            bar.valueChanged.connect(self._on_scroll_bar_value_changed)
        self.minimap.refresh()

    @property
    def zoom(self) -> float:
        return self.transform().m11()

    # -- zoom and fit ------------------------------------------------------------------
    def set_zoom(self, scale: float, user: bool = True) -> None:
        scale = max(MIN_ZOOM, min(MAX_ZOOM, scale))
        self.setTransform(QTransform.fromScale(scale, scale))
        self.auto_fit = self.auto_fit and not user
        self.zoom_changed.emit(scale)
        self.minimap.follow_view()
        self._look.start()

    def zoom_by(self, factor: float) -> None:
        self.set_zoom(self.zoom * factor)

    def zoom_in(self) -> None:
        self.zoom_by(1.25)

    def zoom_out(self) -> None:
        self.zoom_by(0.8)

    def fit_all(self) -> None:
        """Show everything: every card, edge, label and frame (never above 100 %)."""
        rect = self.canvas_scene.content_rect()
        view = self.viewport().rect()
        if rect.isEmpty() or view.width() < 10 or view.height() < 10:
            self.set_zoom(1.0, user=False)
            self.centerOn(QPointF(NODE_WIDTH / 2, NODE_HEIGHT * 2))
            return
        fit = min((view.width() - 2 * FIT_MARGIN) / rect.width(), (view.height() - 2 * FIT_MARGIN) / rect.height())
        self.set_zoom(min(1.0, fit), user=False)
        self.centerOn(rect.center())
        self.minimap.follow_view()

    def fit_readable(self) -> None:
        """The view a network opens with: it is folded to fit legibly, so this fits all."""
        self.fit_all()

    def visible_scene_rect(self) -> QRectF:
        return self.mapToScene(self.viewport().rect()).boundingRect()

    def materialize_visible(self) -> int:
        """Make real the cards the view shows (a huge network has stand-ins elsewhere)."""
        return self.canvas_scene.materialize(self.visible_scene_rect(), self.zoom)

    def _on_scroll_bar_value_changed(self, value: int) -> None:
        self._look.start()  # not connected straight to start(): the value would become its interval

    def _on_rubber_band_changed(self, rect, from_scene: QPointF, to_scene: QPointF) -> None:
        """Cards under the band become real before the band selects (it selects items)."""
        if not rect.isNull():  # from the band in view coordinates: `to_scene` lags one mouse move behind
            self.canvas_scene.make_real(self.canvas_scene.units_in(self.mapToScene(rect).boundingRect()))

    def centre_on_unit(self, unit) -> None:
        """Bring a card into the middle of the view, zooming in if it would be unreadable."""
        item = self.canvas_scene.unit_item(unit)
        if item is None:
            return
        if self.zoom < 0.75:
            self.set_zoom(1.0)
        self.auto_fit = False
        self.centerOn(item.sceneBoundingRect().center())

    def centre_on_rect(self, rect: QRectF) -> None:
        self.auto_fit = False
        if rect.width() * self.zoom > self.viewport().width() or rect.height() * self.zoom > self.viewport().height():
            self.centerOn(QPointF(rect.center().x(), rect.top() + self.viewport().height() / (2 * self.zoom) - 20))
        else:
            self.centerOn(rect.center())

    def refresh_theme(self) -> None:
        """Repaint everything in the current theme (cards cache their pixmaps)."""
        self.resetCachedContent()
        if self.canvas_scene.overview() is not None:
            self.canvas_scene.overview().invalidate()  # its colours are worked out once
        for item in self.canvas_scene.items():
            item.update()
        self.viewport().update()

    def ensure_node_visible(self, node_id: str) -> None:
        item = self.canvas_scene.unit_item((NODE, node_id))
        if item is not None:
            self.ensureVisible(item.sceneBoundingRect(), 60, 60)

    def _on_document_graph_replaced(self) -> None:
        self.auto_fit = True
        self.fit_all()
        self._on_document_nodes_changed()

    def _on_document_nodes_changed(self, *args) -> None:
        """The empty-canvas hint is painted over the viewport: repaint all of it when it
        appears or goes, or its remains stay over the first cards."""
        empty = not self.canvas_scene.has_units()
        if empty != self._was_empty:
            self._was_empty = empty
            self.viewport().update()
        self.minimap.schedule_refresh()

    def _on_scene_folds_changed(self, in_place: bool) -> None:
        self.minimap.schedule_refresh()  # once with the analysis that follows a new network
        self._look.start()
        if in_place:
            self.auto_fit = False  # the block opens where it was; the minimap shows the rest
        elif self.auto_fit:
            self.fit_all()

    def _on_scene_fold_anchor_moved(self, before: QPointF, after: QPointF) -> None:
        """A block folded or unfolded: keep its place on screen, so it opens where it was."""
        centre = self.mapToScene(self.viewport().rect().center())
        self.centerOn(centre + (after - before))
        self.minimap.follow_view()

    def _on_minimap_navigated(self, point: QPointF) -> None:
        self.auto_fit = False
        self.centerOn(point)
        self.minimap.follow_view()

    def showEvent(self, event) -> None:
        """Back from another view: a network loaded meanwhile left the minimap where the old one
        needed it, over a card of the new one."""
        super().showEvent(event)
        self.minimap.follow_view()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        size = self.viewport().size()
        area = (float(size.width() - 2 * FIT_MARGIN), float(size.height() - 2 * FIT_MARGIN))
        self.canvas_scene.area = area
        self.canvas_scene.editor.layout_area = area
        self._place_overlays()
        if self.auto_fit:
            self.fit_all()
        self.minimap.follow_view()
        self._look.start()

    def _place_overlays(self) -> None:
        m = OVERLAY_MARGIN
        self.find_bar.adjustSize()
        self.find_bar.move(self.width() - self.find_bar.width() - m, m)
        self.minimap.follow_view()  # it picks a corner with no card under it

    def open_find(self) -> None:
        self._place_overlays()
        self.find_bar.open()
        self._place_overlays()

    def set_notice(self, text: str) -> None:
        self.notice = text
        self.viewport().update()

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
        if self.canvas_scene.has_units():
            return
        painter.save()
        painter.resetTransform()
        self._paint_empty_hint(painter)
        painter.restore()

    def _paint_empty_hint(self, painter: QPainter) -> None:
        t = theme.current()
        area = QRectF(self.viewport().rect())
        box = QRectF(0, 0, min(460.0, area.width() - 40), 172 if self.notice else 150)
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
        if self.notice:
            painter.setPen(t.color("accent"))
            painter.drawText(box.adjusted(20, 0, -20, -16), Qt.AlignHCenter | Qt.AlignBottom, self.notice)

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

    def contextMenuEvent(self, event) -> None:
        self.context_menu_requested.emit(self.mapToScene(event.pos()), event.globalPos())
        event.accept()

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
        after = self._open_neighbour(pos) if layer != "input" else None
        if after is not None:
            return editor.append_layer_at(layer, after, (pos.x(), pos.y()))
        return editor.add_layer(layer, (pos.x(), pos.y()))

    def _open_neighbour(self, pos: QPointF) -> str | None:
        """The one selected layer, if it has a free output and the drop lands beside it."""
        scene = self.canvas_scene
        selected = scene.selected_node_ids()
        if len(selected) != 1 or scene.document.graph.outputs_of(selected[0]):
            return None
        near = scene.node_item(selected[0]).sceneBoundingRect().adjusted(
            -NODE_WIDTH * 0.75, -GAP_Y, NODE_WIDTH * 0.75, 2 * (NODE_HEIGHT + GAP_Y))
        return selected[0] if near.contains(pos) else None


def layer_from_mime(mime) -> str | None:
    from engine.catalog import CATALOG

    if mime is None or not mime.hasFormat(LAYER_MIME):
        return None
    layer = bytes(mime.data(LAYER_MIME)).decode("utf-8", "replace").strip()
    return layer if layer in CATALOG else None
