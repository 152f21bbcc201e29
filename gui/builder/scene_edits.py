"""How the canvas scene follows the document's edits one at a time (a layer added, removed or
moved, an edge added or removed, parameters changed) without rebuilding the picture: the plan
of every unit (`scene_lazy`) and the real items both change. With blocks folded the layout is
automatic, so an edit only marks the picture for the next rebuild. A mixin of `CanvasScene`.
Must not mutate the document.
"""
from __future__ import annotations

from engine.blocks import NODE, lineage
from engine.graph import Edge


class EditFollow:
    """The scene's slots for the document's per-item signals."""

    def _on_document_node_added(self, node_id: str) -> None:
        if self.auto or set(lineage(self.document.graph.node(node_id).block)) & self.collapsed:
            self._dirty = True
            return
        pos = self.document.graph.node(node_id).pos
        self._plan_add((NODE, node_id), pos)
        self._add_unit((NODE, node_id)).setPos(*pos)
        self._apply_marks()
        self._reroute.start()

    def _on_document_node_removed(self, node_id: str) -> None:
        if (NODE, node_id) in self._units:
            self._drop_unit((NODE, node_id))
        self._plan_drop((NODE, node_id))
        if self._overview is not None:
            self._overview.invalidate()
        if self.auto:
            self._dirty = True
        self._reroute.start()

    def _on_document_edge_added(self, src: str, dst: str) -> None:
        key = ((NODE, src), (NODE, dst))
        if self.auto or key[0] not in self._positions or key[1] not in self._positions:
            self._dirty = True
            return
        self._plan_link(key, (Edge(src, dst),))
        if key[0] in self._units and key[1] in self._units:
            self._add_edge_item(key, (Edge(src, dst),)).update_path()
        elif self._overview is not None:
            self._overview.invalidate()

    def _on_document_edge_removed(self, src: str, dst: str) -> None:
        key = ((NODE, src), (NODE, dst))
        if self._plan_edges.get(key) == (Edge(src, dst),):
            self._plan_unlink(key)
            if self._overview is not None:
                self._overview.invalidate()
        item = self._edges.get(key)
        if item is not None and item.graph_edges == (Edge(src, dst),):
            self._drop_edge(item)
        elif self.auto:
            self._dirty = True

    def _on_document_params_changed(self, node_id: str) -> None:
        item = self._units.get((NODE, node_id))
        if item is not None:
            node = self.document.graph.node(node_id)
            item.set_params(node.params)
            item.set_frozen(node.frozen)

    def _on_document_node_moved(self, node_id: str) -> None:
        item = self._units.get((NODE, node_id))
        if self.auto or (NODE, node_id) not in self._positions:
            return
        pos = self.document.graph.node(node_id).pos
        self._plan_move((NODE, node_id), pos)
        if item is None and self._overview is not None:
            self._overview.invalidate()
        elif item is not None and (item.pos().x(), item.pos().y()) != pos:
            item.setPos(*pos)
        self._reroute.start()
