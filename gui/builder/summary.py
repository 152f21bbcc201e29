"""The summary table, like torchinfo: one row per layer, blocks as expandable rows (a tree,
like torchinfo's `depth`), in reading (topological) order, plus a totals row.

`SummaryTableModel` is a tree model over the engine's immutable rows (`NodeRow`, and
`BlockRow` for blocks); after an edit it reports only the rows that changed (and the share
column). Error rows, and blocks with errors inside, are tinted. A new network of more than
`LATER_ROWS` layers gets its rows one event-loop turn later (the open's other work first, so
the window paints between), or as soon as something looks a row up. Must not mutate the document.
"""
from __future__ import annotations

from types import SimpleNamespace

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtGui import QColor

from engine.analysis import Analysis, NodeRow
from engine.block_analysis import BlockRow
from engine.blocks import BLOCK, NODE, block_tree
from engine.catalog import CATALOG, fmt_shape
from engine.formatting import count, counted, short_count

from .. import theme, turns
from .lint import style as lint_style

COLUMNS = ("Layer", "Type", "Output shape", "Parameters", "MACs", "Share")
# Roles as plain ints: comparing PySide's enum objects costs microseconds, and data() runs thousands of times.
DISPLAY, FONT, ALIGN = int(Qt.DisplayRole), int(Qt.FontRole), int(Qt.TextAlignmentRole)
BACKGROUND, FOREGROUND, TOOLTIP = int(Qt.BackgroundRole), int(Qt.ForegroundRole), int(Qt.ToolTipRole)
NODE_ROLE = int(Qt.UserRole) + 1
SHARE_ROLE = int(Qt.UserRole) + 2
UNIT_ROLE = int(Qt.UserRole) + 3
_NUMERIC = {3, 4, 5}
TOTAL = "total"
LATER_ROWS = 5000  # a new network with more layers than this gets its rows a turn later


class _Entry:
    __slots__ = ("kind", "key", "parent", "children", "row")

    def __init__(self, kind: str, key: str, parent: "_Entry | None", row: int) -> None:
        self.kind, self.key, self.parent, self.row = kind, key, parent, row
        self.children: list[_Entry] = []


