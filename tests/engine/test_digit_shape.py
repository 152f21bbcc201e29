"""The scores of what digits are (engine.training.digit_shape): fitted on digits only, they flag
what is far from every digit (a single dot, hatching) and keep digits; stored compactly and read
defensively. Synthetic digits only (engine.digits.make_digits): no MNIST."""
import json
import math

import numpy as np
import pytest
import torch

from engine.digits import make_digits
from engine.digits.nondigits import make_family
from engine.digits.preprocess import frames_as_the_pad_sees
from engine.training import digit_shape
from engine.training.calibration import Calibration

MEAN, STD = 0.1307, 0.3081


def normalized(images: np.ndarray) -> torch.Tensor:
    """uint8 or [0, 1] float pictures (N, 28, 28) -> the network's normalized inputs (N, 1, 28, 28)."""
    x = torch.from_numpy(np.asarray(images, np.float32))
    x = x / 255 if x.max() > 1 else x
    return ((x - MEAN) / STD)[:, None]


@pytest.fixture(scope="module")
def pixel_model():
    images, labels = make_digits(1200, seed=1)
    model = digit_shape.fit_pixels(normalized(images[:1000]), torch.from_numpy(labels[:1000]), 10)
    stored = json.loads(json.dumps(model | {"threshold": 1.0}))  # as a project stores it
    return digit_shape.read({"pixels": stored})["pixels"], images[1000:], labels[1000:]


def test_pack_round_trips_in_float16_and_refuses_damage():
    values = torch.randn(3, 5)
    entry = digit_shape.pack(values)
    assert torch.allclose(digit_shape.unpack(json.loads(json.dumps(entry))), values, atol=2e-3)
    small = digit_shape.unpack(json.loads(json.dumps(digit_shape.pack(values, "i8"))))
    assert torch.allclose(small, values, atol=float(values.abs().max()) / 127)
    for damaged in ({"shape": [3, 6], "f16": entry["f16"]}, {"shape": [-1], "f16": entry["f16"]},
                    {"shape": [1], "f16": digit_shape.pack(torch.tensor([math.inf]))["f16"]}, {"shape": [2]}, "x"):
        with pytest.raises(ValueError):
            digit_shape.unpack(damaged)


def test_pixels_keep_digits_and_flag_hatching_and_doodles(pixel_model):
    """Far from every class's subspace, whichever digit the network would answer. (A small dot is
    near the subspaces: it is mostly background. The head and the features flag it: the next test.)"""
    model, digits, labels = pixel_model
    kept = digit_shape.pixel_score(model, normalized(digits), torch.from_numpy(labels))
    threshold = float(torch.quantile(kept, 0.985))
    assert (kept > threshold).float().mean() <= 0.02
    for family, least in (("hatching", 0.9), ("doodles", 0.6)):  # a smiley is near a 0
        framed = normalized(frames_as_the_pad_sees(make_family(family, 20, seed=2), (28, 28)))
        for label in range(10):
            flagged = digit_shape.pixel_score(model, framed, torch.full((20,), label)) > threshold
            assert flagged.float().mean() >= least, (family, label)


def test_features_measure_the_mahalanobis_distance_to_the_nearest_class():
    generator = torch.Generator().manual_seed(0)
    y = torch.arange(600) % 3
    centres = torch.tensor([[0.0, 0.0, 0.0, 0.0], [6.0, 0.0, 0.0, 0.0], [0.0, 6.0, 0.0, 0.0]])
    scale = torch.tensor([1.0, 2.0, 0.5, 0.1])  # a shared covariance, very unequal variances
    features = centres[y] + torch.randn(600, 4, generator=generator) * scale
    model = digit_shape.read({"features": digit_shape.fit_features(features, y, 3) | {"threshold": 1.0}})["features"]
    probes = torch.tensor([[6.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 2.0, 0.0]])
    exact = (((probes[:, None] - centres[None]) / scale) ** 2).sum(2).min(1).values
    assert torch.allclose(digit_shape.feature_score(model, probes), exact, rtol=0.2, atol=0.5)  # shrinkage
    assert digit_shape.feature_score(model, torch.zeros(2, 5)) is None  # the network changed since
    assert digit_shape.fit_features(features[:15], y[:15], 3) is None  # too few to estimate a covariance


