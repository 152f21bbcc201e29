"""Try it's "unsure" for image networks (engine.training.novelty): the conformal threshold that promises
only what the validation split supports, the novelty score's three measurements, and how the fit is
stored (plain JSON in the calibration entry) through a project file and a run's weights."""
import json
import math

import numpy as np
import pytest
import torch

import engine
from engine.data import Dataset
from engine.inference import predict
from engine.runs.weights import MAX_CALIBRATION_TEXT, RunWeights, decode, encode
from engine.training import TrainConfig, train
from engine.training.calibration import Calibration, calibration_entry
from engine.training.novelty import (
    MAX_NUMBERS,
    MIN_SAMPLES,
    checked_novelty,
    contrast,
    fit_novelty,
    honest_threshold,
    novelty_score,
)


def test_the_threshold_promises_what_the_validation_size_allows():
    many = torch.arange(1000.0)
    threshold, promise = honest_threshold(many, 0.01)
    assert promise == 0.01 and threshold == 990.0  # k = ceil(1001 · 0.99) = 991st smallest
    few = torch.arange(19.0)  # 19 pictures cannot support 1 %: the largest, promising 1 / 20
    assert honest_threshold(few, 0.01) == (18.0, pytest.approx(0.05))
    assert honest_threshold(torch.arange(MIN_SAMPLES - 1.0), 0.01) == (math.inf, 0.0)  # too few: no threshold
    with_nan = torch.cat([torch.arange(19.0), torch.tensor([math.nan, math.inf])])
    assert honest_threshold(with_nan, 0.01)[0] == 18.0


def test_training_scores_can_only_raise_the_threshold():
    val = torch.arange(19.0)
    assert honest_threshold(val, 0.01, torch.full((200,), 100.0))[0] == 100.0  # a tail validation missed
    assert honest_threshold(val, 0.01, torch.zeros(200))[0] == 18.0  # lower training scores change nothing
    assert honest_threshold(val, 0.01, torch.full((3,), 100.0))[0] == 18.0  # too few to count


def test_the_conformal_promise_holds_on_new_samples():
    g = torch.Generator().manual_seed(0)
    alarms = []
    for _ in range(400):  # many small validation splits of a heavy-tailed score
        val, new = torch.randn(19, generator=g).exp(), torch.randn(200, generator=g).exp()
        threshold, promise = honest_threshold(val, 0.01)
        alarms.append(float((new > threshold).float().mean()))
    assert promise == pytest.approx(0.05) and np.mean(alarms) <= 0.05 + 0.01


def test_a_blank_page_has_no_contrast_whatever_its_colour():
    x = torch.rand(4, 3, 8, 8)
    x[1] = torch.tensor([0.9, 0.1, 0.5])[:, None, None]  # a solid colour: channels differ, pixels do not
    x[2] = 0.8
    spread = contrast(x)
    assert spread[1] < spread[0] - 4 and spread[2] < spread[0] - 4 and spread.shape == (4,)


