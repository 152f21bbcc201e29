"""Runs side by side: a table of what differs between the ticked runs (settings, data, the
network they trained: changed layers and parameter counts) and their results.

A `QAbstractTableModel` over the engine's `DiffRow`s (engine.runs.differences); one
column per run, headed by its name in its overlay colour. Must not import the rest of
the view.
"""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QStackedWidget, QTableView

from engine.runs import DiffRow, Run, differences

from .. import theme

EMPTY_TEXT = "Tick two or more runs in the list to compare them: what differs, and how they did."


class DiffTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[DiffRow] = []
        self.names: list[str] = []
        self.colors: list[str] = []

    def set_runs(self, runs: list[Run], names: list[str], colors: list[str]) -> None:
        self.beginResetModel()
        self.rows = differences(runs) if len(runs) >= 2 else []
        self.names, self.colors = list(names), list(colors)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() or not self.rows else len(self.names)

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role in (Qt.DisplayRole, Qt.ToolTipRole):
            return row.values[index.column()]
        if role == Qt.TextAlignmentRole:
            return int(Qt.AlignCenter)
        if role == Qt.FontRole and row.section == "Result":
            font = QFont()
            font.setBold(row.label == "test accuracy")
            return font
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole):
        if orientation == Qt.Horizontal and 0 <= section < len(self.names):
            if role == Qt.DisplayRole:
                return f"■ {self.names[section]}"
            if role == Qt.ForegroundRole:
                return QBrush(QColor(self.colors[section]))
        if orientation == Qt.Vertical and 0 <= section < len(self.rows):
            row = self.rows[section]
            if role == Qt.DisplayRole:
                return f"{row.section}: {row.label}"
            if role == Qt.ForegroundRole and row.section == "Result":
                return QBrush(QColor(theme.current().muted))
        return None


class ComparePanel(QStackedWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.model = DiffTableModel(self)
        self.table = QTableView(objectName="compare_table")
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.placeholder = QLabel(EMPTY_TEXT, objectName="muted", alignment=Qt.AlignCenter, wordWrap=True)
        self.addWidget(self.placeholder)
        self.addWidget(self.table)

    def show_runs(self, runs: list[Run], names: list[str], colors: list[str]) -> None:
        self.model.set_runs(runs, names, colors)
        self.setCurrentIndex(1 if self.model.rows else 0)
