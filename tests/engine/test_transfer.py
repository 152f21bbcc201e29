"""Transfer learning's engine pieces: the classifier head replaced with every other weight kept,
the pretrained-model list from torchvision's metadata, the weights download (offline: a clear message)."""
from __future__ import annotations

import hashlib
import io
import urllib.error

import pytest
import torch

import engine
from engine import templates
from engine.builder import build_module
from engine.graph import Graph
from engine.head import HeadError, carry_weights, find_head, replace_head
from engine.pretrained import DownloadCancelled, DownloadError, PretrainedModel, download, pretrained_models


@pytest.mark.parametrize("name, shape", [("lenet5", (1, 28, 28)), ("resnet18", (3, 32, 32)), ("mlp", (2,))])
def test_head_replacement_keeps_every_other_weight_bit_identical(name, shape):
    graph = templates.load(name, shape, 10)
    old = build_module(graph).state_dict()
    change = replace_head(graph, 3)
    assert (change.old_classes, change.new_classes) == (10, 3)
    new = carry_weights(graph, old, change.node_id)
    module = build_module(graph)
    module.load_state_dict(new)  # fits exactly
    assert module(torch.zeros((2,) + shape)).shape == (2, 3)
    for key, value in new.items():
        if key.split(".")[0] == change.node_id:
            assert value.shape[0] == 3
        else:
            assert torch.equal(value, old[key]), key


def test_freeze_everything_before_the_head():
    graph = templates.load("lenet5", (1, 28, 28), 10)
    change = replace_head(graph, 5, freeze_body=True)
    frozen = graph.frozen_nodes()
    assert change.node_id not in frozen
    assert {n.id for n in graph.nodes.values() if n.layer in ("conv2d", "linear")} - frozen == {change.node_id}


@pytest.mark.parametrize("name, shape, trainable", [
    ("lenet5", (1, 28, 28), {"fc1", "fc2", "fc3"}),  # the dense stack retrains, the convolutions stay
    ("alexnet", (3, 64, 64), {"fc1", "fc2", "fc3"}),
    ("resnet18", (3, 32, 32), {"fc"}),  # one-layer classifier: the same as freezing everything before it
])
def test_freeze_the_feature_extractor_keeps_the_dense_classifier_training(name, shape, trainable):
    graph = templates.load(name, shape, 10)
    change = replace_head(graph, 5, freeze="features")
    weighted = {n.id for n in graph.nodes.values() if n.layer in ("conv2d", "linear")}
    assert weighted - graph.frozen_nodes() == trainable
    assert set(change.frozen_before) == graph.frozen_nodes() | {"input"}
    module = build_module(graph)
    assert {k.split(".")[0] for k, p in module.named_parameters() if p.requires_grad} == trainable


def test_freeze_choices_of_fitting_the_output():
    graph = templates.load("mlp", (2,), 10)
    assert replace_head(graph, 3, freeze="features").frozen_before == ()  # dense layers only: no feature extractor
    assert not graph.frozen_nodes()
    graph = templates.load("lenet5", (1, 28, 28), 10)
    assert replace_head(graph, 3, freeze="none").frozen_before == () and not graph.frozen_nodes()
    with pytest.raises(HeadError, match="freeze must be one of none, features, body"):
        replace_head(graph, 3, freeze="convs")


def test_a_network_without_a_classifier_is_told_so():
    graph = Graph()
    graph.add_node("input", {"shape": [1, 8, 8]}, node_id="inp")
    graph.add_node("maxpool2d", {}, node_id="pool")
    graph.connect("inp", "pool")
    with pytest.raises(HeadError, match="no classifier layer"):
        find_head(graph)
    with pytest.raises(HeadError, match="at least 1 class"):
        replace_head(templates.load("lenet5", (1, 28, 28), 10), 0)


def test_pretrained_list_comes_from_the_weights_metadata():
    models = {m.name: m for m in pretrained_models()}
    assert len(models) >= 70
    r18 = models["resnet18"]
    assert r18.top1 == pytest.approx(69.758) and r18.params == 11_689_512 and r18.file_mb > 40
    assert r18.path.name.startswith("resnet18-") and r18.url.endswith(r18.path.name)


def _fake_model(tmp_path, payload: bytes) -> PretrainedModel:
    prefix = hashlib.sha256(payload).hexdigest()[:8]
    return PretrainedModel("tiny", 50.0, 10, 0.001, f"https://example.invalid/tiny-{prefix}.pth",
                           tmp_path / "hub" / "checkpoints" / f"tiny-{prefix}.pth")


