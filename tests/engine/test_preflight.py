"""Pre-flight: memory estimated from the analysis before anything is allocated, and one clear
refusal, with the numbers and the largest layer, when a build or a run would not fit."""
import pytest

import engine
from engine import preflight
from engine.builder import BuildError
from engine.cli import run_cli
from engine.data import load_dataset
from engine.graph import Graph
from engine.memory_limits import HostMemory, Limit
from engine.training import TrainConfig, TrainingError, train
from engine.training.memory import run_estimate


def absurd() -> Graph:
    """Valid, but its middle layer alone would take 2 TB of weights."""
    g = Graph()
    g.add_node("input", {"shape": [2]}, node_id="input")
    g.add_node("linear", {"out_features": 250_000_000_000}, node_id="huge")
    g.add_node("linear", {"out_features": 2}, node_id="head")
    g.connect("input", "huge")
    g.connect("huge", "head")
    return g


def test_the_estimate_counts_weights_gradients_optimizer_and_activations():
    graph = engine.templates.load("lenet5")
    analysis = engine.analyze(graph)
    small = preflight.estimate(analysis, graph.input_map(), 64, "adam", available=None)
    big = preflight.estimate(analysis, graph.input_map(), 128, "adam", available=None)
    assert small.weights == small.gradients == analysis.total_params * 4
    assert small.optimizer == 2 * small.weights  # Adam's two moments
    assert big.activations == 2 * small.activations > 0
    assert preflight.estimate(analysis, graph.input_map(), 64, "sgd", available=None).optimizer == small.weights
    only_weights = preflight.estimate(analysis, graph.input_map(), available=None)
    assert only_weights.total == only_weights.weights and only_weights.fits
    assert "weights" in small.summary() and "batch of 64" in small.summary()


def test_over_capacity_names_the_numbers_and_the_largest_layer():
    graph = engine.templates.load("vgg16")
    estimate = preflight.estimate(engine.analyze(graph), graph.input_map(), 64, "adam", available=2**30)
    assert not estimate.fits
    message = estimate.message()
    assert "921.6 MiB can be used on the CPU" in message and "largest layer is fc1" in message
    assert "batch size" in message


def test_building_an_absurd_network_is_one_clear_error_not_the_allocator():
    wanted = r"needs about [\d.]+ TiB .* can be used on the CPU; the largest layer is huge"
    with pytest.raises(BuildError, match=wanted):
        engine.build_module(absurd())


def test_the_train_command_refuses_before_allocating(tmp_path, capsys):
    path = engine.save(absurd(), tmp_path / "absurd.nwproj")
    assert run_cli(["train", str(path), "--dataset", "moons", "--epochs", "1"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: the network needs about")


def test_training_start_refuses_a_run_that_does_not_fit(monkeypatch):
    dataset = load_dataset("moons", n_samples=64)
    module = engine.build_module(engine.templates.load("perceptron", (2,), 2))
    limited = HostMemory(2**34, 2**33, Limit("the process's address-space limit (ulimit -v, RLIMIT_AS)", 1000))
    monkeypatch.setattr(preflight, "device_memory", lambda device="cpu": limited)
    with pytest.raises(TrainingError, match=r"needs about .*\(the process's address-space limit"):
        train(module, dataset, TrainConfig(epochs=1))


def test_the_train_view_estimate_for_a_config():
    graph = engine.templates.load("lenet5")
    estimate = run_estimate(graph, TrainConfig(batch_size=32, optimizer="sgd", device="cpu"))
    assert estimate.device == "cpu" and estimate.batch_size == 32 and estimate.fits
    module = engine.build_module(graph)
    assert run_estimate(module, TrainConfig(batch_size=32), resident=True).total == pytest.approx(
        run_estimate(graph, TrainConfig(batch_size=32)).total)
