"""A plot legend that sits under the plot, outside the curves, in as many columns as fit.

pyqtgraph's own legend floats over the view box, where at 1100 px it covered the curves and
cut its own lines. This one is a row of the PlotItem's layout (below the x axis), so the
plot makes room for it; it re-flows its entries into fewer columns when the plot narrows.
Must not import the engine or the rest of the view.
"""
from __future__ import annotations

import pyqtgraph as pg

SPACING = 14


class RowLegend(pg.LegendItem):
    def __init__(self, plot: pg.PlotWidget) -> None:
        super().__init__(offset=None, horSpacing=SPACING, verSpacing=0, frame=False)
        self.plot_item = plot.getPlotItem()
        self.plot_item.layout.addItem(self, 4, 1)
        self.plot_item.legend = self
        self.plot_item.geometryChanged.connect(self.reflow)

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

    def entry_width(self) -> float:
        return max((20 + label.item.boundingRect().width() + SPACING for _, label in self.items), default=0.0)

    def reflow(self) -> None:
        """As many entries side by side as the plot's width takes."""
        width = self.plot_item.width() - 70  # the y axis and its title take about this much
        fits = max(1, int(width // max(self.entry_width(), 1))) if width > 0 else len(self.items)
        columns = max(1, min(fits, len(self.items)))
        if columns != self.columnCount:
            self.setColumnCount(columns)
        self.updateSize()
