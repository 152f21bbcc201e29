"""Families of non-digits (engine.digits.nondigits) and outlier exposure (engine.training.outliers):
each family draws what it says, fitted and held-out families never mix, and one training step with
outlier exposure lowers the network's confidence on non-digits."""
import numpy as np
import pytest
import torch
from torch import nn

from engine.digits.nondigits import FAMILIES, FITTED, HELD_OUT, LETTERS, SYMBOLS, make_family, nondigit_frames
from engine.training.objective import Objective
from engine.training.outliers import OutlierExposure, applies

PICTURES = {"textures"}  # grayscale pictures; every other family is white ink on black


def test_at_least_eight_families_fitted_and_held_out_apart():
    assert len(FAMILIES) >= 8 and len({f.name for f in FAMILIES}) == len(FAMILIES)
    assert set(FITTED).isdisjoint(HELD_OUT) and len(HELD_OUT) >= 4 and len(FITTED) >= 3
    assert not set("0123456789OoIlSZBgq") & set(LETTERS)  # letters written like digits are left out
    assert not set("0123456789|/()") & set(SYMBOLS)


@pytest.mark.parametrize("family", [f.name for f in FAMILIES])
def test_each_family_draws_pad_canvases_repeatably(family):
    canvases = make_family(family, 6, seed=3)
    assert len(canvases) == 6
    for canvas in canvases:
        assert canvas.shape == (280, 280) and canvas.dtype == np.uint8
        if family not in PICTURES:
            assert canvas.max() >= 128 and np.median(canvas) == 0  # ink on a black pad
            assert (canvas > 127).mean() < 0.6  # a figure, not a filled pad
    assert all(np.array_equal(a, b) for a, b in zip(canvases, make_family(family, 6, seed=3)))
    assert not all(np.array_equal(a, b) for a, b in zip(canvases, make_family(family, 6, seed=4)))


def test_dots_cover_every_size_and_stray_marks_are_small():
    dots = make_family("dots", 60, seed=1)
    areas = np.array([(c > 127).mean() for c in dots])
    assert areas.min() < 0.001 and areas.max() > 0.05
    assert max((c > 127).mean() for c in make_family("stray", 30, seed=1)) < 0.01


def test_families_drawn_from_given_digits():
    digits = np.zeros((3, 28, 28), np.uint8)
    digits[:, 6:22, 12:16] = 255  # three "1"s
    for family in ("overlaps", "jumbles", "marred", "numbers"):
        canvas = make_family(family, 1, seed=0, overlap_digits=digits)[0]
        assert canvas.max() >= 128


def test_framed_nondigits_are_network_inputs():
    frames = nondigit_frames(14, seed=0, side=56)
    assert frames.shape == (14, 28, 28) and frames.dtype == np.float32
    assert 0.0 <= frames.min() and frames.max() <= 1.0 and (frames.reshape(14, -1).max(1) > 0).mean() > 0.5


def test_outlier_exposure_applies_to_digit_classifiers_only():
    class Data:
        name, kind, input_shape = "mnist", "image", (1, 28, 28)

    assert applies(Data(), Objective("cross_entropy", 10, 10))
    assert not applies(Data(), Objective("mse", 10, 10))
    Data.name = "cifar10"
    assert not applies(Data(), Objective("cross_entropy", 10, 10))


def test_an_outlier_exposure_step_lowers_confidence_on_nondigits():
    torch.manual_seed(0)
    bank = torch.from_numpy(nondigit_frames(48, seed=5, side=56))[:, None]
    labels = torch.arange(32) % 10
    digits = torch.rand(10, 1, 28, 28)[labels] + 0.1 * torch.randn(32, 1, 28, 28)  # ten learnable "classes"

    def trained(with_exposure: bool) -> tuple[float, float]:
        torch.manual_seed(1)
        net = nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10))
        exposure = OutlierExposure(bank, 32, torch.Generator().manual_seed(2))
        optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
        for _ in range(40):
            out = net(exposure.extended(digits) if with_exposure else digits)
            out, extra = exposure.split(out, 32) if with_exposure else (out, 0.0)
            optimizer.zero_grad()
            (nn.functional.cross_entropy(out, labels) + extra).backward()
            optimizer.step()
        with torch.no_grad():
            accuracy = float((net(digits).argmax(1) == labels).float().mean())
            return float(torch.softmax(net(bank), 1).max(1).values.mean()), accuracy

    (exposed, exposed_accuracy), (plain, plain_accuracy) = trained(True), trained(False)
    assert exposed < 0.75 * plain and exposed_accuracy == plain_accuracy == 1.0
