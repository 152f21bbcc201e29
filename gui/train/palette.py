"""Colours and pyqtgraph styling shared by the Train view's plots, from the app theme.

Owns the class colours (one per class, readable on light and dark), the run colours and
`styled_plot`, which gives a PlotWidget the theme's background, axes and grid.
Must not import the engine.
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsItem

from .. import theme

CLASS_COLORS = ("#3b82f6", "#f97316", "#10b981", "#ef4444", "#8b5cf6",
                "#ca8a04", "#ec4899", "#64748b", "#84cc16", "#06b6d4")
TRAIN_COLOR = "#f59e0b"  # per-epoch training metrics; validation uses the theme accent
LR_COLOR = "#8b5cf6"
RUN_COLORS = ("#2f6fed", "#f97316", "#10b981", "#e11d48", "#8b5cf6", "#ca8a04", "#0891b2", "#db2777")  # compared runs


def run_color(position: int) -> str:
    """The overlay colour of the `position`-th compared run."""
    return RUN_COLORS[position % len(RUN_COLORS)]


def class_color(index: int, alpha: int = 255) -> QColor:
    color = QColor(CLASS_COLORS[index % len(CLASS_COLORS)])
    color.setAlpha(alpha)
    return color


def faded(color: str | QColor, alpha: int) -> QColor:
    c = QColor(color)
    c.setAlpha(alpha)
    return c


def styled_plot(title: str, y_label: str = "", x_label: str = "epoch") -> pg.PlotWidget:
    return style_plot(pg.PlotWidget(background=theme.current().base), title, y_label, x_label)


def style_plot(plot: pg.PlotWidget, title: str, y_label: str = "", x_label: str = "epoch") -> pg.PlotWidget:
    """Theme colours for background, title, axes and grid; returns `plot`."""
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
