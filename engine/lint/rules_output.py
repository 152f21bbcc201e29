"""Lints about the end of a network and its loss: a softmax or sigmoid the loss applies again
(`double_softmax`, `sigmoid_with_ce`, `softmax_with_bce`), outputs that do not fit the loss
(`loss_output_mismatch`), and layers that spoil the scores after the last learned layer
(`dropout_at_output`, `batchnorm_after_output`, `activation_before_output`).

The losses are engine.training's: cross-entropy and binary cross-entropy take raw scores (logits)
and apply softmax / sigmoid themselves. Must not import Qt; torch only through engine.analysis.
"""
from __future__ import annotations

from typing import Iterator

from ..catalog import CATALOG, fmt_shape
from ..training.objective import LOSS_TITLES, fit_problem
from .context import SQUASHING_OUTPUTS, Context, category, is_norm
from .model import Fix, LintWarning, Step

CLASS_LOSSES = ("cross_entropy", "nll")


def _remove(ctx: Context, node: str, what: str = "") -> Fix:
    return Fix(f"Remove {node}{what}", (Step("remove", node=node),))


def _tail(ctx: Context) -> tuple[str | None, list[str]]:
    last, tail = ctx.output_tail()
    return last, [n for n in tail if ctx.ok(n)]


def double_softmax(ctx: Context) -> Iterator[LintWarning]:
    """A softmax after the last learned layer while the loss is cross-entropy, which applies softmax itself."""
    if ctx.loss != "cross_entropy":
        return
    for node in _tail(ctx)[1]:
        if ctx.layer(node) == "softmax":
            yield LintWarning(
                node, "double_softmax",
                f"{node} (softmax) turns the scores into probabilities, and the cross-entropy loss applies "
                "softmax again: the network is trained on a squashed copy of its own output.",
                "Cross-entropy takes raw scores (logits) and computes log(softmax) itself, in one numerically "
                "stable step. A softmax layer in front squeezes every score into 0..1, so the loss's gradients "
                "become tiny and training stalls. Keep the softmax only for showing probabilities.",
                _remove(ctx, node, " and keep cross-entropy"))


def sigmoid_with_ce(ctx: Context) -> Iterator[LintWarning]:
    """A sigmoid after the last learned layer while the loss (cross-entropy, NLL) compares classes by softmax."""
    if ctx.loss not in CLASS_LOSSES:
        return
    for node in _tail(ctx)[1]:
        if ctx.layer(node) == "sigmoid":
            yield LintWarning(
                node, "sigmoid_with_ce",
                f"{node} (sigmoid) squashes the class scores into 0..1 before the {LOSS_TITLES[ctx.loss]} "
                "loss, which expects raw scores for a softmax over the classes.",
                "Softmax compares the scores with each other; after a sigmoid they all lie between 0 and 1, so "
                "the best class can never be much more likely than the others, and saturated sigmoids pass "
                "almost no gradient. Sigmoid belongs with binary cross-entropy on one output.",
                _remove(ctx, node))


def softmax_with_bce(ctx: Context) -> Iterator[LintWarning]:
    """A softmax after the last learned layer while the loss is binary cross-entropy (one score, its own sigmoid)."""
    if ctx.loss != "bce":
        return
    for node in _tail(ctx)[1]:
        if ctx.layer(node) == "softmax":
            yield LintWarning(
                node, "softmax_with_bce",
                f"{node} (softmax) feeds binary cross-entropy, which expects one raw score and applies a sigmoid "
                "itself.",
                "Binary cross-entropy decides yes/no from one score through a sigmoid; a softmax over the "
                "outputs makes them sum to 1 (a single output always becomes exactly 1) and the loss learns "
                "nothing useful. Use cross-entropy with a softmax-free output for several classes.",
                _remove(ctx, node))


def loss_output_mismatch(ctx: Context) -> Iterator[LintWarning]:
    """The network's output cannot feed its loss: the wrong width (the trainer's own rule when the classes
    are known), not a flat vector, a sigmoid before binary cross-entropy, or NLL without a log-softmax."""
    sink = ctx.sink
    row = ctx.row(sink) if sink else None
    if row is None or not row.ok or row.output_shape is None:
        return
    last, tail = _tail(ctx)
    problem, fix = _width_problem(ctx, tuple(row.output_shape), last)
    if problem is None:
        problem, fix = _squash_problem(ctx, tail)
    if problem is not None:
        where = last if fix is not None and fix.steps[0].action == "set_params" else sink
        if where not in problem:
            problem = f"{where} ({ctx.layer(where)}) makes the output, and it does not fit the loss: " \
                      f"{problem[:1].lower()}{problem[1:]}"
        yield LintWarning(
            where, "loss_output_mismatch", problem,
            "Each loss expects a particular output: cross-entropy one raw score per class, binary "
            "cross-entropy one raw score, negative log-likelihood log-probabilities per class. A mismatch "
            "either fails when training starts or trains on the wrong thing.", fix)


