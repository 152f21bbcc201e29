"""Every catalog entry: analysis (meta device) equals a real CPU forward pass."""
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from engine.catalog import CATALOG, LayerError, LayerSpec, Registry, get
from engine.graph import Graph
from engine.analysis import analyze
from tests.engine.layer_cases import CASES


def test_every_catalog_layer_has_cases():
    assert set(CASES) == set(CATALOG.ids())


def _graph_for(layer_id, shapes, params):
    """input -> (one source per extra input) -> layer."""
    g = Graph()
    if layer_id == "input":
        g.add_node("input", params, node_id="input")
        return g, "input"
    first = shapes[0]
    dtype = "tokens" if get(layer_id).takes_tokens else "float"
    g.add_node("input", {"shape": list(first), "dtype": dtype}, node_id="input")
    node = g.add_node(layer_id, params, node_id="target")
    for i, shape in enumerate(shapes):
        if i == 0:
            g.connect("input", "target")
            continue
        # a reshape of the input produces the extra branch with the wanted shape
        src = g.add_node("linear", {"out_features": int(torch.tensor(shape).prod())}, node_id=f"branch{i}")
        g.add_node("flatten", {}, node_id=f"flat{i}")
        g.connect("input", f"flat{i}")
        g.connect(f"flat{i}", src.id)
        g.add_node("reshape", {"shape": list(shape)}, node_id=f"shape{i}")
        g.connect(src.id, f"shape{i}")
        g.connect(f"shape{i}", "target")
    return g, node.id


CASE_LIST = [(lid, shapes, params) for lid, cases in CASES.items() for shapes, params in cases]


@pytest.mark.parametrize("layer_id,shapes,params", CASE_LIST,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASE_LIST)])
def test_analysis_matches_real_forward(layer_id, shapes, params):
    graph, target = _graph_for(layer_id, shapes, params)
    row = analyze(graph).row(target)
    assert row.error is None, row.error
    if layer_id == "input":
        assert row.output_shape == (1, 28, 28)
        return
    spec = get(layer_id)
    module = spec.build([tuple(s) for s in shapes], spec.resolve(params)).eval()
    if spec.takes_tokens:
        xs = [torch.randint(0, params["num_embeddings"], (2, *shapes[0]))]
    else:
        xs = [torch.randn(2, *s) for s in shapes]
    with torch.no_grad():
        out = module(*xs)
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        module.train()(*xs)  # eval-mode attention takes a fused CPU path the counter cannot see
    assert tuple(out.shape) == (2, *row.output_shape)
    assert row.params == sum(p.numel() for p in module.parameters())
    assert row.trainable_params == sum(p.numel() for p in module.parameters() if p.requires_grad)
    if layer_id in RECURRENT_GATES:  # CPU runs fused RNN kernels the counter cannot see
        assert row.macs == recurrent_macs(layer_id, shapes[0], spec.resolve(params))
    elif layer_id == "multihead_attention":  # some releases' CPU attention kernels escape the counter
        length, width = shapes[0]
        assert row.macs == 4 * length * width * width + 2 * length * length * width
    else:
        assert row.macs == counter.get_total_flops() // 2 // 2  # real batch is 2


RECURRENT_GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def recurrent_macs(layer_id, shape, p):
    """Per layer and direction: L steps of gates·H·(inputs + H) multiply-accumulates."""
    length, features = shape
    dirs = 2 if p["bidirectional"] else 1
    h, total = p["hidden_size"], 0
    for layer in range(p["num_layers"]):
        inputs = features if layer == 0 else dirs * h
        total += dirs * length * RECURRENT_GATES[layer_id] * h * (inputs + h)
    return total


def test_registering_a_duplicate_id_raises():
    reg = Registry()
    spec = LayerSpec("thing", "Thing", "Misc", "help", (), build=None)
    reg.register(spec)
    with pytest.raises(ValueError, match="already registered"):
        reg.register(spec)


def test_specs_are_complete_data():
    for spec in CATALOG:
        assert spec.id == spec.id.lower() and spec.name and spec.help and spec.category
        for p in spec.params:
            assert p.coerce(p.default) == p.coerce(p.default)  # defaults are valid values
            assert p.help


def test_user_never_types_input_sizes():
    forbidden = {"in_features", "in_channels", "input_size", "d_model", "embed_dim_in"}
    for spec in CATALOG:
        assert forbidden.isdisjoint(p.name for p in spec.params), spec.id


def test_conv_arithmetic_on_users_numbers():
    g = Graph()
    g.add_node("input", {"shape": [1, 28, 28]}, node_id="input")
    g.add_node("conv2d", {"out_channels": 6, "kernel_size": 5}, node_id="c")
    g.connect("input", "c")
    row = analyze(g).row("c")
    assert "(28 − 5 + 2·0) / 1 + 1 = 24" in row.explain[0]
    assert "5·5·1·6 + 6 = 156" in row.explain[1]


def test_pair_parameters_keep_square_ints_and_take_height_width():
    kernel = get("conv2d").param("kernel_size")
    assert kernel.coerce(5) == 5 and kernel.coerce([3, 3]) == 3 and kernel.coerce("3") == 3
    assert kernel.coerce("1, 7") == (1, 7) and kernel.coerce([7, 1]) == (7, 1) and kernel.coerce("1×7") == (1, 7)
    padding = get("conv2d").param("padding")
    assert padding.coerce("same") == "same" and padding.coerce("0,3") == (0, 3)
    for bad in (0, "a", [1, 2, 3], True, 2.5):
        with pytest.raises(LayerError, match="height,width"):
            kernel.coerce(bad)


def test_a_project_written_before_pairs_opens_and_analyzes_the_same(tmp_path):
    import json

    import engine

    graph = engine.templates.load("lenet5")
    doc = {"format": "netwright-project", "version": 1, "training": None, "meta": {},
           "network": engine.serialize.graph_to_dict(graph)}
    conv = next(n for n in doc["network"]["nodes"] if n["id"] == "conv1")
    assert conv["params"]["kernel_size"] == 5 and conv["params"]["padding"] == 2  # plain ints on disk
    path = tmp_path / "old.json"
    path.write_text(json.dumps(doc))
    again = engine.load(path).graph
    assert analyze(again).total_params == analyze(graph).total_params == 61_706
