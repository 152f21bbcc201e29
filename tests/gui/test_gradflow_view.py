"""The gradient-flow view in the Train view: live from a run, stored with it, and read back."""
import math

import pytest

from engine.training import GradientRecord
from tests.gui.test_train_view import load, train, view  # noqa: F401  (fixture)


@pytest.fixture
def flow(qtbot):
    from gui.train.gradflow import GradientFlowView

    widget = GradientFlowView()
    qtbot.addWidget(widget)
    widget.resize(600, 500)
    return widget


def record(steps, values):
    return GradientRecord(1, tuple(steps), ("fc1", "fc2", "out"), tuple(values), tuple((0.01, 0.01, 0.01)
                                                                                      for _ in steps))


def test_heat_map_and_lines_show_every_layer_and_name_a_vanishing_gradient(flow):
    flow.add_record(record([10, 20, 30], [(1e-8, 1e-4, 0.5)] * 3))
    flow.redraw()
    assert flow.image.image.shape == (3, 3)  # layers × measurements
    assert flow.image.image[0, 0] == pytest.approx(-8) and flow.image.image[2, 0] == pytest.approx(math.log10(0.5))
    assert len(flow.curves) == 3 and list(flow.curves[0].getData()[0]) == [10, 20, 30]
    assert "vanishes" in flow.note.text() and "fc1" in flow.note.text()
    flow.choice.setCurrentIndex(1)
    assert flow.measure == "update_ratios" and flow.image.image[0, 0] == pytest.approx(-2)


def test_stored_series_are_read_back_and_damaged_ones_ignored(flow):
    assert flow.set_history({"grad_steps": [10, 20], "grad_norms": {"a": [1.0, 2.0], "b": [3.0, None]},
                             "update_ratios": {"a": [0.1, 0.1]}})
    assert flow.values().shape == (2, 2) and math.isnan(flow.values()[1, 1])
    assert not flow.set_history({"grad_steps": [10], "grad_norms": {"a": [1.0, 2.0]}})
    assert flow.values().shape == (0, 0) or flow.values().size == 0


def test_a_training_run_fills_the_view_and_stores_the_series_with_the_run(qtbot, view, document):  # noqa: F811
    load(qtbot, view, "moons", samples=400)
    train(qtbot, view, epochs=2, batch_size=16)
    flow = view.results.gradflow
    flow.redraw()
    layers = flow.history.layers
    assert layers == ("fc1", "fc2", "out") and len(flow.history.steps) >= 2
    stored = document.adopted_run.extras  # the series is stored with the run
    assert set(stored["grad_norms"]) == set(layers) and len(stored["grad_steps"]) == len(flow.history.steps)
    assert "calibration" in document.meta and document.meta["calibration"]["method"] == "energy"
    document.undo_stack.undo()
    assert flow.history.steps == []  # no run left to show
