"""The ink's size (engine.training.ink_shape) in the framed picture against training digits'. Fitted
on digits only, it flags what the pad's framing keeps small (a stray tick, a pen-tip dot) and nothing
digit-sized; the detectors share one false-alarm budget
(digit_shape.shared_budget). Synthetic digits only (engine.digits.make_digits): no MNIST."""
import json
import math

import numpy as np
import pytest
import torch

from engine.digits import make_digits
from engine.digits.nondigits import make_family
from engine.digits.preprocess import frames_as_the_pad_sees
from engine.training import digit_shape, ink_shape
from engine.training.calibration import Calibration

MEAN, STD = 0.1307, 0.3081
LOW, HIGH = -MEAN / STD, (1 - MEAN) / STD  # the normalized range of ink 0..1


def normalized(images: np.ndarray) -> torch.Tensor:
    x = torch.from_numpy(np.asarray(images, np.float32))
    x = x / 255 if x.max() > 1 else x
    return ((x - MEAN) / STD)[:, None]


def pad_framed(canvases: list[np.ndarray]) -> torch.Tensor:
    return normalized(frames_as_the_pad_sees(canvases, (28, 28)))


@pytest.fixture(scope="module")
def ink_model():
    """Fitted on synthetic training digits; the threshold keeps 98.5 % of other digits as the pad frames them."""
    images, _ = make_digits(900, seed=3)
    model = json.loads(json.dumps(ink_shape.fit(normalized(images[:600]), LOW, HIGH)))  # as a project stores it
    canvases = [np.kron(d, np.ones((3, 3), np.uint8)) for d in images[600:]]  # 84×84 canvases
    kept = ink_shape.score(model, pad_framed(canvases))
    return model, float(torch.quantile(kept, 0.985)), kept


def test_size_is_the_longer_side_of_the_ink_as_a_share_of_the_field():
    ink = torch.zeros(3, 28, 28)
    ink[0, 4:24, 10:20] = 1.0  # a filled 20×10 box
    ink[1, 10:14, 3:9] = 0.5  # a 4×6 tick
    ink[1, 0, 0] = 0.1  # too faint to widen the box
    assert torch.allclose(ink_shape.size(ink), torch.tensor([20 / 28, 6 / 28, 0.0]))  # no ink: 0


def test_digits_are_kept_and_stray_marks_and_small_dots_are_flagged(ink_model):
    model, threshold, kept = ink_model
    assert (kept > threshold).float().mean() <= 0.02
    assert model["median"] == pytest.approx(20 / 28, abs=1 / 28)  # a digit fills the 20×20 box
    for family, least in (("stray", 0.95), ("dots", 0.5)):  # dots under a fifth of the pad: about 2 in 3
        scores = ink_shape.score(model, pad_framed(make_family(family, 40, seed=5, side=84)))
        assert (scores > threshold).float().mean() >= least, family


def test_digit_sized_marks_whatever_their_pen_are_not_evidence(ink_model):
    """A disc, a bold blob or a digit drawn with a fat pen fills the box like a digit: the ink's size says
    nothing about them (the other detectors do); a size a pixel or two short is no evidence either."""
    from PIL import Image, ImageDraw

    model, _, _ = ink_model
    image = Image.new("L", (280, 280), 0)
    ImageDraw.Draw(image).ellipse((60, 60, 220, 220), fill=255)
    assert float(ink_shape.score(model, pad_framed([np.asarray(image)]))[0]) == 0.0
    short = torch.zeros(1, 28, 28)
    short[0, 5:23, 12:15] = 1.0  # 18/28, as the synthetic digits are framed
    assert float(ink_shape.score(model, normalized(short.numpy()))[0]) == 0.0


def test_an_empty_pad_is_not_unlike_a_digit(ink_model):
    model, threshold, _ = ink_model
    assert float(ink_shape.score(model, normalized(np.zeros((1, 28, 28))))[0]) == 0.0 <= threshold


def test_a_damaged_ink_entry_is_refused():
    good = {"low": LOW, "high": HIGH, "threshold": 1.0, "median": 0.7, "spread": 0.1}
    assert ink_shape.checked(good) == good
    for damage in ({"median": [0.7]}, {"spread": 0.0}, {"threshold": math.nan},
                   {"low": True}, {"high": LOW}, {"median": "x"}):
        with pytest.raises(ValueError):
            ink_shape.checked(good | damage)
    with pytest.raises(ValueError):
        ink_shape.checked([1, 2])


def test_the_detectors_share_the_false_alarm_budget():
    generator = torch.Generator().manual_seed(0)
    independent = {k: torch.randn(4000, generator=generator) for k in ("head", "pixels", "ink")}
    cuts = digit_shape.shared_budget(independent, 0.04)
    flags = torch.stack([independent[k] > cuts[k] for k in independent])
    assert 0.035 <= float(flags.any(0).float().mean()) <= 0.04  # the union keeps its budget
    shares = flags.float().mean(1)
    assert float(shares.max() - shares.min()) < 0.003  # each at the same quantile: about a third each
    same = {"head": independent["head"], "pixels": independent["head"].clone()}
    cuts = digit_shape.shared_budget(same, 0.04)  # overlapping parts: each may flag the whole budget
    assert float((same["head"] > cuts["head"]).float().mean()) == pytest.approx(0.04, abs=0.002)
    tied = {"head": independent["head"], "ink": torch.zeros(4000)}  # a part that never exceeds its own cut
    assert 0.035 <= float((tied["head"] > digit_shape.shared_budget(tied, 0.04)["head"]).float().mean()) <= 0.04


def test_projects_calibrated_before_the_ink_statistics_read_as_before():
    head = {"mean": [0.0], "std": [1.0], "w1": [[1.0]], "b1": [0.0], "w2": [1.0], "b2": 0.0}
    pixels = {"low": LOW, "high": HIGH, "threshold": 1.0, "means": digit_shape.pack(torch.zeros(2, 784)),
              "bases": digit_shape.pack(torch.zeros(2, 3, 784), "i8")}
    entry = {"temperature": 1.0, "method": "digit_shape", "threshold": 0.0, "head": head, "feature_nodes": [],
             "shape": {"head_threshold": 0.0, "pixels": pixels}}
    assert Calibration.from_meta({"calibration": entry}).shape == entry["shape"]
    damaged = dict(entry, shape={**entry["shape"], "ink": {"low": 0.0}})
    assert Calibration.from_meta({"calibration": damaged}) == Calibration()
