"""A plot legend that sits under the plot, outside the curves, in as many columns as fit.

pyqtgraph's own legend floats over the view box, where at 1100 px it covered the curves and
cut its own lines. This one is a row of the PlotItem's layout (below the x axis), so the
plot makes room for it; it re-flows its entries into fewer columns when the plot narrows.
Must not import the engine or the rest of the view.
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt

SPACING = 8


class RowLegend(pg.LegendItem):
    def __init__(self, plot: pg.PlotWidget) -> None:
        super().__init__(offset=None, horSpacing=SPACING, verSpacing=0, frame=False)
        self.plot_widget = plot
        self.plot_item = plot.getPlotItem()
        self.plot_item.layout.addItem(self, 4, 1)
        self.plot_item.legend = self
        plot.installEventFilter(self)  # re-flow before the plot lays itself out at its new width

    def updateSize(self) -> None:
        """Let the plot's layout size it (the floating legend sets its own geometry)."""
        self.layout.invalidate()
        self.updateGeometry()

    def addItem(self, item, name) -> None:
        super().addItem(item, name)
        self.reflow()

    def removeItem(self, item) -> None:
        super().removeItem(item)
        self.reflow()

    def show_entries(self, entries: list[tuple[object, str]], shown: bool) -> None:
        """List the (item, label) entries not listed yet, or take the listed ones out."""
        listed = {id(sample.item) for sample, _ in self.items}
        for item, label in entries:
            if shown and id(item) not in listed:
                self.addItem(item, label)
            elif not shown and id(item) in listed:
                self.removeItem(item)

    def entry_width(self) -> float:
        return max(self._widths(), default=0.0)

    def _widths(self) -> list[float]:
        return [20 + label.item.boundingRect().width() + SPACING for _, label in self.items]

    def _columns_for(self, width: float) -> int:
        """The most columns whose widest entries (entries fill rows left to right) fit `width`."""
        widths = self._widths()
        for columns in range(len(widths), 1, -1):
            if sum(max(widths[c::columns]) for c in range(columns)) <= width:
                return columns
        return 1

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Resize:
            self.reflow(event.size().width())
        return False

    def reflow(self, plot_width: int | None = None) -> None:
        """As many entries side by side as the plot's width takes."""
        width = (plot_width or self.plot_widget.width()) - self.plot_item.getAxis("left").width() - 16
        columns = self._columns_for(width)
        if columns != self.columnCount:
            self.setColumnCount(columns)
        while self.columnCount > 1 and self.layout.effectiveSizeHint(Qt.MinimumSize).width() > width:
            self.setColumnCount(self.columnCount - 1)  # labels laid out wider than they measure
        self.updateSize()
