"""The feature distance Try it's "unsure" reads for image networks (engine.training.feature_density): one
covariance shared by the classes, shrunk (Ledoit-Wolf) and cut to the directions that matter most, so
that it fits a run's stored calibration; and the promise a conformal threshold can make for one run."""
import json
import math

import pytest
import torch

from engine.training.feature_density import checked_density, distance, fit_density, shrunk_covariance
from engine.training.novelty import MAX_TEXT, false_alarm_bound, fit_novelty


def _correlated(n=600, seed=0):
    """Two classes whose two features rise and fall together: a diagonal spread cannot see that."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 2
    common = torch.randn(n, generator=g)
    features = torch.stack([common, common + 0.1 * torch.randn(n, generator=g)], 1) + labels[:, None] * 10.0
    return features, labels


def test_ledoit_wolf_shrinks_towards_the_identity_by_the_published_amount():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(40, 5, generator=g) @ torch.randn(5, 5, generator=g)
    x = x - x.mean(0)
    sample = x.T @ x / 40
    shrunk = shrunk_covariance(x)
    mu = float(torch.trace(sample)) / 5
    # the same trace, the same directions, off-diagonal terms pulled towards zero by one factor
    assert float(torch.trace(shrunk)) == pytest.approx(float(torch.trace(sample)), rel=1e-4)
    off = ~torch.eye(5, dtype=torch.bool)
    factor = shrunk[off] / sample[off]
    assert 0 < float(factor.mean()) < 1 and torch.allclose(factor, factor.mean().expand_as(factor), rtol=1e-3)
    assert torch.allclose(torch.diagonal(shrunk) - mu, float(factor.mean()) * (torch.diagonal(sample) - mu), atol=1e-3)


def test_a_shared_covariance_sees_a_broken_correlation_that_a_diagonal_one_misses():
    features, labels = _correlated()
    tied, diagonal = fit_density(features, labels, rank=2), fit_density(features, labels, rank=0)
    along = torch.tensor([[1.5, 1.5]])  # far along the correlation: as familiar as a class's spread allows
    across = torch.tensor([[1.5, -1.5]])  # the two features disagree: never seen
    assert float(distance(tied, across)) > 5 * float(distance(tied, along))
    assert float(distance(diagonal, across)) == pytest.approx(float(distance(diagonal, along)), rel=0.1)


def test_a_fit_without_components_is_the_diagonal_distance():
    features, labels = _correlated()
    diagonal = fit_density(features, labels, rank=0)
    assert set(diagonal) == {"means", "spread"}
    z = (features[:, None, :] - diagonal["means"][None]) / diagonal["spread"]
    assert torch.allclose(distance(diagonal, features), (z.pow(2).mean(2).min(1).values + 1e-6).sqrt(), atol=1e-5)


def test_the_whole_covariance_is_kept_when_rank_is_the_width():
    features, labels = _correlated()
    full = fit_density(features, labels, rank=2)
    assert full["components"].shape == (2, 2) and float(full["variances"].min()) < 0.1 < float(full["variances"].max())


def test_stored_statistics_stay_within_a_runs_calibration_whatever_the_width():
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(400) % 10
    features = torch.randn(400, 100, generator=g) + labels[:, None].float()
    stats = fit_novelty(features, labels, torch.randn(400, generator=g), torch.rand(400, 3, 8, 8, generator=g))
    assert len(json.dumps(stats)) <= MAX_TEXT + 200 and 0 < len(stats["components"]) <= 16
    checked_density(stats)


def test_damaged_components_are_refused():
    features, labels = _correlated()
    stored = {k: v.tolist() for k, v in fit_density(features, labels, rank=1).items()}
    checked_density(stored)
    for damage in ({"components": [[1.0, 2.0, 3.0]]}, {"variances": [0.0]}, {"rest": -1.0}, {"rest": math.nan}):
        with pytest.raises(ValueError):
            checked_density({**stored, **damage})


def test_one_runs_false_alarms_may_exceed_the_average_promise_by_this_much():
    assert false_alarm_bound(19, 0.05) == pytest.approx(1 - 0.1 ** (1 / 19), abs=1e-6)  # Beta(1, 19): 11.4 %
    assert false_alarm_bound(1000, 0.01) == pytest.approx(0.01417, abs=2e-4)  # many pictures: near the promise
    assert false_alarm_bound(19, 0.05, confidence=0.5) < 0.05 < false_alarm_bound(19, 0.05)
    assert false_alarm_bound(0, 0.05) == 1.0


def test_the_bound_holds_on_simulated_validation_splits():
    from engine.training.novelty import honest_threshold

    g = torch.Generator().manual_seed(1)
    rates = []
    for _ in range(400):
        threshold, promise = honest_threshold(torch.randn(19, generator=g), 0.01)
        rates.append(float((torch.randn(2000, generator=g) > threshold).float().mean()))
    rates = torch.tensor(rates)
    assert float(rates.mean()) <= promise + 0.01
    assert float((rates > false_alarm_bound(19, promise)).float().mean()) <= 0.1 + 0.04
