"""The doctor's capacity check (issue 16): a network with no non-linearity whose loss stays high is
`too_simple`, before any advice on the learning rate, and its one click adds a hidden layer with a ReLU
(engine.training.network_remedy "hidden_layer"), at a learning rate a new layer learns at; a linear
network that learned (or one whose loss was thrown about by its steps) is not told so; and a matrix
subset: a perceptron on XOR, once blamed on its learning rate, is told it is too simple and the remedy helps."""

import pytest
import torch

from engine import templates
from engine.builder import build_module
from engine.training import EpochRecord, TrainConfig, diagnose
from engine.training.capacity import new_lr
from engine.training.doctor import PRECEDENCE, TITLES
from engine.training.network_remedy import add_hidden_layer, applicable, apply_change, is_linear
from tests.engine.doctor_bench import doctor_matrix

CHANCE2 = 0.6931  # log 2


def history(losses, acc=0.5):
    return [EpochRecord(i + 1, t, acc, t + 0.01, acc, 0.01, 1.0, False) for i, t in enumerate(losses)]


XOR_CEILING = {"linear_ceiling_acc": [0.52], "linear_ceiling_loss": [0.693], "linear_ceiling_samples": [480.0]}
SMALL_STEPS = {"grad_norms": {"fc": [0.01, 0.01]}, "update_ratios": {"fc": [1e-4, 1e-4]}, **XOR_CEILING}


def test_a_perceptron_stuck_near_chance_is_too_simple_not_lr_too_low():
    """XOR, perceptron, lr 0.001: the loss hardly moved and the steps are small, which alone reads as
    lr_too_low; but the network is linear, and a higher rate took the test accuracy from 66 % to 49 %."""
    stuck = history([0.83, 0.80, 0.78, 0.77])
    config = TrainConfig(lr=1e-3, optimizer="sgd")
    assert [d.code for d in diagnose(stuck, [0.84], config, "completed", 2, gradients=SMALL_STEPS,
                                     network_changes=())] == ["lr_too_low"]  # a network that can bend
    [found] = diagnose(stuck, [0.84], config, "completed", 2, gradients=SMALL_STEPS,
                       network_changes=("hidden_layer",))
    assert found.code == "too_simple" and found.network_change == "hidden_layer" and found.change == {"lr": 0.01}
    assert found.title == TITLES["too_simple"] and "straight line" in found.message
    assert found.change_text == "a hidden layer and learning rate 0.01" and found.evidence["loss_vs_chance"] > 1


def test_too_simple_comes_before_the_step_size_verdicts_and_keeps_a_high_rate():
    assert PRECEDENCE.index("too_simple") < min(PRECEDENCE.index(c) for c in ("oscillating", "lr_too_low"))
    big = {"grad_norms": {"fc": [0.5, 0.4]}, "update_ratios": {"fc": [0.3, 0.3]}, **XOR_CEILING}  # lr 1: big, flat
    [found] = diagnose(history([0.78, 0.70, 0.695, 0.694]), [0.8], TrainConfig(lr=1.0), "completed", 2,
                       gradients=big, network_changes=("hidden_layer",))
    assert found.code == "too_simple" and found.change == {} and found.change_text == "a hidden layer"


def test_a_linear_network_that_learned_or_blew_up_is_not_too_simple():
    learned = history([0.5, 0.2, 0.1], acc=0.97)  # a straight line separates these (blobs)
    assert diagnose(learned, [0.7], TrainConfig(), "completed", 2, network_changes=("hidden_layer",)) == []
    thrown = history([9.0, 7.3, 7.27])  # digits at lr 1: 3× chance after a peak of 4×, 89 % test accuracy
    found = diagnose(thrown, [2.3], TrainConfig(lr=1.0), "completed", 10, network_changes=("hidden_layer",))
    assert "too_simple" not in [d.code for d in found]
    no_chance = diagnose(history([0.5, 0.5, 0.5]), [0.5], TrainConfig(loss="mse"), "completed", None,
                         network_changes=("hidden_layer",))
    assert "too_simple" not in [d.code for d in no_chance]  # without a chance level "high" means nothing


@pytest.mark.parametrize("lr,expected", [(1e-4, 0.01), (1e-3, 0.01), (3e-3, 0.03), (0.01, 0.1), (0.1, 0.1),
                                         (1.0, 1.0)])
def test_the_new_layer_trains_at_ten_times_the_rate_between_a_hundredth_and_a_tenth(lr, expected):
    assert new_lr(lr) == expected


def test_only_a_network_without_a_non_linearity_is_linear():
    assert is_linear(templates.load("perceptron", (2,), 2)) and is_linear(templates.load("perceptron", (1, 28, 28), 10))
    for name in ("mlp", "lenet5", "deep_sigmoid", "rnn"):
        graph = templates.load(name)
        assert not is_linear(graph) and "hidden_layer" not in applicable(graph), name


@pytest.mark.parametrize("shape,classes,width", [((2,), 2, 16), ((1, 28, 28), 10, 128)])
def test_hidden_layer_goes_before_the_output_layer_and_keeps_everything_else(shape, classes, width):
    graph = templates.load("perceptron", shape, classes)
    changed = apply_change(graph, "hidden_layer")
    assert set(graph.nodes) < set(changed.nodes) and len(graph.nodes) == 2 + (len(shape) > 1)  # original kept
    hidden, relu = (n for n in changed.nodes.values() if n.id not in graph.nodes)
    assert (hidden.layer, hidden.params["out_features"], relu.layer) == ("linear", width, "relu")
    assert changed.inputs_of("fc") == [relu.id] and changed.inputs_of(relu.id) == [hidden.id]
    assert not is_linear(changed) and applicable(changed) == ("batchnorm",)
    out = build_module(changed)(torch.zeros(3, *shape))  # it trains as built
    assert out.shape == (3, classes) and add_hidden_layer(graph).nodes.keys() == changed.nodes.keys()


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_matrix_subset_a_perceptron_on_xor_is_too_simple_and_a_hidden_layer_helps(optimizer):
    matrix = doctor_matrix()
    xor = next(f for f in matrix.FAMILIES if f.name == "xor-fit")
    cell = matrix.run_cell(matrix.Cell(xor, "perceptron", "xor", optimizer, 1e-3, 8), matrix.load("xor", 0))
    assert [d.code for d in cell.found] == ["too_simple"] and matrix.bad_lr([cell]) == 0
    assert [t.kind for t in cell.trials] == ["network:hidden_layer"] and cell.trials[0].helped
    assert cell.trials[0].acc >= 0.9
