"""The summary table, like torchinfo: one row per layer plus a totals row.

`SummaryTableModel` is a QAbstractTableModel over the engine's immutable analysis rows;
after an edit it reports only the rows that changed (and the share column). Error rows
are tinted. Must not mutate the document.
"""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QStyledItemDelegate, QTableView

from engine.analysis import Analysis, NodeRow
from engine.catalog import CATALOG, fmt_shape
from engine.formatting import count, short_count

from .. import theme
from ..lint import style as lint_style

COLUMNS = ("Layer", "Type", "Output shape", "Parameters", "MACs", "Share")
NODE_ROLE = Qt.UserRole + 1
SHARE_ROLE = Qt.UserRole + 2
_NUMERIC = {3, 4, 5}


class SummaryTableModel(QAbstractTableModel):
    def __init__(self, analysis: Analysis | None = None, parent=None) -> None:
        super().__init__(parent)
        self._rows: tuple[NodeRow, ...] = ()
        self._total = 0
        self._macs = 0
        self._totals: tuple[str, ...] = ()
        self._warnings: dict[str, list[str]] = {}  # node id -> lint messages (gui.lint)
        self._masked: frozenset[str] = frozenset()  # predict-then-reveal hides these rows' numbers
        if analysis is not None:
            self.set_analysis(analysis)

    # -- updates --------------------------------------------------------------------------
    def set_analysis(self, analysis: Analysis) -> bool:
        """Take a fresh analysis; returns True when the rows were reset (selection is lost)."""
        old = self._rows
        same_layout = [r.node_id for r in old] == [r.node_id for r in analysis.rows]
        if not same_layout:
            self.beginResetModel()
            self._store(analysis)
            self.endResetModel()
            return True
        totals_changed = (analysis.total_params, analysis.total_macs) != (self._total, self._macs)
        self._store(analysis)
        self._emit_changes(old, totals_changed)
        return False

    def _store(self, analysis: Analysis) -> None:
        self._rows = analysis.rows
        self._total, self._macs = analysis.total_params, analysis.total_macs
        output = fmt_shape(analysis.output_shape) if analysis.output_shape else ""
        self._totals = ("Total", f"{len(self._rows)} layers", output, count(self._total),
                        short_count(self._macs), "100 %" if self._total else "")

    def _emit_changes(self, old: tuple[NodeRow, ...], totals_changed: bool) -> None:
        last = len(COLUMNS) - 1
        for i, (before, after) in enumerate(zip(old, self._rows)):
            if before != after:
                self.dataChanged.emit(self.index(i, 0), self.index(i, last))
        if totals_changed and self._rows:
            self.dataChanged.emit(self.index(0, 5), self.index(len(self._rows) - 1, 5))
            self.dataChanged.emit(self.index(len(self._rows), 0), self.index(len(self._rows), last))

    def set_warnings(self, warnings) -> None:
        """Mark the rows of layers with lint warnings (amber ⚠ and the messages as a tooltip)."""
        table: dict[str, list[str]] = {}
        for warning in warnings:
            table.setdefault(warning.node, []).append(warning.message)
        if table == self._warnings:
            return
        self._warnings = table
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, 0))

    def set_masked(self, masked) -> None:
        """Show "?" for the shape, parameters, MACs and share of these layers (and for the totals)."""
        self._masked = frozenset(masked)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows), len(COLUMNS) - 1))

    # -- lookups --------------------------------------------------------------------------
    def node_id_at(self, row: int) -> str | None:
        return self._rows[row].node_id if 0 <= row < len(self._rows) else None

    def row_of(self, node_id: str) -> int:
        for i, r in enumerate(self._rows):
            if r.node_id == node_id:
                return i
        return -1

    def is_totals(self, row: int) -> bool:
        return row == len(self._rows) and bool(self._rows)

    # -- Qt model -------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() or not self._rows else len(self._rows) + 1

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation, role=Qt.DisplayRole):
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return COLUMNS[section]
        if orientation == Qt.Horizontal and role == Qt.TextAlignmentRole:
            return int((Qt.AlignRight if section in _NUMERIC else Qt.AlignLeft) | Qt.AlignVCenter)
        return None

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        if self.is_totals(index.row()):
            return self._totals_data(index.column(), role)
        row = self._rows[index.row()]
        handler = _ROLE_HANDLERS.get(role)
        return handler(self, row, index.column()) if handler else None

    def _display(self, row: NodeRow, column: int):
        if column == 0:
            return f"⚠ {row.node_id}" if row.node_id in self._warnings and not row.error else row.node_id
        if column == 1:
            return CATALOG.get(row.layer_id).name
        if column >= 2 and row.node_id in self._masked and row.ok:
            return "?"
        if column == 2:
            return "error" if row.error else ("—" if not row.ok else fmt_shape(row.output_shape))
        if not row.ok:
            return ""
        return (count(row.params), short_count(row.macs) if row.macs else "0", self._share_text(row))[column - 3]

    def _share(self, row: NodeRow) -> float:
        return row.params / self._total if self._total and row.ok else 0.0

    def _share_text(self, row: NodeRow) -> str:
        share = self._share(row)
        return f"{share * 100:.1f} %" if share else ""

    def _alignment(self, row: NodeRow, column: int):
        return int((Qt.AlignRight if column in _NUMERIC else Qt.AlignLeft) | Qt.AlignVCenter)

    def _background(self, row: NodeRow, column: int):
        return QColor(theme.current().error_fill) if row.error else None

    def _foreground(self, row: NodeRow, column: int):
        t = theme.current()
        if row.error:
            return QColor(t.error)
        if column == 0 and row.node_id in self._warnings:
            return lint_style.color("warning")
        return QColor(t.muted) if (row.blocked or column in (1, 4)) else None

    def _tooltip(self, row: NodeRow, column: int):
        if row.error:
            return row.error
        if row.blocked:
            return "Waiting: a layer above has an error."
        if row.node_id in self._masked:
            return "Predict its numbers in the Exercise tab, then reveal them."
        lints = [f"⚠ {m}" for m in self._warnings.get(row.node_id, ())]
        return "\n".join(list(row.explain) + lints) or None

    def _totals_data(self, column: int, role: int):
        if role == Qt.DisplayRole:
            return "?" if self._masked and column >= 2 else self._totals[column]
        if role == Qt.FontRole:
            return _bold_font()
        if role == Qt.TextAlignmentRole:
            return int((Qt.AlignRight if column in _NUMERIC else Qt.AlignLeft) | Qt.AlignVCenter)
        if role == Qt.BackgroundRole:
            return theme.current().color("alt_base")
        return None