class SummaryTableModel(QAbstractItemModel):
    def __init__(self, document=None, parent=None) -> None:
        super().__init__(parent)
        self.document = document
        self._root = _Entry("root", "", None, 0)
        self._index: dict[tuple[str, str], _Entry] = {}
        self._shape: object = None
        self._nodes: dict[str, NodeRow] = {}
        self._blocks: dict[str, BlockRow] = {}
        self._total = self._macs = 0
        self._totals: tuple[str, ...] = ()
        self._texts: dict[tuple[str, str], tuple[str, ...]] = {}  # cells, formatted once per analysis
        self.expanded: set[str] = set()  # block rows open in the view: their children are on screen
        self._warnings: dict[str, list[str]] = {}  # node id -> lint messages (gui.builder.lint)
        self._masked: frozenset[str] = frozenset()  # predict-then-reveal hides these layers' numbers
        self._later = None  # the block tree whose rows come a turn later (see the module docstring)
        if document is not None:
            self.set_analysis(document.analysis)

    # -- updates --------------------------------------------------------------------------
    def set_analysis(self, analysis: Analysis) -> bool:
        """Take a fresh analysis; returns True when the rows were reset (selection is lost)."""
        graph = self.document.graph
        tree = block_tree(graph)
        shape = (tree.children, tuple(r.node_id for r in analysis.rows))
        old_nodes, old_blocks, old_total = self._nodes, self._blocks, (self._total, self._macs)
        if shape != self._shape:
            self.beginResetModel()
            self._shape = shape
            self._store(analysis)
            self._later = tree if len(analysis.rows) > LATER_ROWS else None
            self._build(_NO_TREE if self._later is not None else tree)
            self.endResetModel()
            if self._later is not None:
                turns.later(self.flush, self)
            return True
        self._store(analysis)
        self._emit_changes(old_nodes, old_blocks, old_total != (self._total, self._macs))
        return False

    def flush(self) -> None:
        """The rows of a new network now, if they were to come a turn later."""
        tree, self._later = self._later, None
        if tree is not None:
            self.beginResetModel()
            self._build(tree)
            self.endResetModel()

    def set_warnings(self, warnings) -> None:
        """Mark the rows of layers with lint warnings (amber ⚠ and the messages as a tooltip)."""
        table: dict[str, list[str]] = {}
        for warning in warnings:
            table.setdefault(warning.node, []).append(warning.message)
        if table != self._warnings:
            self._warnings = table
            self._repaint_all()

    def set_masked(self, masked) -> None:
        """Show "?" for the numbers of these layers, of blocks holding them, and of the totals."""
        masked = frozenset(masked)
        if masked != self._masked:
            self._masked = masked
            self._repaint_all()

    def _repaint_all(self) -> None:
        self._texts = {}
        last = len(COLUMNS) - 1
        for entry in [*self._index.values(), *self._root.children[-1:]]:
            self.dataChanged.emit(self._make_index(entry, 0), self._make_index(entry, last))

    def _block_masked(self, path: str) -> bool:
        return bool(self._masked) and any(
            n in self._masked for n in block_tree(self.document.graph).members.get(path, ()))

    def refresh_blocks(self) -> None:
        """Blocks were grouped, renamed or dissolved: rebuild the tree."""
        self._shape = None
        self.set_analysis(self.document.analysis)

    def _store(self, analysis: Analysis) -> None:
        self._texts = {}
        self._nodes = dict(analysis.by_id)
        self._blocks = self.document.block_rows
        self._total, self._macs = analysis.total_params, analysis.total_macs
        output = fmt_shape(analysis.output_shape) if analysis.output_shape else ""
        frozen = analysis.total_params - analysis.trainable_params
        params = count(self._total) + (f" ({short_count(frozen)} frozen)" if frozen else "")
        self._totals = ("Total", counted(len(analysis.rows), "layer"), output, params,
                        short_count(self._macs), "100 %" if self._total else "")

    def _build(self, tree) -> None:
        self._root = _Entry("root", "", None, 0)
        self._index = {}

        def fill(parent: _Entry, path: str) -> None:
            for i, (kind, key) in enumerate(tree.children.get(path, ())):
                entry = _Entry(kind, key, parent, i)
                parent.children.append(entry)
                self._index[(kind, key)] = entry
                if kind == BLOCK:
                    fill(entry, key)
        fill(self._root, "")
        if self._nodes:
            self._root.children.append(_Entry(TOTAL, "", self._root, len(self._root.children)))

    def _emit_changes(self, old_nodes: dict, old_blocks: dict, totals_changed: bool) -> None:
        last = len(COLUMNS) - 1
        for (kind, key), entry in self._index.items():
            before = (old_nodes if kind == NODE else old_blocks).get(key)
            after = (self._nodes if kind == NODE else self._blocks).get(key)
            if before != after:
                self.dataChanged.emit(self._make_index(entry, 0), self._make_index(entry, last))
        if totals_changed:  # every share changes; rows under a closed block row are not on screen
            opened = (self._index[(BLOCK, p)] for p in self.expanded if (BLOCK, p) in self._index)
            for parent in [self._root, *opened]:
                if parent.children:
                    self.dataChanged.emit(self._make_index(parent.children[0], 5),
                                          self._make_index(parent.children[-1], 5))
            total = self._root.children[-1]
            self.dataChanged.emit(self._make_index(total, 0), self._make_index(total, last))

    # -- lookups --------------------------------------------------------------------------
    def index_of(self, unit) -> QModelIndex:
        """The row of a layer (NODE, id) or block (BLOCK, path), at column 0."""
        self.flush()
        entry = self._index.get(tuple(unit))
        return self._make_index(entry, 0) if entry is not None else QModelIndex()

    def unit_at(self, index: QModelIndex):
        entry = self._entry(index)
        return (entry.kind, entry.key) if entry is not None and entry.kind in (NODE, BLOCK) else None

    def node_id_at(self, row: int) -> str | None:
        """The layer on top-level row `row` (None for a block or the totals)."""
        self.flush()
        children = self._root.children
        return children[row].key if 0 <= row < len(children) and children[row].kind == NODE else None

    def row_of(self, node_id: str) -> int:
        self.flush()
        entry = self._index.get((NODE, node_id))
        return entry.row if entry is not None else -1

    def is_totals(self, row: int) -> bool:
        self.flush()
        children = self._root.children
        return 0 <= row < len(children) and children[row].kind == TOTAL

    # -- Qt model -------------------------------------------------------------------------
    def _entry(self, index: QModelIndex) -> _Entry | None:
        return index.internalPointer() if index.isValid() else None

    def _make_index(self, entry: _Entry, column: int) -> QModelIndex:
        return self.createIndex(entry.row, column, entry)

    # index, rowCount and hasChildren run for every row when the view lays out (20,000 for 20,000 layers)
    def index(self, row: int, column: int, parent=QModelIndex()) -> QModelIndex:
        children = (parent.internalPointer() if parent.isValid() else self._root).children
        if 0 <= row < len(children) and 0 <= column < 6:
            return self.createIndex(row, column, children[row])
        return QModelIndex()

    def parent(self, index: QModelIndex = QModelIndex()) -> QModelIndex:
        entry = index.internalPointer() if index.isValid() else None
        if entry is None or entry.parent is None or entry.parent is self._root:
            return QModelIndex()
        return self.createIndex(entry.parent.row, 0, entry.parent)

    def rowCount(self, parent=QModelIndex()) -> int:
        if parent.isValid():
            return len(parent.internalPointer().children) if parent.column() == 0 else 0
        return len(self._root.children)

    def hasChildren(self, parent=QModelIndex()) -> bool:
        if parent.isValid():
            return parent.column() == 0 and bool(parent.internalPointer().children)
        return bool(self._root.children)

    def columnCount(self, parent=QModelIndex()) -> int:
        return len(COLUMNS)

    def headerData(self, section: int, orientation, role=Qt.DisplayRole):
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return COLUMNS[section]
        if orientation == Qt.Horizontal and role == Qt.TextAlignmentRole:
            return int((Qt.AlignRight if section in _NUMERIC else Qt.AlignLeft) | Qt.AlignVCenter)
        return None

    def data(self, index: QModelIndex, role=DISPLAY):
        entry = index.internalPointer() if index.isValid() else None
        if entry is None:
            return None
        role = int(role)
        if entry.kind == TOTAL:
            return self._totals_data(index.column(), role)
        if role == UNIT_ROLE:
            return (entry.kind, entry.key)
        if entry.kind == BLOCK:
            return self._block_data(self._blocks.get(entry.key), entry.key, index.column(), role)
        row = self._nodes.get(entry.key)
        handler = _ROLE_HANDLERS.get(role)
        return handler(self, row, index.column()) if handler and row is not None else None

    def _display(self, row: NodeRow, column: int):
        key = (NODE, row.node_id)
        if key not in self._texts:
            shape = "error" if row.error else ("—" if not row.ok else fmt_shape(row.output_shape))
            numbers = (count(row.params), short_count(row.macs) if row.macs else "0",
                       self._share_text(row.params)) if row.ok else ("", "", "")
            if row.node_id in self._masked and row.ok:
                shape, numbers = "?", ("?", "?", "?")
            name = f"⚠ {row.node_id}" if row.node_id in self._warnings and not row.error else row.node_id
            kind = CATALOG.get(row.layer_id).name + (" · frozen" if _frozen(row) else "")
            self._texts[key] = (name, kind, shape, *numbers)
        return self._texts[key][column]

    def _block_data(self, row: BlockRow | None, path: str, column: int, role: int):
        if row is None:
            return None
        if role == DISPLAY:
            key = (BLOCK, path)
            if key not in self._texts:
                out = fmt_shape(row.output_shape) if row.output_shape else ("error" if row.errors else "—")
                numbers = (out, count(row.params), short_count(row.macs), self._share_text(row.params))
                locked = " · frozen" if row.params and not row.trainable_params else ""
                self._texts[key] = (path, f"Block, {counted(row.layers, 'layer')}{locked}",
                                    *(("?",) * 4 if self._block_masked(path) else numbers))
            return self._texts[key][column]
        if role == FONT:
            return bold_font()
        if role == ALIGN:
            return _RIGHT if column in _NUMERIC else _LEFT
        if role == BACKGROUND and row.errors:
            return QColor(theme.current().error_fill)
        if role == FOREGROUND and row.errors and column == 2:
            return QColor(theme.current().error)
        if role == TOOLTIP:
            return "\n".join(f"{n}: {m}" for n, m in row.errors[:6]) or f"Block {path}: double-click to show it"
        if role == SHARE_ROLE:
            return row.params / self._total if self._total and not self._block_masked(path) else 0.0
        return None

    def _share_text(self, params: int) -> str:
        share = params / self._total if self._total else 0.0
        return f"{share * 100:.1f} %" if share else ""

    def _alignment(self, row: NodeRow, column: int):
        return _RIGHT if column in _NUMERIC else _LEFT

    def _background(self, row: NodeRow, column: int):
        return QColor(theme.current().error_fill) if row.error else None

    def _foreground(self, row: NodeRow, column: int):
        t = theme.current()
        if row.error:
            return QColor(t.error)
        if column == 0 and row.node_id in self._warnings:
            return lint_style.color("warning")
        return QColor(t.muted) if (row.blocked or column in (1, 4) or _frozen(row)) else None

    def _tooltip(self, row: NodeRow, column: int):
        if row.error:
            return row.error
        if row.blocked:
            return "Waiting: a layer above has an error."
        if row.node_id in self._masked:
            return "Predict its numbers in the Exercise tab, then reveal them."
        lints = [f"⚠ {m}" for m in self._warnings.get(row.node_id, ())]
        frozen = ["Frozen: training leaves its weights as they are"] if _frozen(row) else []
        return "\n".join(frozen + list(row.explain) + lints) or None

    def _totals_data(self, column: int, role: int):
        if role == DISPLAY:
            return "?" if self._masked and column >= 2 else self._totals[column]
        if role == FONT:
            return bold_font()
        if role == ALIGN:
            return _RIGHT if column in _NUMERIC else _LEFT
        if role == BACKGROUND:
            return theme.current().color("alt_base")
        return None


_NO_TREE = SimpleNamespace(children={})  # the block tree of no rows (while a big network's come a turn later)


def _frozen(row: NodeRow) -> bool:
    return row.ok and row.params > 0 and row.trainable_params == 0


_BOLD: list = []
_RIGHT = int(Qt.AlignRight | Qt.AlignVCenter)
_LEFT = int(Qt.AlignLeft | Qt.AlignVCenter)


def bold_font():
    if not _BOLD:
        _BOLD.append(theme.scaled_font(0.0, bold=True))
    return _BOLD[0]


_ROLE_HANDLERS = {
    DISPLAY: SummaryTableModel._display,
    ALIGN: SummaryTableModel._alignment,
    BACKGROUND: SummaryTableModel._background,
    FOREGROUND: SummaryTableModel._foreground,
    TOOLTIP: SummaryTableModel._tooltip,
    NODE_ROLE: lambda model, row, column: row.node_id,
    SHARE_ROLE: lambda model, row, column: (row.params / model._total if model._total and row.ok
                                            and row.node_id not in model._masked else 0.0),
}
