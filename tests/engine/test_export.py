"""Exported standalone code reproduces the engine module's outputs with the same weights."""
import importlib.util

import pytest
import torch

import engine
from engine.catalog import CATALOG, get
from engine.export import export_python
from tests.engine.layer_cases import CASE_LIST, graph_for


def _load_source(tmp_path, source, name):
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", engine.templates.names())
def test_exported_module_reproduces_outputs(tmp_path, name):
    shape = (2,) if name == "perceptron" else (3, 32, 32)
    graph = engine.templates.load(name, shape, 10)
    ours = engine.build_module(graph).eval()
    exported = _load_source(tmp_path, export_python(graph, title=name), f"exp_{name}").Net().eval()
    exported.load_state_dict(ours.state_dict())
    x = torch.randn(2, *shape)
    with torch.no_grad():
        assert torch.equal(ours(x), exported(x))


LAYER_CASES = [c for c in CASE_LIST if c[0] != "input"]


def test_round_trip_covers_every_layer_type():
    assert {c[0] for c in LAYER_CASES} | {"input"} == set(CATALOG.ids())


@pytest.mark.parametrize("layer_id,shapes,params", LAYER_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(LAYER_CASES)])
def test_every_layer_type_round_trips_through_exported_code(layer_id, shapes, params):
    """Build, export, exec the source in a fresh namespace, load the same weights: same outputs."""
    graph, _ = graph_for(layer_id, shapes, params)
    torch.manual_seed(0)
    ours = engine.build_module(graph).eval()
    namespace = {"__name__": f"exported_{layer_id}"}
    exec(compile(export_python(graph, title=layer_id), f"exported_{layer_id}.py", "exec"), namespace)
    exported = namespace["Net"]().eval()
    exported.load_state_dict(ours.state_dict())  # strict: the same parameter and buffer names
    if get(layer_id).takes_tokens:
        x = torch.randint(0, params["num_embeddings"], (2, *shapes[0]))
    else:
        x = torch.randn(2, *shapes[0])
    with torch.no_grad():
        assert torch.equal(ours(x), exported(x))


def test_exported_code_is_readable():
    source = export_python(engine.templates.load("resnet18", (3, 32, 32), 10))
    assert "self.layer1_0_conv1 = nn.Conv2d(16, 16, kernel_size=3" in source
    assert "layer1_0_add = layer1_0_bn2 + relu" in source
    assert "import netwright" not in source and "engine" not in source


def test_export_of_an_invalid_graph_is_refused():
    graph = engine.Graph()
    graph.add_node("input", {"shape": [1, 28, 28]}, node_id="input")
    graph.add_node("linear", {}, node_id="fc")
    graph.connect("input", "fc")
    with pytest.raises(engine.BuildError, match="insert a flatten"):
        export_python(graph)
