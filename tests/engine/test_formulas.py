"""Closed-form analysis: recurrent layers, attention and the transformer encoder by formula,
proved equal to a real CPU forward (shapes, parameters) and to the analytic MAC counts; fast
enough that no edit blocks the window; and a memo that tells True from 1."""
import itertools
import time

import pytest
import torch

from engine.analysis import analyze, clear_cache
from engine.catalog import get
from engine.catalog.formulas import attention_macs
from engine.graph import Graph
from tests.engine.test_catalog import recurrent_macs

RECURRENT = [(cell, layers, bidirectional, output)
             for cell, layers, bidirectional, output in itertools.product(
                 ("rnn", "lstm", "gru"), (1, 3), (False, True), ("last", "sequence"))]


def _one_layer(layer: str, shape, params) -> Graph:
    g = Graph()
    g.add_node("input", {"shape": list(shape)}, node_id="input")
    g.add_node(layer, params, node_id="target")
    g.connect("input", "target")
    return g


def _real(layer: str, shape, params):
    spec = get(layer)
    module = spec.build([tuple(shape)], spec.resolve(params)).eval()
    with torch.no_grad():
        out = module(torch.randn(2, *shape))
    return tuple(out.shape[1:]), sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("cell,layers,bidirectional,output", RECURRENT)
def test_recurrent_formula_matches_a_real_forward(cell, layers, bidirectional, output):
    shape = (7, 5)
    params = {"hidden_size": 6, "num_layers": layers, "bidirectional": bidirectional, "output": output}
    row = analyze(_one_layer(cell, shape, params)).row("target")
    assert row.error is None
    assert (row.output_shape, row.params) == _real(cell, shape, params)
    assert row.trainable_params == row.params
    assert row.macs == recurrent_macs(cell, shape, get(cell).resolve(params))


@pytest.mark.parametrize("shape,heads", [((16, 32), 4), ((5, 12), 3), ((1, 8), 1)])
def test_attention_formula_matches_a_real_forward(shape, heads):
    row = analyze(_one_layer("multihead_attention", shape, {"num_heads": heads})).row("target")
    assert (row.output_shape, row.params) == _real("multihead_attention", shape, {"num_heads": heads})
    length, width = shape
    assert row.macs == 4 * length * width**2 + 2 * length**2 * width == attention_macs(length, width)


@pytest.mark.parametrize("layers,ff,activation,norm_first", [(1, 16, "relu", False), (3, 40, "gelu", True)])
def test_transformer_formula_matches_a_real_forward(layers, ff, activation, norm_first):
    shape, params = (9, 24), {"num_heads": 4, "dim_feedforward": ff, "num_layers": layers,
                              "activation": activation, "norm_first": norm_first}
    row = analyze(_one_layer("transformer_encoder", shape, params)).row("target")
    assert (row.output_shape, row.params) == _real("transformer_encoder", shape, params)
    assert row.macs == layers * (attention_macs(*shape) + 2 * shape[0] * shape[1] * ff)


def test_a_deep_bidirectional_gru_over_784_steps_analyses_in_milliseconds():
    # 159 s on the meta device before: it stepped through every time step of every layer.
    graph = _one_layer("gru", (784, 28), {"hidden_size": 128, "num_layers": 16, "bidirectional": True})
    clear_cache()
    start = time.perf_counter()
    row = analyze(graph).row("target")
    assert time.perf_counter() - start < 0.05
    assert row.output_shape == (256,) and row.macs == recurrent_macs(
        "gru", (784, 28), get("gru").resolve({"hidden_size": 128, "num_layers": 16, "bidirectional": True}))


@pytest.mark.parametrize("layer,shape,params", [
    ("lstm", (256, 28), {"hidden_size": 128, "num_layers": 4, "bidirectional": True}),
    ("transformer_encoder", (197, 64), {"num_heads": 4, "num_layers": 12}),
    ("multihead_attention", (1024, 256), {"num_heads": 8}),
])
def test_any_closed_form_node_takes_under_5_ms(layer, shape, params):
    graph = _one_layer(layer, shape, params)
    analyze(graph)  # the input node and imports
    times = []
    for _ in range(3):
        clear_cache()
        start = time.perf_counter()
        analyze(graph)
        times.append(time.perf_counter() - start)
    assert min(times) < 0.005


def test_the_memo_tells_true_from_1():
    valid = _one_layer("linear", (4,), {"out_features": 1})
    assert analyze(valid).row("target").error is None
    invalid = _one_layer("linear", (4,), {"out_features": True})  # equal to 1, and hashes alike
    assert "out_features must be an integer" in analyze(invalid).row("target").error
    choice = _one_layer("token_pool", (3, 4), {"mode": "first"})
    assert analyze(choice).row("target").error is None


def test_sizes_beyond_int64_are_a_node_error_not_a_count():
    graph = _one_layer("linear", (10**12,), {"out_features": 10**12})
    assert "far too large" in analyze(graph).row("target").error


CONV_POOL_CASES = [
    ("conv2d", (1, 28, 28), {"out_channels": 6, "kernel_size": 5, "padding": 2}),
    ("conv2d", (3, 32, 31), {"out_channels": 8, "kernel_size": "3,5", "stride": "2,1", "padding": "1,0",
                             "dilation": "1,2", "bias": False}),
    ("conv2d", (8, 9, 9), {"out_channels": 8, "kernel_size": 3, "padding": "same", "groups": 8}),
    ("conv2d", (4, 10, 10), {"out_channels": 6, "kernel_size": 1, "stride": 3, "groups": 2}),
    ("conv1d", (4, 50), {"out_channels": 5, "kernel_size": 7, "stride": 3, "padding": 2, "dilation": 2}),
    ("conv1d", (2, 9), {"out_channels": 3, "kernel_size": 3, "padding": "same"}),
    ("maxpool2d", (6, 28, 28), {"kernel_size": 2}),
    ("maxpool2d", (3, 11, 12), {"kernel_size": "3,2", "stride": "2,0", "padding": "1,1", "ceil_mode": True}),
    ("avgpool2d", (2, 7, 7), {"kernel_size": 3, "stride": 2, "ceil_mode": True}),
    ("avgpool2d", (2, 8, 5), {"kernel_size": 2, "stride": 1, "padding": 1}),
    ("maxpool1d", (3, 20), {"kernel_size": 3, "stride": 2, "ceil_mode": True}),
    ("avgpool1d", (3, 21), {"kernel_size": 4, "padding": 2}),
    ("adaptive_avgpool2d", (5, 7, 9), {"output_height": 2, "output_width": 3}),
]


@pytest.mark.parametrize("layer,shape,params", CONV_POOL_CASES)
def test_convolution_and_pooling_formulas_match_a_real_forward_and_the_flop_counter(layer, shape, params):
    # by formula, so a CNN's analysis needs no meta-device run (which also costs PyTorch's
    # one-time compiler import on the first edit after launch)
    from torch.utils.flop_counter import FlopCounterMode

    assert get(layer).counts is not None
    row = analyze(_one_layer(layer, shape, params)).row("target")
    assert row.error is None
    spec = get(layer)
    module = spec.build([tuple(shape)], spec.resolve(params)).eval()
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        out = module(torch.randn(1, *shape))
    assert row.output_shape == tuple(out.shape[1:])
    assert row.params == sum(p.numel() for p in module.parameters())
    assert row.macs == counter.get_total_flops() // 2
