"""The gradient-flow view: how strongly each layer is being taught, over the run.

Top: a heat map, one row per layer (the first layer at the top) and one column per measurement,
coloured by log10 of the layer's gradient norm (or of its update ratio ‖Δw‖/‖w‖); vanishing
gradients show as rows fading to dark at the top. Bottom: the same numbers as one line per layer
on a log scale, first layers blue, last ones yellow. Fed live with GradientRecords, or with the
series a finished run stored (`set_history`). Redrawn at most 10 times a second.
Must not import the engine beyond its record types.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from engine.training import GradientHistory, GradientRecord
from engine.training.evidence import flow_sentence

from .. import theme
from .palette import style_plot

REDRAW_MS = 100
MEASURES = {"grad_norms": "Gradient norm ‖∂loss/∂w‖", "update_ratios": "Update ratio ‖Δw‖/‖w‖"}
_FLOOR = 1e-12  # log10 of zero would be -inf: a dead layer shows as the darkest colour
LOWEST_DECADE, HIGHEST_DECADE = -6, 1  # the colour scale covers at least 1e-6 .. 10


def layer_colors(n: int) -> list[tuple[int, int, int]]:
    """First layers blue, last ones yellow (viridis ends), so depth reads as colour."""
    cmap = pg.colormap.get("viridis")
    return [tuple(int(c) for c in cmap.map(i / max(n - 1, 1), mode="byte")[:3]) for i in range(n)]


class GradientFlowView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="gradient_flow")
        self.history = GradientHistory()
        self.measure = "grad_norms"
        self.heat_plot = style_plot(pg.PlotWidget(), "Gradient norm per layer (log10)", "layer", "step")
        self.line_plot = style_plot(pg.PlotWidget(), "", "norm (log scale)", "step")
        self.line_plot.getPlotItem().setLogMode(y=True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get("viridis"))
        self.heat_plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(values=(LOWEST_DECADE, HIGHEST_DECADE), colorMap=pg.colormap.get("viridis"),
                                        interactive=False, width=12, label="log10")
        self.colorbar.setImageItem(self.image, insert_in=self.heat_plot.getPlotItem())
        self.heat_plot.getPlotItem().invertY(True)  # the first layer on top, as in the diagram
        self.curves: list[pg.PlotDataItem] = []
        self.legend = self.line_plot.addLegend(offset=(-10, 10), labelTextColor=theme.current().muted)
        self.choice = QComboBox(objectName="gradient_measure")
        for key, title in MEASURES.items():
            self.choice.addItem(title, key)
        self.choice.currentIndexChanged.connect(self._on_choice_current_index_changed)
        self.note = QLabel("Train to see how strongly each layer learns.", objectName="gradient_note")
        self.note.setWordWrap(True)
        self._layout()
        self._timer = QTimer(self, singleShot=True, interval=REDRAW_MS)
        self._timer.timeout.connect(self.redraw)

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.choice)
        top.addWidget(self.note, 1)
        split = QSplitter()
        split.setOrientation(pg.QtCore.Qt.Vertical)
        split.addWidget(self.heat_plot)
        split.addWidget(self.line_plot)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 4, 0, 0)
        column.addLayout(top)
        column.addWidget(split, 1)

    # -- data in ------------------------------------------------------------------------------
    def clear(self) -> None:
        self.history = GradientHistory()
        self.redraw()

    def add_record(self, record: GradientRecord) -> None:
        self.history.add(record)
        if not self._timer.isActive():
            self._timer.start()

    def set_history(self, training: dict | None) -> bool:
        """Show the series a finished run stored ({"grad_steps", "grad_norms", "update_ratios"})."""
        self.history = _history_from(training or {})
        self.redraw()
        return bool(self.history.steps)

    # -- drawing ------------------------------------------------------------------------------
    def values(self) -> np.ndarray:
        """(layers, measurements) of the chosen measure; NaN where a value was not finite."""
        rows = self.history.grad_norms if self.measure == "grad_norms" else self.history.update_ratios
        if not rows:
            return np.zeros((len(self.history.layers), 0))
        return np.array([[np.nan if v is None else v for v in r] for r in rows], dtype=float).T

    def redraw(self) -> None:
        layers, data, steps = self.history.layers, self.values(), np.array(self.history.steps, dtype=float)
        self._draw_heat(layers, data, steps)
        self._draw_lines(layers, data, steps)
        self.note.setText(self._summary(layers, data))

    def _draw_heat(self, layers, data: np.ndarray, steps: np.ndarray) -> None:
        plot = self.heat_plot.getPlotItem()
        plot.setTitle(f"{MEASURES[self.measure]} per layer (log10)", color=theme.current().text)
        if data.size == 0:
            self.image.clear()
            return
        logs = np.log10(np.clip(np.nan_to_num(data, nan=_FLOOR), _FLOOR, None))
        # Fixed decades rather than this run's own range, so a healthy run looks bright and two runs compare
        levels = (min(math.floor(logs.min()), LOWEST_DECADE), max(math.ceil(logs.max()), HIGHEST_DECADE))
        self.image.setImage(logs, levels=levels)
        self.colorbar.setLevels(levels)
        span = max(steps[-1] - steps[0], 1.0) if len(steps) > 1 else 1.0
        self.image.setRect(pg.QtCore.QRectF(steps[0], -0.5, span, len(layers)))
        plot.getAxis("left").setTicks([[(i, name) for i, name in enumerate(layers)]])

    def _draw_lines(self, layers, data: np.ndarray, steps: np.ndarray) -> None:
        if len(self.curves) != len(layers):
            for curve in self.curves:
                self.line_plot.removeItem(curve)
            self.legend.clear()
            self.curves = []
            for i, (name, color) in enumerate(zip(layers, layer_colors(len(layers)))):
                curve = self.line_plot.plot(pen=pg.mkPen(color, width=2))
                if i in (0, len(layers) - 1):  # first and last named; the colours say the rest
                    self.legend.addItem(curve, name)
                self.curves.append(curve)
        for curve, row in zip(self.curves, data):
            keep = np.isfinite(row) & (row > 0)
            curve.setData(steps[keep], row[keep])

    def _summary(self, layers, data: np.ndarray) -> str:
        """The engine's one reading of the gradients (the doctor's vanishing_gradients reads the same)."""
        return flow_sentence(self.history.to_dict())

    def _on_choice_current_index_changed(self, index: int) -> None:
        self.measure = self.choice.itemData(index)
        self.redraw()


def _history_from(training: dict) -> GradientHistory:
    history = GradientHistory()
    steps, norms, ratios = (training.get(k) for k in ("grad_steps", "grad_norms", "update_ratios"))
    if not (isinstance(steps, list) and isinstance(norms, dict)):
        return history
    layers = tuple(norms)
    ratios = ratios if isinstance(ratios, dict) else {}
    n = len(steps)
    if any(not isinstance(norms[k], list) or len(norms[k]) != n for k in layers):
        return history  # damaged: show nothing rather than a wrong picture
    history.layers, history.steps = layers, list(steps)
    history.grad_norms = [tuple(norms[k][i] for k in layers) for i in range(n)]
    ratio_rows = {k: v if isinstance(v, list) and len(v) == n else [None] * n
                  for k, v in ((k, ratios.get(k)) for k in layers)}
    history.update_ratios = [tuple(ratio_rows[k][i] for k in layers) for i in range(n)]
    return history
