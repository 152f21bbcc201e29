"""The canvas scene: one card per visible unit (a layer, or a folded block), one edge item
per connection between units, a frame around every expanded block, kept in step with the
document's signals; wiring and moving gestures become Editor calls.

The fold state (which blocks are collapsed) is view state: it is not saved and not undone.
A new network opens folded at the deepest level that fits the canvas legibly. With every
block expanded the cards sit where the graph stores them; with some folded, the folded graph
is laid out automatically (`folding.plan`). Only visible units have items, so a folded
516-layer network costs a dozen cards. Past `scene_lazy.LAZY_UNITS` units, cards are made
only where the view looks and one overview item draws the rest. After an edit only the cards
whose rows changed are repainted. Must not mutate the document directly.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtWidgets import QGraphicsScene

from engine.analysis import Analysis
from engine.blocks import BLOCK, NODE, Unit, block_tree, lineage
from engine.catalog import CATALOG
from engine.graph import Edge
from engine.layout import NODE_HEIGHT, NODE_WIDTH

from ..document import Document
from ..editing import Editor
from . import folding
from .block_item import BlockItem, FrameItem, FrameLabelItem, frame_title
from .detail_item import DetailItem
from .edge_item import DraftWireItem, EdgeItem
from .node_item import NodeItem, PortItem, UnitItem
from .scene_edits import EditFollow
from .scene_folds import FoldControl
from .scene_lazy import LazyControl
from .scene_marks import MarkControl

EDGE_PICK = 12.0  # how near (scene px) a drop must be to an edge to insert into it
MARGIN = 2000.0
MIN_AREA = (600.0, 400.0)


class CanvasScene(EditFollow, FoldControl, MarkControl, LazyControl, QGraphicsScene):
    folds_changed = Signal(bool)  # True when one block was toggled in place (the view keeps its place)
    fold_anchor_moved = Signal(QPointF, QPointF)  # a toggled block's place before and after

    def __init__(self, document: Document, editor: Editor, parent=None) -> None:
        super().__init__(parent)
        self.document, self.editor = document, editor
        self.collapsed: frozenset[str] = frozenset()
        self.auto = False  # True: positions come from the auto-layout of the folded graph
        self.area = (1100.0, 700.0)  # the canvas size; the view keeps it current
        self._units: dict[Unit, UnitItem] = {}
        self._edges: dict[tuple[Unit, Unit], EdgeItem] = {}
        self._frames: list[tuple[FrameItem, FrameLabelItem]] = []
        self._details: dict[str, DetailItem] = {}
        self._wire: DraftWireItem | None = None
        self._wire_port: PortItem | None = None
        self._hot: EdgeItem | None = None
        self._dirty = False
        self._init_marks()
        self._init_lazy()
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
        doc.blocks_changed.connect(self._on_document_blocks_changed)
        doc.analysis_changed.connect(self._on_document_analysis_changed)
        doc.graph_replaced.connect(self._rebuild)

    # -- lookups -----------------------------------------------------------------------
    def node_item(self, node_id: str) -> NodeItem:
        """The card of a visible layer (KeyError while it is inside a folded block); on a huge
        network it is made now if the view has not shown it yet."""
        return self._real((NODE, node_id))

    def block_item(self, path: str) -> BlockItem:
        return self._real((BLOCK, path))

    def unit_item(self, unit: Unit) -> UnitItem | None:
        if unit not in self._units and unit in self._positions:
            self.make_real([unit])
        return self._units.get(unit)

    def _real(self, unit: Unit) -> UnitItem:
        item = self.unit_item(unit)
        if item is None:
            raise KeyError(unit[1])
        return item

    def edge_item(self, src: str, dst: str) -> EdgeItem:
        key = ((NODE, src), (NODE, dst))
        if key not in self._edges and key in self._plan_edges:
            self.make_real(key)
        return self._edges[key]

    def node_items(self) -> list[NodeItem]:
        """The cards that are real items (on a huge network: those the view has shown)."""
        return [i for i in self._units.values() if isinstance(i, NodeItem)]

    def block_items(self) -> list[BlockItem]:
        return [i for i in self._units.values() if isinstance(i, BlockItem)]

    def unit_items(self) -> list[UnitItem]:
        return list(self._units.values())

    def edge_items(self) -> list[EdgeItem]:
        return list(self._edges.values())

    def frame_items(self) -> list[FrameItem]:
        return [f for f, _ in self._frames]

    def frame_labels(self) -> list[FrameLabelItem]:
        return [label for _, label in self._frames]

    def detail_items(self) -> dict[str, DetailItem]:
        return dict(self._details)

    def selected_node_ids(self) -> list[str]:
        chosen = {i.node_id for i in self.selectedItems() if isinstance(i, NodeItem)}
        return [n for n in self.document.graph.nodes if n in chosen]

    def selected_blocks(self) -> list[str]:
        return [i.path for i in self.selectedItems() if isinstance(i, BlockItem)]

    def selected_member_ids(self) -> list[str]:
        """Selected layers and every layer inside a selected folded block, in graph order."""
        tree = block_tree(self.document.graph)
        chosen = set(self.selected_node_ids())
        for path in self.selected_blocks():
            chosen.update(tree.members.get(path, ()))
        return [n for n in tree.order if n in chosen]

    def selected_edges(self) -> list[Edge]:
        return [e for i in self.selectedItems() if isinstance(i, EdgeItem) for e in i.graph_edges]

    def select_units(self, units) -> None:
        wanted = set(units)
        self.make_real(wanted)
        self.blockSignals(True)
        try:
            self.clearSelection()
            for unit in wanted & set(self._units):
                self._units[unit].setSelected(True)
        finally:
            self.blockSignals(False)
        self.selectionChanged.emit()

    def select_nodes(self, node_ids) -> None:
        self.select_units((NODE, n) for n in node_ids)

    def select_block_members(self, path: str) -> None:
        """Select what is visible of an expanded block (clicking its frame's title)."""
        graph = self.document.graph
        self.select_units(u for u in self._positions
                          if path in lineage(folding.unit_block(graph, u)) or u == (BLOCK, path))

    def content_rect(self) -> QRectF:
        """Everything drawn for the network: cards, edges (with their labels) and frames."""
        rect = self.plan_rect()
        for item in (*self._units.values(), *self._edges.values(), *self.frame_items(), *self._details.values()):
            rect = rect.united(item.sceneBoundingRect())
        return rect

    def nodes_rect(self) -> QRectF:
        return self.content_rect()

    def edge_at(self, pos: QPointF) -> EdgeItem | None:
        self.materialize_at(pos)
        area = QRectF(pos.x() - EDGE_PICK, pos.y() - EDGE_PICK, 2 * EDGE_PICK, 2 * EDGE_PICK)
        for item in self.items(area, Qt.IntersectsItemShape):
            if isinstance(item, EdgeItem):
                return item
        return None

    def node_at(self, pos: QPointF) -> NodeItem | None:
        self.materialize_at(pos)
        for item in self.items(pos):
            if isinstance(item, PortItem):
                return item.node_item
            if isinstance(item, NodeItem):
                return item
        return None

    def unit_at(self, pos: QPointF) -> UnitItem | None:
        item = self.node_at(pos)
        return item or next((i for i in self.items(pos) if isinstance(i, BlockItem)), None)

    def frame_at(self, pos: QPointF) -> str | None:
        """The innermost expanded block whose frame holds `pos`."""
        inside = [f for f in self.frame_items() if f.rect.contains(pos)]
        return max(inside, key=lambda f: f.zValue()).path if inside else None

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
    def mousePressEvent(self, event) -> None:
        self.materialize_at(event.scenePos())  # a click on a stand-in card reaches a real one
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        if event.button() == Qt.LeftButton:
            self.commit_moves()

    def commit_moves(self) -> None:
        """Turn dragged cards into one MoveNodes command (pushed on mouse release). With blocks
        folded the layout is automatic, so a drag only moves the picture until the next layout."""
        if self.auto:
            self._refresh_frames()
            return
        graph = self.document.graph
        moved = {}
        for item in self.node_items():
            pos = (round(item.pos().x(), 1), round(item.pos().y(), 1))  # as files store them
            old = graph.node(item.node_id).pos if item.node_id in graph else pos
            if abs(old[0] - pos[0]) > 0.05 or abs(old[1] - pos[1]) > 0.05:
                moved[item.node_id] = pos
        if moved:
            self.editor.move(moved)

    # -- building the picture --------------------------------------------------------------
    def _rebuild(self) -> None:
        """A new network: drop every item, choose how it opens, draw it."""
        self._hot = None
        self.clear()
        self._overview = None  # clear() deleted it
        self._units.clear()
        self._edges.clear()
        self._frames.clear()
        self._details.clear()
        area = (max(self.area[0], MIN_AREA[0]), max(self.area[1], MIN_AREA[1]))
        self.collapsed = folding.opening_folds(self.document.graph, area)
        self._sync(look=False)  # where the view looked showed the old network: the canvas looks anew
        self.folds_changed.emit(False)

    def _sync(self, look: bool = True) -> None:
        """Make the items match the fold state: add and drop cards and edges, place them (and, if
        `look`, make real the cards where the view last looked)."""
        graph = self.document.graph
        plan = folding.plan(graph, self.collapsed, self.area)
        self.collapsed, self.auto, self._dirty = plan.collapsed, plan.auto, False
        self._set_plan(plan.positions, plan.folded.edges)
        wanted = set(self._units) & set(plan.positions) if self.lazy else set(plan.folded.units)
        for unit in [u for u in self._units if u not in wanted]:
            self._drop_unit(unit)
        for unit in plan.folded.units:
            if unit not in wanted:
                continue
            item = self._units.get(unit) or self._add_unit(unit)
            x, y = plan.positions[unit]
            if (item.pos().x(), item.pos().y()) != (x, y):
                item.setPos(x, y)
        for key in [k for k in self._edges if k not in plan.folded.edges]:
            self._drop_edge(self._edges[key])
        for key, graph_edges in plan.folded.edges.items():
            if key[0] not in self._units or key[1] not in self._units:
                continue
            item = self._edges.get(key)
            if item is None or item.graph_edges != graph_edges:
                if item is not None:
                    self._drop_edge(item)
                self._add_edge_item(key, graph_edges)
        self._apply_analysis(self.document.analysis, force=True)
        self._apply_marks()
        self._reroute_all()
        if look:
            self.materialize(self._looked_at, self._looked_zoom)

    def _add_unit(self, unit: Unit) -> UnitItem:
        if unit[0] == NODE:
            node = self.document.graph.node(unit[1])
            item = NodeItem(node, CATALOG.get(node.layer))
        else:
            item = BlockItem(unit[1])
        self._units[unit] = item
        self.addItem(item)
        return item

    def _drop_unit(self, unit: Unit) -> None:
        item = self._units.pop(unit)
        for edge in list(item.edges):
            self._drop_edge(edge)
        detail = self._details.pop(unit[1], None) if unit[0] == NODE else None
        if detail is not None:
            self.removeItem(detail)
        self.removeItem(item)

    def _add_edge_item(self, key: tuple[Unit, Unit], graph_edges: tuple[Edge, ...]) -> EdgeItem:
        item = EdgeItem(self._units[key[0]], self._units[key[1]], graph_edges)
        self._edges[key] = item
        self.addItem(item)
        item.set_label(self._label_for(graph_edges[0].src))
        return item

    def _drop_edge(self, item: EdgeItem) -> None:
        item.detach()
        self._edges.pop(item.key, None)
        if self._hot is item:
            self._hot = None
        self.removeItem(item)

    def _on_document_analysis_changed(self, analysis: Analysis) -> None:
        if self._dirty:
            self._sync()
        else:
            self._apply_analysis(analysis)

    def _apply_analysis(self, analysis: Analysis, force: bool = False) -> None:
        """Repaint only the cards (and their outgoing edges) whose rows changed."""
        tree, blocks = self._row_sources()
        for unit, item in self._units.items():
            self._apply_row(unit, item, tree, blocks, force, analysis)
        if self._overview is not None:
            self._overview.invalidate()  # errors show in red
        for edge in self._edges.values():
            edge.set_label(self._label_for(edge.edge.src))
        for _, label in self._frames:
            label.set_text(frame_title(self.document.graph, label.path, blocks.get(label.path)))
        self._refresh_details()

    def _row_sources(self):
        """The block tree and block rows, looked up only when a folded block is on the canvas."""
        if not self.has_blocks:
            return None, {}
        return block_tree(self.document.graph), self.document.block_rows

    def _apply_row(self, unit: Unit, item: UnitItem, tree, blocks: dict, force: bool, analysis=None) -> None:
        if unit[0] == NODE:
            row = (analysis or self.document.analysis).by_id.get(unit[1])
            if force or row != item.row:
                item.set_row(row)
            return
        row = blocks.get(unit[1])
        subs = sum(1 for kind, _ in tree.children.get(unit[1], ()) if kind == BLOCK)
        if force or row != item.row:
            item.set_row(row, subs)

    def _reroute_all(self) -> None:
        for edge in self._edges.values():
            edge.update_path()
        self._refresh_frames()
        for detail in self._details.values():
            detail.follow()
        self._overview_changed()
        self._update_extent()

    def _update_extent(self) -> None:
        rect = self.content_rect() if self._positions else QRectF(0, 0, 1, 1)
        self.setSceneRect(rect.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN))


__all__ = ["CanvasScene", "EDGE_PICK", "NODE_HEIGHT", "NODE_WIDTH"]
