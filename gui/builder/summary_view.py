"""The summary's view: the tree of rows of `SummaryTableModel` (gui.builder.summary), with a
bar behind each layer's share of the parameters. Must not mutate the document.
"""
from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QStyledItemDelegate, QTreeView

from .. import theme
from .summary import COLUMNS, SHARE_ROLE, UNIT_ROLE, SummaryTableModel, bold_font

NAME_MIN = 150  # the Layer column never narrower: at 1100 px it shrank to "La" and no name showed


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
            bar = QRectF(rect.left(), rect.top(), rect.width() * min(share, 1.0), rect.height())
            painter.drawRoundedRect(bar, 3, 3)
            painter.restore()
        super().paint(painter, option, index)


class SummaryView(QTreeView):
    def __init__(self, model: SummaryTableModel, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("summary")
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setUniformRowHeights(True)
        self.setIndentation(14)
        self.setExpandsOnDoubleClick(False)  # double-click shows the row on the canvas
        header = self.header()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.Interactive)
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        # Widths from the bold font of the totals row, so no number is ever elided.
        bold = QFontMetrics(bold_font())
        samples = {1: "Adaptive average pool", 2: "1024×112×112", 3: "138,357,544", 4: "999.9 G", 5: "100.0 %"}
        for column, sample in samples.items():
            wanted = max(bold.horizontalAdvance(sample), bold.horizontalAdvance(COLUMNS[column]) * 1.1)
            self.setColumnWidth(column, int(wanted) + 28)
        self.setItemDelegateForColumn(5, _ShareDelegate(self))
        self.expanded.connect(lambda index: model.expanded.add(index.data(UNIT_ROLE)[1]))
        self.collapsed.connect(lambda index: model.expanded.discard(index.data(UNIT_ROLE)[1]))
        model.modelReset.connect(model.expanded.clear)

    def resizeEvent(self, event) -> None:
        """The Layer column stretches while the others leave it NAME_MIN; narrower, it keeps NAME_MIN
        and the table scrolls sideways."""
        super().resizeEvent(event)
        header = self.header()
        others = sum(header.sectionSize(c) for c in range(1, header.count()))
        fits = self.viewport().width() - others >= NAME_MIN
        if (header.sectionResizeMode(0) == QHeaderView.Stretch) != fits:
            header.setSectionResizeMode(0, QHeaderView.Stretch if fits else QHeaderView.Interactive)
            if not fits:
                self.setColumnWidth(0, NAME_MIN)

    def selectRow(self, row: int) -> None:
        """Select top-level row `row` (as a table would)."""
        self.setCurrentIndex(self.model().index(row, 0))
