"""Files always reopen: what the graph holds saves and opens again (problems show on nodes),
what it cannot save it refuses when it is set; weights are float32 and finite."""
import math
import zipfile

import pytest
import torch

import engine
from engine import ProjectError, session
from engine import graph as graph_module
from engine import project as project_module
from engine.graph import MAX_COORD, Graph, GraphError
from engine.training import TrainingError


def small() -> Graph:
    g = Graph()
    g.add_node("input", {"shape": [4]}, node_id="input")
    g.add_node("linear", {"out_features": 2}, node_id="fc")
    g.connect("input", "fc")
    return g


def reopened(tmp_path, graph, **kwargs):
    return engine.load(engine.save(graph, tmp_path / "net.nwproj", **kwargs))


@pytest.mark.parametrize("value", [{"a": 1}, float("nan"), float("-inf"), [[1, 2], [3]], None, "12", (3, 4)])
def test_odd_parameter_values_save_and_open_with_the_error_on_the_node(tmp_path, value):
    g = small()
    g.update_params("fc", out_features=value)
    before = engine.analyze(g).row("fc").error
    project = reopened(tmp_path, g)
    after = engine.analyze(project.graph).row("fc").error
    assert (before is None) == (after is None)
    if before is not None:
        assert after.startswith("linear: out_features must be an integer")


@pytest.mark.parametrize("value", [object(), b"bytes", {1: 2}, 10**1000, "x" * 20_000, [[[[[1]]]]],
                                   list(range(20_000)), {1, 2}])
def test_values_a_file_cannot_hold_are_refused_when_set(value):
    g = small()
    with pytest.raises(GraphError, match="fc: "):
        g.update_params("fc", out_features=value)
    with pytest.raises(GraphError):
        g.add_node("relu", {"x": value})
    assert g.node("fc").params == {"out_features": 2}


def test_positions_are_finite_and_clamped():
    g = small()
    for pos, expected in (((1e18, -1e300), (MAX_COORD, -MAX_COORD)), ((math.nan, math.inf), (0.0, MAX_COORD)),
                          ((10**400, 5), (MAX_COORD, 5.0))):
        g.set_pos("fc", pos)
        assert g.node("fc").pos == expected
    assert g.add_node("relu", pos=(math.nan, 1)).pos == (0.0, 1.0)


def test_the_node_cap_is_the_same_for_the_graph_and_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(graph_module, "MAX_NODES", 5)
    monkeypatch.setattr("engine.serialize.MAX_NODES", 5)
    g = small()
    for _ in range(3):
        g.add_node("relu")
    with pytest.raises(GraphError, match="at most 5 layers"):
        g.add_node("relu")
    assert len(reopened(tmp_path, g).graph) == 5


def test_a_description_too_large_to_reopen_is_refused_at_save(tmp_path, monkeypatch):
    monkeypatch.setattr(project_module, "MAX_JSON_BYTES", 2000)
    g = small()
    g.update_params("input", note="x" * 3000)
    with pytest.raises(ProjectError, match="cannot save"):
        engine.save(g, tmp_path / "net.nwproj")
    assert not (tmp_path / "net.nwproj").exists()


def test_a_diverged_history_still_saves(tmp_path):
    project = reopened(tmp_path, small(), training={"history": [{"val_loss": float("nan"), "lr": float("inf")}]})
    assert project.training["history"] == [{"val_loss": None, "lr": None}]


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64])
def test_half_and_double_weights_open_as_float32(tmp_path, dtype):
    module = engine.build_module(small())
    weights = {k: v.to(dtype) for k, v in module.state_dict().items()}
    project = reopened(tmp_path, small(), weights=weights)
    assert all(t.dtype == torch.float32 for t in project.weights.values())
    assert torch.allclose(project.weights["fc.weight"], module.fc.weight.detach().to(dtype).float())


def test_weights_of_a_network_with_errors_are_set_aside_with_a_reason(tmp_path):
    weights = engine.build_module(small()).state_dict()
    path = engine.save(small(), tmp_path / "net.nwproj", weights=weights)
    with zipfile.ZipFile(path) as zf:  # edit the file as a user would: break one value
        doc = zf.read("netwright.json").replace(b'"out_features": 2', b'"out_features": -2')
        blob = zf.read("weights.safetensors")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("netwright.json", doc)
        zf.writestr("weights.safetensors", blob)
    project = engine.load(path)
    assert project.weights is None and "set aside" in project.warnings[0]
    assert "out_features must be" in engine.analyze(project.graph).row("fc").error
    with pytest.raises(TrainingError, match="set aside"):
        session.trained_module(project)


@pytest.mark.parametrize("change", ["int8", "nan", "extra", "shape"])
def test_weights_that_would_not_open_again_are_refused_when_saving(tmp_path, change):
    state = dict(engine.build_module(small()).state_dict())
    if change == "int8":
        state["fc.weight"] = state["fc.weight"].to(torch.int8)
    elif change == "nan":
        state["fc.bias"] = torch.full_like(state["fc.bias"], float("nan"))
    elif change == "extra":
        state["ghost"] = torch.zeros(1)
    else:
        state["fc.weight"] = torch.zeros(3, 4)
    with pytest.raises(ProjectError, match="cannot save"):
        engine.save(small(), tmp_path / "net.nwproj", weights=state)
    assert not (tmp_path / "net.nwproj").exists()
