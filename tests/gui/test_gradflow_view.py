"""The gradient-flow view in the Train view: live from a run, stored with it, and read back."""
import math

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

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


# -- legible at the Train view's sizes, deep networks folded by block ------------------------------
def template_history(name, steps=40):
    """A stored series for `name`'s weight layers (gradients 1e-8 at the first, 1 at the last) and its network."""
    from engine import templates
    from engine.builder import build_module
    from engine.serialize import graph_to_dict

    graph = templates.load(name)
    module = build_module(graph)
    layers = [n for n, c in module.named_children() if any(p.dim() >= 2 for p in c.parameters())]
    norms = {layer: [10.0 ** (-8 + 8 * i / (len(layers) - 1))] * steps for i, layer in enumerate(layers)}
    return graph_to_dict(graph), {"grad_steps": list(range(10, 10 * steps + 1, 10)), "grad_norms": norms,
                                  "update_ratios": {layer: [1e-3] * steps for layer in layers}}, layers


def assert_legible(flow):
    """Row names apart and whole (or elided with the name in a tooltip), scale and axis inside the panel."""
    heat = flow.heat
    rects = heat.label_rects()
    for (a, _), (b, _) in zip(rects, rects[1:]):
        assert a.bottom() < b.top() and a.height() >= heat.fontMetrics().height()
    for (_, shown), row in zip(rects, heat.rows):
        assert shown.removeprefix("▸ ").removeprefix("▾ ") == row.label  # nothing elided at these sizes
    boxes = heat.boxes()
    assert boxes["bar"].right() <= heat.width() and boxes["axis"].bottom() <= heat.height()
    widest = max(heat.fontMetrics().horizontalAdvance(t) for t in ("10", "10⁻⁸"))
    assert boxes["bar"].left() + 12 + widest <= heat.width()


@pytest.mark.parametrize("size", [(520, 330), (380, 300)])  # the Gradients tab at 1400×900 and 1100 px
@pytest.mark.parametrize("name", ["deep_sigmoid", "resnet18", "resnet152"])
def test_gradient_flow_is_legible_at_the_tab_sizes(qtbot, flow, name, size):
    network, stored, layers = template_history(name)
    flow.resize(*size)
    flow.show()
    flow.set_network(network)
    assert flow.set_history(stored)
    QApplication.processEvents()  # the scroll area lays the map out at its new height
    assert len(flow.rows) <= 24  # deep networks start folded by block
    assert_legible(flow)
    if name == "deep_sigmoid":
        assert [r.label for r in flow.rows] == layers  # a plain stack shows every layer
    if name == "resnet152":
        assert [r.label for r in flow.rows] == ["conv1", "layer1", "layer2", "layer3", "layer4", "fc"]


def test_a_block_unfolds_and_its_row_is_the_norm_over_its_layers(qtbot, flow):
    network, stored, layers = template_history("resnet152")
    flow.set_network(network)
    flow.set_history(stored)
    layer3 = next(r for r in flow.rows if r.label == "layer3")
    expected = np.sqrt(sum((flow.values()[i, 0]) ** 2 for i in layer3.layers))
    assert flow.image.image[flow.rows.index(layer3), 0] == pytest.approx(np.log10(expected))
    flow.resize(520, 330)
    flow.show()
    rect = flow.heat.label_rects()[flow.rows.index(layer3)][0]
    qtbot.mouseClick(flow.heat, Qt.LeftButton, pos=rect.center())
    QApplication.processEvents()
    assert "layer3.0" in [r.label for r in flow.rows] and len(flow.curves) == len(flow.rows)
    assert flow.heat.minimumSizeHint().height() > flow.heat_scroll.viewport().height()  # it scrolls, not squeezes


def test_a_project_without_a_run_shows_an_empty_panel_not_the_last_one(qtbot, flow):
    network, stored, _ = template_history("resnet18")
    flow.set_network(network)
    flow.set_history(stored)
    assert flow.rows
    flow.set_network(None)
    flow.set_history(None)
    assert flow.rows == [] and flow.heat.rows == [] and flow.curves == []
    assert flow.note.text() == "Train to see how strongly each layer learns."
