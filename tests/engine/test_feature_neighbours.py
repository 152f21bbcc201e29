"""The distance to the nearest training digits' features (engine.training.feature_neighbours): small
where training features are, large away from them whatever their length, stored compactly, read
defensively; calibrations stored before it (with the Mahalanobis part) still read. No MNIST."""
import json

import pytest
import torch

from engine.training import digit_shape, feature_neighbours
from engine.training.calibration import Calibration


def clusters(n: int, seed: int) -> torch.Tensor:
    """n features (n, 40) around three directions, like a network's class clusters, at random lengths."""
    generator = torch.Generator().manual_seed(seed)
    centres = torch.eye(40)[:3] * 5
    points = centres[torch.arange(n) % 3] + torch.randn(n, 40, generator=generator) * 0.2
    return points * torch.rand(n, 1, generator=generator).add(0.5)


@pytest.fixture(scope="module")
def model():
    fitted = feature_neighbours.fit(clusters(3000, 0))
    stored = json.loads(json.dumps(fitted | {"threshold": 1.0}))  # as a project stores it
    return feature_neighbours.read(stored)


def test_near_training_features_is_close_and_between_clusters_is_far(model):
    digits = clusters(200, 1)
    near = feature_neighbours.score(model, digits)
    between = clusters(200, 2)
    between = between + torch.roll(between, 1, 0)  # two classes at once: a direction no digit has
    far = feature_neighbours.score(model, between)
    assert float(far.min()) > float(torch.quantile(near, 0.99))
    assert torch.allclose(feature_neighbours.score(model, digits[:5] * 7), near[:5], atol=1e-4)  # length
    assert feature_neighbours.score(model, torch.zeros(2, 41)) is None  # the network changed since


def test_stored_small_and_damage_refused():
    fitted = feature_neighbours.fit(clusters(3000, 0))
    assert fitted["bank"]["shape"] == [feature_neighbours.BANK, 40] and "i8" in fitted["bank"]
    assert feature_neighbours.fit(clusters(10, 0)) is None  # fewer digits than 2·K
    for damaged in ("x", fitted, fitted | {"threshold": float("nan")}, fitted | {"threshold": 1.0, "k": 0},
                    fitted | {"threshold": 1.0, "mean": digit_shape.pack(torch.zeros(39), "f32")}):
        with pytest.raises(ValueError):
            feature_neighbours.read(damaged)


def test_a_calibration_stored_before_the_neighbours_still_reads_and_a_damaged_one_is_neutral():
    head = {"mean": [0.0], "std": [1.0], "w1": [[1.0]], "b1": [0.0], "w2": [1.0], "b2": 0.0}
    features, y = clusters(600, 3), torch.arange(600) % 3
    old_shape = {"head_threshold": 0.5, "features": digit_shape.fit_features(features, y, 3) | {"threshold": 9.0}}
    entry = {"temperature": 1.0, "method": "digit_shape", "threshold": 0.0, "head": head, "feature_nodes": ["f"],
             "shape": json.loads(json.dumps(old_shape))}
    cal = Calibration.from_meta({"calibration": entry})
    assert cal.method == "digit_shape" and set(cal._shape_tensors) == {"features"}
    parts = digit_shape.scores(cal._shape_tensors, torch.zeros(4, 1, 2, 2), features[:4], y[:4])
    assert set(parts) == {"features"}
    neighbours = feature_neighbours.fit(features) | {"threshold": 1.0, "k": -1}
    damaged = dict(entry, shape=json.loads(json.dumps({"head_threshold": 0.5, "neighbours": neighbours})))
    assert Calibration.from_meta({"calibration": damaged}) == Calibration()
