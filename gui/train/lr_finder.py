"""The learning-rate finder in the Train view: a button that runs the engine's range test
(engine.training.lr_range: the rate grown exponentially over ~100 mini-batches, stopped when the
loss explodes) on a worker thread, a plot of loss against learning rate on a log axis with the
suggestion marked, and a button that puts the suggestion in the settings. Cancel stops the probe
before its next mini-batch; the engine puts the weights back either way.

What to probe (the module with the weights a run would start from, the loaded dataset, the
form's settings) comes from a callable the view passes in, so this panel keeps no network of
its own. The engine restores the weights afterwards. Must not import the rest of the Train view.
"""
from __future__ import annotations

import math
from typing import Callable

import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from engine.training.lr_range import LrFindResult, lr_find

from .. import theme
from ..jobs.task import BackgroundTask
from .palette import style_plot

STEPS = 100
EXPLAIN = ("Trains for up to 100 mini-batches while the learning rate grows from 1e-7 to 10, then puts the "
           "weights back. Pick a rate where the loss still falls steeply: the mark is the steepest descent.")


class LrFinderPanel(QWidget):
    lr_chosen = Signal(float)  # "Use this rate"

    def __init__(self, probe: Callable[[], tuple | str], parent: QWidget | None = None) -> None:
        """`probe()` returns (module, dataset, config) to test, or the reason it cannot run."""
        super().__init__(parent)
        self.probe = probe
        self.result: LrFindResult | None = None
        self.task = BackgroundTask("learning-rate finder", self)
        self.task.progress_changed.connect(self._on_task_progress_changed)
        self.task.finished.connect(self._on_task_finished)
        self.task.failed.connect(self._on_task_failed)
        self.find_button = QPushButton("Find a learning rate", objectName="lr_find_button")
        self.find_button.setToolTip(EXPLAIN)
        self.find_button.clicked.connect(self.start)
        self.use_button = QPushButton("Use", objectName="lr_use_button", visible=False)
        self.use_button.clicked.connect(self._on_use_clicked)
        self.cancel_button = QPushButton("Cancel", objectName="lr_cancel_button", visible=False)
        self.cancel_button.setToolTip("Stop the probe; the weights are put back as they were")
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar(objectName="lr_find_progress", visible=False, maximum=STEPS)
        self.message = QLabel(objectName="muted", wordWrap=True)
        self._plot: pg.PlotWidget | None = None  # made with the first result (the Train view opens faster)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.find_button)
        row.addWidget(self.use_button)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        for widget in (self.progress, self.message):
            layout.addWidget(widget)

    @property
    def plot(self) -> pg.PlotWidget:
        """Loss against learning rate; made when first needed, hidden until a result is shown."""
        if self._plot is None:
            self._plot = self._make_plot()
            self.layout().addWidget(self._plot)
        return self._plot

    @property
    def raw_curve(self) -> pg.PlotDataItem:
        return self.plot.raw_curve

    @property
    def smooth_curve(self) -> pg.PlotDataItem:
        return self.plot.smooth_curve

    @property
    def mark(self) -> pg.InfiniteLine:
        return self.plot.mark

    def _make_plot(self) -> pg.PlotWidget:
        t = theme.current()
        plot = style_plot(pg.PlotWidget(objectName="lr_find_plot"), "", "loss", "learning rate")
        plot.setLogMode(x=True, y=False)
        plot.setMinimumHeight(170)
        plot.setMaximumHeight(230)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.raw_curve = plot.plot(pen=pg.mkPen(t.muted, width=1))
        plot.smooth_curve = plot.plot(pen=pg.mkPen(t.accent, width=2))
        plot.mark = pg.InfiniteLine(angle=90, pen=pg.mkPen(t.error, width=1.5, style=pg.QtCore.Qt.DashLine))
        plot.mark.setVisible(False)
        plot.addItem(plot.mark, ignoreBounds=True)
        plot.setVisible(False)
        return plot

    @property
    def running(self) -> bool:
        return self.task.running

    def start(self) -> bool:
        """Run the range test in the background; False (reason shown) when it cannot run."""
        if self.task.running:
            return False
        what = self.probe()
        if isinstance(what, str):
            self.message.setText(what)
            return False
        module, dataset, config = what

        def work(progress, cancelled):
            return lr_find(module, dataset, config, steps=STEPS, progress=progress, should_stop=cancelled)

        self.find_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setVisible(True)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.message.setText("Probing learning rates…")
        self.task.start(work)
        return True

    def cancel(self) -> None:
        """Ask the probe to stop before its next mini-batch (`finished` follows, with `cancelled` set)."""
        if self.task.running:
            self.task.cancel()
            self.cancel_button.setEnabled(False)
            self.message.setText("Cancelling… (after this mini-batch)")

    def shutdown(self) -> None:
        self.task.shutdown()

    def _on_task_progress_changed(self, done: float, total: float) -> None:
        self.progress.setValue(int(done))

    def _on_task_finished(self, result: LrFindResult) -> None:
        self._idle()
        if result.cancelled:
            self.message.setText(f"Cancelled after {len(result.lrs)} of {STEPS} mini-batches; the weights are "
                                 "as they were.")
            return
        self.show_result(result)

    def _on_task_failed(self, message: str) -> None:
        self._idle()
        self.message.setText(f"The learning-rate finder stopped: {message}")

    def _idle(self) -> None:
        self.find_button.setEnabled(True)
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)

    def show_result(self, result: LrFindResult) -> None:
        self.result = result
        self.plot.setVisible(True)
        self.raw_curve.setData(result.lrs, result.losses)
        self.smooth_curve.setData(result.lrs, result.smoothed)
        if result.smoothed:  # the explosion at the end would flatten the part that matters
            low, start = min(result.smoothed), result.smoothed[0]
            self.plot.setYRange(low - 0.05 * (start - low), start + 0.25 * max(start - low, 1e-6), padding=0)
        suggestion = result.suggestion
        self.mark.setVisible(suggestion is not None)
        self.use_button.setVisible(suggestion is not None)
        if suggestion is None:
            self.message.setText("The probe was too short to suggest a rate (the loss exploded at once): "
                                 "try a smaller batch or check the data.")
            return
        self.mark.setValue(math.log10(suggestion))  # the axis is log10(lr) in log mode
        self.use_button.setText(f"Use {suggestion:.2g}")
        ended = "the loss exploded" if result.stopped_early else "the range ended"
        self.message.setText(f"Suggested learning rate: {suggestion:.2g} (steepest fall of the smoothed loss; "
                             f"{len(result.lrs)} batches until {ended}).")

    def _on_use_clicked(self) -> None:
        if self.result is not None and self.result.suggestion is not None:
            self.lr_chosen.emit(float(f"{self.result.suggestion:.2g}"))
