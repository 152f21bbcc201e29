"""The learning-rate range test: probes, suggests, explodes gracefully and restores the weights."""
from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from engine.data import Dataset
from engine.training import TrainConfig, TrainingError, lr_find
from engine.training.lr_range import suggest


def _points() -> Dataset:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(400, 2, generator=gen)
    y = (x[:, 0] + x[:, 1] > 0).long()
    return Dataset("pts", "points", x[:320], y[:320], x[320:], y[320:], (2,), 2, ["a", "b"], (0.0, 0.0),
                   (1.0, 1.0))


def _net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 2))


def test_probe_grows_the_rate_exponentially_and_restores_everything():
    net = _net()
    before = {k: v.clone() for k, v in net.state_dict().items()}  # BatchNorm statistics included
    net.eval()
    result = lr_find(net, _points(), TrainConfig(batch_size=32, device="cpu", optimizer="sgd"), steps=60)
    assert not net.training  # its mode is put back too
    for key, value in net.state_dict().items():
        assert torch.equal(value, before[key]), key
    ratios = [b / a for a, b in zip(result.lrs, result.lrs[1:])]
    assert max(ratios) == pytest.approx(min(ratios), rel=1e-6)  # a constant factor per step
    assert len(result.losses) == len(result.lrs) == len(result.smoothed)
    assert result.suggestion is not None and result.lrs[0] < result.suggestion < result.lrs[-1]
    assert set(result.to_dict()) == {"lrs", "losses", "suggestion"}


def test_probe_stops_when_the_loss_explodes():
    result = lr_find(_net(), _points(), TrainConfig(batch_size=32, device="cpu", optimizer="sgd", momentum=0.0),
                     start_lr=1e-3, end_lr=1e6, steps=200)
    assert result.stopped_early and len(result.lrs) < 200


def test_suggestion_is_the_steepest_fall_of_the_smoothed_loss():
    lrs = [10 ** (-6 + i * 0.1) for i in range(60)]
    smoothed = [2.0] * 25 + [2.0 - 0.3 * i for i in range(1, 6)] + [0.5] * 30  # falls fastest around 1e-3.5
    found = suggest(lrs, smoothed)
    assert 10 ** -3.6 <= found <= 10 ** -3.0
    assert suggest(lrs[:12], smoothed[:12]) is None  # too short to say
    assert suggest(lrs, [1.0 + i for i in range(60)]) is None  # never falls: no suggestion


@pytest.mark.parametrize("kwargs, words", [({"start_lr": 0}, "positive"), ({"end_lr": 1e-9}, "larger"),
                                           ({"steps": 2}, "between 5")])
def test_bad_ranges_are_refused(kwargs, words):
    with pytest.raises(TrainingError, match=words):
        lr_find(_net(), _points(), TrainConfig(device="cpu"), **kwargs)


def test_cli_json(cli):
    result = cli("lr-find", "--template", "mlp", "--dataset", "moons", "--steps", "40", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"lrs", "losses", "suggestion"} and len(data["lrs"]) == len(data["losses"]) <= 40


def test_cli_table_and_usage_errors(cli):
    result = cli("lr-find", "--template", "mlp", "--dataset", "moons", "--steps", "30")
    assert result.returncode == 0 and "learning rate" in result.stdout
    assert cli("lr-find", "--dataset", "moons").returncode == 2
    bad = cli("lr-find", "--template", "mlp", "--dataset", "folder")
    assert bad.returncode == 2 and "--data-dir" in bad.stderr


def test_should_stop_ends_the_probe_before_the_next_batch_and_restores_the_weights():
    net = _net()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    asked = []

    def stop() -> bool:
        asked.append(1)
        return len(asked) > 7  # the 8th question, before the 8th batch

    result = lr_find(net, _points(), TrainConfig(batch_size=32, device="cpu", optimizer="sgd"), steps=60,
                     should_stop=stop)
    assert result.cancelled and not result.stopped_early and result.suggestion is None
    assert len(result.lrs) == len(result.losses) == 7
    for key, value in net.state_dict().items():
        assert torch.equal(value, before[key]), key
