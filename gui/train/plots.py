"""The live training curves: loss per step (raw, faint, and smoothed), loss and accuracy per
epoch (training and validation), and the learning rate, all against epochs.

Each curve is created once over a growing numpy buffer and redrawn at most 10 times a
second (a coalescing timer), with clip-to-view and peak downsampling for long runs. The
best epoch is marked; earlier runs of the session stay behind, faded, for comparison.
Must not import the engine beyond its record types.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QGridLayout, QWidget

from engine.training import EpochRecord, StepRecord

from .. import theme
from .palette import LR_COLOR, TRAIN_COLOR, faded, pen, styled_plot

REDRAW_MS = 100  # 10 redraws a second look live; each costs the GUI thread a repaint of the plots
EMA_SMOOTHING = 0.85
KEPT_RUNS = 4  # earlier runs kept faded


class Series:
    """x/y values in numpy arrays that double their capacity as they fill."""

    def __init__(self) -> None:
        self._x = np.empty(256)
        self._y = np.empty(256)
        self.size = 0

    def extend(self, xs, ys) -> None:
        n = len(xs)
        if self.size + n > len(self._x):
            capacity = max(2 * len(self._x), self.size + n)
            self._x = np.resize(self._x, capacity)
            self._y = np.resize(self._y, capacity)
        self._x[self.size:self.size + n] = xs
        self._y[self.size:self.size + n] = ys
        self.size += n

    @property
    def x(self) -> np.ndarray:
        return self._x[:self.size]

    @property
    def y(self) -> np.ndarray:
        return self._y[:self.size]


class LivePlots(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        t = theme.current()
        self.loss_plot = styled_plot("Training loss (per step)", "loss")
        self.epoch_plot = styled_plot("Loss per epoch", "loss")
        self.acc_plot = styled_plot("Accuracy per epoch", "%")
        self.lr_plot = styled_plot("Learning rate", "lr")
        self._layout()
        specs = {  # name: (plot, pen, symbol); per-step curves grow long, so they skip antialiasing
            "raw_loss": (self.loss_plot, pen(t.accent, 1.0, 70), None),
            "smooth_loss": (self.loss_plot, pen(t.accent, 2.2), None),
            "train_loss": (self.epoch_plot, pen(TRAIN_COLOR, 2.0), "o"),
            "val_loss": (self.epoch_plot, pen(t.accent, 2.2), "o"),
            "train_acc": (self.acc_plot, pen(TRAIN_COLOR, 2.0), "o"),
            "val_acc": (self.acc_plot, pen(t.accent, 2.2), "o"),
            "lr": (self.lr_plot, pen(LR_COLOR, 2.0), None),
        }
        self.series = {name: Series() for name in specs}
        self.curves = {name: self._curve(*spec) for name, spec in specs.items()}
        self._legends()
        self._best_marks = [self._best_line(p) for p in (self.epoch_plot, self.acc_plot)]
        self._best_dot = pg.ScatterPlotItem(size=14, symbol="star", brush=pg.mkBrush(t.ok), pen=pg.mkPen(t.base))
        self.epoch_plot.addItem(self._best_dot)
        self._old_runs: list[list[tuple[pg.PlotWidget, pg.PlotDataItem]]] = []
        self._dirty: set[str] = set()
        self._timer = QTimer(self, singleShot=True, interval=REDRAW_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._ema = 0.0
        self._ema_count = 0
        self._steps_per_epoch = 1.0
        self.best_epoch: int | None = None

    def _layout(self) -> None:
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(8)
        for i, plot in enumerate((self.loss_plot, self.epoch_plot, self.acc_plot, self.lr_plot)):
            grid.addWidget(plot, i // 2, i % 2)
            if i:
                plot.setXLink(self.loss_plot)

    def _curve(self, plot: pg.PlotWidget, curve_pen, symbol: str | None) -> pg.PlotDataItem:
        t = theme.current()
        kwargs = dict(symbol=symbol, symbolSize=6, symbolBrush=curve_pen.color(), symbolPen=pg.mkPen(t.base)) \
            if symbol else {}
        curve = plot.plot(pen=curve_pen, antialias=symbol is not None, **kwargs)
        curve.setClipToView(True)
        curve.setDownsampling(auto=True, method="peak")
        return curve

    def _legends(self) -> None:
        """Legends where the curves are not: loss falls (top right is free), accuracy rises."""
        t = theme.current()
        entries = ((self.loss_plot, (-8, 8), (("raw_loss", "raw"), ("smooth_loss", "smoothed"))),
                   (self.epoch_plot, (-8, 8), (("train_loss", "training"), ("val_loss", "validation"))),
                   (self.acc_plot, (-8, -8), (("train_acc", "training"), ("val_acc", "validation"))))
        for plot, offset, names in entries:
            legend = plot.getPlotItem().addLegend(offset=offset, labelTextColor=t.text,
                                                  brush=pg.mkBrush(faded(t.base, 210)))
            for name, label in names:
                legend.addItem(self.curves[name], label)

    def _best_line(self, plot: pg.PlotWidget) -> pg.InfiniteLine:
        line = pg.InfiniteLine(angle=90, movable=False,
                               pen=pg.mkPen(theme.current().ok, width=1.2, style=Qt.DashLine))
        line.setToolTip("best epoch: lowest validation loss")
        line.hide()
        plot.addItem(line)
        return line

    # -- a run --------------------------------------------------------------------------
    def begin_run(self, epochs: int) -> None:
        """Fade the current curves into the background and start empty ones, spanning `epochs`."""
        if any(s.size for s in self.series.values()):
            self._archive_run()
        for name in self.series:
            self.series[name] = Series()
            self.curves[name].setData([], [])
        self._ema, self._ema_count, self.best_epoch = 0.0, 0, None
        for line in self._best_marks:
            line.hide()
        self._best_dot.setData([], [])
        end = max(epochs, 1)
        self.loss_plot.setXRange(0, end + max(0.15, 0.03 * end), padding=0)  # the last point clear of the edge
        self.loss_plot.enableAutoRange(axis="x", enable=False)

    def add_steps(self, records: tuple[StepRecord, ...], epochs: int) -> None:
        if not records:
            return
        self._steps_per_epoch = records[-1].total_steps / max(epochs, 1)
        xs = np.array([r.step for r in records], dtype=float) / self._steps_per_epoch
        losses = np.array([r.loss for r in records], dtype=float)
        self.series["raw_loss"].extend(xs, losses)
        self.series["smooth_loss"].extend(xs, self._smoothed(losses))
        self.series["lr"].extend(xs, [r.lr for r in records])
        self._mark_dirty("raw_loss", "smooth_loss", "lr")

    def _smoothed(self, losses: np.ndarray) -> np.ndarray:
        """Exponential moving average with TensorBoard's bias correction (no pull towards 0)."""
        out = np.empty_like(losses)
        for i, value in enumerate(losses):
            self._ema = EMA_SMOOTHING * self._ema + (1 - EMA_SMOOTHING) * value
            self._ema_count += 1
            out[i] = self._ema / (1 - EMA_SMOOTHING ** self._ema_count)
        return out

    def add_epoch(self, record: EpochRecord) -> None:
        x = [float(record.epoch)]
        self.series["train_loss"].extend(x, [record.train_loss])
        self.series["train_acc"].extend(x, [100.0 * record.train_acc])
        names = ["train_loss", "train_acc"]
        if record.val_loss is not None:
            self.series["val_loss"].extend(x, [record.val_loss])
            self.series["val_acc"].extend(x, [100.0 * (record.val_acc or 0.0)])
            names += ["val_loss", "val_acc"]
        if record.is_best:
            self._mark_best(record)
        self._mark_dirty(*names)

    def _mark_best(self, record: EpochRecord) -> None:
        self.best_epoch = record.epoch
        for line in self._best_marks:
            line.setValue(record.epoch)
            line.show()
        y = record.val_loss if record.val_loss is not None else record.train_loss
        self._best_dot.setData([float(record.epoch)], [y])

    # -- drawing ------------------------------------------------------------------------
    def _mark_dirty(self, *names: str) -> None:
        self._dirty.update(names)
        if not self._timer.isActive():
            self._timer.start()

    def _on_timer_timeout(self) -> None:
        self.flush()

    def flush(self) -> None:
        """Redraw the curves whose data changed (the timer calls this; tests may too)."""
        for name in self._dirty:
            series = self.series[name]
            self.curves[name].setData(series.x, series.y)
        self._dirty.clear()

    def _archive_run(self) -> None:
        ghost_pen = pen(theme.current().muted, 1.4, 120)
        kept = []
        for name, plot in (("smooth_loss", self.loss_plot), ("val_loss", self.epoch_plot),
                           ("val_acc", self.acc_plot), ("lr", self.lr_plot)):
            series = self.series[name]
            ghost = plot.plot(series.x.copy(), series.y.copy(), pen=ghost_pen, antialias=True)
            ghost.setZValue(-10)
            kept.append((plot, ghost))
        self._old_runs.append(kept)
        if len(self._old_runs) > KEPT_RUNS:
            for plot, ghost in self._old_runs.pop(0):
                plot.removeItem(ghost)

    def curve_lengths(self) -> dict[str, int]:
        """Points each curve currently draws (after a flush)."""
        return {name: len(curve.xData) if curve.xData is not None else 0 for name, curve in self.curves.items()}

    @property
    def earlier_runs(self) -> int:
        return len(self._old_runs)
