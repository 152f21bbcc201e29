"""Fold control for the canvas scene: folding and unfolding blocks, keeping folds across
block edits, the frames around expanded blocks and the read-only views inside composite
layers. A mixin of `CanvasScene` (it uses the scene's items and signals).
Must not mutate the document.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF

from engine.blocks import BLOCK, NODE, block_tree, collapsed_beyond, lineage

from . import folding
from .block_item import FrameItem, FrameLabelItem, frame_title
from .detail_item import DetailItem, parts_of


class FoldControl:
    """Everything the scene does about blocks and folds."""

    # -- folding ------------------------------------------------------------------------
    def set_collapsed(self, paths, anchor: str | None = None) -> None:
        """Fold exactly `paths`; `anchor` is a block whose place the view should keep."""
        before = self._anchor_point(anchor)
        self.collapsed = frozenset(paths) & frozenset(block_tree(self.document.graph).members)
        self._sync()
        after = self._anchor_point(anchor)
        self.folds_changed.emit(anchor is not None)
        if before is not None and after is not None:
            self.fold_anchor_moved.emit(before, after)

    def toggle_block(self, path: str) -> None:
        if path in self.collapsed:
            self.expand_block(path)
        else:
            self.collapse_block(path)

    def expand_block(self, path: str) -> None:
        """Unfold one block; blocks inside it stay folded, so it opens one level at a time."""
        tree = block_tree(self.document.graph)
        inner = {p for p in tree.paths if p.startswith(path + ".")}
        self.set_collapsed((self.collapsed - {path} - set(lineage(path))) | inner, anchor=path)

    def collapse_block(self, path: str) -> None:
        self.set_collapsed(self.collapsed | {path}, anchor=path)

    def expand_all(self) -> None:
        self.set_collapsed(())

    def collapse_all(self) -> None:
        self.set_collapsed(block_tree(self.document.graph).paths)

    def expand_to_depth(self, depth: int) -> None:
        self.set_collapsed(collapsed_beyond(block_tree(self.document.graph), depth))

    def reveal(self, node_id: str) -> None:
        """Unfold whatever hides a layer."""
        hidden = set(lineage(self.document.graph.node(node_id).block)) & self.collapsed
        if hidden:
            self.set_collapsed(self.collapsed - hidden)

    def reveal_block(self, path: str) -> None:
        """Unfold the blocks around `path` so that it shows (as a card if it is folded)."""
        hidden = set(lineage(path)[:-1]) & self.collapsed
        if hidden:
            self.set_collapsed(self.collapsed - hidden)

    def max_depth(self) -> int:
        return block_tree(self.document.graph).max_depth

    def _anchor_point(self, path: str | None) -> QPointF | None:
        if path is None:
            return None
        pos = self._positions.get((BLOCK, path))
        if pos is not None:
            return QPointF(*pos)
        frames = [f.rect.topLeft() for f in self.frame_items() if f.path == path]
        return min(frames, key=lambda p: (p.y(), p.x())) if frames else None

    def _on_document_blocks_changed(self, changes: dict) -> None:
        """Blocks were grouped, renamed or dissolved: keep folded what was folded, redraw."""
        graph = self.document.graph
        tree = block_tree(graph)
        kept = set()
        for path in self.collapsed:
            if path in tree.members:
                kept.add(path)
                continue
            depth = path.count(".") + 1
            moved = {tuple(lineage(graph.node(n).block))[depth - 1:depth] for n, (old, _) in changes.items()
                     if path in lineage(old) and n in graph}
            if len(moved) == 1 and next(iter(moved)):
                kept.add(next(iter(moved))[0])
        self.collapsed = frozenset(kept)
        self._sync()
        self.folds_changed.emit(False)

    def _refresh_frames(self) -> None:
        graph = self.document.graph
        if not self._frames and not block_tree(graph).paths:
            return  # no blocks, no frames (and a 20,000-layer network skips 20,000 rectangles)
        live = self._units  # a dragged card's frame follows it before the move is committed
        rects = {u: folding.card_rect((live[u].pos().x(), live[u].pos().y()) if u in live else p)
                 for u, p in self._positions.items()}
        wanted = folding.frame_rects(graph, rects)
        while len(self._frames) > len(wanted):
            frame, label = self._frames.pop()
            self.removeItem(frame)
            self.removeItem(label)
        blocks = self.document.block_rows
        for i, (path, (x0, y0, x1, y1)) in enumerate(wanted):
            rect = QRectF(x0, y0, x1 - x0, y1 - y0)
            if i < len(self._frames) and self._frames[i][0].path == path:
                frame, label = self._frames[i]
                frame.set_rect(rect)
                label.prepareGeometryChange()
            else:
                frame = FrameItem(path, rect)
                label = FrameLabelItem(frame)
                if i < len(self._frames):
                    old_frame, old_label = self._frames[i]
                    self.removeItem(old_frame)
                    self.removeItem(old_label)
                    self._frames[i] = (frame, label)
                else:
                    self._frames.append((frame, label))
                self.addItem(frame)
                self.addItem(label)
            label.set_text(frame_title(graph, path, blocks.get(path)))
            label.update()

    # -- looking inside composite layers -----------------------------------------------------
    def has_detail(self, node_id: str) -> bool:
        node = self.document.graph.node(node_id)
        row = self.document.analysis.by_id.get(node_id)
        return bool(parts_of(node.layer, node.params, row.input_shapes if row else ())[0])

    def toggle_detail(self, node_id: str) -> bool:
        """Open or close the read-only view inside a Transformer encoder; returns whether it is open."""
        if node_id in self._details:
            self.removeItem(self._details.pop(node_id))
            return False
        item = self.unit_item((NODE, node_id))
        if item is None or not self.has_detail(node_id):
            return False
        node = self.document.graph.node(node_id)
        parts, repeats = parts_of(node.layer, node.params, item.row.input_shapes)
        self._details[node_id] = DetailItem(item, parts, repeats)
        self.addItem(self._details[node_id])
        return True

    def _refresh_details(self) -> None:
        graph, analysis = self.document.graph, self.document.analysis
        for node_id in list(self._details):
            row = analysis.by_id.get(node_id)
            parts, repeats = parts_of(graph.node(node_id).layer, graph.node(node_id).params,
                                      row.input_shapes if row else ()) if node_id in graph else ((), 0)
            if not parts:
                self.removeItem(self._details.pop(node_id))
            else:
                self._details[node_id].set_parts(parts, repeats)
