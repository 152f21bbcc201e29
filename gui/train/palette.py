"""pyqtgraph styling shared by the Train view's plots, and lookups into the theme's palettes.

The colours themselves (class, run, metric colours) live in gui.theme; `styled_plot` gives a
PlotWidget the theme's background, axes and grid, and keeps it in the theme after a switch.
Must not import the engine.
"""
from __future__ import annotations

from typing import Iterator

import pyqtgraph as pg
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsItem

from .. import theme


def run_color(position: int) -> str:
    """The overlay colour of the `position`-th compared run."""
    runs = theme.current().runs
    return runs[position % len(runs)]


def class_count() -> int:
    """How many distinct class colours there are (they repeat after that)."""
    return len(theme.current().classes)


def class_color(index: int, alpha: int = 255) -> QColor:
    classes = theme.current().classes
    color = QColor(classes[index % len(classes)])
    color.setAlpha(alpha)
    return color


def faded(color: str | QColor, alpha: int) -> QColor:
    c = QColor(color)
    c.setAlpha(alpha)
    return c


LABEL_PX = 20  # one value label per this many pixels of a value axis, at most


class SparseAxis(pg.AxisItem):
    """A value axis whose labels do not overlap in a short plot: pyqtgraph always labels its major
    ticks, and put 1.00, 1.05 and 1.10 on top of each other in Loss per epoch at 1100×800."""

    def tickSpacing(self, minVal: float, maxVal: float, size: float):
        levels = super().tickSpacing(minVal, maxVal, size)
        if not levels or size <= 0 or not maxVal > minVal:
            return levels
        major, offset = levels[0]
        while (maxVal - minVal) / major > max(2, size // LABEL_PX):
            major *= 2
        return [(major, offset)] + [level for level in levels[1:] if level[0] < major]


def styled_plot(title: str, y_label: str = "", x_label: str = "epoch") -> pg.PlotWidget:
    plot = pg.PlotWidget(background=theme.current().base, axisItems={"left": SparseAxis("left")})
    return style_plot(plot, title, y_label, x_label)


def style_plot(plot: pg.PlotWidget, title: str, y_label: str = "", x_label: str = "epoch") -> pg.PlotWidget:
    """Theme colours for background, title, axes and grid, now and after every theme switch;
    returns `plot`."""
    if not plot.property("theme_followed"):
        plot.setProperty("theme_followed", True)
        theme.follow(plot, lambda: _restyle(plot))
    t = theme.current()
    plot.setBackground(t.base)
    plot.setTitle(title or None, color=t.text, bold=True)
    item = plot.getPlotItem()
    for side in ("left", "bottom"):
        axis = item.getAxis(side)
        axis.setPen(pg.mkPen(t.border))
        axis.setTextPen(pg.mkPen(t.muted))
        axis.enableAutoSIPrefix(False)  # "loss (x0.001)" reads worse than 0.002 on the ticks
        # Repainting an axis replays all its tick text; cached, a new curve point costs a blit.
        # This cut the GUI thread's p99 lag while training from ~95 to ~22 ms (bench/gui_latency.py).
        axis.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        # text on major ticks only: a log axis labelled 0.02..0.09 overlapped in a short plot
        axis.setStyle(maxTextLevel=0 if side == "left" else 1)
    if y_label:
        item.setLabel("left", y_label, color=t.muted)
    if x_label:
        item.setLabel("bottom", x_label, color=t.muted)
    item.showGrid(x=True, y=True, alpha=0.12)
    item.setMenuEnabled(True)
    item.hideButtons()
    plot.setMinimumSize(160, 120)
    return plot


def pen(color: str | QColor, width: float = 1.6, alpha: int = 255) -> object:
    return pg.mkPen(faded(color, alpha), width=width)


def _restyle(plot: pg.PlotWidget) -> None:
    item = plot.getPlotItem()
    style_plot(plot, item.titleLabel.text, item.getAxis("left").labelText, item.getAxis("bottom").labelText)


def make_plots() -> Iterator[pg.PlotWidget]:
    """The four plots, one at a time (a staged Train view makes them over several event-loop turns). The
    top row shares the bottom row's x axis: its title "epoch" once, under the bottom row."""
    for title, y_label, x_label in (("Training loss (per step)", "loss", ""), ("Loss per epoch", "loss", ""),
                                    ("Accuracy per epoch", "%", "epoch"), ("Learning rate", "lr", "epoch")):
        yield styled_plot(title, y_label, x_label)