_BOLD: list = []


def _bold_font():
    if not _BOLD:
        _BOLD.append(theme.scaled_font(0.0, bold=True))
    return _BOLD[0]


_ROLE_HANDLERS = {
    Qt.DisplayRole: SummaryTableModel._display,
    Qt.TextAlignmentRole: SummaryTableModel._alignment,
    Qt.BackgroundRole: SummaryTableModel._background,
    Qt.ForegroundRole: SummaryTableModel._foreground,
    Qt.ToolTipRole: SummaryTableModel._tooltip,
    NODE_ROLE: lambda model, row, column: row.node_id,
    SHARE_ROLE: lambda model, row, column: 0.0 if row.node_id in model._masked else model._share(row),
}


class _ShareDelegate(QStyledItemDelegate):
    """Draws a bar proportional to the share behind the percentage."""

    def paint(self, painter: QPainter, option, index: QModelIndex) -> None:
        share = index.data(SHARE_ROLE) or 0.0
        if share > 0:
            rect = QRectF(option.rect).adjusted(4, 4, -4, -4)
            color = QColor(theme.current().accent)
            color.setAlpha(60)
            painter.save()
            painter.setPen(Qt.NoPen)
            painter.setBrush(color)
            painter.drawRoundedRect(QRectF(rect.left(), rect.top(), rect.width() * share, rect.height()), 3, 3)
            painter.restore()
        super().paint(painter, option, index)


class SummaryView(QTableView):
    def __init__(self, model: SummaryTableModel, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("summary")
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.Interactive)
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        metrics = self.fontMetrics()
        samples = {1: "Adaptive average pool", 2: "1024×112×112", 3: "138,357,544", 4: "999 M", 5: "100.0 %"}
        for column, sample in samples.items():
            wanted = max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(COLUMNS[column]) * 1.15)
            self.setColumnWidth(column, int(wanted) + 30)
        self.setItemDelegateForColumn(5, _ShareDelegate(self))
