"""The linear ceiling (issue 16): the doctor's too_simple rests on the measured best a straight line does on
the run's data, not on a high loss alone. A perceptron on blobs trained too little is told to train more (a
straight line separates blobs); on XOR it is too simple, with the ceiling stated; runs recorded before the
ceiling existed, and the live banner, never claim that no learning rate helps."""

import torch

from engine import templates
from engine.builder import build_module
from engine.data import load_dataset
from engine.training import EpochRecord, TrainConfig, diagnose
from engine.training.linear_ceiling import KEYS, Ceiling, read
from engine.training.linear_fit import ceiling_extras, fit_ceiling, is_linear_module

LINEAR = ("hidden_layer",)  # network_remedy.applicable of a perceptron
BLOBS_CEILING = Ceiling(1.0, 0.005, 480).to_extras()
XOR_CEILING = Ceiling(0.52, 0.693, 480).to_extras()


def history(losses, acc):
    return [EpochRecord(i + 1, t, acc, t + 0.01, acc, 0.01, 1.0, False) for i, t in enumerate(losses)]


def codes(found):
    return [d.code for d in found]


def test_a_straight_line_separates_blobs_and_not_xor():
    torch.set_num_threads(1)
    blobs = fit_ceiling(load_dataset("blobs", n_samples=400), 0.1, 0)
    xor = fit_ceiling(load_dataset("xor", n_samples=400), 0.1, 0)
    assert blobs.accuracy >= 0.97 and blobs.loss < 0.1
    assert xor.loss > 0.6 and xor.accuracy < 0.7  # chance is log 2 = 0.693


def test_the_ceiling_is_measured_for_linear_networks_only_and_round_trips_through_extras():
    data = load_dataset("blobs", n_samples=200)
    perceptron = build_module(templates.load("perceptron", (2,), data.num_classes))
    mlp = build_module(templates.load("mlp", (2,), data.num_classes))
    assert is_linear_module(perceptron) and not is_linear_module(mlp)
    stacked = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 64), torch.nn.Linear(64, 10))
    assert is_linear_module(stacked)  # dense layers without an activation: still one linear map
    assert ceiling_extras(mlp, data, "cross_entropy", 0.1, 0) == {}
    assert ceiling_extras(perceptron, data, "mse", 0.1, 0) == {}  # no chance level: too_simple is silent anyway
    extras = ceiling_extras(perceptron, data, "cross_entropy", 0.1, 0)
    assert set(extras) == set(KEYS) and read(extras).accuracy >= 0.97
    assert read({}) is None and read({KEYS[0]: ["x"], KEYS[1]: [0.1]}) is None  # old or odd records


def test_blobs_trained_too_little_is_told_to_train_more_not_to_add_a_layer():
    """The real-window case: perceptron, blobs, lr 0.003, 10 epochs: 59 %, loss 1.46 → 1.13."""
    run = history([1.46, 1.40, 1.33, 1.27, 1.22, 1.18, 1.15, 1.14, 1.13, 1.13], acc=0.6)
    config = TrainConfig(lr=0.003, epochs=10)
    [found] = diagnose(run, [1.5], config, "completed", 3, gradients=BLOBS_CEILING, network_changes=LINEAR)
    assert found.code == "underfitting" and found.change == {"lr": 0.03} and not found.network_change
    assert "100% of the training set" in found.message and "No learning rate" not in found.message
    assert "bigger network is not needed" in found.message and found.evidence["linear_ceiling_acc"] == 1.0


def test_xor_is_too_simple_with_the_ceiling_stated():
    run = history([0.70, 0.695, 0.694, 0.693], acc=0.5)
    [found] = diagnose(run, [0.7], TrainConfig(lr=0.01), "completed", 2, gradients=XOR_CEILING,
                       network_changes=LINEAR)
    assert found.code == "too_simple" and found.network_change == "hidden_layer"
    assert "best straight line for this data gets 52% of the training set right" in found.message


def test_without_a_ceiling_too_simple_names_both_causes_and_offers_no_click():
    """Records made before the ceiling, and the live banner mid-run: say less, never the wrong lesson."""
    run = history([1.46, 1.30, 1.13], acc=0.6)
    for final in (True, False):
        [found] = diagnose(run, [1.5], TrainConfig(lr=0.003), None, 3, final=final, network_changes=LINEAR)
        assert found.code == "too_simple" and not found.change and not found.network_change
        assert "No learning rate" not in found.message and "more training" in found.message


def test_the_training_job_records_the_ceiling_for_a_linear_network_only():
    from engine.training import train
    from engine.training.control import TrainControl
    from engine.training.job import TrainingJob

    data = load_dataset("xor", n_samples=200)
    config = TrainConfig(epochs=1, lr=0.01)
    outcomes = {}
    for name in ("perceptron", "mlp"):
        torch.manual_seed(0)
        module, control = build_module(templates.load(name, (2,), 2)), TrainControl()
        records = train(module, data, config, control, final_test=False)
        outcomes[name] = TrainingJob(records, module, data, config, lambda *_: None, control).run()
    assert read(outcomes["perceptron"].gradients).loss > 0.6  # XOR: no straight line does better than chance
    assert read(outcomes["mlp"].gradients) is None
