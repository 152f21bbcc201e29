"""One or more (input shapes, params) cases per catalog layer, for oracle tests, and the
one-layer graph each case becomes."""
import math

from engine.catalog import get
from engine.graph import Graph

CASES = {
    "input": [([], {"shape": [1, 28, 28]})],
    "linear": [([(20,)], {"out_features": 7}), ([(5, 12)], {"out_features": 3, "bias": False})],
    "relu": [([(4, 6, 6)], {})],
    "leaky_relu": [([(10,)], {"negative_slope": 0.2})],
    "sigmoid": [([(10,)], {})],
    "tanh": [([(10,)], {})],
    "gelu": [([(3, 10)], {})],
    "softmax": [([(10,)], {})],
    "conv1d": [([(4, 30)], {"out_channels": 8, "kernel_size": 5, "stride": 2, "padding": 1}),
               ([(4, 30)], {"out_channels": 8, "kernel_size": 3, "padding": "same", "groups": 4})],
    "conv2d": [([(1, 28, 28)], {"out_channels": 6, "kernel_size": 5}),
               ([(3, 17, 23)], {"out_channels": 4, "kernel_size": 3, "stride": 2, "padding": 1, "dilation": 2}),
               ([(8, 9, 9)], {"out_channels": 8, "kernel_size": 3, "padding": "same", "groups": 8, "bias": False})],
    "maxpool2d": [([(6, 28, 28)], {"kernel_size": 2}),
                  ([(3, 15, 15)], {"kernel_size": 3, "stride": 2, "ceil_mode": True}),
                  ([(3, 14, 14)], {"kernel_size": 3, "stride": 1, "padding": 1})],
    "avgpool2d": [([(6, 28, 28)], {"kernel_size": 2}), ([(2, 7, 9)], {"kernel_size": 3, "stride": 2, "padding": 1})],
    "adaptive_avgpool2d": [([(16, 7, 7)], {}), ([(4, 13, 13)], {"output_height": 6, "output_width": 3})],
    "flatten": [([(16, 5, 5)], {})],
    "dropout": [([(100,)], {"p": 0.3})],
    "batchnorm1d": [([(32,)], {}), ([(8, 20)], {"eps": 1e-3})],
    "batchnorm2d": [([(8, 6, 6)], {})],
    "layernorm": [([(10, 16)], {})],
    "local_response_norm": [([(16, 6, 6)], {"size": 5})],
    "rnn": [([(28, 28)], {"hidden_size": 32}), ([(10, 4)], {"hidden_size": 8, "num_layers": 2, "output": "sequence"})],
    "lstm": [([(28, 28)], {"hidden_size": 32, "bidirectional": True}),
             ([(10, 4)], {"hidden_size": 8, "num_layers": 3, "output": "sequence", "bidirectional": True})],
    "gru": [([(12, 6)], {"hidden_size": 16, "num_layers": 2})],
    "embedding": [([(12,)], {"num_embeddings": 50, "embedding_dim": 16})],
    "patch_embed": [([(1, 28, 28)], {"patch_size": 7, "embed_dim": 32}),
                    ([(3, 32, 32)], {"patch_size": 4, "embed_dim": 24, "cls_token": False})],
    "multihead_attention": [([(16, 32)], {"num_heads": 4})],
    "transformer_encoder": [([(17, 32)], {"num_heads": 4, "dim_feedforward": 64, "num_layers": 2})],
    "token_pool": [([(17, 32)], {"mode": "first"}), ([(17, 32)], {"mode": "mean"})],
    "add": [([(4, 5, 5), (4, 5, 5), (4, 5, 5)], {})],
    "concat": [([(4, 5, 5), (6, 5, 5)], {"dim": 0}), ([(3, 7), (3, 2)], {"dim": 1})],
    "reshape": [([(1, 28, 28)], {"shape": [28, 28]}), ([(400,)], {"shape": [16, -1]})],
    "permute": [([(3, 32, 32)], {"dims": [1, 0, 2]})],
}

CASE_LIST = [(lid, shapes, params) for lid, cases in CASES.items() for shapes, params in cases]


def graph_for(layer_id, shapes, params):
    """input -> (one branch per extra input) -> layer; returns (graph, the layer's node id)."""
    g = Graph()
    if layer_id == "input":
        g.add_node("input", params, node_id="input")
        return g, "input"
    dtype = "tokens" if get(layer_id).takes_tokens else "float"
    g.add_node("input", {"shape": list(shapes[0]), "dtype": dtype}, node_id="input")
    node = g.add_node(layer_id, params, node_id="target")
    g.connect("input", "target")
    for i, shape in enumerate(shapes[1:], start=1):
        # flatten -> linear -> reshape of the input makes an extra branch of the wanted shape
        g.add_node("flatten", {}, node_id=f"flat{i}")
        g.add_node("linear", {"out_features": math.prod(shape)}, node_id=f"branch{i}")
        g.add_node("reshape", {"shape": list(shape)}, node_id=f"shape{i}")
        g.connect("input", f"flat{i}")
        g.connect(f"flat{i}", f"branch{i}")
        g.connect(f"branch{i}", f"shape{i}")
        g.connect(f"shape{i}", "target")
    return g, node.id
