"""Marks on the canvas that come from outside the analysis: lint warnings (gui.builder.lint) drawn
on the cards of the layers they are about (a folded block shows those of its members), and
the predict-then-reveal mask (gui.builder.exercise) that hides layers' numbers and the shapes they
pass on. A mixin of `CanvasScene`; must not mutate the document.
"""
from __future__ import annotations

from engine.blocks import BLOCK, NODE, block_tree

from ..formatting import shape_text
from .block_item import BlockItem
from .node_item import NodeItem


class MarkControl:
    """Lint warnings and the exercise mask, kept on the scene and applied to every card."""

    def _init_marks(self) -> None:
        self._lints: dict[str, list] = {}  # node id -> its lint warnings
        self._masked: frozenset[str] = frozenset()  # layers whose numbers are hidden

    def show_lints(self, warnings) -> None:
        """Draw the warning style on the cards of the layers these warnings are about."""
        self._lints = {}
        for warning in warnings:
            self._lints.setdefault(warning.node, []).append(warning)
        self._apply_marks()

    def show_masked(self, masked) -> None:
        """Hide the output shape and parameter count of these layers (and the shapes they pass on)."""
        self._masked = frozenset(masked)
        self._apply_marks()
        for edge in self._edges.values():
            edge.set_label(self._label_for(edge.edge.src))

    def _apply_marks(self) -> None:
        tree = block_tree(self.document.graph) if any(isinstance(i, BlockItem) for i in self._units.values()) else None
        for unit, item in self._units.items():
            self._mark_item(unit, item, tree)

    def _mark_item(self, unit, item, tree) -> None:
        """One card's warnings and mask (a card made later gets them the same way)."""
        if unit[0] == NODE and isinstance(item, NodeItem):
            item.set_warnings(self._lints.get(unit[1], []))
            if self._masked or item.masked or item.inputs_masked:
                inputs = self.document.graph.inputs_of(unit[1])
                item.set_masked(unit[1] in self._masked, any(s in self._masked for s in inputs))
        elif unit[0] == BLOCK and isinstance(item, BlockItem):
            members = (tree or block_tree(self.document.graph)).members.get(unit[1], ())
            item.set_marks(sum(len(self._lints.get(n, ())) for n in members),
                           any(n in self._masked for n in members))

    def _label_for(self, src: str) -> str:
        if src in self._masked:
            return "?"
        row = self.document.analysis.by_id.get(src)
        return shape_text(row) if row is not None and row.ok else ""
