"""The Train view's curves show what the doctor says: the finding's epoch marked and the
per-epoch loss zoomed to the epochs in question (an overfitting rise 0.0642 -> 0.0765 fills the
axis instead of lying flat on a 0-2 one), a log scale, a smoothed loss that neither lags nor
ends early, legends under the plots (never over a curve), and in compare mode titles that say
the curves are validation curves."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from engine.runs import Run, StepSeries
from engine.training import EpochRecord, StepRecord, TrainConfig
from engine.training.doctor import Diagnosis
from gui.train.plots import LivePlots, Overlay
from gui.train.series import SMOOTHING, Smoother, log_ticks, smoothing_weight


@pytest.fixture
def plots(qtbot, themed_app):
    widget = LivePlots()
    qtbot.addWidget(widget)
    widget.resize(740, 420)  # the curves' share of the Train view at 1100 px
    widget.show()
    QApplication.processEvents()
    return widget


def overfitting_run(name="Run 1", findings=True) -> Run:
    """25 epochs: validation loss falls from 2.0 to 0.0642 at epoch 14, then rises to 0.0765."""
    val = list(np.geomspace(2.0, 0.0642, 14)) + list(np.linspace(0.0642, 0.0765, 12)[1:])
    train = list(np.geomspace(2.1, 0.01, 25))
    epochs = tuple(EpochRecord(e, train[e - 1], 0.9, val[e - 1], 0.9, 0.01, 1.0, e == 14) for e in range(1, 26))
    xs = tuple(np.arange(1, 251) / 10)  # ten logged points per epoch
    steps = StepSeries(xs, tuple(np.interp(xs, range(1, 26), train)), (0.01,) * 250, 100, 2500)
    run = Run("r" + name[-1], name, "", TrainConfig(epochs=25), "moons", {}, {}, {}, "", epochs, steps)
    if findings:  # the doctor's verdict is its own business (engine.training.doctor); this is how it is drawn
        run.__dict__["diagnosis"] = [Diagnosis("overfitting", 15, "warning", "From epoch 15 the validation "
                                               "loss rose (0.0642 → 0.0765)")]
    return run


def y_range(plot):
    return plot.getPlotItem().vb.viewRange()[1]


def test_a_finding_is_marked_and_the_rise_fills_the_loss_per_epoch_plot(plots):
    plots.show_run(overfitting_run())
    assert plots.finding.epoch == 15 and all(line.value() == 15 and line.isVisible() for line in plots.finding.lines)
    assert "Overfitting (15)" in [label.text for _, label in plots.legends[plots.epoch_plot].items]
    low, high = y_range(plots.epoch_plot)
    assert low <= 0.0642 and 0.0765 <= high and (0.0765 - 0.0642) / (high - low) > 0.5  # the rise is visible
    assert "epochs 14–25" in plots.zoom_note.text() and plots.show_all_button.isVisibleTo(plots)
    plots.show_all_button.click()
    assert y_range(plots.epoch_plot)[1] >= 2.0 and not plots.show_all_button.isVisibleTo(plots)
    plots.show_run(None)
    assert plots.finding.epoch is None and not any(line.isVisible() for line in plots.finding.lines)
    assert plots.zoom_note.text() == ""


def test_no_zoom_when_the_rise_is_already_plain_to_see(plots):
    run = overfitting_run()
    run.__dict__["diagnosis"] = [Diagnosis("overfitting", 2, "warning", "")]  # epochs 1-25: the whole curve
    plots.show_run(run)
    assert plots.finding.epoch == 2 and plots.finding.zoom is None and y_range(plots.epoch_plot)[1] >= 2.0


def test_the_loss_on_a_log_scale_with_readable_ticks(plots):
    plots.show_run(overfitting_run(findings=False))
    plots.log_box.setChecked(True)
    assert plots.loss_plot.getPlotItem().ctrl.logYCheck.isChecked()
    low, high = y_range(plots.loss_plot)  # log10 units
    assert low <= np.log10(0.01) and np.log10(2.1) <= high
    ticks = plots.loss_plot.getPlotItem().getAxis("left")._tickLevels[0]
    assert 2 <= len(ticks) <= max(2, plots.loss_plot.height() // 35)
    assert all(label.lstrip("0.")[0] in "125" for _, label in ticks)
    plots.log_box.setChecked(False)
    assert y_range(plots.loss_plot)[0] >= 0


def test_log_ticks_are_few_round_values():
    assert [t for _, t in log_ticks(0.01, 2.0, most=4)] == ["0.01", "0.1", "1"]
    assert [t for _, t in log_ticks(0.01, 2.0, most=8)] == ["0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1", "2"]
    assert [t for _, t in log_ticks(0.15, 0.8)] == ["0.2", "0.5"]


def test_smoothing_neither_lags_at_the_start_nor_ends_early(plots):
    assert smoothing_weight(0.01) == SMOOTHING  # dense points: TensorBoard's weight
    assert smoothing_weight(2.0) == 0.0  # a point every two epochs is smooth enough: no lag of three epochs
    raw = np.array([2.0, 1.0, 0.8, 0.7, 0.6])
    assert Smoother()(raw)[0] == pytest.approx(2.0)  # debiased: the first point is the raw one
    plots.begin_live(2)
    records = [StepRecord(1, s, 20, float(v), 0.01, 100.0, 10) for s, v in zip(range(1, 8), raw.tolist() + [0.5, 0.4])]
    plots.add_steps(tuple(records))
    plots.flush()
    raw_x, _ = plots.curves["raw_loss"].getData()
    smooth_x, smooth_y = plots.curves["smooth_loss"].getData()
    assert list(smooth_x) == list(raw_x) and smooth_y[0] == pytest.approx(2.0)


def test_legends_sit_under_the_plots_not_on_the_curves(plots):
    plots.show_run(overfitting_run())
    QApplication.processEvents()
    for plot, legend in plots.legends.items():
        view = plot.getPlotItem().vb.sceneBoundingRect()
        box = legend.sceneBoundingRect()
        assert box.top() >= view.bottom() - 1, plot.getPlotItem().titleLabel.text
        assert box.right() <= plot.width() + 1  # nothing cut at the right ("best epoch" was)


def test_an_empty_plot_has_no_best_epoch_in_its_legend(plots):
    plots.show_run(overfitting_run())
    assert "best epoch (14)" in [label.text for _, label in plots.legends[plots.epoch_plot].items]
    plots.show_run(None)
    assert not any("best epoch" in label.text for _, label in plots.legends[plots.epoch_plot].items)


def test_compared_runs_say_they_are_validation_curves(plots):
    runs = [overfitting_run("Run 1", False), overfitting_run("Run 2", False)]
    plots.set_overlays([Overlay(r, r.name, c) for r, c in zip(runs, ("#f00", "#00f"))])
    plots.set_detail_visible(False)
    assert plots.epoch_plot.getPlotItem().titleLabel.text == "Validation loss per epoch"
    assert plots.acc_plot.getPlotItem().titleLabel.text == "Validation accuracy per epoch"
    plots.set_detail_visible(True)  # a live run's own training and validation curves beside them
    assert plots.epoch_plot.getPlotItem().titleLabel.text == "Loss per epoch"
    assert "other runs: validation" in [label.text for _, label in plots.legends[plots.epoch_plot].items]
    QApplication.processEvents()
    for plot in plots.plots:  # whole at 1100 px, not "Loss per epoch (other runs: validat"
        assert plot.getPlotItem().titleLabel.item.boundingRect().width() <= plot.width()
    plots.set_overlays([])
    assert plots.epoch_plot.getPlotItem().titleLabel.text == "Loss per epoch"
    assert "other runs: validation" not in [label.text for _, label in plots.legends[plots.epoch_plot].items]
