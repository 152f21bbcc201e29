"""The doctor weighs evidence (issue 16): deep_sigmoid-like histories with a measured vanishing gradient are
vanishing_gradients and never lr_too_low; lr_too_low needs small update ratios; the network remedies are pure
graph functions that keep everything else; the doctor never offers the same one-click change twice in a row
when it did not help; and a small, fast subset of bench/doctor_matrix.py's scenarios."""
from dataclasses import replace

import pytest

from engine import templates
from engine.project import Project
from engine.runs import advise, fingerprint, remedied_from, snapshot
from engine.runs.advice import network_change_between
from engine.serialize import graph_to_dict
from engine.session import record_run
from engine.training import EpochRecord, FinishedRecord, TrainConfig, diagnose
from engine.training.doctor import PRECEDENCE, TITLES
from engine.training.evidence import flow_sentence, gradient_evidence, helped
from engine.training.network_remedy import add_batchnorm, applicable, apply_change, to_relu
from tests.engine.doctor_bench import doctor_matrix

STALLED = [2.36, 2.31, 2.305]  # deep_sigmoid on digits: chance level (log 10 = 2.30) after three epochs
VANISHING = {"grad_norms": {"fc1": [2e-9, 3e-9], "fc5": [1e-5, 1e-5], "out": [0.1, 0.1]},
             "update_ratios": {"fc1": [1e-8, 1e-8], "fc5": [1e-6, 1e-6], "out": [1e-3, 1e-3]}}


def epochs(losses, acc=0.1):
    return [EpochRecord(i + 1, t, acc, t + 0.01, acc, 0.01, 1.0, False) for i, t in enumerate(losses)]


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
@pytest.mark.parametrize("lr", [0.001, 0.01, 0.1])
def test_deep_sigmoid_stalled_with_a_vanishing_gradient_is_never_lr_too_low(lr, optimizer):
    config = TrainConfig(lr=lr, optimizer=optimizer)
    [found] = diagnose(epochs(STALLED), [2.36, 2.32], config, "completed", 10, gradients=VANISHING,
                       network_changes=("batchnorm", "relu"))
    assert found.code == "vanishing_gradients" and "lr" not in found.change
    assert found.network_change == "batchnorm" and found.change_text == "batch normalization"
    assert found.evidence["gradient_ratio"] < 0.01 and found.evidence["first_layer"] == "fc1"
    assert PRECEDENCE.index("vanishing_gradients") < PRECEDENCE.index("lr_too_low")


def test_after_one_epoch_the_network_change_also_trains_longer():
    [found] = diagnose(epochs(STALLED[:1]), [2.36, 2.32], TrainConfig(), "completed", 10, gradients=VANISHING,
                       network_changes=("relu",))
    assert found.network_change == "relu" and found.change == {"epochs": 5}
    assert found.change_text == "ReLU instead of sigmoid and 5 epochs"


def test_the_tab_and_the_doctor_read_one_verdict():
    assert gradient_evidence(VANISHING).vanishing and "vanishes" in flow_sentence(VANISHING)
    healthy = {"grad_norms": {"a": [0.1], "b": [0.1], "c": [0.2]}}
    assert "reach every layer" in flow_sentence(healthy) and not gradient_evidence(healthy).vanishing
    assert flow_sentence({}) == "Train to see how strongly each layer learns."


def test_lr_too_low_only_with_small_update_ratios():
    small = {"grad_norms": {"a": [0.1], "b": [0.1], "c": [0.2]}, "update_ratios": {"a": [1e-5], "b": [1e-5],
                                                                                   "c": [1e-5]}}
    normal = {**small, "update_ratios": {k: [5e-3] for k in "abc"}}
    flat = epochs(STALLED)
    assert [d.code for d in diagnose(flat, [2.36], TrainConfig(lr=1e-4), "completed", 10, gradients=small)] \
        == ["lr_too_low"]
    assert "lr_too_low" not in [d.code for d in diagnose(flat, [2.36], TrainConfig(lr=1e-4), "completed", 10,
                                                           gradients=normal)]


def test_titles_cover_every_code():
    assert set(TITLES) == set(PRECEDENCE)


def test_relu_remedy_replaces_hidden_sigmoids_and_keeps_everything_else():
    graph = templates.load("deep_sigmoid", (1, 28, 28), 10)
    relu = to_relu(graph)
    assert [n.layer for n in relu.nodes.values()].count("relu") == 10 and "sigmoid" not in {
        n.layer for n in relu.nodes.values()}
    for node in graph.nodes.values():
        new = relu.node(node.id)  # generic ids ("act3") are kept
        assert new.pos == node.pos and new.block == node.block
        if node.layer != "sigmoid":
            assert new == node
    assert sorted((e.src, e.dst) for e in relu.edges) == sorted((e.src, e.dst) for e in graph.edges)
    assert applicable(relu) == ("batchnorm",) and fingerprint(graph) == fingerprint(snapshot(graph))  # untouched