class _Response(io.BytesIO):
    def __init__(self, payload: bytes) -> None:
        super().__init__(payload)
        self.headers = {"Content-Length": str(len(payload))}


def test_download_streams_with_progress_checks_the_hash_and_lands_atomically(tmp_path):
    payload = b"weights" * 100_000
    model = _fake_model(tmp_path, payload)
    seen = []
    path = download(model, progress=lambda done, total: seen.append((done, total)),
                    opener=lambda url, timeout: _Response(payload))
    assert path.read_bytes() == payload and seen[-1] == (len(payload), len(payload))
    assert not list(path.parent.glob("*.part"))


def test_download_offline_names_the_file_and_the_folder(tmp_path):
    model = _fake_model(tmp_path, b"x")

    def offline(url, timeout):
        raise urllib.error.URLError("no network")

    with pytest.raises(DownloadError) as info:
        download(model, opener=offline)
    assert model.url in str(info.value) and str(model.path.parent) in str(info.value)


def test_cancel_and_damaged_downloads_leave_nothing(tmp_path):
    payload = b"w" * (3 << 20)
    model = _fake_model(tmp_path, payload)
    with pytest.raises(DownloadCancelled):
        download(model, cancelled=lambda: True, opener=lambda url, timeout: _Response(payload))
    with pytest.raises(DownloadError, match="damaged"):
        download(model, opener=lambda url, timeout: _Response(b"not the weights"))
    assert not any(model.path.parent.iterdir())


def test_engine_facade_round_trips_weights(tmp_path):
    graph = templates.load("lenet5", (1, 28, 28), 10)
    weights = build_module(graph).state_dict()
    engine.save(graph, tmp_path / "a.nwproj", weights=weights)
    engine.save(graph, tmp_path / "b.nwproj", weights=engine.load(tmp_path / "a.nwproj").weights)
    assert all(torch.equal(engine.load(tmp_path / "b.nwproj").weights[k], weights[k]) for k in weights)


def _image_folder(root, per_class: int = 16):
    """Two classes of small pictures, dark and bright, as PNG files in class sub-folders."""
    from PIL import Image
    gen = torch.Generator().manual_seed(0)
    for label, name in enumerate(("dark", "bright")):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            pixels = (torch.rand(20, 20, 3, generator=gen) * 90 + 140 * label).to(torch.uint8).numpy()
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    return root


def _trained_lenet(tmp_path, cli):
    path = tmp_path / "lenet.nwproj"
    data = _image_folder(tmp_path / "pics")
    result = cli("train", "--template", "lenet5", "--dataset", "folder", "--data-dir", data, "--epochs", "1",
                 "--out", path)
    assert result.returncode == 0, result.stderr
    return path


def test_cli_fine_tune_keeps_frozen_weights_and_starts_a_new_run(tmp_path, cli):
    path = _trained_lenet(tmp_path, cli)
    project = engine.load(path)
    convs = [n.id for n in project.graph.nodes.values() if n.layer == "conv2d"]
    engine.freeze(project.graph, convs)
    engine.save(project.graph, path, weights=project.weights, meta=project.meta, runs=project.runs,
                adopted_run=project.adopted_run)
    before = engine.load(path)
    result = cli("train", path, "--fine-tune", "--epochs", "1", "--lr", "0.01", "--augment", "rotate=10,translate=0.1")
    assert result.returncode == 0, result.stderr
    after = engine.load(path)
    for key, value in before.weights.items():
        if key.split(".")[0] in convs:
            assert torch.equal(after.weights[key], value), key
    assert any(not torch.equal(after.weights[k], v) for k, v in before.weights.items())
    run = after.runs[-1]
    assert "fine-tuned from" in run.name and run.parent is None and run.first_epoch == 1
    assert run.config.augment == "rotate=10,translate=0.1"


def test_cli_fine_tune_and_augment_usage_errors(tmp_path, cli):
    fresh = tmp_path / "fresh.nwproj"
    engine.save(templates.load("lenet5", (1, 28, 28), 10), fresh)
    result = cli("train", fresh, "--fine-tune", "--dataset", "moons")
    assert result.returncode == 2 and "has none" in result.stderr
    result = cli("train", "--template", "lenet5", "--dataset", "moons", "--augment", "blur")
    assert result.returncode == 2 and "allowed: flip, rotate, translate, crop, jitter" in result.stderr
    result = cli("train", "--template", "mlp", "--dataset", "moons", "--augment", "flip", "--out",
                 tmp_path / "m.nwproj")
    assert result.returncode != 0 and "image datasets" in result.stderr
