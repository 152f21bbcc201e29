"""The canvas scene: one NodeItem per graph node and one EdgeItem per edge, kept in step
with the document's signals; wiring and moving gestures become Editor calls.

After an edit only the cards whose analysis rows changed are repainted, so editing a
parameter on a big network stays fast. Must not mutate the document directly.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtWidgets import QGraphicsScene

from engine.analysis import Analysis
from engine.catalog import CATALOG
from engine.graph import Edge

from ..document import Document
from ..editing import Editor
from ..formatting import shape_text
from .edge_item import DraftWireItem, EdgeItem
from .node_item import NodeItem, PortItem

EDGE_PICK = 8.0  # how near (scene px) a drop must be to an edge to insert into it
MARGIN = 2000.0


class CanvasScene(QGraphicsScene):
    def __init__(self, document: Document, editor: Editor, parent=None) -> None:
        super().__init__(parent)
        self.document, self.editor = document, editor
        self._nodes: dict[str, NodeItem] = {}
        self._edges: dict[Edge, EdgeItem] = {}
        self._wire: DraftWireItem | None = None
        self._wire_port: PortItem | None = None
        self._hot: EdgeItem | None = None
        self._lints: dict[str, list] = {}  # node id -> its lint warnings (gui.lint), drawn on the card
        self._masked: frozenset[str] = frozenset()  # predict-then-reveal: numbers hidden (gui.exercise)
        self._reroute = QTimer(self, singleShot=True, interval=0, timeout=self._reroute_all)
        self._connect_document()
        self._rebuild()

    def _connect_document(self) -> None:
        doc = self.document
        doc.node_added.connect(self._on_document_node_added)
        doc.node_removed.connect(self._on_document_node_removed)
        doc.edge_added.connect(self._on_document_edge_added)
        doc.edge_removed.connect(self._on_document_edge_removed)
        doc.params_changed.connect(self._on_document_params_changed)
        doc.node_moved.connect(self._on_document_node_moved)
        doc.analysis_changed.connect(self._on_document_analysis_changed)
        doc.graph_replaced.connect(self._rebuild)

    # -- lookups -----------------------------------------------------------------------
    def node_item(self, node_id: str) -> NodeItem:
        return self._nodes[node_id]

    def edge_item(self, src: str, dst: str) -> EdgeItem:
        return self._edges[Edge(src, dst)]

    def node_items(self) -> list[NodeItem]:
        return list(self._nodes.values())

    def edge_items(self) -> list[EdgeItem]:
        return list(self._edges.values())

    def selected_node_ids(self) -> list[str]:
        chosen = {i.node_id for i in self.selectedItems() if isinstance(i, NodeItem)}
        return [n for n in self._nodes if n in chosen]

    def selected_edges(self) -> list[Edge]:
        return [i.edge for i in self.selectedItems() if isinstance(i, EdgeItem)]

    def select_nodes(self, node_ids) -> None:
        wanted = set(node_ids)
        self.blockSignals(True)
        try:
            self.clearSelection()
            for node_id in wanted & set(self._nodes):
                self._nodes[node_id].setSelected(True)
        finally:
            self.blockSignals(False)
        self.selectionChanged.emit()

    def nodes_rect(self) -> QRectF:
        rect = QRectF()
        for item in self._nodes.values():
            rect = rect.united(item.sceneBoundingRect())
        return rect

    def edge_at(self, pos: QPointF) -> EdgeItem | None:
        area = QRectF(pos.x() - EDGE_PICK, pos.y() - EDGE_PICK, 2 * EDGE_PICK, 2 * EDGE_PICK)
        for item in self.items(area, Qt.IntersectsItemShape):
            if isinstance(item, EdgeItem):
                return item
        return None

    def node_at(self, pos: QPointF) -> NodeItem | None:
        for item in self.items(pos):
            if isinstance(item, PortItem):
                return item.node_item
            if isinstance(item, NodeItem):
                return item
        return None

    def set_hot_edge(self, edge: EdgeItem | None) -> None:
        if self._hot is not None and self._hot is not edge and self._hot.scene() is self:
            self._hot.set_hot(False)
        self._hot = edge
        if edge is not None:
            edge.set_hot(True)

    # -- wiring gesture (driven by PortItem mouse events) ---------------------------------
    def begin_wire(self, port: PortItem) -> None:
        self._wire_port = port
        anchor = port.node_item.out_anchor() if port.kind == "out" else port.node_item.in_anchor()
        self._wire = DraftWireItem(anchor, port.kind == "out")
        self.addItem(self._wire)

    def drag_wire(self, pos: QPointF) -> None:
        if self._wire is not None:
            self._wire.move_to(pos)

    def end_wire(self, pos: QPointF) -> bool:
        """Connect the dragged port to the node under `pos`; returns whether it connected."""
        port, self._wire_port = self._wire_port, None
        if self._wire is not None:
            self.removeItem(self._wire)
            self._wire = None
        target = self.node_at(pos)
        if port is None or target is None or target is port.node_item:
            return False
        src, dst = (port.node_id, target.node_id) if port.kind == "out" else (target.node_id, port.node_id)
        return self.editor.connect(src, dst)

    # -- moving --------------------------------------------------------------------------
    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        if event.button() == Qt.LeftButton:
            self.commit_moves()

    def commit_moves(self) -> None:
        """Turn dragged cards into one MoveNodes command (pushed on mouse release)."""
        graph = self.document.graph
        moved = {}
        for node_id, item in self._nodes.items():
            pos = (item.pos().x(), item.pos().y())
            if node_id in graph and graph.node(node_id).pos != pos:
                moved[node_id] = pos
        if moved:
            self.editor.move(moved)

    # -- document signals ------------------------------------------------------------------
    def _rebuild(self) -> None:
        self._hot = None
        self.clear()
        self._nodes.clear()
        self._edges.clear()
        graph, analysis = self.document.graph, self.document.analysis
        for node in graph.nodes.values():
            self._add_node_item(node.id)
        for edge in graph.edges:
            self._add_edge_item(edge.src, edge.dst)
        self._apply_analysis(analysis, force=True)
        self._reroute_all()
        self._update_extent()

    def _add_node_item(self, node_id: str) -> NodeItem:
        node = self.document.graph.node(node_id)
        item = NodeItem(node, CATALOG.get(node.layer))
        item.set_warnings(self._lints.get(node_id, []))
        item.set_masked(node_id in self._masked, any(s in self._masked for s in self.document.graph.inputs_of(node_id)))
        self._nodes[node_id] = item
        self.addItem(item)
        return item

    def _add_edge_item(self, src: str, dst: str) -> EdgeItem:
        item = EdgeItem(self._nodes[src], self._nodes[dst])
        self._edges[Edge(src, dst)] = item
        self.addItem(item)
        item.set_label(self._label_for(src))
        return item

    def _label_for(self, src: str) -> str:
        row = self.document.analysis.by_id.get(src)
        if src in self._masked:
            return "?"
        return shape_text(row) if row is not None and row.ok else ""

    def _on_document_node_added(self, node_id: str) -> None:
        self._add_node_item(node_id)
        self._update_extent()

    def _on_document_node_removed(self, node_id: str) -> None:
        item = self._nodes.pop(node_id)
        for edge in list(item.edges):
            self._drop_edge(edge)
        self.removeItem(item)

    def _on_document_edge_added(self, src: str, dst: str) -> None:
        self._add_edge_item(src, dst).update_path()

    def _on_document_edge_removed(self, src: str, dst: str) -> None:
        item = self._edges.get(Edge(src, dst))
        if item is not None:
            self._drop_edge(item)

    def _drop_edge(self, item: EdgeItem) -> None:
        item.detach()
        self._edges.pop(item.edge, None)
        if self._hot is item:
            self._hot = None
        self.removeItem(item)

    def _on_document_params_changed(self, node_id: str) -> None:
        self._nodes[node_id].set_params(self.document.graph.node(node_id).params)

    def _on_document_node_moved(self, node_id: str) -> None:
        item = self._nodes[node_id]
        pos = self.document.graph.node(node_id).pos
        if (item.pos().x(), item.pos().y()) != pos:
            item.setPos(*pos)
        self._reroute.start()

    def _on_document_analysis_changed(self, analysis: Analysis) -> None:
        self._apply_analysis(analysis)

    def _apply_analysis(self, analysis: Analysis, force: bool = False) -> None:
        """Repaint only the cards (and their outgoing edges) whose rows changed."""
        for node_id, item in self._nodes.items():
            row = analysis.by_id.get(node_id)
            if force or row != item.row:
                item.set_row(row)
                label = self._label_for(node_id)
                for edge in item.edges:
                    if edge.src_item is item:
                        edge.set_label(label)

    def show_lints(self, warnings) -> None:
        """Draw the warning style on the cards of the layers these lint warnings are about."""
        self._lints = {}
        for warning in warnings:
            self._lints.setdefault(warning.node, []).append(warning)
        for node_id, item in self._nodes.items():
            item.set_warnings(self._lints.get(node_id, []))

    def show_masked(self, masked) -> None:
        """Hide the output shape and parameter count of these layers (and the shapes they pass on)."""
        self._masked = frozenset(masked)
        graph = self.document.graph
        for node_id, item in self._nodes.items():
            item.set_masked(node_id in self._masked, any(s in self._masked for s in graph.inputs_of(node_id)))
            for edge in item.edges:
                if edge.src_item is item:
                    edge.set_label(self._label_for(node_id))

    def _reroute_all(self) -> None:
        for edge in self._edges.values():
            edge.update_path()
        self._update_extent()

    def _update_extent(self) -> None:
        rect = self.itemsBoundingRect() if self._nodes else QRectF(0, 0, 1, 1)
        self.setSceneRect(rect.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN))
