"""engine.training before and after a run: refused settings, config files, devices, evaluation."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from engine.data import Dataset, load_dataset
from engine.training import TrainConfig, TrainingError, decision_grid, evaluate, pick_device, train, validate
from engine.training.objective import Objective
from engine.training.threads import ThreadTuner


def images(channels: int = 1, size: int = 28, classes: int = 10, n: int = 40) -> Dataset:
    x = torch.randint(0, 256, (n, channels, size, size), dtype=torch.uint8)
    y = torch.arange(n) % classes
    return Dataset("cifar10" if channels == 3 else "mnist", "image", x, y, x[:10], y[:10],
                   (channels, size, size), classes, [str(i) for i in range(classes)],
                   (0.5,) * channels, (0.25,) * channels)


def classifier(outputs: int = 10, channels: int = 1, size: int = 28) -> nn.Module:
    return nn.Sequential(nn.Conv2d(channels, 4, 3, padding=1), nn.ReLU(), nn.Flatten(),
                         nn.Linear(4 * size * size, outputs))


@pytest.mark.parametrize(("settings", "words"), [
    ({"lr": 0.0}, "learning rate must be a positive number"),
    ({"lr": math.nan}, "learning rate must be a positive number"),
    ({"lr": math.inf}, "learning rate"),
    ({"batch_size": 0}, "batch size must be at least 1"),
    ({"epochs": 0}, "epochs must be at least 1"),
    ({"val_split": 0.95}, "validation split must be between 0 and 0.9"),
    ({"val_split": -0.1}, "validation split"),
    ({"optimizer": "lbfgs"}, "optimizer must be one of"),
    ({"nesterov": True, "optimizer": "sgd", "momentum": 0.0}, "Nesterov"),
])
def test_bad_settings_are_refused(settings: dict, words: str) -> None:
    with pytest.raises(TrainingError, match=words):
        validate(classifier(), images(), TrainConfig(**settings))
    with pytest.raises(TrainingError, match=words):
        train(classifier(), images(), TrainConfig(**settings))  # before any iteration


def test_bce_on_ten_classes() -> None:
    with pytest.raises(TrainingError) as err:
        validate(classifier(10), images(), TrainConfig(loss="bce"))
    assert "binary cross-entropy needs 1 output per sample but the network gives 10" in str(err.value)
    assert "use cross-entropy" in str(err.value)
    with pytest.raises(TrainingError, match="fits datasets with 2 classes but mnist has 10"):
        validate(classifier(1), images(), TrainConfig(loss="bce"))
    binary = images(classes=2)
    with pytest.raises(TrainingError, match="or end the network with linear\\(1\\)"):
        validate(classifier(2), binary, TrainConfig(loss="bce"))
    validate(classifier(1), binary, TrainConfig(loss="bce"))


def test_output_width_must_match_classes() -> None:
    with pytest.raises(TrainingError, match="needs 10 outputs .* gives 7; end the network with linear\\(10\\)"):
        validate(classifier(7), images(), TrainConfig())
    with pytest.raises(TrainingError, match="mean squared error needs 10 outputs"):
        validate(classifier(3), images(), TrainConfig(loss="mse"))
    conv_only = nn.Sequential(nn.Conv2d(1, 4, 3))
    with pytest.raises(TrainingError, match="gives 4×26×26 values per sample .* flatten"):
        validate(conv_only, images(), TrainConfig())


def test_input_shape_mismatch() -> None:
    net = classifier(channels=3, size=32)
    net.input_shape = (3, 32, 32)  # as engine.build_module's GraphModule declares it
    with pytest.raises(TrainingError, match="the network expects 3×32×32 but mnist gives 1×28×28"):
        validate(net, images(), TrainConfig())
    del net.input_shape
    with pytest.raises(TrainingError, match="wants 3-channel input but mnist has 1 channel"):
        validate(net, images(), TrainConfig())
    flat = nn.Sequential(nn.Linear(784, 10))
    with pytest.raises(TrainingError, match="add flatten"):
        validate(flat, images(), TrainConfig())


def test_nll_needs_log_softmax() -> None:
    with pytest.raises(TrainingError, match="end the network with log_softmax"):
        validate(classifier(), images(), TrainConfig(loss="nll"))
    validate(nn.Sequential(classifier(), nn.LogSoftmax(dim=1)), images(), TrainConfig(loss="nll"))


def test_network_without_weights_is_refused() -> None:
    with pytest.raises(TrainingError, match="nothing to learn"):
        validate(nn.Sequential(nn.Flatten()), images(), TrainConfig())


def test_config_round_trip_and_refusals() -> None:
    config = TrainConfig(optimizer="sgd", lr=0.05, schedule="cosine", early_stopping=True)
    assert TrainConfig.from_dict(config.to_dict()) == config
    assert TrainConfig.from_dict({"lr": 1}) == TrainConfig(lr=1.0)
    with pytest.raises(TrainingError, match="unknown training setting.*colour"):
        TrainConfig.from_dict({"colour": "red"})
    with pytest.raises(TrainingError, match="'epochs' must be a whole number"):
        TrainConfig.from_dict({"epochs": "10"})
    with pytest.raises(TrainingError, match="'early_stopping' must be true or false"):
        TrainConfig.from_dict({"early_stopping": 1})
    with pytest.raises(TrainingError, match="schedule must be one of"):
        TrainConfig.from_dict({"schedule": "warmup"})
    assert TrainConfig().problems() == []


def test_pick_device() -> None:
    assert pick_device("cpu") == torch.device("cpu")
    assert pick_device("auto").type in ("cpu", "cuda", "mps")
    if not torch.cuda.is_available():
        with pytest.raises(TrainingError, match="no usable NVIDIA GPU"):
            pick_device("cuda")
        with pytest.raises(TrainingError, match="no usable NVIDIA GPU"):
            validate(classifier(), images(), TrainConfig(device="cuda"))


class AlwaysFirst(nn.Module):
    """Predicts class 0 for everything."""

    def __init__(self, classes: int) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.arange(classes, 0, -1, dtype=torch.float32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bias.expand(x.shape[0], -1)


def test_evaluate_confusion_and_mistakes() -> None:
    ds = load_dataset("blobs", n_samples=90, seed=2)
    result = evaluate(AlwaysFirst(3), ds, split="test")
    y = ds.y_test.numpy()
    assert result.confusion.shape == (3, 3) and result.confusion.sum() == ds.num_test
    assert (result.confusion[:, 1:] == 0).all()
    assert result.confusion[:, 0].tolist() == ds.class_counts("test")
    assert result.accuracy == pytest.approx((y == 0).mean())
    assert result.misclassified.tolist() == np.nonzero(y != 0)[0].tolist()
    assert (result.predictions == 0).all() and result.loss > 0
    assert evaluate(AlwaysFirst(3), ds, split="train").predictions.shape == (ds.num_train,)


def test_trained_network_evaluates_and_draws_a_grid() -> None:
    ds = load_dataset("moons", n_samples=400, seed=0)
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 2))
    final = list(train(net, ds, TrainConfig(epochs=10, lr=0.02)))[-1]
    result = evaluate(net, ds, device="cpu")
    assert result.accuracy == pytest.approx(final.test_acc)
    grid = decision_grid(net, ds, resolution=40)
    assert grid.classes.shape == (40, 40) and set(np.unique(grid.classes)) == {0, 1}
    assert grid.xs[0] < ds.x_train[:, 0].min() and grid.ys[-1] > ds.x_train[:, 1].max()
    with pytest.raises(TrainingError, match="2-D points"):
        decision_grid(classifier(), images())


def test_thread_choice() -> None:
    before = torch.get_num_threads()
    tiny = nn.Sequential(nn.Linear(2, 4))
    x, y = torch.zeros(8, 2), torch.zeros(8, dtype=torch.int64)
    objective = Objective("cross_entropy", 4, 4)
    try:
        assert ThreadTuner(tiny, x, y, objective, requested=0).threads == 1
        assert ThreadTuner(tiny, x, y, objective, requested=3).threads == 3
        big = ThreadTuner(classifier(), torch.zeros(64, 1, 28, 28), torch.zeros(64, dtype=torch.int64),
                          Objective("cross_entropy", 10, 10), requested=0)
        assert 1 <= big.threads <= before and torch.get_num_threads() == big.threads
        assert big.maybe_retune() == 0.0  # not due yet
    finally:
        torch.set_num_threads(before)


def test_training_restores_the_thread_count() -> None:
    before = torch.get_num_threads()
    records = list(train(classifier(), images(), TrainConfig(epochs=1, cpu_threads=1)))
    assert records[-1].status == "completed" and torch.get_num_threads() == before

