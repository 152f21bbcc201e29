"""Frozen layers (engine.freeze): no gradients, no optimizer state, BatchNorm statistics kept,
weights bit-identical after training; saved with the project; counted as non-trainable."""
from __future__ import annotations

import json

import pytest
import torch

import engine
from engine import templates
from engine.analysis import analyze
from engine.builder import build_module
from engine.data import Dataset
from engine.graph import GraphError
from engine.training import TrainConfig, train
from engine.training.optim import make_optimizer


def _lenet():
    return templates.load("lenet5", (1, 28, 28), 10)


def _digits(n: int = 96) -> Dataset:
    gen = torch.Generator().manual_seed(0)
    y = torch.arange(n) % 10
    x = (torch.rand(n, 1, 28, 28, generator=gen) * 60 + y.view(-1, 1, 1, 1) * 19).to(torch.uint8)
    return Dataset("fake", "image", x[:80], y[:80], x[80:], y[80:], (1, 28, 28), 10, [str(i) for i in range(10)],
                   (0.2,), (0.3,))


def test_freeze_by_node_and_by_block_and_undo():
    graph = templates.load("resnet18", (3, 64, 64), 10)
    block_nodes = [n.id for n in graph.nodes.values() if n.block.startswith("layer1")]
    old = engine.freeze(graph, ["layer1"])
    assert set(old) == set(block_nodes) and graph.frozen_nodes() == set(block_nodes)
    assert engine.freeze(graph, "layer1") == {}  # already frozen: nothing changes
    from engine.freezing import restore
    restore(graph, old)
    assert graph.frozen_nodes() == set()
    with pytest.raises(GraphError, match="neither a layer nor a block"):
        engine.freeze(graph, ["nope"])


def test_frozen_layers_count_as_non_trainable():
    graph = _lenet()
    convs = [n.id for n in graph.nodes.values() if n.layer == "conv2d"]
    before = analyze(graph)
    engine.freeze(graph, convs)
    after = analyze(graph)
    frozen = sum(r.params for r in after.rows if r.node_id in convs)
    assert frozen > 0
    assert after.total_params == before.total_params
    assert after.trainable_params == before.trainable_params - frozen
    assert all(r.trainable_params == 0 for r in after.rows if r.node_id in convs)


def test_frozen_weights_get_no_gradient_no_optimizer_state_and_stay_bit_identical():
    graph = _lenet()
    convs = [n.id for n in graph.nodes.values() if n.layer == "conv2d"]
    engine.freeze(graph, convs)
    module = build_module(graph)
    frozen = {k: v.clone() for k, v in module.state_dict().items() if k.split(".")[0] in convs}
    optimizer = make_optimizer(module.parameters(), TrainConfig())
    held = {id(p) for group in optimizer.param_groups for p in group["params"]}
    for node_id in convs:
        for p in getattr(module, node_id).parameters():
            assert not p.requires_grad and id(p) not in held
    records = list(train(module, _digits(), TrainConfig(epochs=2, batch_size=16, device="cpu")))
    assert records[-1].status == "completed", records[-1].message
    for key, value in module.state_dict().items():
        if key in frozen:
            assert torch.equal(value.cpu(), frozen[key]), key


def test_batchnorm_in_a_frozen_block_keeps_its_running_statistics():
    graph = templates.load("resnet18", (3, 32, 32), 10)
    engine.freeze(graph, ["layer1"])
    module = build_module(graph)
    bns = [n.id for n in graph.nodes.values() if n.layer.startswith("batchnorm") and n.block.startswith("layer1")]
    assert bns
    stats = {k: v.clone() for k, v in module.state_dict().items() if k.split(".")[0] in bns}
    module.train()
    assert all(not getattr(module, b).training for b in bns)
    module(torch.randn(4, 3, 32, 32) * 3 + 1)
    for key, value in module.state_dict().items():
        if key in stats:
            assert torch.equal(value, stats[key]), key


def test_frozen_flag_is_saved_and_weights_round_trip(tmp_path):
    graph = _lenet()
    convs = [n.id for n in graph.nodes.values() if n.layer == "conv2d"]
    engine.freeze(graph, convs)
    weights = build_module(graph).state_dict()
    path = tmp_path / "frozen.nwproj"
    engine.save(graph, path, weights=weights)
    loaded = engine.load(path)
    assert loaded.graph.frozen_nodes() == set(convs)
    engine.save(loaded.graph, tmp_path / "again.nwproj", weights=engine.load(path).weights)
    again = engine.load(tmp_path / "again.nwproj")
    assert all(torch.equal(again.weights[k], weights[k]) for k in weights)


def test_summary_json_rows_say_trainable_params(tmp_path, cli):
    graph = _lenet()
    convs = [n.id for n in graph.nodes.values() if n.layer == "conv2d"]
    engine.freeze(graph, convs)
    engine.save(graph, tmp_path / "f.nwproj")
    result = cli("summary", tmp_path / "f.nwproj", "--json")
    data = json.loads(result.stdout)
    rows = {r["id"]: r for r in data["layers"]}
    assert all(rows[c]["trainable_params"] == 0 and rows[c]["params"] > 0 for c in convs)
    assert data["trainable_params"] < data["total_params"]
