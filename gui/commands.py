"""Undo commands: each redo/undo calls exactly one Document method.

Macros (remove, insert on an edge, paste) are commands whose steps are
these single-step commands; the parent only defers re-analysis to the end (Document.batched).
Commands never touch a view.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from PySide6.QtGui import QUndoCommand

from engine.catalog import CATALOG
from engine.graph import Edge, Node

from .document import Content, Document

_MOVE_ID = 1001
_PARAMS_ID = 1002


def _layer_name(node: Node) -> str:
    return CATALOG.get(node.layer).name


class Macro(QUndoCommand):
    """A parent command whose steps run with one analysis at the end.

    Steps are kept in a Python list rather than as Qt child commands: PySide would let
    the Python side of an unreferenced child be collected, losing its redo/undo."""

    def __init__(self, document: Document, text: str) -> None:
        super().__init__(text)
        self.document = document
        self.steps: list[QUndoCommand] = []

    def add(self, step: QUndoCommand) -> QUndoCommand:
        self.steps.append(step)
        return step

    def redo(self) -> None:
        with self.document.batched():
            for step in self.steps:
                step.redo()

    def undo(self) -> None:
        with self.document.batched():
            for step in reversed(self.steps):
                step.undo()


class AddNode(QUndoCommand):
    def __init__(self, document: Document, node: Node) -> None:
        super().__init__(f"Add {_layer_name(node)}")
        self.document, self.node = document, node

    def redo(self) -> None:
        self.document.insert_node(self.node)

    def undo(self) -> None:
        self.document.remove_node(self.node.id)


class RemoveNode(QUndoCommand):
    """Removes a node with its edges; undo restores both, edges at their old indices."""

    def __init__(self, document: Document, node_id: str) -> None:
        super().__init__(f"Delete {node_id}")
        self.document, self.node_id = document, node_id
        self.removed: tuple[Node, list[tuple[int, Edge]]] | None = None

    def redo(self) -> None:
        self.removed = self.document.remove_node(self.node_id)

    def undo(self) -> None:
        self.document.restore_node(*self.removed)


class Connect(QUndoCommand):
    def __init__(self, document: Document, src: str, dst: str, index: int | None = None) -> None:
        super().__init__(f"Connect {src} → {dst}")
        self.document, self.src, self.dst, self.index = document, src, dst, index

    def redo(self) -> None:
        self.document.connect(self.src, self.dst, self.index)

    def undo(self) -> None:
        self.document.disconnect(self.src, self.dst)


class Disconnect(QUndoCommand):
    def __init__(self, document: Document, src: str, dst: str) -> None:
        super().__init__(f"Disconnect {src} → {dst}")
        self.document, self.src, self.dst = document, src, dst
        self.index: int | None = None

    def redo(self) -> None:
        self.index = self.document.disconnect(self.src, self.dst)

    def undo(self) -> None:
        self.document.connect(self.src, self.dst, self.index)


class RemoveNodes(Macro):
    """Delete a selection: loose edges first, then each node with its edges."""

    def __init__(self, document: Document, node_ids: Iterable[str], edges: Iterable[Edge] = ()) -> None:
        node_ids, edges = list(node_ids), list(edges)
        super().__init__(document, _delete_text(node_ids, edges))
        for edge in edges:
            if edge.src not in node_ids and edge.dst not in node_ids:
                self.add(Disconnect(document, edge.src, edge.dst))
        for node_id in node_ids:
            self.add(RemoveNode(document, node_id))


def _delete_text(node_ids: list[str], edges: list[Edge]) -> str:
    if len(node_ids) == 1:
        return f"Delete {node_ids[0]}"
    if node_ids:
        return f"Delete {len(node_ids)} layers"
    return "Delete connection" if len(edges) == 1 else f"Delete {len(edges)} connections"


class InsertOnEdge(Macro):
    """src → dst becomes src → node → dst, keeping dst's input order."""

    def __init__(self, document: Document, node: Node, src: str, dst: str) -> None:
        super().__init__(document, f"Insert {_layer_name(node)}")
        index = document.graph.input_index(src, dst)
        self.add(Disconnect(document, src, dst))
        self.add(AddNode(document, node))
        self.add(Connect(document, src, node.id))
        self.add(Connect(document, node.id, dst, index))