def test_batchnorm_remedy_goes_between_each_layer_and_its_activation():
    graph = templates.load("deep_sigmoid", (1, 28, 28), 10)
    bn = add_batchnorm(graph)
    norms = [n for n in bn.nodes.values() if n.layer == "batchnorm1d"]
    assert len(norms) == 10 and all(bn.inputs_of(n.id)[0].startswith("fc") for n in norms)
    assert all(bn.node(bn.outputs_of(n.id)[0]).layer == "sigmoid" for n in norms)
    assert applicable(bn) == ("relu",) and applicable(templates.load("deep_relu_bn", (2,), 2)) == ()
    lenet = apply_change(templates.load("lenet5", (1, 28, 28), 10), "batchnorm")
    assert any(n.layer == "batchnorm2d" for n in lenet.nodes.values())
    out_sigmoid = templates.load("perceptron", (2,), 2)
    assert to_relu(out_sigmoid).nodes == out_sigmoid.nodes  # an output squashing belongs to the loss


def test_network_change_between_recognizes_each_remedy():
    graph = templates.load("deep_sigmoid", (2,), 2)
    before = graph_to_dict(graph)
    assert network_change_between(before, graph_to_dict(add_batchnorm(graph))) == "batchnorm"
    assert network_change_between(before, graph_to_dict(to_relu(graph))) == "relu"
    assert network_change_between(before, before) is None


def _run(project, graph, config, losses, acc, gradients, name):
    history = epochs(losses, acc)
    finished = FinishedRecord("completed", "done", len(losses), acc, acc, losses[-1], len(losses))
    from engine.data import load_dataset
    data = load_dataset("moons", n_samples=40)
    run = replace(record_run(project, graph, data, config, [], history, finished, name=name), extras=gradients)
    project.runs = project.runs + [run]
    return run


def test_the_same_one_click_change_is_not_offered_twice_when_it_did_not_help():
    graph = templates.load("mlp", (2,), 2)
    project = Project(graph)
    small = {"grad_norms": {"a": [0.1], "b": [0.1], "c": [0.2]}, "update_ratios": {k: [1e-5] for k in "abc"}}
    first = _run(project, graph, TrainConfig(lr=1e-4, optimizer="sgd"), [0.70, 0.69, 0.69], 0.5, small, "Run 1")
    [told] = advise(first, project.runs)
    assert told.code == "lr_too_low" and told.change == {"lr": 0.01}
    second = _run(project, graph, replace(first.config, **told.change), [0.70, 0.69, 0.69], 0.5, small, "Run 2")
    assert remedied_from(second, project.runs)[0] is first
    [again] = advise(second, project.runs)
    assert again.code == "lr_too_low" and again.change == {"optimizer": "adam", "lr": 0.001}  # the other remedy
    assert "already tried learning rate 0.01" in again.message and "did not help" in again.message
    assert second.diagnosis[0].change == {"lr": 1.0}  # without the history it would have raised it again


def test_a_change_that_helped_may_be_offered_again():
    graph = templates.load("mlp", (2,), 2)
    project = Project(graph)
    small = {"grad_norms": {"a": [0.1], "b": [0.1], "c": [0.2]}, "update_ratios": {k: [1e-5] for k in "abc"}}
    first = _run(project, graph, TrainConfig(lr=1e-5, optimizer="sgd"), [0.70, 0.69, 0.69], 0.5, small, "Run 1")
    change = advise(first, project.runs)[0].change
    second = _run(project, graph, replace(first.config, **change), [0.70, 0.69, 0.69], 0.6, small, "Run 2")
    assert advise(second, project.runs)[0].change == {"lr": 0.1}


def test_a_network_change_that_did_not_help_is_followed_by_the_other_one():
    graph = templates.load("deep_sigmoid", (2,), 2)
    project = Project(graph)
    config = TrainConfig(lr=0.01)
    first = _run(project, graph, config, [0.70, 0.69, 0.69], 0.5, VANISHING, "Run 1")
    [told] = advise(first, project.runs)
    assert told.network_change == "batchnorm"
    second = _run(project, add_batchnorm(graph), config, [0.70, 0.69, 0.69], 0.5, VANISHING, "Run 2")
    [again] = advise(second, project.runs)
    assert again.network_change == "relu"  # batch normalization is in: the other remedy (and never the same)
    assert "already tried batch normalization" in again.message


def test_helped_means_accuracy_up_or_loss_down():
    assert helped(0.5, 1.0, 0.51, 1.0) and not helped(0.5, 1.0, 0.502, 0.999)
    assert helped(None, 1.0, None, 0.9) and not helped(0.5, 1.0, 0.4, 0.5) and not helped(0.5, 1.0, 0.6, float("nan"))


@pytest.mark.parametrize("lr", [0.01, 0.1])
def test_matrix_subset_deep_sigmoid_is_told_vanishing_and_batch_normalization_helps(lr):
    matrix = doctor_matrix()
    data = matrix.load("digits", 800)
    cell = matrix.run_cell(matrix.Cell(matrix.FAMILIES[0], "deep_sigmoid", "digits", "adam", lr, 3), data)
    assert [d.code for d in cell.found] == ["vanishing_gradients"]
    assert [t.kind for t in cell.trials][:1] == ["network:batchnorm"] and cell.trials[0].helped
    assert matrix.bad_lr([cell]) == 0


def test_matrix_subset_a_tiny_learning_rate_is_raised_and_that_helps():
    matrix = doctor_matrix()
    data = matrix.load("digits", 300)
    cell = matrix.run_cell(matrix.Cell(matrix.FAMILIES[0], "mlp", "digits", "sgd", 1e-4, 3), data)
    assert [d.code for d in cell.found] == ["lr_too_low"] and cell.trials[0].helped
