"""Honest predictions: temperature scaling, the "unlike anything learned" flag, and how a trained
project stores and uses them (predict, the command line)."""
import json
import math

import numpy as np
import pytest
import torch

import engine
from engine.cli import run_cli
from engine.data import Dataset, load_dataset
from engine.digits.scribbles import make_scribble
from engine.inference import predict
from engine.training import TrainConfig, train
from engine.training.calibration import Calibration, calibration_entry, energy, fit_calibration, fit_temperature


def test_fit_temperature_recovers_an_overconfident_scale():
    g = torch.Generator().manual_seed(0)
    true = torch.randn(4000, 5, generator=g) * 2
    y = torch.multinomial(torch.softmax(true, 1), 1, generator=g)[:, 0]
    assert fit_temperature(true * 3, y) == pytest.approx(3.0, rel=0.1)
    assert fit_temperature(true, y) == pytest.approx(1.0, rel=0.1)


def test_energy_is_lower_for_confident_scores():
    assert energy(torch.tensor([[10.0, 0.0]])) < energy(torch.tensor([[0.1, 0.0]]))
    assert energy(torch.tensor([[3.0]])).shape == (1,)  # a binary network's single logit


def test_damaged_or_missing_calibration_is_neutral():
    for entry in (None, "x", {"temperature": "hot"}, {"temperature": -1}, {"method": "magic"},
                  {"method": "digit_head", "head": {"mean": [0.0], "std": [1.0], "w1": [[1.0, 2.0]],
                                                    "b1": [0.0], "w2": [1.0], "b2": 0.0}},
                  {"method": "digit_head", "head": {"mean": [float("nan")], "std": [1.0], "w1": [[1.0]],
                                                    "b1": [0.0], "w2": [1.0], "b2": 0.0}}):
        cal = Calibration.from_meta({"calibration": entry})
        assert cal == Calibration() and cal.temperature == 1.0 and cal.threshold == math.inf


@pytest.fixture(scope="module")
def trained_digits(tmp_path_factory):
    """A small CNN trained briefly on synthetic handwritten-style digits, saved with its calibration like
    `train` does. Real digit shapes: the calibration sets its threshold on digits as the pad frames
    them, which would mean nothing for test-made patterns whose class is their position."""
    from engine.digits import make_digits

    tmp_path = tmp_path_factory.mktemp("digits")
    images, labels = make_digits(768, seed=0)
    x, y = torch.from_numpy(images)[:, None], torch.from_numpy(labels)
    dataset = data = Dataset("digits", "image", x[64:], y[64:], x[:64], y[:64], (1, 28, 28), 10,
                             [str(i) for i in range(10)], (0.1307,), (0.3081,))
    torch.manual_seed(0)
    graph = engine.templates.load("lenet5")
    module = engine.build_module(graph)
    config = TrainConfig(epochs=3, batch_size=32, device="cpu", cpu_threads=1, val_split=0.2)
    assert list(train(module, dataset, config))[-1].status == "completed"
    meta = {"dataset": "digits", "class_names": data.class_names, "mean": list(data.mean), "std": list(data.std),
            "calibration": calibration_entry(module, dataset, config.val_split, config.seed)}
    path = engine.save(graph, tmp_path / "digits.nwproj", weights=module, meta=meta)
    return dataset, module, meta, path


def test_digits_get_a_learned_rejection_that_flags_scribbles_and_keeps_digits(trained_digits):
    dataset, module, meta, _ = trained_digits
    cal = Calibration.from_meta(meta)
    assert cal.method == "digit_shape" and cal.feature_nodes == ("flatten", "relu3", "relu4")
    assert "pixels" in (cal.shape or {}) and cal.kept is not None and cal.kept >= 0.9
    assert "features" not in (cal.shape or {})  # 563 digits are too few to estimate 604 features' covariance
    assert 0.05 <= cal.temperature <= 20
    json.dumps(meta, allow_nan=False)
    module.eval().cpu()
    # The test digits as the pad frames them: every picture the calibration judges comes through the
    # pad's framing (engine.inference.predict), and its thresholds are set on validation digits framed
    # so. The synthetic digits as stored are framed otherwise (18/28, thinner): with the detectors'
    # shared budget (4 % of 141 validation digits) the pixel subspace flags 8 of these 64 as stored
    # (5 of 64 before), 1 of 64 as the pad frames them.
    from engine.training.calibration import as_the_pad_sees

    test = (as_the_pad_sees(dataset.x_test).float() / 255 - dataset.mean[0]) / dataset.std[0]
    assert cal.judge(module, test).unsure.float().mean() <= 0.1
    rng = np.random.default_rng(7)
    dash = predict(module, make_scribble("dash", rng), meta)
    blob = predict(module, make_scribble("blob", rng), meta)
    assert dash.unsure and blob.unsure
    assert abs(sum(dash.probabilities) - 1) < 1e-5
    blank = predict(module, np.zeros((280, 280), np.uint8), meta)
    assert not blank.unsure  # an empty pad is not "unlike a digit": there is nothing yet


def test_a_single_dot_is_unsure(trained_digits):
    """A pen-tip dot stays a small dot after preprocessing (not a 20×20 blob) and is flagged."""
    from PIL import Image, ImageDraw

    _, module, meta, _ = trained_digits
    for box in ((130, 100, 153, 123), (40, 200, 52, 212)):
        image = Image.new("L", (280, 280), 0)
        ImageDraw.Draw(image).ellipse(box, fill=255)
        dot = predict(module.eval().cpu(), np.asarray(image), meta)
        assert dot.unsure and not dot.preprocessed.empty


def test_predict_cli_says_unsure_in_json_and_in_words(trained_digits, tmp_path, capsys):
    from PIL import Image

    _, _, _, path = trained_digits
    dash = tmp_path / "dash.png"
    Image.fromarray(make_scribble("dash", np.random.default_rng(3))).save(dash)
    assert run_cli(["predict", str(path), str(dash), "--json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)
    assert result["unsure"] is True and {"label", "probabilities"} <= set(result)
    assert run_cli(["predict", str(path), str(dash)]) == 0
    assert "doesn't look like a digit" in capsys.readouterr().out


def test_other_data_gets_an_energy_threshold():
    dataset = load_dataset("moons")
    torch.manual_seed(0)
    module = engine.build_module(engine.templates.load("mlp", (2,), 2))
    list(train(module, dataset, TrainConfig(epochs=3, device="cpu", cpu_threads=1)))
    cal = fit_calibration(module, dataset)
    assert cal.method == "energy" and math.isfinite(cal.threshold) and cal.head is None
    far = torch.tensor([[0.0, 0.0]])  # normalized coordinates: the middle of the data
    assert cal.judge(module.cpu().eval(), far).probabilities.shape == (1, 2)


def test_the_threshold_is_set_on_digits_as_the_pad_frames_them():
    from engine.training.calibration import as_the_pad_sees

    x = torch.zeros(3, 1, 28, 28, dtype=torch.uint8)
    x[:, :, 6:22, 12:15] = 255  # a "1", already framed the MNIST way
    seen = as_the_pad_sees(x)
    assert seen.shape == x.shape and seen.dtype == torch.uint8
    rows = torch.nonzero(seen[0, 0] > 127)[:, 0]
    assert int(rows.max() - rows.min()) + 1 >= 19  # the pad fits the long side to 20 px again
    assert torch.equal(as_the_pad_sees(torch.zeros(1, 1, 28, 28)), torch.zeros(1, 1, 28, 28))  # no ink: blank