class Paste(Macro):
    def __init__(self, document: Document, nodes: list[Node], edges: list[Edge], text: str = "Paste") -> None:
        super().__init__(document, text)
        for node in nodes:
            self.add(AddNode(document, node))
        for edge in edges:
            self.add(Connect(document, edge.src, edge.dst))


class MoveNodes(QUndoCommand):
    """One command per finished drag. Consecutive commands with the same merge_key and
    node set merge (keyboard nudges); mouse drags pass merge_key=None and never merge."""

    def __init__(self, document: Document, new: dict[str, tuple[float, float]],
                 old: dict[str, tuple[float, float]], merge_key: str | None = None, text: str = "") -> None:
        super().__init__(text or (f"Move {next(iter(new))}" if len(new) == 1 else f"Move {len(new)} layers"))
        self.document, self.new, self.old, self.merge_key = document, dict(new), dict(old), merge_key

    def id(self) -> int:
        return _MOVE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, MoveNodes) or self.merge_key is None:
            return False
        if other.merge_key != self.merge_key or set(other.new) != set(self.new):
            return False
        self.new = dict(other.new)
        return True

    def redo(self) -> None:
        self.document.set_positions(self.new)

    def undo(self) -> None:
        self.document.set_positions(self.old)


class SetParams(QUndoCommand):
    """Replace a node's parameters. Repeated edits of the same parameter merge into one
    step (spin-box arrows would otherwise flood the stack)."""

    def __init__(self, document: Document, node_id: str, params: dict[str, Any], old: dict[str, Any]) -> None:
        self.changed = frozenset(k for k in set(params) | set(old) if params.get(k) != old.get(k))
        super().__init__(f"Set {', '.join(sorted(self.changed)) or 'parameters'} of {node_id}")
        self.document, self.node_id, self.params, self.old = document, node_id, dict(params), dict(old)

    def id(self) -> int:
        return _PARAMS_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetParams) or other.node_id != self.node_id:
            return False
        if other.changed != self.changed or len(self.changed) != 1:
            return False
        self.params = dict(other.params)
        return True

    def redo(self) -> None:
        self.document.set_params(self.node_id, self.params)

    def undo(self) -> None:
        self.document.set_params(self.node_id, self.old)


class SetBlocks(QUndoCommand):
    """Group, ungroup, rename or move layers between blocks: one plan of {node: block path}."""

    def __init__(self, document: Document, blocks: dict[str, str], text: str) -> None:
        super().__init__(text)
        self.document, self.blocks = document, dict(blocks)
        self.old: dict[str, str] = {}

    def redo(self) -> None:
        self.old = self.document.set_blocks(self.blocks)

    def undo(self) -> None:
        self.document.set_blocks(self.old)


class SetFrozen(QUndoCommand):
    """Freeze or unfreeze layers: one plan of {node: frozen}."""

    def __init__(self, document: Document, flags: dict[str, bool], text: str) -> None:
        super().__init__(text)
        self.document, self.flags = document, dict(flags)
        self.old: dict[str, bool] = {}

    def redo(self) -> None:
        self.old = self.document.set_frozen(self.flags)

    def undo(self) -> None:
        self.document.set_frozen(self.old)


class Swap(QUndoCommand):
    """Swap a value in with `swap(value) -> the value it replaced`; undo swaps that one back
    (redo and undo are the same move)."""

    def __init__(self, swap: Callable[[Any], Any], value: Any, text: str) -> None:
        super().__init__(text)
        self._swap, self.value = swap, value

    def redo(self) -> None:
        self.value = self._swap(self.value)

    undo = redo


class LoadGraph(Swap):
    """Replace the whole content (template, New or Open); undo brings the old one back."""

    def __init__(self, document: Document, content: Content, text: str) -> None:
        super().__init__(document.replace_content, content, text)
