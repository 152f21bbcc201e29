"""One or more (input shapes, params) cases per catalog layer, for oracle tests, and the
one-layer graph each case becomes."""
import math

from engine.catalog import get
from engine.graph import Graph

CASES = {
    "input": [([], {"shape": [1, 28, 28]})],
    "linear": [([(20,)], {"out_features": 7}), ([(5, 12)], {"out_features": 3, "bias": False}),
               ([(4, 6, 12)], {"out_features": 5, "per_position": True})],
    "relu": [([(4, 6, 6)], {})],
    "leaky_relu": [([(10,)], {"negative_slope": 0.2})],
    "sigmoid": [([(10,)], {})],
    "tanh": [([(10,)], {})],
    "gelu": [([(3, 10)], {})],
    "softmax": [([(10,)], {})],
    "relu6": [([(4, 6, 6)], {})],
    "silu": [([(10,)], {})],
    "hardswish": [([(3, 10)], {})],
    "hardsigmoid": [([(4, 3, 3)], {})],
    "prelu": [([(10,)], {}), ([(4, 5, 5)], {"per_channel": True, "init": 0.1}), ([(6, 8)], {"per_channel": True})],
    "elu": [([(10,)], {"alpha": 0.5})],
    "log_softmax": [([(10,)], {})],
    "identity": [([(3, 4, 4)], {})],
    "conv1d": [([(4, 30)], {"out_channels": 8, "kernel_size": 5, "stride": 2, "padding": 1}),
               ([(4, 30)], {"out_channels": 8, "kernel_size": 3, "padding": "same", "groups": 4})],
    "conv2d": [([(1, 28, 28)], {"out_channels": 6, "kernel_size": 5}),
               ([(3, 17, 23)], {"out_channels": 4, "kernel_size": 3, "stride": 2, "padding": 1, "dilation": 2}),
               ([(8, 9, 9)], {"out_channels": 8, "kernel_size": 3, "padding": "same", "groups": 8, "bias": False}),
               ([(4, 17, 17)], {"out_channels": 6, "kernel_size": [1, 7], "padding": [0, 3]}),
               ([(4, 15, 12)], {"out_channels": 4, "kernel_size": "7,1", "stride": [2, 1], "padding": "same"
                                if False else [3, 0], "dilation": [1, 2]}),
               ([(3, 9, 11)], {"out_channels": 5, "kernel_size": [3, 5], "padding": "same"})],
    "conv_transpose2d": [([(8, 7, 7)], {"out_channels": 4}),
                         ([(6, 5, 9)], {"out_channels": 4, "kernel_size": [3, 2], "stride": [2, 3], "padding": 1,
                                        "output_padding": [1, 0], "groups": 2, "bias": False}),
                         ([(4, 6, 6)], {"out_channels": 2, "kernel_size": 3, "stride": 1, "dilation": 2})],
    "maxpool2d": [([(6, 28, 28)], {"kernel_size": 2}),
                  ([(3, 15, 15)], {"kernel_size": 3, "stride": 2, "ceil_mode": True}),
                  ([(3, 14, 14)], {"kernel_size": 3, "stride": 1, "padding": 1}),
                  ([(3, 14, 15)], {"kernel_size": [3, 2], "stride": [2, 1], "padding": [1, 0], "ceil_mode": True})],
    "avgpool2d": [([(6, 28, 28)], {"kernel_size": 2}), ([(2, 7, 9)], {"kernel_size": 3, "stride": 2, "padding": 1}),
                  ([(2, 8, 9)], {"kernel_size": [2, 3], "stride": [0, 2]})],
    "maxpool1d": [([(4, 30)], {"kernel_size": 2}), ([(3, 17)], {"kernel_size": 3, "stride": 2, "padding": 1,
                                                              "ceil_mode": True})],
    "avgpool1d": [([(4, 30)], {"kernel_size": 3}), ([(2, 9)], {"kernel_size": 3, "stride": 1, "padding": 1})],
    "upsample": [([(3, 5, 7)], {}), ([(2, 4, 6)], {"mode": "bilinear", "scale_factor": 1.5}),
                 ([(2, 4, 6)], {"mode": "bilinear", "align_corners": True, "size": [9, 5]}),
                 ([(1, 3, 3)], {"size": 8})],
    "adaptive_avgpool2d": [([(16, 7, 7)], {}), ([(4, 13, 13)], {"output_height": 6, "output_width": 3})],
    "flatten": [([(16, 5, 5)], {})],
    "dropout": [([(100,)], {"p": 0.3})],
    "dropout2d": [([(8, 5, 5)], {"p": 0.2})],
    "stochastic_depth": [([(8, 5, 5)], {"p": 0.2}), ([(12,)], {"p": 0.5, "mode": "batch"})],
    "layer_scale": [([(8, 5, 5)], {}), ([(6, 16)], {"dim": 1, "init_value": 0.1})],
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
    "transformer_encoder": [([(17, 32)], {"num_heads": 4, "dim_feedforward": 64, "num_layers": 2}),
                            ([(5, 16)], {"num_heads": 2, "dim_feedforward": 32, "num_layers": 1,
                                         "layer_norm_eps": 1e-6})],
    "class_token": [([(16, 32)], {})],
    "position_embedding": [([(17, 32)], {}), ([(3, 8, 8)], {})],
    "token_pool": [([(17, 32)], {"mode": "first"}), ([(17, 32)], {"mode": "mean"})],
    "add": [([(4, 5, 5), (4, 5, 5), (4, 5, 5)], {})],
    "mul": [([(4, 5, 5), (4, 1, 1)], {}), ([(6, 3), (6, 3), (1, 3)], {})],
    "chunk": [([(6, 4, 4)], {"chunks": 2, "index": 1}), ([(7, 5)], {"chunks": 3, "dim": 0, "index": 2}),
              ([(3, 10)], {"chunks": 4, "dim": 1, "index": 3}),
              ([(7, 3)], {"chunks": 5, "index": 3})],  # 2+2+2+1: four pieces, not five
    "split": [([(6, 4, 4)], {"sizes": [2], "index": 2}), ([(8, 5)], {"sizes": [3, 5], "index": 1}),
              ([(2, 9, 4)], {"sizes": "4", "dim": 1, "index": 2})],
    "channel_shuffle": [([(6, 4, 4)], {"groups": 2}), ([(12, 5)], {"groups": 3})],
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