def _clusters(n=300, d=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 3
    features = torch.randn(n, d, generator=g) * 0.5 + torch.eye(3, d)[labels] * 4
    return features, labels, -features.norm(dim=1), torch.rand(n, 3, 8, 8, generator=g)


@pytest.mark.parametrize("fusion, bar", [("max", 1.5), ("mean", 0.75)])  # the mean of three: a third as far
def test_the_feature_distance_flags_features_far_from_every_class(fusion, bar):
    features, labels, energies, inputs = _clusters()
    stats = checked_novelty(json.loads(json.dumps(fit_novelty(features, labels, energies, inputs, fusion=fusion))))
    assert len(stats["means"]) == 3 and len(stats["spread"]) == 6 and set(stats["scale"]) == {
        "energy", "distance", "contrast"}
    familiar = novelty_score(stats, *_clusters(seed=1)[::2], inputs=_clusters(seed=1)[3])
    far = torch.full((5, 6), 2.0)  # between the classes, near none
    strange = novelty_score(stats, far, torch.full((5,), -3.0), torch.rand(5, 3, 8, 8))
    assert float(torch.quantile(familiar, 0.9)) < bar < float(strange.min())
    assert novelty_score(stats, torch.zeros(5, 4), torch.zeros(5), torch.rand(5, 3, 8, 8)).shape == (5,)  # changed


def test_wide_features_are_left_out_rather_than_stored_huge():
    features, labels, energies, inputs = _clusters()
    wide = torch.randn(300, MAX_NUMBERS)
    stats = fit_novelty(wide, labels, energies, inputs)
    assert "means" not in stats and set(stats["scale"]) == {"energy", "contrast"}
    assert novelty_score(stats, None, energies[:4], inputs[:4]).shape == (4,)


def test_statistics_stored_before_read_as_then_diagonal_distance_and_largest_measurement():
    features, labels, energies, inputs = _clusters()
    old = {k: v for k, v in fit_novelty(features, labels, energies, inputs, rank=0, fusion="max").items()}
    assert "fusion" not in old and "components" not in old  # what a project saved before holds
    checked_novelty(old)
    z = (features[:, None, :] - torch.tensor(old["means"])[None]) / torch.tensor(old["spread"])
    diagonal = (z.pow(2).mean(2).min(1).values + 1e-6).sqrt()  # the distance as it was computed then
    flatness = (contrast(inputs) - old["contrast_mean"]).abs()
    scaled = [(v - old["scale"][k][0]) / old["scale"][k][1] for k, v in
              (("energy", energies), ("distance", diagonal), ("contrast", flatness))]
    assert torch.allclose(novelty_score(old, features, energies, inputs), torch.stack(scaled).max(0).values, atol=1e-4)


@pytest.mark.parametrize("damage", [
    {"scale": {"energy": [0.0, 0.0]}}, {"scale": {"magic": [0.0, 1.0]}}, {"contrast_mean": math.nan},
    {"means": [[0.0, 1.0]], "spread": [1.0]}, {"spread": [0.0] * 6}, {"scale": "x"}, {"fusion": "vote"},
    {"components": [[1.0] * 5]}, {"variances": [-1.0] * 6}, {"rest": 0.0}])
def test_damaged_statistics_mean_no_calibration(damage):
    stats = fit_novelty(*_clusters())
    entry = {"temperature": 1.0, "method": "novelty", "threshold": 1.0, "novelty": {**stats, **damage}}
    assert Calibration.from_meta({"calibration": entry}) == Calibration()


def _shapes(n, seed):
    """Bright discs (class 0) and bars (class 1) on dark grain, 3×16×16."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 3, 16, 16, generator=g) * 60
    yy, xx = torch.meshgrid(torch.arange(16), torch.arange(16), indexing="ij")
    y = torch.arange(n) % 2
    disc, bar = ((yy - 8) ** 2 + (xx - 8) ** 2 < 20), (xx // 3 % 2 == 0)
    x[y == 0] += disc * 180
    x[y == 1] += bar * 180
    return x.clamp(0, 255).to(torch.uint8), y


@pytest.fixture(scope="module")
def trained_shapes():
    x, y = _shapes(260, 0)
    dataset = Dataset("folder", "image", x[60:], y[60:], x[:60], y[:60], (3, 16, 16), 2, ["disc", "bars"],
                      (0.3, 0.3, 0.3), (0.3, 0.3, 0.3))
    torch.manual_seed(0)
    graph = engine.templates.load("mlp", (3, 16, 16), 2)
    module = engine.build_module(graph)
    config = TrainConfig(epochs=4, batch_size=16, device="cpu", cpu_threads=1, val_split=0.25, lr=0.01)
    assert list(train(module, dataset, config))[-1].status == "completed"
    return graph, module.eval(), dataset, calibration_entry(module, dataset, 0.25, 0)


def test_image_networks_get_the_novelty_score_with_an_honest_promise(trained_shapes):
    graph, module, dataset, entry = trained_shapes
    assert entry["method"] == "novelty" and entry["validation_samples"] == 50
    assert entry["kept_on_validation"] == pytest.approx(1 - 1 / 51, abs=1e-4)  # 50 cannot support 99 %
    meta = {"dataset": "folder", "class_names": ["disc", "bars"], "mean": [0.3] * 3, "std": [0.3] * 3,
            "calibration": entry}
    blank = predict(module, np.full((16, 16, 3), 230, np.uint8), meta)
    assert blank.calibrated and blank.unsure  # a page of one colour: nothing like a training picture
    familiar = [predict(module, dataset.x_test[i].permute(1, 2, 0).numpy(), meta).unsure for i in range(60)]
    assert np.mean(familiar) <= 0.1


def test_the_fit_survives_the_project_file_and_a_runs_weights(trained_shapes, tmp_path):
    graph, module, _, entry = trained_shapes
    meta = {"dataset": "folder", "class_names": ["disc", "bars"], "calibration": entry}
    loaded = engine.load(engine.save(graph, tmp_path / "shapes.nwproj", weights=module, meta=meta))
    assert Calibration.from_meta(loaded.meta) == Calibration.from_meta(meta) != Calibration()
    state = module.state_dict()
    assert len(json.dumps(entry)) < MAX_CALIBRATION_TEXT  # a run's member keeps it (engine.runs.weights)
    blob = encode(RunWeights(state, entry), float16=False, fmt="pt")
    back = decode(blob, {k: (tuple(v.shape), v.dtype) for k, v in state.items()})
    assert Calibration.from_meta({"calibration": back.calibration}) == Calibration.from_meta(meta)


def test_too_few_validation_pictures_say_uncalibrated(trained_shapes):
    graph, module, dataset, _ = trained_shapes
    entry = calibration_entry(module, dataset, 0.03, 0)  # 6 validation pictures
    assert entry["threshold"] is None and entry["kept_on_validation"] is None and entry["validation_samples"] == 6
    meta = {"dataset": "folder", "class_names": ["disc", "bars"], "mean": [0.3] * 3, "std": [0.3] * 3,
            "calibration": entry}
    pred = predict(module, np.full((16, 16, 3), 230, np.uint8), meta)
    assert not pred.calibrated and not pred.unsure  # no promise it cannot back: "uncalibrated" in the views


def test_features_come_from_one_forward_pass_as_the_trace_gives_them(trained_shapes):
    from engine.training.calibration import feature_nodes, network_outputs

    _, module, dataset, _ = trained_shapes
    x = dataset.x_test[:5].float() / 255
    nodes = feature_nodes(module)[-1:]
    features, logits = network_outputs(module, x, nodes)
    traced = module.trace(x)
    assert torch.allclose(features, traced[nodes[0]].reshape(5, -1))
    assert torch.allclose(logits, traced[module.output_id])
