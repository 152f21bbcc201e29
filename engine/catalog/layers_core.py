"""Core layers: input, dense (the perceptron), activations, dropout, identity, flatten, normalization.

Must not import Qt.
"""
from __future__ import annotations

from typing import Sequence

from ..lazy import LazyModule
from . import formulas as f
from .explain_seq import batchnorm_explain, layernorm_explain
from .helpers import need_rank, p_bool, p_choice, p_float, p_int, rank_fix
from .spec import LayerError, LayerSpec, Params, ParamSpec, Registry, Shape, fmt_shape

nn = LazyModule("torch.nn")  # torch loads when a layer is first built, not on import
modules = LazyModule("engine.catalog.modules")


def _linear_check(shapes: Sequence[Shape], p: Params) -> None:
    # A 2-D input is a sequence: the layer then applies to every step. On an image it is
    # usually a forgotten flatten, unless asked for (channels-last blocks such as ConvNeXt's).
    if len(shapes[0]) > 2 and not p["per_position"]:
        need_rank("linear", shapes[0], (1,), rank_fix(1, shapes[0]))


def _linear_explain(shapes: Sequence[Shape], out: Shape, p: Params) -> tuple[str, ...]:
    n_in, n_out = shapes[0][-1], p["out_features"]
    bias = f" + {n_out}" if p["bias"] else ""
    total = n_in * n_out + (n_out if p["bias"] else 0)
    return (f"parameters: {n_in}·{n_out}{bias} = {total:,}",)


def _activation(layer_id: str, name: str, help: str, factory, params=(), **facts) -> LayerSpec:
    return LayerSpec(layer_id, name, "Activation", help, tuple(params),
                     build=lambda shapes, p: factory(p), key_params=tuple(x.name for x in params),
                     counts=f.same_shape, **facts)


def _batchnorm_check(layer: str, ranks: tuple[int, ...], fix: str):
    def check(shapes: Sequence[Shape], p: Params) -> None:
        need_rank(layer, shapes[0], ranks, fix)
    return check


def _layer_scale_check(shapes: Sequence[Shape], p: Params) -> None:
    if p["dim"] >= len(shapes[0]):
        raise LayerError(f"layer_scale: dim {p['dim']} does not exist in a {fmt_shape(shapes[0])} input — "
                         f"use 0 to {len(shapes[0]) - 1}")


def register(reg: Registry) -> None:
    reg.register(LayerSpec(
        "input", "Input", "Input",
        "Where data enters: an image C×H×W, a feature vector, or a sequence length×features.",
        (ParamSpec("shape", "shape", (1, 28, 28), "Shape of one sample, without the batch.", minimum=1),
         p_choice("dtype", "float", ("float", "tokens"), "float values, or integer token ids for an embedding.")),
        build=None, min_inputs=0, max_inputs=0, key_params=("shape",)))
    reg.register(LayerSpec(
        "linear", "Linear (dense)", "Dense",
        "Fully connected layer y = Wx + b: the perceptron. Inputs are inferred from upstream.",
        (p_int("out_features", 10, "Number of output units."),
         p_bool("bias", True, "Learn an additive bias per output."),
         p_bool("per_position", False, "Also accept images: apply to the last dim at every position "
                "(channels-last blocks, as in ConvNeXt).")),
        build=lambda s, p: nn.Linear(s[0][-1], p["out_features"], bias=p["bias"]),
        check=_linear_check, explain=_linear_explain, key_params=("out_features",), counts=f.linear,
        export=lambda s, p: f"nn.Linear({s[0][-1]}, {p['out_features']}, bias={p['bias']})"))
    reg.register(_activation("relu", "ReLU", "max(0, x): the default non-linearity of deep nets.",
                             lambda p: nn.ReLU(),
        export=lambda s, p: "nn.ReLU()",
        torch_types=("torch.nn.ReLU",),
        roles=frozenset({"pool_after", "play_hidden"}),
        score_effect="no score can go below 0",
        torch_functions=("torch.nn.functional.relu", "torch.relu", "Tensor.relu", "Tensor.relu_")))
    reg.register(_activation(
        "leaky_relu", "Leaky ReLU", "x for x > 0, slope·x otherwise: never fully dead.",
        lambda p: nn.LeakyReLU(p["negative_slope"]),
        (p_float("negative_slope", 0.01, "Slope for negative inputs.", minimum=0.0, maximum=1.0),),
        export=lambda s, p: f"nn.LeakyReLU({p['negative_slope']})",
        torch_types=("torch.nn.LeakyReLU",),
        roles=frozenset({"pool_after", "play_hidden"}),
        score_effect="negative scores are scaled down by its slope",
        torch_functions=("torch.nn.functional.leaky_relu",)))
    reg.register(_activation("sigmoid", "Sigmoid", "1 / (1 + e^−x): squashes to (0, 1); saturates.",
                             lambda p: nn.Sigmoid(),
        export=lambda s, p: "nn.Sigmoid()",
        torch_types=("torch.nn.Sigmoid",),
        roles=frozenset({"saturating", "squashing_output", "pool_after", "play_output", "play_hidden"}),
        torch_functions=("torch.sigmoid", "torch.nn.functional.sigmoid", "Tensor.sigmoid")))
    reg.register(_activation("tanh", "Tanh", "Squashes to (−1, 1), zero-centred; saturates.",
                             lambda p: nn.Tanh(),
        export=lambda s, p: "nn.Tanh()",
        torch_types=("torch.nn.Tanh",),
        roles=frozenset({"pool_after", "saturating", "play_hidden"}),
        score_effect="every score is held in −1..1",
        torch_functions=("torch.tanh", "torch.nn.functional.tanh", "Tensor.tanh")))
    reg.register(_activation("gelu", "GELU", "Smooth ReLU used by Transformers.", lambda p: nn.GELU(),
        export=lambda s, p: "nn.GELU()",
        roles=frozenset({"pool_after", "play_hidden"}), score_effect="no score can go below −0.17"))
    reg.register(_activation("softmax", "Softmax", "Turns scores into probabilities over dim 1 "
                             "(leave it out before a cross-entropy loss, which includes it).",
                             lambda p: nn.Softmax(dim=1),
        export=lambda s, p: "nn.Softmax(dim=1)",
        roles=frozenset({"play_output", "squashing_output"})))
    _register_modern_activations(reg)
    reg.register(LayerSpec(
        "dropout", "Dropout", "Regularization",
        "Zeroes a random fraction p of activations while training; fights overfitting.",
        (p_float("p", 0.5, "Probability of dropping each activation.", minimum=0.0, maximum=0.99),),
        build=lambda s, p: nn.Dropout(p["p"]), key_params=("p",), counts=f.same_shape,
        export=lambda s, p: f"nn.Dropout({p['p']})"))
    _register_regularization(reg)
    reg.register(LayerSpec(
        "flatten", "Flatten", "Reshape", "Flattens C×H×W into one vector for dense layers.",
        (), build=lambda s, p: nn.Flatten(), counts=f.flatten,
        inline=lambda xs, p: f"torch.flatten({xs[0]}, 1)"))
    reg.register(LayerSpec(
        "identity", "Identity", "Reshape", "Passes its input through unchanged (a placeholder or a named tap).",
        (), build=lambda s, p: nn.Identity(),
        inline=lambda xs, p: xs[0]))
    _register_norms(reg)


