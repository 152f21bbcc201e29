"""The training curves: loss per step (raw and smoothed), loss and accuracy per epoch
(training and validation) and the learning rate, all against epochs.

Two layers, both derived from what the view hands in: the detail curves of one run (the
live one, or a stored run) with its best epoch marked, and overlays, one colour per
compared run, named in a legend. Live curves grow in numpy buffers and are redrawn at
most 10 times a second (a coalescing timer), with clip-to-view and peak downsampling for
long runs. A continued run starts with its parent's curves, so its epochs carry on.
Must not import the engine beyond its record types and runs.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from engine.runs import Run
from engine.training import EpochRecord, StepRecord

from .. import theme
from .finding import FindingHeader, FindingMarks, finding_zoom
from .legend import RowLegend
from .palette import make_plots, pen
from .run_banner import TITLES
from .series import RunCurves, Series, Smoother, data_range, epoch_titles, keeps, log_axis, others_label, y_bounds

# One plot is redrawn per tick, taking turns: a repaint of one plot is a short event for the GUI
# thread, where all four at once held it up to ~4x longer (bench/gui_latency.py's p99). The busy
# step plots (loss and learning rate) each get ~8 redraws a second, which still looks live.
REDRAW_MS = 60
DETAIL = ("raw_loss", "smooth_loss", "train_loss", "val_loss", "train_acc", "val_acc", "lr")
LABELS = {"raw_loss": "raw", "smooth_loss": "smoothed", "train_loss": "training", "val_loss": "validation",
          "train_acc": "training", "val_acc": "validation"}  # the detail curves' legend entries (not lr)


@dataclass(frozen=True, eq=False)
class Overlay:
    """One compared run: its name in the legend and its colour."""

    run: Run
    name: str
    color: str


class LivePlots(QWidget):
    def __init__(self, parent: QWidget | None = None, plots: tuple[pg.PlotWidget, ...] = ()) -> None:
        super().__init__(parent)  # `plots`: the four from make_plots(), when made beforehand
        self.loss_plot, self.epoch_plot, self.acc_plot, self.lr_plot = plots or tuple(make_plots())
        self._layout()
        self.series = {name: Series() for name in DETAIL}
        self.curves = {name: self._curve(plot, symbol) for name, (plot, symbol) in self._homes().items()}
        self._best_dot = pg.ScatterPlotItem(size=14, symbol="star")
        self.epoch_plot.addItem(self._best_dot)
        self._best_marks = [self._best_line(p) for p in (self.epoch_plot, self.acc_plot)]
        self.best_epoch: int | None = None
        self.legends = self._legends()
        self._overlay_items: list[tuple[pg.PlotWidget, pg.PlotDataItem]] = []
        self.overlays: list[Overlay] = []
        self._dirty: set[str] = set()
        self._timer = QTimer(self, singleShot=True, interval=REDRAW_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._smoother: Smoother | None = None  # made for the spacing of the first points
        self._y_bounds: dict[pg.PlotWidget, tuple[float, float]] = {}
        self._turn = -1  # index of the plot redrawn last
        self.finding = FindingMarks((self.loss_plot, self.epoch_plot))
        # compared runs drawn beside one run's own curves: one legend entry says what they are
        self._others = {p: pg.PlotDataItem() for p in (self.epoch_plot, self.acc_plot)}
        self.refresh_theme()
        theme.follow(self, self.refresh_theme)

    def _layout(self) -> None:
        self.header = FindingHeader()
        self.zoom_note, self.show_all_button, self.log_box = self.header.note, self.header.show_all, self.header.log
        self.show_all_button.clicked.connect(self.show_all)
        self.log_box.toggled.connect(self._on_log_box_toggled)
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(8)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addWidget(self.header)
        column.addLayout(grid, 1)
        for i, plot in enumerate(self.plots):
            grid.addWidget(plot, i // 2, i % 2)
            if i:
                plot.setXLink(self.loss_plot)

    @property
    def plots(self) -> tuple[pg.PlotWidget, ...]:
        return self.loss_plot, self.epoch_plot, self.acc_plot, self.lr_plot

    def _homes(self) -> dict[str, tuple[pg.PlotWidget, str | None]]:
        return {"raw_loss": (self.loss_plot, None), "smooth_loss": (self.loss_plot, None),
                "train_loss": (self.epoch_plot, "o"), "val_loss": (self.epoch_plot, "o"),
                "train_acc": (self.acc_plot, "o"), "val_acc": (self.acc_plot, "o"), "lr": (self.lr_plot, None)}

    def _curve(self, plot: pg.PlotWidget, symbol: str | None) -> pg.PlotDataItem:
        # per-step curves grow long, so they skip antialiasing
        curve = plot.plot(antialias=symbol is not None, symbol=symbol, symbolSize=6)
        curve.setClipToView(True)
        curve.setDownsampling(auto=True, method="peak")
        return curve

    def _legends(self) -> dict[pg.PlotWidget, pg.LegendItem]:
        """Legends under the plots, where they never cover a curve."""
        legends = {}
        for plot, entries in self._detail_entries().items():
            legends[plot] = RowLegend(plot)
            for item, label in entries:
                legends[plot].addItem(item, label)
        return legends

    def _best_line(self, plot: pg.PlotWidget) -> pg.InfiniteLine:
        line = pg.InfiniteLine(angle=90, movable=False)
        line.setToolTip("best epoch: lowest validation loss")
        line.hide()
        plot.addItem(line)
        return line

    def refresh_theme(self) -> None:
        """Colours from the current theme (after a light/dark switch too)."""
        t = theme.current()  # the plots themselves follow the theme (palette.style_plot)
        colors = {"raw_loss": (t.accent, 1.2, 120), "smooth_loss": (t.accent, 2.4, 255),
                  "train_loss": (t.train_metric, 2.0, 255), "val_loss": (t.accent, 2.2, 255),
                  "train_acc": (t.train_metric, 2.0, 255), "val_acc": (t.accent, 2.2, 255),
                  "lr": (t.lr_metric, 2.0, 255)}
        for name, (color, width, alpha) in colors.items():
            curve = self.curves[name]
            curve.setPen(pen(color, width, alpha))
            if name in ("train_loss", "val_loss", "train_acc", "val_acc"):
                curve.setSymbolBrush(pg.mkBrush(color))
                curve.setSymbolPen(pg.mkPen(t.base))
        self._best_dot.setBrush(pg.mkBrush(t.ok))
        self._best_dot.setPen(pg.mkPen(t.base))
        for line in self._best_marks:
            line.setPen(pg.mkPen(t.ok, width=1.2, style=Qt.DashLine))
        for legend in self.legends.values():
            legend.setLabelTextColor(t.text)
        for other in self._others.values():
            other.setPen(pg.mkPen(t.other_run, width=2))
        self.finding.refresh_theme()

    # -- the detail run ------------------------------------------------------------------
    def clear(self) -> None:
        """No detail curves (a project without runs)."""
        homes = self._homes()
        for name in DETAIL:
            self.series[name] = Series()
            self.curves[name].setData([], [])
            if homes[name][1] is None:
                self.curves[name].setSymbol(None)  # a short run's markers were left in the legend
        self._smoother, self.best_epoch = None, None
        self.finding.clear()
        self.legends[self.epoch_plot].removeItem(self.finding.sample)
        for line in self._best_marks:
            line.hide()
        self._best_dot.setData([], [])
        self.legends[self.epoch_plot].removeItem(self._best_dot)  # no "best epoch (9)" on an empty plot
        self._dirty.clear()

    def show_run(self, run: Run | None, span: int = 0) -> None:
        """Draw a stored run in detail (None: nothing); the x axis spans at least `span` epochs."""
        self.clear()
        if run is not None:
            self._fill(run)
            self.flush()
            self._show_finding(run)
        self._show_zoom_note()
        self._span(max(span, run.epochs_run if run is not None else 0, 1))

    # -- the doctor's finding, on the curves -----------------------------------------------
    def _show_finding(self, run: Run) -> None:
        """Mark the first finding that has an epoch, and zoom Loss per epoch to the epochs from there."""
        found = next((d for d in run.diagnosis if d.epoch is not None), None)
        if found is None:
            return
        self.finding.mark(found.epoch, f"{TITLES.get(found.code, found.code.replace('_', ' '))} ({found.epoch})")
        self.legends[self.epoch_plot].addItem(self.finding.sample, self.finding.text)
        loss = self.series["val_loss"] if self.series["val_loss"].size else self.series["train_loss"]
        self.finding.zoom = finding_zoom(loss.x, loss.y, found.epoch - 1)

    def _show_zoom_note(self) -> None:
        zoom = self.finding.zoom
        self.show_all_button.setVisible(zoom is not None)
        self.zoom_note.setText(f"Loss per epoch zoomed to epochs {zoom.first}–{zoom.last} "
                               f"({self.finding.text.lower()})" if zoom is not None else "")

    def show_all(self) -> None:
        """Undo the finding's zoom."""
        self.finding.zoom = None
        self._y_bounds.pop(self.epoch_plot, None)
        self._show_zoom_note()
        self._fit_y(self.epoch_plot)

    def _on_log_box_toggled(self, on: bool) -> None:
        for plot in (self.loss_plot, self.epoch_plot):
            plot.getPlotItem().setLogMode(y=on)
            self._y_bounds.pop(plot, None)
        self._fit_y(self.loss_plot, self.epoch_plot)

    def _span(self, end: float) -> None:
        """All four plots share the x axis: 0 to the last epoch, the last point clear of the edge."""
        self.loss_plot.setXRange(0, end + max(0.15, 0.03 * end), padding=0)
        self.loss_plot.enableAutoRange(axis="x", enable=False)
        self._fit_y(*self.plots)

    def begin_live(self, last_epoch: int, parent: Run | None = None) -> None:
        """Empty detail curves for a new run spanning to `last_epoch`; a continued run starts with its
        parent's curves."""
        self.clear()
        if parent is not None:
            self._fill(parent)
            self.flush()
        self._span(max(last_epoch, 1))

    def _fill(self, run: Run) -> None:
        c = RunCurves.of(run)
        self.series["raw_loss"].extend(c.step_x, c.loss)
        self._smoother = Smoother.for_points(c.step_x)
        self.series["smooth_loss"].extend(c.step_x, self._smoother(c.loss))
        self.series["lr"].extend(c.step_x, c.lr)
        for name, xs, ys in (("train_loss", c.epoch, c.train_loss), ("train_acc", c.epoch, c.train_acc),
                             ("val_loss", c.val_epoch, c.val_loss), ("val_acc", c.val_epoch, c.val_acc)):
            self.series[name].extend(xs, ys)
        best = run.best_epoch
        record = next((r for r in run.epochs if r.epoch == best), None)
        if record is not None:
            self._mark_best(record)
        self._dirty.update(DETAIL)

    def add_steps(self, records: tuple[StepRecord, ...]) -> None:
        if not records:
            return
        per_epoch = max(records[-1].steps_per_epoch, 1)
        xs = np.array([r.step for r in records], dtype=float) / per_epoch
        losses = np.array([r.loss for r in records], dtype=float)
        if self._smoother is None:
            raw = self.series["raw_loss"]
            self._smoother = Smoother.for_points(xs, float(raw.x[-1]) if raw.size else 0.0)
        self.series["raw_loss"].extend(xs, losses)
        self.series["smooth_loss"].extend(xs, self._smoother(losses))
        self.series["lr"].extend(xs, [r.lr for r in records])
        self._mark_dirty("raw_loss", "smooth_loss", "lr")

    def add_epoch(self, record: EpochRecord) -> None:
        x = [float(record.epoch)]
        self.series["train_loss"].extend(x, [record.train_loss])
        self.series["train_acc"].extend(x, [100.0 * record.train_acc])
        names = ["train_loss", "train_acc"]
        if record.val_loss is not None:
            self.series["val_loss"].extend(x, [record.val_loss])
            self.series["val_acc"].extend(x, [100.0 * (record.val_acc or 0.0)])
            names += ["val_loss", "val_acc"]
        if record.is_best and (self.best_epoch is None or self._better(record)):
            self._mark_best(record)
        self._mark_dirty(*names)

    def _better(self, record: EpochRecord) -> bool:
        """A continued run's best epoch competes with its parent's."""
        values = self.series["val_loss"] if record.val_loss is not None else self.series["train_loss"]
        current = record.val_loss if record.val_loss is not None else record.train_loss
        return current <= float(values.y.min()) if values.size else True

    def _mark_best(self, record: EpochRecord) -> None:
        self.best_epoch = record.epoch
        for line in self._best_marks:
            line.setValue(record.epoch)
            line.show()
        y = record.val_loss if record.val_loss is not None else record.train_loss
        self._best_dot.setData([float(record.epoch)], [y])
        legend = self.legends[self.epoch_plot]
        label = legend.getLabel(self._best_dot)
        if label is not None:
            label.setText(f"best epoch ({record.epoch})")
            legend.reflow()
        elif self._best_dot.isVisible():
            legend.addItem(self._best_dot, f"best epoch ({record.epoch})")

    # -- overlays ------------------------------------------------------------------------
    def set_overlays(self, overlays: list[Overlay]) -> None:
        """Compared runs, one colour each, named in the loss plot's legend."""
        for plot, item in self._overlay_items:
            plot.removeItem(item)
            if plot is self.loss_plot:
                self.legends[plot].removeItem(item)
        self._overlay_items, self.overlays = [], list(overlays)
        for overlay in overlays:
            self._add_overlay(overlay)
        self._retitle()
        self._fit_y(*self.plots)

    def _retitle(self) -> None:
        """Compared runs are drawn per epoch by their validation curves: the titles say so."""
        held_out = all(any(r.val_loss is not None for r in o.run.epochs) for o in self.overlays)
        detail = self.curves["val_loss"].isVisible()
        titles = epoch_titles(bool(self.overlays), held_out, detail)
        for plot, title in zip((self.epoch_plot, self.acc_plot), titles):
            plot.setTitle(title, color=theme.current().text, bold=True)
            self.legends[plot].removeItem(self._others[plot])
            if self.overlays and detail:
                self.legends[plot].addItem(self._others[plot], others_label(held_out))

    def _add_overlay(self, overlay: Overlay) -> None:
        c = RunCurves.of(overlay.run)
        line = pen(overlay.color, 2.0)
        for plot, (xs, ys), symbol in ((self.loss_plot, (c.step_x, c.smooth), None),
                                       (self.epoch_plot, c.headline_loss, "o"), (self.acc_plot, c.headline_acc, "o"),
                                       (self.lr_plot, (c.step_x, c.lr), None)):
            kwargs = dict(symbol=symbol, symbolSize=5, symbolBrush=pg.mkBrush(overlay.color), symbolPen=None) \
                if symbol else {}
            item = plot.plot(xs, ys, pen=line, antialias=True, **kwargs)
            item.setZValue(-5)
            self._overlay_items.append((plot, item))
            if plot is self.loss_plot:
                self.legends[plot].addItem(item, overlay.name)

    # -- drawing -------------------------------------------------------------------------
    def _mark_dirty(self, *names: str) -> None:
        self._dirty.update(names)
        if not self._timer.isActive():
            self._timer.start()

    def _on_timer_timeout(self) -> None:
        """Redraw the dirty plot whose turn it is; come back for the others."""
        homes = self._homes()
        dirty_plots = [p for p in self.plots if any(homes[n][0] is p for n in self._dirty)]
        if not dirty_plots:
            return
        later = [p for p in dirty_plots if self.plots.index(p) > self._turn]
        plot = (later or dirty_plots)[0]
        self._turn = self.plots.index(plot)
        self._flush_names([n for n in self._dirty if homes[n][0] is plot])
        if self._dirty:
            self._timer.start()

    def flush(self) -> None:
        """Redraw every curve whose data changed (the end of a run; tests)."""
        self._flush_names(list(self._dirty))

    def _flush_names(self, names: list[str]) -> None:
        homes = self._homes()
        for name in names:
            series, curve = self.series[name], self.curves[name]
            few = 0 < series.size <= 3  # a line of one point draws nothing; no points, no markers in the legend
            if homes[name][1] is None and (curve.opts["symbol"] is not None) != few:
                curve.setSymbol("o" if few else None)
            curve.setData(series.x, series.y)
            self._dirty.discard(name)
        self._fit_y(*{homes[name][0] for name in names})

    def _fit_y(self, *plots: pg.PlotWidget) -> None:
        """Round y ranges around the data, changed only when the data leaves them or shrinks well inside."""
        for plot in plots:
            ys = [self.series[name].y for name, (home, _) in self._homes().items()
                  if home is plot and self.curves[name].isVisible() and self.series[name].size]
            ys += [item.yData for home, item in self._overlay_items
                   if home is plot and item.yData is not None and len(item.yData)]
            log = self.log_box.isChecked() and plot in (self.loss_plot, self.epoch_plot)
            zoom = self.finding.zoom if plot is self.epoch_plot else None
            low, high = data_range(ys, log, zoom)
            plot.getPlotItem().getAxis("left").setTicks(None)
            if log or zoom is not None:  # a zoom is exact; a log axis sets its range in decades
                bounds, ticks = log_axis(low, high, max(2, plot.height() // 35)) if log else ((low, high), None)
                plot.setYRange(*bounds, padding=0)
                if ticks is not None:  # pyqtgraph labels every 0.01..0.09 of a short log axis, on top of each other
                    plot.getPlotItem().getAxis("left").setTicks([ticks])
                self._y_bounds.pop(plot, None)
            elif not keeps(self._y_bounds.get(plot), low, high):
                self._y_bounds[plot] = y_bounds(low, high, plot is self.acc_plot)
                plot.setYRange(*self._y_bounds[plot], padding=0)

    def set_detail_visible(self, visible: bool) -> None:
        """Hide the detail curves (and their legend entries) while only overlays are compared."""
        for name in DETAIL:
            self.curves[name].setVisible(visible)
        self._retitle()
        self._fit_y(*self.plots)
        self._best_dot.setVisible(visible)
        for line in self._best_marks:
            line.setVisible(visible and self.best_epoch is not None)
        for plot, entries in self._detail_entries().items():
            self.legends[plot].show_entries(entries, visible)

    def _detail_entries(self) -> dict[pg.PlotWidget, list[tuple[object, str]]]:
        entries: dict[pg.PlotWidget, list[tuple[object, str]]] = {}
        for name, label in LABELS.items():
            entries.setdefault(self._homes()[name][0], []).append((self.curves[name], label))
        if self.best_epoch is not None:
            entries[self.epoch_plot].append((self._best_dot, f"best epoch ({self.best_epoch})"))
        return entries

    def curve_lengths(self) -> dict[str, int]:
        """Points each detail curve currently draws (after a flush)."""
        return {name: len(curve.xData) if curve.xData is not None else 0 for name, curve in self.curves.items()}