def _width_problem(ctx: Context, shape: tuple[int, ...], last: str | None) -> tuple[str | None, Fix | None]:
    """Outputs the loss cannot use; with the classes known, the trainer's own rule (fit_problem)."""
    if ctx.num_classes is not None:
        problem = fit_problem(ctx.loss, shape, ctx.data_name, ctx.num_classes)
        want = 1 if ctx.loss == "bce" else ctx.num_classes
    else:
        problem, want = _unknown_classes_problem(ctx.loss, shape)
    if problem is None:
        return None, None
    fix = None
    if want is not None and len(shape) == 1 and last is not None and ctx.layer(last) == "linear":
        fix = Fix(f"Give {last} {want} output{'s' if want != 1 else ''}",
                  (Step("set_params", node=last, params={"out_features": want}),))
    return problem[:1].upper() + problem[1:] + ("" if problem.endswith(".") else "."), fix


def _unknown_classes_problem(loss: str, shape: tuple[int, ...]) -> tuple[str | None, int | None]:
    """What is wrong whatever the dataset: (problem, the output width that would fit)."""
    title = LOSS_TITLES.get(loss, loss)
    if len(shape) != 1:
        return (f"the network gives {fmt_shape(shape)} values per sample but {title} needs a flat vector of "
                "scores; end the network with flatten and linear", None)
    if loss == "bce" and shape[0] != 1:
        return f"binary cross-entropy needs 1 output per sample but the network gives {shape[0]}", 1
    if loss in CLASS_LOSSES and shape[0] == 1:
        return f"{title} needs one score per class (at least 2) but the network gives 1", 2
    return None, None


def _squash_problem(ctx: Context, tail: list[str]) -> tuple[str | None, Fix | None]:
    layers = [ctx.layer(n) for n in tail]
    if ctx.loss == "bce" and "sigmoid" in layers:
        node = tail[layers.index("sigmoid")]
        return (f"{node} (sigmoid) comes before binary cross-entropy, which applies the sigmoid itself: the "
                "output is squashed twice.", _remove(ctx, node))
    if ctx.loss == "nll" and "log_softmax" not in layers:
        return ("Negative log-likelihood expects log-probabilities, but the network ends without a "
                "log-softmax: use cross-entropy on the raw scores instead.", None)
    return None, None


def _spoilers(ctx: Context, kind) -> Iterator[str]:
    last, tail = _tail(ctx)
    if last is None or ctx.layer(last) == "input":
        return
    for node in tail:
        if kind(ctx.layer(node)):
            yield node


def dropout_at_output(ctx: Context) -> Iterator[LintWarning]:
    """Dropout between the last learned layer and the output: it zeroes class scores while training."""
    for node in _spoilers(ctx, lambda layer: layer == "dropout"):
        yield LintWarning(
            node, "dropout_at_output",
            f"{node} (dropout) comes after the last learned layer: it randomly zeroes the class scores "
            "themselves while training.",
            "Dropout regularizes hidden units, which the next layer learns to do without. On the final scores "
            "nothing downstream can compensate: a zeroed score is simply a wrong answer, so the loss becomes "
            "noise. Put dropout before the last linear layer.",
            _remove(ctx, node))


def batchnorm_after_output(ctx: Context) -> Iterator[LintWarning]:
    """A normalization between the last learned layer and the output: it rescales the scores over the batch."""
    for node in _spoilers(ctx, is_norm):
        yield LintWarning(
            node, "batchnorm_after_output",
            f"{node} ({ctx.layer(node)}) normalizes the final scores after the last learned layer.",
            "Normalization keeps hidden activations in a good range for the next layer. On the output it "
            "forces the scores of every class to mean 0 and spread 1 over the batch, so the network cannot "
            "be confident, and the result depends on what else is in the batch.",
            _remove(ctx, node))


def activation_before_output(ctx: Context) -> Iterator[LintWarning]:
    """An activation (other than the softmax/sigmoid the loss rules judge) between the last learned
    layer and the output: it bounds or bends the scores the loss reads. SqueezeNet's ReLU before its
    global average pool is one (its scores are never negative)."""
    def spoils(layer: str) -> bool:
        return category(layer) == "Activation" and layer not in SQUASHING_OUTPUTS

    for node in _spoilers(ctx, spoils):
        effect = CATALOG.get(ctx.layer(node)).score_effect or "it reshapes the scores"
        yield LintWarning(
            node, "activation_before_output",
            f"{node} ({ctx.layer(node)}) is applied to the class scores (the logits) after the last learned "
            f"layer: {effect}.",
            "The last layer's raw scores must be free to be very negative (\"surely not this class\") and very "
            "positive. ReLU floors every score at 0: the network can still pick a class by a high score, but "
            "cannot push a wrong one below that floor, and a score cut to 0 passes no gradient, so for that "
            "sample it stops learning. Tanh caps scores at ±1, so softmax over 10 classes never says more than "
            "45 % (e² / (e² + 9)).",
            _remove(ctx, node))


RULES = {
    "double_softmax": double_softmax,
    "sigmoid_with_ce": sigmoid_with_ce,
    "softmax_with_bce": softmax_with_bce,
    "loss_output_mismatch": loss_output_mismatch,
    "dropout_at_output": dropout_at_output,
    "batchnorm_after_output": batchnorm_after_output,
    "activation_before_output": activation_before_output,
}