def _register_modern_activations(reg: Registry) -> None:
    reg.register(_activation("relu6", "ReLU6", "min(max(0, x), 6): ReLU capped at 6 (MobileNet).",
                             lambda p: nn.ReLU6(),
        export=lambda s, p: "nn.ReLU6()",
        torch_types=("torch.nn.ReLU6",), score_effect="every score is held in 0..6",
        torch_functions=("torch.nn.functional.relu6",)))
    reg.register(_activation("silu", "SiLU (swish)", "x · sigmoid(x): smooth, self-gated (EfficientNet).",
                             lambda p: nn.SiLU(),
        export=lambda s, p: "nn.SiLU()",
        torch_types=("torch.nn.SiLU",), score_effect="no score can go below −0.28",
        torch_functions=("torch.nn.functional.silu",)))
    reg.register(_activation("hardswish", "Hard swish", "x · relu6(x + 3) / 6: a cheap swish (MobileNetV3).",
                             lambda p: nn.Hardswish(),
        export=lambda s, p: "nn.Hardswish()",
        torch_types=("torch.nn.Hardswish",), score_effect="no score can go below −0.375",
        torch_functions=("torch.nn.functional.hardswish",)))
    reg.register(_activation("hardsigmoid", "Hard sigmoid", "relu6(x + 3) / 6: a cheap sigmoid (MobileNetV3).",
                             lambda p: nn.Hardsigmoid(),
        export=lambda s, p: "nn.Hardsigmoid()",
        torch_types=("torch.nn.Hardsigmoid",), score_effect="every score is held in 0..1",
        torch_functions=("torch.nn.functional.hardsigmoid",)))
    reg.register(LayerSpec(
        "prelu", "PReLU", "Activation", "Leaky ReLU whose negative slope is learned, shared or per channel.",
        (p_bool("per_channel", False, "Learn one slope per channel instead of one for all."),
         p_float("init", 0.25, "Starting slope.", minimum=0.0, maximum=1.0)),
        build=lambda s, p: nn.PReLU(s[0][0] if p["per_channel"] else 1, p["init"]),
        key_params=("per_channel",),
        export=lambda s, p: f"nn.PReLU({s[0][0] if p['per_channel'] else 1}, init={p['init']})"))
    reg.register(_activation(
        "elu", "ELU", "x for x > 0, alpha·(eˣ − 1) otherwise: smooth and zero-mean-ish.",
        lambda p: nn.ELU(p["alpha"]), (p_float("alpha", 1.0, "Value approached for very negative x.",
                                                minimum=0.0),),
        export=lambda s, p: f"nn.ELU({p['alpha']})",
        torch_types=("torch.nn.ELU",), score_effect="no score can go below −1",
        torch_functions=("torch.nn.functional.elu",)))
    reg.register(_activation("log_softmax", "Log-softmax", "log of softmax over dim 1: pair it with the "
                             "nll loss (numerically safer than log(softmax)).", lambda p: nn.LogSoftmax(dim=1),
        export=lambda s, p: "nn.LogSoftmax(dim=1)",
        roles=frozenset({"squashing_output"})))


