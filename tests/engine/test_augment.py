"""Augmentation: the grammar (engine.training.augment_spec), the batched per-sample transforms
(engine.training.augment) and that training applies them to training batches only."""
from __future__ import annotations

import pytest
import torch

from engine.data import Dataset
from engine.training import TrainConfig, TrainingError
from engine.training.augment import Augmenter, make_augmenter
from engine.training.augment_spec import AugmentError, canonical, describe, parse


def test_grammar_reads_terms_with_and_without_amounts():
    assert parse("flip,rotate=15,crop=0.8,jitter=0.2") == {"flip": 0.5, "rotate": 15.0, "crop": 0.8,
                                                          "jitter": 0.2}
    assert parse(" Rotate = 10 , flip ") == {"flip": 0.5, "rotate": 10.0}
    assert parse("") == {}
    assert canonical("jitter,flip=1") == "flip=1,jitter=0.2"
    assert describe("flip,rotate=15") == "flip 50%, rotate ±15°"
    assert describe("") == "none"


@pytest.mark.parametrize("spec, words", [
    ("blur", "unknown augmentation 'blur'; allowed: flip, rotate, translate, crop, jitter"),
    ("rotate=500", "out of range"),
    ("crop=0", "out of range"),
    ("jitter=x", "needs a number"),
    ("flip,flip", "given twice"),
    ("rotate=nan", "out of range"),
])
def test_bad_terms_get_one_clear_message(spec, words):
    with pytest.raises(AugmentError, match=words.replace("(", r"\(").replace(")", r"\)")):
        parse(spec)


def test_a_bad_spec_is_a_training_setting_problem():
    with pytest.raises(TrainingError, match="unknown augmentation"):
        TrainConfig.from_dict({"augment": "sharpen"})
    assert TrainConfig(augment="flip").problems() == []


@pytest.fixture
def tiny_images() -> Dataset:
    gen = torch.Generator().manual_seed(0)
    y = torch.arange(96) % 2
    x = (torch.rand(96, 1, 8, 8, generator=gen) * 100 + y.view(-1, 1, 1, 1) * 120).to(torch.uint8)
    return Dataset("bright", "image", x[:64], y[:64], x[64:], y[64:], (1, 8, 8), 2, ["dark", "bright"],
                   (0.35,), (0.25,))


@pytest.fixture
def tiny_points() -> Dataset:
    x = torch.randn(40, 2, generator=torch.Generator().manual_seed(0))
    y = (x[:, 0] > 0).long()
    return Dataset("pts", "points", x[:32], y[:32], x[32:], y[32:], (2,), 2, ["a", "b"], (0.0, 0.0), (1.0, 1.0))


def _pictures(n=16, c=3, size=16):
    return torch.randint(0, 256, (n, c, size, size), dtype=torch.uint8)


def test_each_sample_is_drawn_its_own_way_and_stays_in_range():
    x = _pictures().float()
    x[:] = x[0]  # sixteen copies of one picture
    out = Augmenter("flip,rotate=30,translate=0.2,crop=0.5,jitter=0.5", 255.0)(x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape and out.dtype == torch.float32
    assert 0.0 <= float(out.min()) and float(out.max()) <= 255.0
    distinct = {tuple(o.flatten()[:64].round().tolist()) for o in out}
    assert len(distinct) > 8  # per-sample parameters, not one draw for the batch


def test_flip_with_probability_one_mirrors_exactly():
    x = _pictures(4).float()
    out = Augmenter("flip=1", 255.0)(x, torch.Generator().manual_seed(0))
    assert torch.allclose(out, x.flip(-1), atol=1e-3)


def test_pictures_only():
    with pytest.raises(AugmentError, match="image datasets"):
        make_augmenter("flip", torch.zeros(10, 2))
    assert make_augmenter("", torch.zeros(10, 2)) is None


def test_training_refuses_augmenting_points_before_it_starts(tiny_points):
    from torch import nn

    from engine.training import train
    module = nn.Sequential(nn.Linear(2, 2))
    with pytest.raises(TrainingError, match="image datasets"):
        train(module, tiny_points, TrainConfig(augment="flip", epochs=1, device="cpu"))


def test_only_training_batches_are_augmented(monkeypatch, tiny_images):
    """Validation and test go through run_inference, which never calls the augmenter: count the calls
    and the batch sizes they saw."""
    from torch import nn

    from engine.training import augment as aug
    from engine.training import train
    seen = []
    original = aug.Augmenter.__call__

    def spy(self, x, generator):
        seen.append(x.shape[0])
        return original(self, x, generator)

    monkeypatch.setattr(aug.Augmenter, "__call__", spy)
    module = nn.Sequential(nn.Flatten(), nn.Linear(tiny_images.x_train[0].numel(), tiny_images.num_classes))
    config = TrainConfig(augment="flip,rotate=10", epochs=1, batch_size=8, device="cpu", val_split=0.25,
                         schedule="none")
    records = list(train(module, tiny_images, config))
    assert records[-1].status == "completed", records[-1].message
    n_train = tiny_images.num_train - int(tiny_images.num_train * 0.25)
    assert sum(seen) <= n_train and all(s <= 8 for s in seen)
