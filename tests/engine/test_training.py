"""engine.training's loop: records, stop, pause, early stopping, NaN and failures, reproducibility."""
from __future__ import annotations

import threading
import time

import pytest
import torch
from torch import nn

from engine.data import Dataset, load_dataset
from engine.training import EpochRecord, FinishedRecord, StepRecord, TrainConfig, TrainControl, steps_per_epoch, train


def moons(n: int = 400) -> Dataset:
    return load_dataset("moons", n_samples=n, noise=0.1, seed=0)


def mlp(width: int = 16, outputs: int = 2, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, width), nn.ReLU(), nn.Linear(width, outputs))


def run(module: nn.Module, ds: Dataset, control: TrainControl | None = None, **config: object) -> list:
    return list(train(module, ds, TrainConfig(**config), control))


def bright_dark(n: int = 256) -> Dataset:
    """uint8 images whose class is their brightness: learnable in a few steps."""
    gen = torch.Generator().manual_seed(0)
    y = torch.arange(n) % 2
    x = (torch.rand(n, 1, 8, 8, generator=gen) * 100 + y.view(-1, 1, 1, 1) * 120).to(torch.uint8)
    return Dataset("bright", "image", x[:200], y[:200], x[200:], y[200:], (1, 8, 8), 2,
                   ["dark", "bright"], (0.35,), (0.25,))


