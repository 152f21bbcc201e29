"""Gestures to commands: what a drop, a port drag, Delete or an inspector edit means.

`Editor` decides (placement, wiring, refusing cycles) and pushes undo commands on the
document's stack; it never mutates the graph itself. Views call it; it reports refusals
through `status_message`. Must not import widgets.
"""
from __future__ import annotations

import math
from typing import Any, Iterable

from PySide6.QtCore import QObject, Signal

from engine import blocks, bypass, fragments, freezing, templates
from engine.catalog import CATALOG
from engine.formatting import counted
from engine.graph import Edge, GraphError, Node
from engine.layout import AREA, GAP_X, GAP_Y, NODE_HEIGHT, NODE_WIDTH, apply_layout, layout

from .commands import (
    AddNode,
    Connect,
    Disconnect,
    InsertOnEdge,
    LoadGraph,
    Macro,
    MoveNodes,
    Paste,
    RemoveNodes,
    SetBlocks,
    SetFrozen,
    SetParams,
)
from .document import Content, Document

PASTE_OFFSET = 40.0
PASTE_RING = 8  # half-card steps searched around the cursor for a free spot


class Editor(QObject):
    status_message = Signal(str)
    nodes_created = Signal(list)  # ids of nodes a gesture created, so views can select them

    def __init__(self, document: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.layout_area = AREA  # the canvas size layouts aim to fill; the canvas keeps it current

    @property
    def _graph(self):
        return self.document.graph

    def _push(self, command) -> None:
        self.document.undo_stack.push(command)

    # -- creating ----------------------------------------------------------------
    def new_node(self, layer: str, top_left: tuple[float, float]) -> Node:
        spec = CATALOG.get(layer)
        node_id = "input" if layer == "input" and "input" not in self._graph else self._graph.new_id(layer)
        return Node(node_id, layer, spec.defaults(), (float(top_left[0]), float(top_left[1])))

    def add_layer(self, layer: str, centre: tuple[float, float]) -> str:
        """A drop on empty canvas: the node is centred on the drop point."""
        node = self.new_node(layer, (centre[0] - NODE_WIDTH / 2, centre[1] - NODE_HEIGHT / 2))
        self._push(AddNode(self.document, node))
        self.nodes_created.emit([node.id])
        return node.id

    def append_layer(self, layer: str, selected: Iterable[str] = ()) -> str:
        """Double-click in the palette: add below the selected node (or the single output) and wire
        it; a layer that already feeds one successor gets the new one inserted in between, as a
        drop on that connection would."""
        after = self._append_target(list(selected))
        if after is None:
            return self.add_layer(layer, self._free_spot_centre())
        x, y = self._graph.node(after).pos
        successors = self._graph.outputs_of(after)
        if len(successors) == 1 and layer != "input":
            centre = (x + NODE_WIDTH / 2, y + NODE_HEIGHT * 1.5 + GAP_Y)
            return self.insert_on_edge(layer, after, successors[0], centre)
        node = self.new_node(layer, self._free_below(x, y + NODE_HEIGHT + GAP_Y))
        macro = Macro(self.document, f"Append {CATALOG.get(layer).name}")
        macro.add(AddNode(self.document, node))
        if layer != "input":
            macro.add(Connect(self.document, after, node.id))
        self._push(macro)
        self.nodes_created.emit([node.id])
        return node.id

    def append_layer_at(self, layer: str, after: str, centre: tuple[float, float]) -> str:
        """A drop on empty canvas beside a selected layer with a free output: placed there, wired to it."""
        node = self.new_node(layer, (centre[0] - NODE_WIDTH / 2, centre[1] - NODE_HEIGHT / 2))
        macro = Macro(self.document, f"Append {CATALOG.get(layer).name}")
        macro.add(AddNode(self.document, node))
        macro.add(Connect(self.document, after, node.id))
        self._push(macro)
        self.nodes_created.emit([node.id])
        return node.id

    def insert_on_edge(self, layer: str, src: str, dst: str, centre: tuple[float, float]) -> str:
        """src → dst becomes src → new → dst; the new card goes below src and whatever is below
        it on dst's side moves down to make room (one undo step)."""
        if layer == "input":
            return self.add_layer(layer, centre)
        graph = self._graph
        sx, sy = graph.node(src).pos
        dx, dy = graph.node(dst).pos
        top = sy + NODE_HEIGHT + GAP_Y if dy > sy else centre[1] - NODE_HEIGHT / 2
        node = self.new_node(layer, (dx if dy > sy else centre[0] - NODE_WIDTH / 2, top))
        macro = InsertOnEdge(self.document, node, src, dst)
        shift = top + NODE_HEIGHT + GAP_Y - dy
        if dy > sy and shift > 0:
            below = [n for n in {dst, *graph.descendants(dst)} if graph.node(n).pos[1] >= dy - 1]
            new = {n: (graph.node(n).pos[0], graph.node(n).pos[1] + shift) for n in below}
            macro.add(MoveNodes(self.document, new, {n: graph.node(n).pos for n in below}))
        self._push(macro)
        self.nodes_created.emit([node.id])
        return node.id

    # -- wiring ------------------------------------------------------------------
    def connect(self, src: str, dst: str) -> bool:
        """Connect output of src to input of dst; a single-input layer's old input is replaced."""
        problem = self.connection_problem(src, dst)
        if problem:
            self.status_message.emit(problem)
            return False
        spec = CATALOG.get(self._graph.node(dst).layer)
        current = self._graph.inputs_of(dst)
        if spec.max_inputs == 1 and current:
            macro = Macro(self.document, f"Reconnect {dst}")
            index = self._graph.input_index(current[0], dst)
            macro.add(Disconnect(self.document, current[0], dst))
            macro.add(Connect(self.document, src, dst, index))
            self._push(macro)
            self.status_message.emit(f"{dst} now reads from {src} instead of {current[0]}")
        else:
            self._push(Connect(self.document, src, dst))
        return True

    def connection_problem(self, src: str, dst: str) -> str | None:
        graph = self._graph
        if src == dst:
            return "A layer cannot feed itself."
        if graph.has_edge(src, dst):
            return f"{src} is already connected to {dst}."
        if graph.node(dst).layer == "input":
            return "The input layer takes no incoming connections."
        if graph.would_cycle(src, dst):
            return f"Not connected: {src} → {dst} would make a loop ({dst} already feeds {src})."
        return None

    def disconnect(self, src: str, dst: str) -> None:
        self._push(Disconnect(self.document, src, dst))

    # -- deleting, moving, editing -----------------------------------------------------
    def delete(self, node_ids: Iterable[str], edges: Iterable[Edge] = ()) -> None:
        node_ids, edges = [n for n in node_ids if n in self._graph], list(edges)
        edges = [e for e in edges if self._graph.has_edge(e.src, e.dst)]
        if node_ids or edges:
            self._push(RemoveNodes(self.document, node_ids, edges))

    def delete_and_reconnect(self, node_id: str) -> bool:
        """Delete a middle layer and join its input to its successors (one undo step), when the
        shapes allow it (`engine.bypass`); otherwise nothing happens and the status says why."""
        plan = bypass.bridge(self._graph, node_id) if node_id in self._graph else None
        if plan is None:
            self.status_message.emit(f"{node_id} cannot be bridged: its neighbours' shapes do not fit "
                                     "without it. Delete it and rewire by hand.")
            return False
        macro = Macro(self.document, f"Delete {node_id} and reconnect")
        macro.add(RemoveNodes(self.document, [node_id]))
        for dst, index in plan.dsts:
            macro.add(Connect(self.document, plan.src, dst, index))
        self._push(macro)
        self.status_message.emit(f"Deleted {node_id}; {plan.src} now feeds "
                                 f"{', '.join(d for d, _ in plan.dsts)} directly.")
        return True

    def can_bridge(self, node_id: str) -> bool:
        return bypass.bridge(self._graph, node_id) is not None

    def move(self, positions: dict[str, tuple[float, float]], merge_key: str | None = None,
             text: str = "") -> None:
        old = {n: self._graph.node(n).pos for n in positions}
        new = {n: (float(p[0]), float(p[1])) for n, p in positions.items()}
        if any(old[n] != new[n] for n in new):
            self._push(MoveNodes(self.document, new, old, merge_key, text))

    def nudge(self, node_ids: Iterable[str], dx: float, dy: float) -> None:
        """Arrow keys: move the selection a little; repeated presses merge into one undo step."""
        positions = {n: self._graph.node(n).pos for n in node_ids if n in self._graph}
        if positions:
            self.move({n: (x + dx, y + dy) for n, (x, y) in positions.items()}, merge_key="nudge")

    def set_param(self, node_id: str, name: str, value: Any) -> None:
        old = self._graph.node(node_id).params
        if name in old and old[name] == value:
            return
        self._push(SetParams(self.document, node_id, {**old, name: value}, old))

    def freeze(self, names: Iterable[str], frozen: bool = True) -> bool:
        """Freeze (or unfreeze) layers and whole blocks, as one undo step; False when nothing changes."""
        try:
            ids = freezing.members(self._graph, names)
        except GraphError as exc:
            self.status_message.emit(str(exc))
            return False
        flags = {n: frozen for n in ids if self._graph.node(n).frozen != frozen}
        if not flags:
            return False
        verb = "Freeze" if frozen else "Unfreeze"
        self._push(SetFrozen(self.document, flags, f"{verb} {counted(len(flags), 'layer')}"))
        return True

    def auto_layout(self, area: tuple[float, float] | None = None) -> None:
        """Lay the whole network out again (every block expanded), filling the canvas."""
        if len(self._graph):
            self.move(layout(self._graph, area or self.layout_area), text="Auto-layout")

    # -- blocks --------------------------------------------------------------------------
    def suggest_block_name(self, node_ids: Iterable[str]) -> str:
        nodes = self._graph.nodes
        parent = blocks.common_block(nodes[n].block for n in node_ids if n in nodes)
        path = blocks.free_path(blocks.join(parent, "block"), blocks.block_paths(self._graph))
        return blocks.name_of(path)

    def group(self, node_ids: Iterable[str], name: str) -> str | None:
        """Put the layers into a new block `name`; returns its path, or None (status says why)."""
        ids = list(node_ids)
        try:
            plan = blocks.group_plan(self._graph, ids, name)
        except blocks.BlockError as exc:
            self.status_message.emit(str(exc))
            return None
        path = blocks.join(blocks.common_block(self._graph.node(n).block for n in ids), blocks.check_name(name))
        self._push(SetBlocks(self.document, plan, f"Group {counted(len(ids), 'layer')} as {path}"))
        return path

    def ungroup(self, path: str) -> bool:
        return self._block_edit(lambda: blocks.ungroup_plan(self._graph, path), f"Ungroup {path}")

    def rename_block(self, path: str, name: str) -> bool:
        return self._block_edit(lambda: blocks.rename_plan(self._graph, path, name), f"Rename {path}")

    def move_to_block(self, node_ids: Iterable[str], path: str) -> bool:
        ids = list(node_ids)
        return self._block_edit(lambda: blocks.move_plan(self._graph, ids, path),
                                f"Move {counted(len(ids), 'layer')} to {path or 'the top level'}")

    def _block_edit(self, make_plan, text: str) -> bool:
        try:
            plan = make_plan()
        except blocks.BlockError as exc:
            self.status_message.emit(str(exc))
            return False
        if plan:
            self._push(SetBlocks(self.document, plan, text))
        return bool(plan)

    # -- clipboard -------------------------------------------------------------------
    def copy(self, node_ids: Iterable[str]) -> dict[str, Any] | None:
        frag = fragments.fragment(self._graph, node_ids)
        return frag if frag["nodes"] else None

    def paste(self, frag: dict[str, Any], centre: tuple[float, float] | None = None) -> list[str]:
        """Paste centred on `centre` (the cursor), or beside the copied layers where nothing lies."""
        parsed = fragments.parse(frag)
        if parsed is None:
            self.status_message.emit("The clipboard does not hold Netwright layers.")
            return []
        if centre is None:
            offset = self._free_offset(parsed[0])
        else:  # at the cursor, or the nearest spot where it covers no card (never on the original)
            cx, cy = fragments.centre_of(parsed[0])
            offset = self._nearest_free(parsed[0], (centre[0] - cx - NODE_WIDTH / 2, centre[1] - cy - NODE_HEIGHT / 2))
        nodes, edges = fragments.instantiate(self._graph, *parsed, offset, fragments.blocks_of(frag))
        self._push(Paste(self.document, nodes, edges))
        self.nodes_created.emit([n.id for n in nodes])
        return [n.id for n in nodes]

    # -- whole document ----------------------------------------------------------------
    def load_template(self, name: str, input_shape=None, num_classes=None) -> None:
        """Replace the content by a template (undoable). Raises TemplateError.

        Like New and Open, a template is a fresh start: it is the clean state, so browsing
        templates never asks to save; undo brings back (as unsaved) what was there before."""
        template = templates.get(name)
        graph = templates.load(name, input_shape, num_classes)
        apply_layout(graph, self.layout_area)  # fill this canvas, not a default one
        self.load_content(Content(graph, None, template.title), f"Template {template.title}")

    def load_content(self, content: Content, text: str) -> None:
        """New or Open: replace the content, then mark it as the saved state."""
        self._push(LoadGraph(self.document, content, text))
        self.document.undo_stack.setClean()

    # -- placement helpers ---------------------------------------------------------------
    def _append_target(self, selected: list[str]) -> str | None:
        selected = [n for n in selected if n in self._graph]
        if len(selected) == 1:
            return selected[0]
        if selected:
            return None
        sinks = [n for n in self._graph.sinks()]
        return sinks[0] if len(sinks) == 1 else None

    def _free_offset(self, nodes: list[Node]) -> tuple[float, float]:
        """The smallest step right (then down) that puts the pasted cards on free canvas."""
        xs = [n.pos[0] for n in nodes]
        width = max(xs) - min(xs) + NODE_WIDTH + GAP_X
        for step in range(1, 200):
            dx = width * step if step < 100 else PASTE_OFFSET
            dy = 0.0 if step < 100 else (step - 99) * (NODE_HEIGHT + GAP_Y)
            if self._lands_free(nodes, dx, dy):
                return dx, dy
        return PASTE_OFFSET, PASTE_OFFSET

    def _nearest_free(self, nodes: list[Node], base: tuple[float, float]) -> tuple[float, float]:
        """`base`, or the nearest offset from it (half-card steps, right and down first on a tie)
        where the pasted cards cover no card."""
        sx, sy = (NODE_WIDTH + GAP_X) / 2, (NODE_HEIGHT + GAP_Y) / 2
        steps = sorted(((i, j) for i in range(-PASTE_RING, PASTE_RING + 1) for j in range(-PASTE_RING, PASTE_RING + 1)),
                       key=lambda s: (math.hypot(s[0] * sx, s[1] * sy), -s[0], -s[1]))
        taken = [n.pos for n in self._graph.nodes.values()]
        for i, j in steps:
            if self._lands_free(nodes, base[0] + i * sx, base[1] + j * sy, taken):
                return base[0] + i * sx, base[1] + j * sy
        return self._free_offset(nodes)

    def _lands_free(self, nodes: list[Node], dx: float, dy: float, taken=None) -> bool:
        taken = taken if taken is not None else [n.pos for n in self._graph.nodes.values()]
        return not any(abs(px - (n.pos[0] + dx)) < NODE_WIDTH + GAP_X / 2 and
                       abs(py - (n.pos[1] + dy)) < NODE_HEIGHT + GAP_Y / 2 for n in nodes for px, py in taken)

    def _free_below(self, x: float, y: float) -> tuple[float, float]:
        while self._occupied(x, y):
            x += NODE_WIDTH + GAP_X
        return x, y

    def _occupied(self, x: float, y: float) -> bool:
        return any(abs(n.pos[0] - x) < NODE_WIDTH and abs(n.pos[1] - y) < NODE_HEIGHT
                   for n in self._graph.nodes.values())

    def _free_spot_centre(self) -> tuple[float, float]:
        if not len(self._graph):
            return NODE_WIDTH / 2, NODE_HEIGHT / 2
        right = max(n.pos[0] for n in self._graph.nodes.values()) + NODE_WIDTH + GAP_X
        top = min(n.pos[1] for n in self._graph.nodes.values())
        return right + NODE_WIDTH / 2, top + NODE_HEIGHT / 2
