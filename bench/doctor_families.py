"""The families of cells of bench/doctor_matrix.py: which templates, data, optimizers, rates and epochs.

FIT: the curve doctor's thresholds and remedies were tuned on these (their rows were read while changing a
rule); HELD-OUT: never looked at while tuning; fresh: held out and written and committed before the latest
change (printed apart). Once a family's rows are read to make a rule, it becomes FIT, and the comment above it
says when and why.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    name: str
    held_out: bool
    dataset: str
    templates: tuple[str, ...]
    optimizers: tuple[str, ...]
    lrs: tuple[float, ...]
    epochs: tuple[int, ...]
    n_train: int | None = None  # digits training samples when not --n-train (a small set overfits)
    fresh: bool = False  # held out from the latest change (printed apart too)


LRS = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
FAMILIES = (  # FIT: the thresholds were tuned on these; HELD-OUT: never looked at while tuning
    Family("digits-fit", False, "digits", ("mlp", "deep_sigmoid", "deep_relu_bn", "lenet5"), ("sgd", "adam"), LRS,
           (1, 3)),
    Family("moons-fit", False, "moons", ("perceptron", "mlp"), ("sgd", "adam"), LRS, (5, 20)),
    # FIT since round 7 (Adagrad's top, a plain RNN's top, big steps of normalized optimizers) was tuned on its
    # rows: the RNN at Adam 0.1
    Family("digits-seq", False, "digits", ("rnn", "transformer"), ("sgd", "adam"), (1e-3, 1e-2, 1e-1), (2,)),
    # digits-rmsprop, circles-osc-held4, xor-highlr-held4, digits-adadelta-held4 and digits-osc-held5 were held out;
    # their failing vanishing-gradient rows (batch normalization at AdamW 0.0001, at rates far above the optimizer's
    # range; an MLP at 83 %) were read before the vanishing-remedy change (engine.training.vanishing_remedy): FIT since
    Family("digits-rmsprop", False, "digits", ("mlp", "deep_sigmoid", "deep_relu_bn"), ("rmsprop", "adamw"),
           (1e-4, 1e-2, 1.0), (2,)),
    Family("spirals-held", True, "spirals", ("mlp", "deep_sigmoid"), ("sgd", "adam"), (1e-3, 1e-2, 1e-1), (10,)),
    # FIT since the capacity check (too_simple) was built from it: a perceptron on XOR was blamed on its rate
    Family("xor-fit", False, "xor", ("perceptron", "deep_relu_bn"), ("sgd", "adam"), (1e-3, 1e-1), (8,)),
    # added with too_simple and the overfitting rule, never looked at while tuning them:
    Family("circles-linear-held", True, "circles", ("perceptron", "mlp"), ("sgd", "adam"), (1e-3, 3e-2, 1.0),
           (8,)),
    # held out at first; its perceptron at Adam 0.003 (54.8 % where a straight line gets 57 %) was read while making
    # too_simple rest on the measured linear ceiling (an accuracy at the ceiling reaches it, not only a loss): FIT since
    Family("spirals-linear-held", False, "spirals", ("perceptron",), ("sgd", "adam"), (3e-3, 0.3), (10,)),
    Family("blobs-linear-held", True, "blobs", ("perceptron",), ("sgd", "adam"), (1e-3, 0.1, 1.0), (8,)),
    # these two were held out at first and then used (too_simple stands aside when the loss went to 2× chance
    # level: perceptron, digits, SGD at 1; overfitting offers no one click), so they count as FIT now
    Family("digits-linear-fit", False, "digits", ("perceptron",), ("sgd", "adam"), (1e-4, 1e-2, 1.0), (2,)),
    Family("digits-small-fit", False, "digits", ("mlp", "deep_relu_bn"), ("sgd", "adam"), (3e-3, 3e-2), (40,),
           n_train=250),
    # held out at first; then exploding was made a warning without a click when the accuracy stays ≥ 80 % and
    # the loss under 5× chance (perceptron, digits, rmsprop 0.1: 92 %, 4×; a lower rate made it worse): FIT now
    Family("digits-linear-fit2", False, "digits", ("perceptron",), ("rmsprop", "adamw"), (1e-3, 0.1, 3.0), (3,)),
    # added after that change, never looked at before:
    Family("highlr-held", True, "digits", ("perceptron", "deep_relu_bn"), ("adagrad", "sgd"), (0.5, 5.0), (2,)),
    Family("blobs-highlr-held", True, "blobs", ("perceptron", "mlp"), ("rmsprop", "adamw"), (1.0, 10.0), (6,)),
    # (the families below were added with too_simple and the overfitting change, before the exploding one)
    # FIT since the second lowered-rate change was tuned on its MLP at AdamW 1 (oscillating between epochs):
    Family("spirals-linear-held2", False, "spirals", ("perceptron", "mlp"), ("rmsprop", "adamw"), (1e-2, 1.0),
           (6,)),
    Family("digits-small-held", True, "digits", ("mlp", "lenet5"), ("rmsprop", "adamw"), (1e-3, 1e-2), (30,),
           n_train=400),
    # held out from the one-decade-per-click change (round 1: its exploding remedy helped 8/11 there, 72.7 %),
    # then looked at (adaptive optimizers' lowered rate is capped): FIT since
    Family("digits-highlr-held2", False, "digits", ("mlp", "lenet5"), ("sgd", "rmsprop"), (2.0, 20.0), (3,)),
    Family("circles-highlr-held", False, "circles", ("mlp", "deep_relu_bn"), ("sgd", "adagrad"), (3.0, 30.0),
           (6,)),
    Family("moons-osc-held", False, "moons", ("mlp", "deep_relu_bn"), ("adam", "rmsprop"), (0.05, 0.3), (12,)),
    Family("lstm-highlr-held", False, "digits", ("lstm",), ("adam", "sgd"), (0.1, 2.0), (2,)),
    # deep sigmoid networks at high rates, FIT (added to tune on while weighing vanishing against exploding):
    Family("sigmoid-highlr-fit", False, "circles", ("deep_sigmoid",), ("sgd", "rmsprop"), (3.0, 30.0), (6,)),
    # round 2, written and committed before capping adaptive optimizers' lowered rate, never tuned on (fresh for that
    # change; its failures were read since, so held out but no longer fresh):
    # FIT since round 7 (Adagrad's top, a plain RNN's top, big steps of normalized optimizers) was tuned on its
    # rows: Adam and Adagrad at 0.5, 8
    Family("digits-adaptive-held3", False, "digits", ("mlp", "deep_relu_bn"), ("adam", "adagrad"), (0.5, 8.0), (2,)),
    # FIT since the second lowered-rate change was tuned on its MLP at SGD 4 (oscillating between epochs):
    Family("moons-highlr-held3", False, "moons", ("mlp", "deep_sigmoid"), ("rmsprop", "sgd"), (4.0, 40.0), (6,)),
    Family("digits-nan-held3", True, "digits", ("lenet5",), ("adamw", "sgd"), (5.0,), (2,)),
    # FIT since round 7 (Adagrad's top, a plain RNN's top, big steps of normalized optimizers) was tuned on its
    # rows: the RNN at RMSprop 0.2, 3
    Family("rnn-rmsprop-held3", False, "digits", ("rnn",), ("rmsprop",), (0.2, 3.0), (2,)),
    # round 3, written and committed before the next change to the lowered-rate remedies (exploding, oscillating),
    # never tuned on: an optimizer never used before (adadelta), other rates, templates on other data. Their rows
    # were read after that change (one failure: LeNet-5 at Adagrad 12 -> 1), so they are no longer fresh
    # round 4, written and committed before the second lowered-rate change (oscillating between epochs), never
    # tuned on: rates and optimizer/template/data pairs not used before, ≥ 5 epochs (the rises between epochs).
    # Read after that change: the MLP on blobs at RMSprop 8 (vanishing without a click at 97.2 %) was one of the
    # cells the depth rule of engine.training.two_causes then corrected, with the FIT moons MLPs
    # (no longer fresh: their rows were read in round 5's full run, before the vanishing-gradient remedy change)
    Family("moons-osc-held5", True, "moons", ("mlp", "deep_relu_bn"), ("sgd", "adagrad"), (1.5, 6.0), (10,)),
    Family("circles-osc-held5", True, "circles", ("mlp", "deep_relu_bn"), ("adamw", "adadelta"), (0.2, 20.0),
           (10,)),
    Family("blobs-osc-held5", True, "blobs", ("mlp", "deep_relu_bn"), ("sgd", "rmsprop"), (0.8, 8.0), (10,)),
    Family("xor-osc-held5", True, "xor", ("mlp",), ("adam", "adagrad"), (0.4, 4.0), (12,)),
    Family("digits-osc-held5", False, "digits", ("mlp", "lenet5"), ("sgd", "adamw"), (0.6, 6.0), (5,)),
    Family("digits-adadelta-held4", False, "digits", ("mlp", "lenet5", "deep_relu_bn"), ("adadelta",),
           (0.3, 30.0, 300.0), (2,)),
    # FIT since round 7 (Adagrad's top, a plain RNN's top, big steps of normalized optimizers) was tuned on its
    # rows: LeNet-5 and the LSTM at Adagrad 0.7, 12
    Family("digits-highlr-held4", False, "digits", ("deep_sigmoid", "lenet5", "lstm"), ("adagrad", "adamw"),
           (0.7, 12.0), (2,)),
    # FIT since round 7 (Adagrad's top, a plain RNN's top, big steps of normalized optimizers) was tuned on its
    # rows: the perceptron at Adagrad 60 (big steps stand aside for a linear network)
    Family("moons-highlr-held4", False, "moons", ("deep_relu_bn", "perceptron"), ("adagrad", "sgd"), (2.5, 60.0),
           (8,)),
    Family("circles-osc-held4", False, "circles", ("mlp", "deep_sigmoid"), ("rmsprop", "adamw"), (0.15, 0.6), (10,)),
    Family("xor-highlr-held4", False, "xor", ("mlp", "deep_sigmoid"), ("sgd", "adadelta"), (0.25, 7.0, 70.0), (8,)),
    # round 6 (fresh then, read since), written and committed before the change to the vanishing-gradient remedy
    # (batch normalization helped in 50/58 cells, 86.2 %), never tuned on: deep sigmoid networks at rates,
    # optimizers, data and epochs not used before (very low and very high rates), and ReLU networks at high rates
    # (units killed by the rate)
    Family("digits-vanish-fresh6", True, "digits", ("deep_sigmoid",), ("sgd", "adagrad", "rmsprop"),
           (3e-4, 0.03, 3.0), (2,)),
    Family("moons-vanish-fresh6", True, "moons", ("deep_sigmoid",), ("adam", "adadelta"), (0.003, 0.3, 5.0), (8,)),
    Family("blobs-vanish-fresh6", True, "blobs", ("deep_sigmoid", "mlp"), ("sgd", "adamw"), (0.02, 2.0), (10,)),
    Family("spirals-vanish-fresh6", True, "spirals", ("deep_sigmoid",), ("rmsprop", "sgd"), (3e-4, 0.5), (12,)),
    # read after that change: its LeNet-5 at Adagrad 3 and 9 is told exploding and one decade lower (0.3, 0.9) left
    # it at chance (LeNet-5 at Adagrad 0.01 reached 92.0 %, but an MLP on circles at Adagrad 30 → 0.01 fell to 63.8 %
    # where → 1 reached 100 %): the exploding remedy's open case for Adagrad, not changed in round 6
    # FIT since round 7 (Adagrad's top, a plain RNN's top, big steps of normalized optimizers) was tuned on its
    # rows: LeNet-5 and the MLP at Adagrad 3, 9
    Family("relu-highlr-fresh6", False, "digits", ("lenet5", "mlp"), ("sgd", "adagrad"), (3.0, 9.0), (3,)),
    # round 7, written and committed before the change to the exploding and underfitting remedies, never tuned on:
    # Adagrad and RMSprop at high rates on other templates and data, recurrent nets at rates and optimizers not
    # used before, Adadelta far above its usual rate of 1, and one-to-three-epoch runs that may stop short
    # Read after the round-7 change (full run): one miss, deep_relu_bn on digits at Adagrad 0.1 for 1 epoch,
    # oscillating (big steps) → 0.01: 49.3 → 40.3 %, as before the change; not tuned on (a next change needs new fresh
    # families)
    Family("digits-adagrad-fresh7", True, "digits", ("mlp", "deep_relu_bn", "lenet5"), ("adagrad",),
           (1.5, 4.0, 25.0), (3,), fresh=True),
    Family("spirals-adaptive-fresh7", True, "spirals", ("mlp", "deep_relu_bn"), ("adagrad", "rmsprop"), (2.0, 15.0),
           (10,), fresh=True),
    Family("blobs-adagrad-fresh7", True, "blobs", ("perceptron", "deep_relu_bn"), ("adagrad",), (5.0, 50.0), (8,),
           fresh=True),
    Family("recurrent-fresh7", True, "digits", ("rnn", "lstm"), ("adam", "rmsprop", "adagrad"), (0.05, 0.4), (2,),
           fresh=True),
    Family("recurrent-adadelta-fresh7", True, "digits", ("rnn", "lstm", "transformer"), ("adadelta",), (5.0, 60.0),
           (2,), fresh=True),
    Family("moons-adadelta-fresh7", True, "moons", ("mlp", "deep_relu_bn", "perceptron"), ("adadelta",),
           (40.0, 400.0), (8,), fresh=True),
    Family("digits-underfit-fresh7", True, "digits", ("lenet5", "deep_relu_bn", "transformer"),
           ("adagrad", "adadelta", "sgd"), (0.01, 0.1), (1,), fresh=True),
    Family("spirals-underfit-fresh7", True, "spirals", ("mlp", "deep_relu_bn"), ("adamw", "adagrad"), (0.003, 0.03),
           (3,), fresh=True),
)
FULL = (  # --full: everything that fits, more epochs and rates
    Family("digits-full", True, "digits", ("mlp", "deep_sigmoid", "deep_relu_bn", "lenet5", "rnn", "lstm",
                                           "transformer"), ("sgd", "adam", "rmsprop"), LRS, (1, 3, 8)),
    Family("points-full", True, "circles", ("perceptron", "mlp", "deep_sigmoid", "deep_relu_bn"),
           ("sgd", "adam"), LRS, (2, 6)),
)
