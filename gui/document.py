"""The open document: the engine graph plus its file, its training runs, the adopted run's
weights and the undo stack.

`Document` is the only code that mutates the graph. Each mutating method is called by
exactly one kind of undo command (gui.commands), emits past-tense signals and then
re-analyzes the graph (immediately: the engine memoizes per node, so it is fast).
Macro commands wrap their children in `batched()` so a 500-node delete analyzes once.

Trained weights: a structural or parameter edit does not drop them. They are kept as
loaded and `compatible_weights()` checks them against the current architecture
(state_dict names and shapes, built on the meta device); only compatible weights are
handed to other views or written on save. Undoing back to the trained architecture
therefore makes them usable again without the undo stack having to carry tensors.

Training runs belong to the document (engine.runs.Run records): the runs, which one is
adopted, its weights, dataset meta and optimizer state form one `RunsState` that the run
commands (gui.run_commands) swap in and out as a whole, so every view derives what it
shows from the document and New, Open or a template bring their own runs.
While PyTorch still loads (the app opens its window first), a document made with
`engine_ready=False` keeps edits working but does not analyse a non-empty graph: its
analysis has no rows and `analysis_pending` is True, so views show no numbers rather than
wrong ones; `engine_loaded()` analyses it for real. Must not import widgets or torch.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

import engine
from engine.analysis import Analysis, analyze
from engine.block_analysis import BlockRow, analyze_blocks
from engine.graph import Edge, Graph, Node
from engine.runs import Run, fingerprint

from .bulk import fewer_full_collections
from .content import Content, RunsState
from .document_collect import hold_full_collections

if TYPE_CHECKING:
    from engine.training.resume import OptimizerState

    from .prepared import Prepared

class Document(QObject):
    node_added = Signal(str)
    node_removed = Signal(str)
    edge_added = Signal(str, str)
    edge_removed = Signal(str, str)
    params_changed = Signal(str)
    node_moved = Signal(str)
    blocks_changed = Signal(object)     # {node id: (old block path, new block path)}
    analysis_changed = Signal(object)   # the fresh engine Analysis
    graph_replaced = Signal()
    weights_changed = Signal()   # trained weights or dataset meta swapped
    runs_changed = Signal()   # runs added, renamed or removed, another run adopted, or another project
    sections_changed = Signal(str)  # an optional file section (lint dismissals, exercise) replaced
    modified_changed = Signal(bool)
    path_changed = Signal()

    def __init__(self, parent: QObject | None = None, engine_ready: bool = True) -> None:
        super().__init__(parent)
        self._engine_ready = engine_ready
        self._pending = False
        self._replacing = False
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_undo_stack_clean_changed)
        self._content = Content(Graph())
        self._analysis = analyze(self._content.graph)
        self._analysed = (id(self._content.graph), self._content.graph.revision)
        self._batch_depth = 0
        self._stale = False
        self._weights_check: tuple[tuple[int, int], Analysis, bool] | None = None  # see compatible_weights
        self.content_generation = 0  # counts New, Open and template loads (and their undos)
        self._fingerprint: tuple[tuple[int, int], str] | None = None

    # -- reading ---------------------------------------------------------------
    @property
    def graph(self) -> Graph:
        """The engine graph, for reading. Mutate only through commands."""
        return self._content.graph

    @property
    def analysis(self) -> Analysis:
        """The current analysis; empty while `analysis_pending`."""
        return self._analysis

    @property
    def block_rows(self) -> dict[str, BlockRow]:
        """Totals of every block ("" = the network) for the current analysis (memoized)."""
        return analyze_blocks(self.graph, self._analysis)

    @property
    def analysis_current(self) -> bool:
        """True when `analysis` belongs to the graph as it is now (between a change and its
        re-analysis, e.g. while a new project's signals go out, it still describes the old one)."""
        return self._analysed == (id(self.graph), self.graph.revision) and not self._pending

    @property
    def analysis_pending(self) -> bool:
        """True while the analysis waits for PyTorch to load (see the module docstring)."""
        return self._pending

    @property
    def replacing(self) -> bool:
        """True while `replace_content` tells its first signals (its `analysis_changed` follows)."""
        return self._replacing

    @property
    def path(self) -> str | None:
        return self._content.path

    @property
    def name(self) -> str:
        return self._content.name

    @property
    def weights(self) -> dict[str, Any] | None:
        return self._content.weights

    @property
    def meta(self) -> dict[str, Any]:
        return self._content.meta

    @property
    def sections(self) -> dict[str, Any]:
        return self._content.sections

    @property
    def prepared(self) -> Prepared | None:
        """Engine results computed while the content loaded; valid only as its methods say."""
        return self._content.prepared

    @property
    def runs(self) -> tuple[Run, ...]:
        return self._content.runs

    @property
    def runs_state(self) -> RunsState:
        return self._content.runs_state()

    @property
    def optimizer_state(self) -> OptimizerState | None:
        return self._content.optimizer_state

    @property
    def adopted_run(self) -> Run | None:
        """The run whose weights the document holds (None without weights or run)."""
        return self.run(self._content.adopted_run) if self.weights is not None else None

    def graph_fingerprint(self) -> str:
        """The current network's engine.runs fingerprint (layout ignored), cached per revision."""
        if self._fingerprint is None or self._fingerprint[0] != (id(self.graph), self.graph.revision):
            self._fingerprint = ((id(self.graph), self.graph.revision), fingerprint(self.graph))
        return self._fingerprint[1]

    def run(self, run_id: str | None) -> Run | None:
        return next((r for r in self._content.runs if r.id == run_id), None)

    @property
    def is_modified(self) -> bool:
        return not self.undo_stack.isClean()

    # -- mutation: one method per command ----------------------------------------
    def insert_node(self, node: Node) -> None:
        self.graph.insert_node(node)
        self.node_added.emit(node.id)
        self._changed()

    def remove_node(self, node_id: str) -> tuple[Node, list[tuple[int, Edge]]]:
        node, edges = self.graph.remove_node(node_id)
        for _, edge in edges:
            self.edge_removed.emit(edge.src, edge.dst)
        self.node_removed.emit(node_id)
        self._changed()
        return node, edges

    def restore_node(self, node: Node, edges: list[tuple[int, Edge]]) -> None:
        """Undo of remove_node: the node back, and its edges at their old input positions."""
        self.graph.insert_node(node)
        self.node_added.emit(node.id)
        for index, edge in sorted(edges, key=lambda ie: ie[0]):
            self.graph.connect(edge.src, edge.dst, index)
            self.edge_added.emit(edge.src, edge.dst)
        self._changed()

    def connect(self, src: str, dst: str, index: int | None = None) -> None:
        self.graph.connect(src, dst, index)
        self.edge_added.emit(src, dst)
        self._changed()

    def disconnect(self, src: str, dst: str) -> int:
        index = self.graph.disconnect(src, dst)
        self.edge_removed.emit(src, dst)
        self._changed()
        return index

    def set_params(self, node_id: str, params: dict[str, Any]) -> dict[str, Any]:
        old = self.graph.set_params(node_id, params)
        self.params_changed.emit(node_id)
        self._changed()
        return old

    def set_positions(self, positions: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        """Move nodes; returns their previous positions. Positions do not affect analysis."""
        old = {}
        for node_id, pos in positions.items():
            old[node_id] = self.graph.node(node_id).pos
            self.graph.set_pos(node_id, pos)
            self.node_moved.emit(node_id)
        return old

    def set_blocks(self, blocks: dict[str, str]) -> dict[str, str]:
        """Move nodes between blocks ({node id: block path}); returns their previous paths.
        Blocks do not change what the network computes, so nothing is re-analyzed."""
        old = {node_id: self.graph.set_block(node_id, path) for node_id, path in blocks.items()}
        self.blocks_changed.emit({n: (old[n], blocks[n]) for n in blocks})
        return old

    def set_frozen(self, flags: dict[str, bool]) -> dict[str, bool]:
        """Freeze or unfreeze layers ({node id: frozen}); returns their previous flags. Shapes stay, the
        trainable-parameter counts change, so the network is re-analyzed."""
        old = {node_id: self.graph.set_frozen(node_id, frozen) for node_id, frozen in flags.items()}
        for node_id in flags:
            self.params_changed.emit(node_id)
        self._changed()
        return old

    def replace_content(self, content: Content) -> Content:
        """Swap graph, file, weights and metadata at once (New, Open, template); returns the old."""
        old, self._content = self._content, content
        self._weights_check = None
        self.content_generation += 1
        hold_full_collections(len(content.graph), len(content.runs))  # a big open's: in a turn of its own
        with fewer_full_collections():  # a huge network's items and rows are long-lived
            self._replacing = True  # views that redraw everything wait for the analysis_changed below
            for signal in (self.graph_replaced, self.path_changed, self.runs_changed):
                signal.emit()  # (a slot's exception is printed by Qt, never raised here)
            self._replacing = False
            self._changed()
        return old

    def set_runs_state(self, state: RunsState) -> RunsState:
        """Swap in runs, adopted run, weights, meta and optimizer state; returns the old ones (the
        run commands' undo passes them back). The graph is untouched."""
        old = self._content.runs_state()
        self._content = self._content.with_runs_state(state)
        if state.weights is not old.weights or state.meta != old.meta:
            self._weights_check = None
            self.weights_changed.emit()
        self.runs_changed.emit()
        return old

    def set_graph(self, graph: Graph) -> Graph:
        """Swap the network only (keeping a trained version, and its undo); returns the old graph."""
        old = self._content.graph
        self._content = replace(self._content, graph=graph)
        self._weights_check = None
        self.graph_replaced.emit()
        self._changed()
        return old

    def set_section(self, key: str, value: dict[str, Any] | None) -> dict[str, Any] | None:
        """Replace one optional file section (None or {} removes it); returns the old value."""
        sections = dict(self._content.sections)
        old = sections.pop(key, None)
        if value:
            sections[key] = value
        self._content = replace(self._content, sections=sections)
        self.sections_changed.emit(key)
        return old

    @contextmanager
    def batched(self) -> Iterator[None]:
        """Defer re-analysis until the outermost batch ends (used by macro commands)."""
        self._batch_depth += 1
        try:
            yield
        finally:
            self._batch_depth -= 1
            if self._batch_depth == 0 and self._stale:
                self._reanalyze()

    def engine_loaded(self) -> None:
        """PyTorch is in: analyse what was edited while it loaded."""
        self._engine_ready = True
        self._weights_check = None
        if self._pending and not self._batch_depth:
            self._reanalyze()

    # -- weights ---------------------------------------------------------------
    def compatible_weights(self) -> dict[str, Any] | None:
        """The loaded weights if they still fit the current architecture, else None."""
        if self.weights is None:
            return None
        # keyed by the analysis too: asked between a load and its re-analysis, the answer
        # (about the old analysis) must not stick to the new graph
        key = (id(self.graph), self.graph.revision)
        check = self._weights_check
        if check is None or check[0] != key or check[1] is not self._analysis:
            check = self._weights_check = (key, self._analysis, _weights_fit(self.graph, self._analysis, self.weights))
        return self.weights if check[2] else None

    # -- files -----------------------------------------------------------------
    def project_parts(self) -> dict[str, Any]:
        """What engine.save writes besides the network: fitting weights with their run, meta,
        runs and sections (for saving, and for the autosave of unsaved work)."""
        weights = self.compatible_weights()
        adopted = self._content.adopted_run if weights is not None else None
        return {"weights": weights, "meta": self.meta, "sections": self.sections, "runs": list(self.runs),
                "adopted_run": adopted, "optimizer_state": self.optimizer_state if adopted else None}

    def save(self, path: str) -> None:
        """Write the project atomically (engine.save); raises OSError or engine.ProjectError."""
        engine.save(self.graph, path, **self.project_parts())
        self.mark_saved(path)

    def mark_saved(self, path: str) -> None:
        """The project as it is now was written to `path` (by `save`, or by a background save
        of `graph.copy()` and `project_parts()`)."""
        self._content = replace(self._content, path=str(path), name=Path(path).stem)
        self.undo_stack.setClean()
        self.path_changed.emit()

    # -- internals -------------------------------------------------------------
    def _changed(self) -> None:
        if self._batch_depth:
            self._stale = True
        else:
            self._reanalyze()

    def _reanalyze(self) -> None:
        self._stale = False
        self._pending = not self._engine_ready and len(self.graph) > 0
        # An empty graph analyses without torch; anything else waits for engine_loaded().
        ready = self._content.prepared and self._content.prepared.analysis_for(self.graph)
        self._analysis = Analysis(()) if self._pending else ready or analyze(self.graph)
        self._analysed = (id(self.graph), self.graph.revision)
        self.analysis_changed.emit(self._analysis)

    def _on_undo_stack_clean_changed(self, clean: bool) -> None:
        self.modified_changed.emit(not clean)


def _weights_fit(graph: Graph, analysis: Analysis, weights: dict[str, Any]) -> bool:
    if not analysis.valid:
        return False
    try:
        engine.check_weights(graph, weights)  # names and shapes, built on the meta device
    except Exception:  # an unbuildable graph or a mismatch: no usable weights
        return False
    return True
