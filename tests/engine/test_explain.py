"""The inspector's arithmetic for recurrent, attention, embedding and normalization layers states
the same parameter counts the analysis finds, and the Transformer's parts add up to the node."""
import re

import pytest

from engine.analysis import analyze
from engine.catalog import CATALOG
from engine.catalog.explain_seq import attention_macs, encoder_parts
from engine.graph import Graph


def _row(layer, shape, dtype="float", **params):
    g = Graph()
    g.add_node("input", {"shape": list(shape), "dtype": dtype}, node_id="input")
    g.add_node(layer, params, node_id="layer")
    g.connect("input", "layer")
    return analyze(g).row("layer")


CASES = [
    ("rnn", (12, 6), {"hidden_size": 16}),
    ("lstm", (28, 28), {"hidden_size": 32, "num_layers": 3, "bidirectional": True}),
    ("gru", (10, 4), {"hidden_size": 8, "num_layers": 2, "output": "sequence"}),
    ("multihead_attention", (17, 32), {"num_heads": 4}),
    ("transformer_encoder", (17, 32), {"num_heads": 4, "dim_feedforward": 64, "num_layers": 3}),
    ("transformer_encoder", (9, 16), {"num_heads": 2, "dim_feedforward": 8, "num_layers": 1, "norm_first": False}),
    ("layernorm", (17, 32), {}),
    ("batchnorm2d", (6, 8, 8), {}),
    ("batchnorm1d", (20,), {}),
]


@pytest.mark.parametrize("layer,shape,params", CASES)
def test_explain_states_the_analysed_parameter_count(layer, shape, params):
    row = _row(layer, shape, **params)
    assert row.ok and row.explain
    found = (re.findall(r"(?:= |parameters: )([\d,]+)$", line) for line in row.explain)
    stated = [int(m.replace(",", "")) for matches in found for m in matches]
    assert row.params in stated, row.explain


def test_embedding_explains_its_table():
    row = _row("embedding", (12,), dtype="tokens", num_embeddings=100, embedding_dim=8)
    assert "= 800" in row.explain[0] and row.params == 800


def test_recurrent_explain_counts_two_biases_per_gate_block():
    row = _row("lstm", (28, 28), hidden_size=128)
    assert "4 gates · 128 · (28 input + 128 hidden + 2 biases) = 80,896" in row.explain[1]
    assert "1 gate ·" in _row("rnn", (5, 3), hidden_size=4).explain[1]


def test_encoder_parts_add_up_to_the_node():
    params = {"num_heads": 4, "dim_feedforward": 64, "num_layers": 3, "dropout": 0.1, "activation": "gelu",
              "norm_first": True}
    row = _row("transformer_encoder", (17, 32), **params)
    parts = encoder_parts(row.input_shapes, CATALOG.get("transformer_encoder").resolve(params))
    assert [p.name for p in parts] == ["Self-attention", "Add & norm", "Feed-forward", "Add & norm"]
    assert sum(p.params for p in parts) * 3 == row.params
    assert all(p.output_shape == (17, 32) for p in parts)
    assert parts[0].macs == attention_macs(17, 32) == 4 * 17 * 32 ** 2 + 2 * 17 ** 2 * 32
    assert parts[2].macs == 2 * 17 * 32 * 64
