"""How far the curve doctor lowers a learning rate that is too high (exploding, oscillating, diverged).

One click is one step down the scale, never a jump to a floor: an exploding run at rate 5 re-run at a
fixed 0.001 trained too slowly to finish in its epochs (digits, adagrad 5: 93.1 → 36.5 %,
bench/doctor_matrix.py); one that still explodes is told again, a step further down. The step never
lands above the top of the optimizer's usual range, and for SGD and RMSprop with momentum that top is
divided by how much momentum multiplies a step (1/(1 - momentum): 10× at the default 0.9), since a steady
gradient's steps add up: SGD at 0.9 tops at 0.1, RMSprop at 0.001 (LeNet-5 on digits at SGD 20 re-run at 1
stayed at chance, 9.9 → 9.3 %, at 0.1 it reached 92.5 %; at RMSprop 20 → 0.01: 9.3 %, → 0.001: 92.3 %).
Pure Python: no torch, no Qt.
"""
from __future__ import annotations

from engine.training.config import TrainConfig

EXPLODE_STEP = 10.0  # exploding lowers the rate this many times per click (one decade, the lr finder's scale)
RATE_TOP = 1.0  # ...and never proposes more than this, the top of the usual range (1e10 → 1, not 1e9)
# Adam, AdamW and RMSprop move each weight by about lr per step, whatever the gradient's size: at 0.01 that is
# a fifth of a weight of ~0.05, already past the doctor's UPDATE_LARGE; so their lowered rate stays under this
# (an MLP on digits at RMSprop 2 re-run at 0.2 stayed at chance, 15.2 → 11.2 %)
ADAPTIVE_TOP = 0.01
ADAPTIVE = ("adam", "adamw", "rmsprop")
NAN_CAP = 1e-3  # a NaN run above rate 1 restarts from at most this (no finite loss to measure from)


MOMENTUM = ("sgd", "rmsprop")  # heavy-ball momentum: a steady gradient's steps add up to 1/(1 - momentum) of one


def rate_top(optimizer: str, momentum: float = 0.0) -> float:
    """The highest rate the doctor proposes for `optimizer`: the top of its usual range for one step, divided by
    how much momentum multiplies a step (1/(1 - momentum): 10× at 0.9) where the optimizer has it."""
    top = ADAPTIVE_TOP if optimizer in ADAPTIVE else RATE_TOP
    if optimizer in MOMENTUM and 0.0 < momentum < 1.0:
        top *= 1.0 - momentum
    return float(f"{top:.2g}")


def lowered_rate(config: TrainConfig, factor: float) -> float:
    """`config.lr` `factor` times smaller, at most rate_top(config.optimizer, config.momentum), two significant
    digits."""
    return float(f"{min(config.lr / factor, rate_top(config.optimizer, config.momentum)):.2g}")


def gentler_rate(config: TrainConfig, factor: float) -> float:
    """`config.lr` `factor` times smaller, at most RATE_TOP, without the optimizer's own top: for a run that learned
    at its rate (oscillating between epochs with the loss already low), the rate is shown to be near the edge for
    this network and data, not far above it (an MLP on moons at SGD 4, 98.8 %: → 1 reached 100 %, → 0.1 96.5 %;
    on spirals at AdamW 1, 88.2 %: → 0.01 fell to 70.8 %, bench/doctor_matrix.py)."""
    return float(f"{min(config.lr / factor, RATE_TOP):.2g}")


def rate_after_nan(lr: float) -> float:
    """The rate after a run whose loss became NaN: 10× lower, at most NAN_CAP from above 1."""
    return float(f"{min(lr / 10, NAN_CAP) if lr > 1.0 else lr / 10:.2g}")
