"""The gradient-flow view: how strongly each layer is being taught, over the run.

Top: a heat map (gui.train.heatmap), one row per layer (the first layer at the top) and one column
per measurement, coloured by log10 of the layer's gradient norm (or of its update ratio ‖Δw‖/‖w‖);
vanishing gradients show as rows fading to dark at the top. A deep network's layers are folded
into its blocks (gui.train.flow_rows) until a block's name is clicked. "Lines" shows the same
numbers as one line per row on a log scale, first rows blue, last ones yellow (each row's
swatch). Fed live with GradientRecords, or with the series a finished run stored (`set_history`).
Redrawn at most 10 times a second.
Must not import the engine beyond its record types.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.training import GradientHistory, GradientRecord
from engine.training.evidence import flow_sentence

from .. import theme
from .flow_rows import FlowRow, default_expanded, layer_blocks, row_values, rows_of
from .heatmap import HeatMap
from .palette import style_plot

REDRAW_MS = 100
MEASURES = {"grad_norms": "Gradient norm ‖∂loss/∂w‖", "update_ratios": "Update ratio ‖Δw‖/‖w‖"}
_FLOOR = 1e-12  # log10 of zero would be -inf: a dead layer shows as the darkest colour
LOWEST_DECADE, HIGHEST_DECADE = -6, 1  # the colour scale covers at least 1e-6 .. 10


def layer_colors(n: int) -> list[tuple[int, int, int]]:
    """First layers blue, last ones yellow (viridis ends), so depth reads as colour."""
    cmap = pg.colormap.get(theme.current().sequential)
    return [tuple(int(c) for c in cmap.map(i / max(n - 1, 1), mode="byte")[:3]) for i in range(n)]


class GradientFlowView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="gradient_flow")
        self.history = GradientHistory()
        self.measure = "grad_norms"
        self.blocks: dict[str, str] = {}  # layer id -> block path, from the trained network
        self.expanded: set[str] | None = None  # unfolded blocks; None: chosen when the layers arrive
        self.rows: list[FlowRow] = []
        self.heat = HeatMap()
        self.heat.toggled.connect(self._on_heat_toggled)
        self.image = self.heat  # `image.image`: the log10 values drawn, (rows, measurements)
        self._line_plot: pg.PlotWidget | None = None  # made when "Lines" is first shown (the view opens faster)
        self._curves: list[pg.PlotDataItem] = []
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
        self.heat_scroll = QScrollArea(objectName="gradient_heat_scroll")
        self.heat_scroll.setWidget(self.heat)
        self.heat_scroll.setWidgetResizable(True)
        self.heat_scroll.setFrameShape(QFrame.NoFrame)
        self.heat_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.pages = QStackedWidget()  # one picture at a time: both at once left each too small to read
        self.pages.addWidget(self.heat_scroll)
        self.pages.addWidget(QWidget())  # the line plot's place until it is first shown
        top = QHBoxLayout()
        top.addWidget(self.choice)
        self.show_buttons = QButtonGroup(self)
        for page, (title, tip) in enumerate((("Heat map", "One row per layer, one column per measurement"),
                                             ("Lines", "One line per row of the heat map, on a log scale"))):
            button = QToolButton(text=title, checkable=True, checked=page == 0, toolTip=tip,
                                 objectName=f"gradient_show_{page}")
            self.show_buttons.addButton(button, page)
            top.addWidget(button)
        top.addStretch(1)
        self.show_buttons.idClicked.connect(self._on_show_buttons_id_clicked)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 4, 0, 0)
        column.addLayout(top)
        column.addWidget(self.note)
        column.addWidget(self.pages, 1)

    @property
    def line_plot(self) -> pg.PlotWidget:
        """One line per row on a log scale; made on first use, with the lines of what is shown."""
        if self._line_plot is None:
            plot = style_plot(pg.PlotWidget(), "", "", "training step")
            plot.getPlotItem().setLogMode(y=True)
            plot.setToolTip("One line per row of the heat map, in the colour of its swatch (log scale)")
            placeholder = self.pages.widget(1)
            self.pages.insertWidget(1, plot)
            self.pages.removeWidget(placeholder)
            placeholder.deleteLater()
            self._line_plot = plot
            self.redraw()
        return self._line_plot

    @property
    def curves(self) -> list[pg.PlotDataItem]:
        """The lines, one per row (the line plot is made for them if it had not been)."""
        self.line_plot  # noqa: B018
        return self._curves

    def _on_show_buttons_id_clicked(self, page: int) -> None:
        if page == 1:
            self.line_plot  # noqa: B018 - made now
        self.pages.setCurrentIndex(page)

    # -- data in ------------------------------------------------------------------------------
    def clear(self, network: dict | None = None) -> None:
        """Nothing measured yet (a run starting on `network`, or no run)."""
        self.history = GradientHistory()
        self.set_network(network)
        self.redraw()

    def set_network(self, network: dict | None) -> None:
        """The network the shown series come from: its blocks group the rows."""
        self.blocks, self.expanded = layer_blocks(network), None

    def add_record(self, record: GradientRecord) -> None:
        self.history.add(record)
        if not self._timer.isActive():
            self._timer.start()

    def set_history(self, training: dict | None) -> bool:
        """Show the series a finished run stored ({"grad_steps", "grad_norms", "update_ratios"})."""
        self.history = _history_from(training or {})
        self.expanded = None
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
        if self.expanded is None:
            self.expanded = default_expanded(layers, self.blocks)
        self.rows = rows_of(layers, self.blocks, self.expanded) if data.size else []
        shown = row_values(self.rows, data, self.measure)
        colors = layer_colors(len(self.rows))
        self._draw_heat(shown, steps, colors)
        self._draw_lines(shown, steps, colors)
        self.note.setText(self._summary(layers, data))

    def _draw_heat(self, shown: np.ndarray, steps: np.ndarray, colors) -> None:
        if shown.size == 0:
            self.heat.set_data([], np.zeros((0, 0)), steps, (LOWEST_DECADE, HIGHEST_DECADE), [])
            return
        logs = np.log10(np.clip(np.nan_to_num(shown, nan=_FLOOR), _FLOOR, None))
        # Fixed decades rather than this run's own range, so a healthy run looks bright and two runs compare
        levels = (min(math.floor(logs.min()), LOWEST_DECADE), max(math.ceil(logs.max()), HIGHEST_DECADE))
        self.heat.set_data(self.rows, logs, steps, levels, colors)

    def _draw_lines(self, shown: np.ndarray, steps: np.ndarray, colors) -> None:
        if self._line_plot is None:
            return  # drawn when the plot is made
        if len(self._curves) != len(self.rows):
            for curve in self._curves:
                self._line_plot.removeItem(curve)
            self._curves = [self._line_plot.plot() for _ in self.rows]
        for curve, row, color in zip(self._curves, shown, colors):
            keep = np.isfinite(row) & (row > 0)
            curve.setPen(pg.mkPen(color, width=2))
            curve.setData(steps[keep], row[keep])

    def _on_heat_toggled(self, key: str) -> None:
        path = key.removeprefix("block:")
        self.expanded = (self.expanded or set()) ^ {path}
        self.redraw()

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
