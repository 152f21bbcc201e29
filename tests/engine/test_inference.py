"""Classifying new images with a trained project: the shared path and the `predict` command."""
import json

import numpy as np
import pytest
import torch
from PIL import Image

import engine
from engine.digits import preprocess_image
from engine.inference import predict, preprocess_for, probabilities
from engine.photo import preprocess_photo

MNIST_META = {"dataset": "mnist", "class_names": [str(i) for i in range(10)], "mean": [0.1307], "std": [0.3081]}


def a_one(size=200, dark_on_light=False):
    img = np.zeros((size, size), np.uint8)
    img[size // 5: size * 4 // 5, size // 2 - 8: size // 2 + 8] = 255
    return 255 - img if dark_on_light else img


@pytest.fixture
def lenet_project(tmp_path):
    torch.manual_seed(0)
    graph = engine.templates.load("lenet5")
    return engine.save(graph, tmp_path / "lenet.nwproj", weights=engine.build_module(graph), meta=MNIST_META)


def test_digit_path_is_the_engine_preprocessing():
    module = engine.build_module(engine.templates.load("lenet5")).eval()
    pred = predict(module, a_one(), MNIST_META)
    expected = preprocess_image(a_one(), (1, 28, 28), (0.1307,), (0.3081,))
    assert torch.equal(pred.preprocessed.tensor, expected.tensor)
    assert len(pred.probabilities) == 10 and abs(sum(pred.probabilities) - 1) < 1e-5
    assert pred.label == int(np.argmax(pred.probabilities))


def test_photo_path_resizes_whole_colour_images():
    rgb = np.zeros((40, 50, 3), np.uint8)
    rgb[..., 0] = 255  # pure red
    pre = preprocess_photo(rgb, (3, 32, 32), (0.5, 0.5, 0.5), (0.25, 0.25, 0.25))
    assert pre.tensor.shape == (1, 3, 32, 32)
    assert torch.allclose(pre.tensor[0, 0], torch.full((32, 32), 2.0))
    assert torch.allclose(pre.tensor[0, 1], torch.full((32, 32), -2.0))
    meta = {"dataset": "cifar10", "mean": [0.5] * 3, "std": [0.25] * 3}
    assert torch.equal(preprocess_for(rgb, meta, (3, 32, 32)).tensor, pre.tensor)


def test_single_output_is_a_binary_probability():
    probs = probabilities(torch.tensor([[0.0]]))
    assert torch.allclose(probs, torch.tensor([[0.5, 0.5]]))


def test_predict_command_prints_class_and_probabilities(cli, tmp_path, lenet_project):
    Image.fromarray(a_one()).save(tmp_path / "one.png")
    Image.fromarray(a_one(dark_on_light=True)).save(tmp_path / "one_paper.jpg")
    result = cli("predict", lenet_project, "one.png", "one_paper.jpg", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["image"] for r in rows] == ["one.png", "one_paper.jpg"]
    assert rows[0]["label"] == rows[1]["label"]  # ink colour does not matter
    assert set(rows[0]["probabilities"]) == {str(i) for i in range(10)}
    text = cli("predict", lenet_project, "one.png", cwd=tmp_path)
    assert text.returncode == 0 and "one.png: " in text.stdout and "9: " in text.stdout


def test_predict_refuses_untrained_projects_and_reports_bad_images(cli, tmp_path, lenet_project):
    untrained = engine.save(engine.templates.load("lenet5"), tmp_path / "untrained.nwproj")
    Image.fromarray(a_one()).save(tmp_path / "one.png")
    result = cli("predict", untrained, "one.png", cwd=tmp_path)
    assert result.returncode == 2 and "no trained weights" in result.stderr
    (tmp_path / "broken.png").write_bytes(b"not an image")
    result = cli("predict", lenet_project, "broken.png", "one.png", cwd=tmp_path)
    # an unreadable file is exit 2 (like an unreadable project), one line on stderr; the rest still runs
    assert result.returncode == 2 and "one.png: " in result.stdout
    assert result.stderr.count("\n") == 1 and "error: Cannot read broken.png" in result.stderr
    assert "Traceback" not in result.stderr