class Counting(nn.Module):
    """Wraps a module and counts training-mode forward passes (one per batch)."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner, self.batches = inner, 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.batches += int(self.training)
        return self.inner(x)


def test_records_and_loss_falls() -> None:
    records = run(mlp(), moons(), epochs=6, lr=0.02, log_every=3)
    steps = [r for r in records if isinstance(r, StepRecord)]
    epochs = [r for r in records if isinstance(r, EpochRecord)]
    final = records[-1]
    assert isinstance(final, FinishedRecord) and final.status == "completed" and final.epochs_run == 6
    assert len(epochs) == 6 and epochs[-1].train_loss < epochs[0].train_loss * 0.7
    assert steps and all(s.loss > 0 and s.samples_per_s > 0 and 0 < s.lr <= 0.02 for s in steps)
    assert steps[-1].total_steps == 6 * steps_per_epoch(288, 64)
    assert final.test_acc is not None and final.test_acc > 0.8 and epochs[-1].val_acc is not None


def test_uint8_images_train_with_device_normalization() -> None:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 2))
    records = run(net, bright_dark(), epochs=4, lr=0.01, batch_size=32)
    assert records[-1].status == "completed" and records[-1].test_acc == 1.0


@pytest.mark.parametrize(("loss", "outputs", "tail"), [
    ("bce", 1, []), ("mse", 2, []), ("mse", 1, []), ("nll", 2, [nn.LogSoftmax(dim=1)])])
def test_other_losses_learn(loss: str, outputs: int, tail: list[nn.Module]) -> None:
    net = nn.Sequential(mlp(outputs=outputs), *tail)
    records = run(net, moons(), epochs=8, lr=0.02, loss=loss)
    assert records[-1].status == "completed" and records[-1].test_acc > 0.8


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw", "adagrad", "adadelta", "rmsprop"])
@pytest.mark.parametrize("schedule", ["none", "step", "cosine", "onecycle"])
def test_every_optimizer_and_schedule_runs(optimizer: str, schedule: str) -> None:
    records = run(mlp(), moons(100), epochs=3, optimizer=optimizer, schedule=schedule,
                  lr=0.01, log_every=1, nesterov=optimizer == "sgd")
    assert records[-1].status == "completed"
    lrs = [r.lr for r in records if isinstance(r, StepRecord)]
    assert (len(set(lrs)) > 1) == (schedule != "none")


def test_stop_is_honoured_before_the_next_batch() -> None:
    net, control = Counting(mlp()), TrainControl()
    records = train(net, moons(), TrainConfig(epochs=50, log_every=1), control)
    first = next(records)
    assert isinstance(first, StepRecord) and net.batches == 1
    control.request_stop()
    rest = list(records)
    assert len(rest) == 1 and rest[0].status == "stopped" and net.batches == 1
    assert rest[0].test_acc is None and "Stopped" in rest[0].message


def test_pause_waits_and_resume_continues() -> None:
    net, control = Counting(mlp()), TrainControl()
    records = train(net, moons(), TrainConfig(epochs=1, log_every=1), control)
    next(records)
    control.pause()
    assert control.paused
    threading.Timer(0.3, control.resume).start()
    start = time.perf_counter()
    following = next(records)
    assert time.perf_counter() - start >= 0.25 and net.batches == 2
    assert isinstance(following, StepRecord) and following.step == 2
    assert list(records)[-1].status == "completed"


def test_stop_while_paused() -> None:
    net, control = Counting(mlp()), TrainControl()
    records = train(net, moons(), TrainConfig(epochs=3, log_every=1), control)
    next(records)
    control.pause()
    threading.Timer(0.2, control.request_stop).start()
    assert next(records).status == "stopped" and net.batches == 1


def test_early_stopping_restores_best_weights() -> None:
    gen = torch.Generator().manual_seed(1)  # random labels: validation loss rises as it memorizes
    x = torch.randn(200, 2, generator=gen)
    y = torch.randint(0, 2, (200,), generator=gen)
    ds = Dataset("noise", "points", x[:160], y[:160], x[160:], y[160:], (2,), 2, ["a", "b"],
                 (0.0, 0.0), (1.0, 1.0))
    net = mlp(width=256)
    snapshots: dict[int, dict[str, torch.Tensor]] = {}
    records = []
    for record in train(net, ds, TrainConfig(epochs=60, lr=0.01, early_stopping=True, patience=2,
                                               val_split=0.3)):
        records.append(record)
        if isinstance(record, EpochRecord):
            snapshots[record.epoch] = {k: v.clone() for k, v in net.state_dict().items()}
    final = records[-1]
    assert final.status == "early_stopped" and final.epochs_run < 60
    assert final.best_epoch == final.epochs_run - 2 and "Restored the weights" in final.message
    best = [r for r in records if isinstance(r, EpochRecord) and r.epoch == final.best_epoch][0]
    assert best.is_best and final.best_val_acc == best.val_acc
    for key, value in net.state_dict().items():
        assert torch.equal(value, snapshots[final.best_epoch][key])


class Poisoned(nn.Module):
    """Fine in eval mode (so validation passes), then fails or gives NaN while training."""

    def __init__(self, failure: str) -> None:
        super().__init__()
        self.inner, self.failure = mlp(), failure

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.inner(x)
        if not self.training:
            return out
        if self.failure == "nan":
            return out * float("nan")
        if self.failure == "oom":
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        raise ValueError("something broke")


@pytest.mark.parametrize(("failure", "status", "words"), [
    ("nan", "nan", "learning rate"), ("oom", "oom", "smaller batch size"),
    ("error", "error", "something broke")])
def test_failures_end_in_a_record(failure: str, status: str, words: str) -> None:
    records = run(Poisoned(failure), moons(), epochs=2, log_every=5)
    assert isinstance(records[-1], FinishedRecord) and records[-1].status == status
    assert words in records[-1].message and not any(isinstance(r, EpochRecord) for r in records)


def test_huge_learning_rate_diverges_to_nan() -> None:
    records = run(mlp(), moons(), epochs=5, optimizer="sgd", lr=1e10, log_every=1)
    assert records[-1].status == "nan" and "e.g. to 0.001" in records[-1].message


def test_same_seed_same_run() -> None:
    def losses(seed: int) -> list[float]:
        net = nn.Sequential(mlp(), nn.Dropout(0.2), nn.Linear(2, 2))
        torch.manual_seed(0)
        net[2].reset_parameters()
        return [r.loss for r in run(net, moons(), epochs=2, log_every=1, seed=seed)
                if isinstance(r, StepRecord)]
    assert losses(3) == losses(3)
    assert losses(3) != losses(4)


def test_batchnorm_never_sees_a_batch_of_one() -> None:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
    ds = moons(100)  # 80 training samples: 16 + 16 + ... + 16 with batch size 79 leaves one over
    assert run(net, ds, epochs=2, batch_size=79, val_split=0.0)[-1].status == "completed"
    assert steps_per_epoch(80, 79) == 1 and steps_per_epoch(81, 79) == 2


def test_a_run_of_one_step_an_epoch_still_draws_its_per_step_curve() -> None:
    """Steps are reported every `log_every` steps and at each epoch's end: a tiny data set trained in one batch
    an epoch (the perceptron on XOR) gets a point per epoch instead of one point every 10 epochs."""
    records = run(mlp(), moons(), epochs=4, lr=0.02, batch_size=512, log_every=10)
    steps = [r for r in records if isinstance(r, StepRecord)]
    assert [s.epoch for s in steps] == [1, 2, 3, 4]
    assert [s.step for s in steps] == [1, 2, 3, 4]