def _register_regularization(reg: Registry) -> None:
    reg.register(LayerSpec(
        "dropout2d", "Dropout 2D", "Regularization",
        "Zeroes whole channels at random while training (for convolutional feature maps).",
        (p_float("p", 0.5, "Probability of dropping each channel.", minimum=0.0, maximum=0.99),),
        build=lambda s, p: nn.Dropout2d(p["p"]), key_params=("p",),
        check=lambda s, p: need_rank("dropout2d", s[0], (3,), "use dropout on vectors and sequences"),
        export=lambda s, p: f"nn.Dropout2d({p['p']})"))
    reg.register(LayerSpec(
        "stochastic_depth", "Stochastic depth", "Regularization",
        "Drops a whole residual branch at random while training (per sample or per batch); "
        "identity when evaluating. Put it before the add of a residual block.",
        (p_float("p", 0.1, "Probability of dropping the branch.", minimum=0.0, maximum=1.0),
         p_choice("mode", "row", ("row", "batch"), "row: per sample; batch: the whole batch at once.")),
        build=lambda s, p: modules.StochasticDepth(p["p"], p["mode"]), key_params=("p",),
        export=lambda s, p: f"StochasticDepth({p['p']}, {p['mode']!r})"))


def _register_norms(reg: Registry) -> None:
    eps = p_float("eps", 1e-5, "Added to the variance for numerical stability.", minimum=1e-12, maximum=1.0)
    momentum = p_float("momentum", 0.1, "Running-statistics update rate.", minimum=0.0, maximum=1.0)
    reg.register(LayerSpec(
        "batchnorm1d", "BatchNorm 1D", "Normalization",
        "Normalizes each feature over the batch (for dense layers or C×L sequences).",
        (eps, momentum),
        build=lambda s, p: nn.BatchNorm1d(s[0][0], eps=p["eps"], momentum=p["momentum"]),
        check=_batchnorm_check("batchnorm1d", (1, 2), "use batchnorm2d for images"), explain=batchnorm_explain,
        counts=f.channel_norm,
        export=lambda s, p: f"nn.BatchNorm1d({s[0][0]}, eps={p['eps']}, momentum={p['momentum']})"))
    reg.register(LayerSpec(
        "batchnorm2d", "BatchNorm 2D", "Normalization",
        "Normalizes each channel over batch and space; speeds up training of CNNs.",
        (eps, momentum),
        build=lambda s, p: nn.BatchNorm2d(s[0][0], eps=p["eps"], momentum=p["momentum"]),
        check=_batchnorm_check("batchnorm2d", (3,), "use batchnorm1d after flatten or linear"),
        explain=batchnorm_explain, counts=f.channel_norm,
        export=lambda s, p: f"nn.BatchNorm2d({s[0][0]}, eps={p['eps']}, momentum={p['momentum']})"))
    reg.register(LayerSpec(
        "layernorm", "LayerNorm", "Normalization",
        "Normalizes each sample over its last dimension (Transformers, RNNs).",
        (eps,), build=lambda s, p: nn.LayerNorm(s[0][-1], eps=p["eps"]), explain=layernorm_explain,
        counts=f.layer_norm,
        export=lambda s, p: f"nn.LayerNorm({s[0][-1]}, eps={p['eps']})"))
    reg.register(LayerSpec(
        "layer_scale", "Layer scale", "Normalization",
        "Multiplies one dimension by learned factors that start tiny (ConvNeXt, CaiT): deep residual "
        "branches start close to identity.",
        (p_float("init_value", 1e-6, "Starting factor.", minimum=0.0),
         p_int("dim", 0, "Dimension with one factor per entry (0 = channels).", minimum=0, maximum=3)),
        build=lambda s, p: modules.LayerScale(s[0], p["dim"], p["init_value"]),
        check=_layer_scale_check, key_params=("init_value",),
        export=lambda s, p: f"LayerScale({tuple(s[0])}, {p['dim']}, {p['init_value']})"))
    reg.register(LayerSpec(
        "local_response_norm", "Local response norm", "Normalization",
        "AlexNet's normalization across neighbouring channels.",
        (p_int("size", 5, "Number of neighbouring channels."),
         p_float("alpha", 1e-4, "Scale.", minimum=0.0),
         p_float("beta", 0.75, "Exponent.", minimum=0.0),
         p_float("k", 2.0, "Additive constant.", minimum=0.0)),
        build=lambda s, p: nn.LocalResponseNorm(p["size"], p["alpha"], p["beta"], p["k"]),
        check=_batchnorm_check("local_response_norm", (2, 3), "use it on images"),
        key_params=("size",),
        export=lambda s, p: f"nn.LocalResponseNorm({p['size']}, {p['alpha']}, {p['beta']}, {p['k']})"))