def test_damaged_shape_entry_means_no_calibration_and_old_head_entries_read_as_before():
    head = {"mean": [0.0], "std": [1.0], "w1": [[1.0]], "b1": [0.0], "w2": [1.0], "b2": 0.0}
    old = {"temperature": 1.5, "method": "digit_head", "threshold": 0.25, "head": head, "feature_nodes": []}
    cal = Calibration.from_meta({"calibration": old})
    assert cal.method == "digit_head" and cal.threshold == 0.25 and cal.shape is None
    bad_pixels = {"low": 0.0, "high": 1.0, "threshold": 1.0, "means": digit_shape.pack(torch.zeros(2, 4)),
                  "bases": digit_shape.pack(torch.zeros(2, 3, 5))}  # sizes disagree
    for shape in ({"head_threshold": 0.0, "pixels": bad_pixels}, {"pixels": None}, "x",
                  {"head_threshold": 0.0, "features": {"rest": float("nan"), "threshold": 1.0}}):
        entry = dict(old, method="digit_shape", threshold=0.0, shape=shape)
        assert Calibration.from_meta({"calibration": entry}) == Calibration()


def test_pixel_distance_per_unit_of_ink_moves_less_with_a_bolder_pen(pixel_model):
    """Round 6: the squared distance is divided by the ink's length (stored as "per_ink"); a model stored
    before reads and scores as it did."""
    model, digits, labels = pixel_model
    x, predicted = normalized(digits[:100]), torch.from_numpy(labels[:100])
    ink = digit_shape.as_ink(x, float(model["low"]), float(model["high"])).reshape(-1, 1, 28, 28)
    bolder = torch.nn.functional.max_pool2d(torch.nn.functional.pad(ink, (1, 1, 1, 1)), 3, stride=1)
    bold_x = bolder * (model["high"] - model["low"]) + model["low"]
    old = {k: v for k, v in model.items() if k != "per_ink"}
    assert model["per_ink"] and "per_ink" not in old
    growth = {name: float((digit_shape.pixel_score(m, bold_x, predicted) / digit_shape.pixel_score(m, x, predicted))
                          .median()) for name, m in (("per_ink", model), ("squared", old))}
    assert growth["per_ink"] < 0.8 * growth["squared"]
    squared = digit_shape.pixel_score(old, x, predicted)
    norms = digit_shape.as_ink(x, float(model["low"]), float(model["high"])).norm(dim=1)
    assert torch.allclose(digit_shape.pixel_score(model, x, predicted), squared / norms, rtol=1e-4)


def test_the_head_also_sees_training_digits_as_the_pad_frames_them_with_other_pens():
    from engine.training.digit_calibration import drawn_with_pens

    images, _ = make_digits(8, seed=4)
    raw = torch.from_numpy(np.rint(images * 255).astype(np.uint8))[:, None]  # as a dataset stores them

    def normalize(x: torch.Tensor) -> torch.Tensor:
        return (x.float() / 255 - MEAN) / STD

    drawn = drawn_with_pens(normalize, raw)
    low, high = float(normalize(raw).min()), float(normalize(raw).max())
    assert drawn.shape == (24, 1, 28, 28) and low - 1e-5 <= float(drawn.min()) and float(drawn.max()) <= high + 1e-5
    ink = (drawn - low) / (high - low)
    plain, bold, soft = ink[:8], ink[8:16], ink[16:]
    assert bool(((bold - plain) >= -1e-5).all()) and float((bold > 0.5).sum()) > 1.2 * float((plain > 0.5).sum())
    assert float((soft > 0.05).sum()) > float((plain > 0.05).sum())
