"""How far the curve doctor lowers a learning rate that is too high (exploding, oscillating, diverged).

One click is one step down the scale, never a jump to a floor: an exploding run at rate 5 re-run at a
fixed 0.001 trained too slowly to finish in its epochs (digits, adagrad 5: 93.1 → 36.5 %,
bench/doctor_matrix.py); one that still explodes is told again, a step further down. The step never
lands above the top of the optimizer's usual range, and for SGD and RMSprop with momentum that top is
divided by how much momentum multiplies a step (1/(1 - momentum): 10× at the default 0.9), since a steady
gradient's steps add up: SGD at 0.9 tops at 0.1, RMSprop at 0.001 (LeNet-5 on digits at SGD 20 re-run at 1
stayed at chance, 9.9 → 9.3 %, at 0.1 it reached 92.5 %; at RMSprop 20 → 0.01: 9.3 %, → 0.001: 92.3 %).
Adagrad divides each step by the root of the squared gradients it has summed, so its first step moves every
weight by about the rate, as Adam's does, and later ones shrink as the sum grows (by 1/√t for a steady
gradient): its top is ADAGRAD_TOP, within its usual range (0.01, PyTorch's default, to 0.1), not 1. One decade
per click left LeNet-5 on digits at Adagrad 3, 9, 12 at chance (→ 0.3, 0.9, 1: 9.3, 9.3, 8.8 %), where 0.03
reached 95.5, 95.5, 93.9 %; 0.01 was too slow for an MLP on circles at Adagrad 30 over 6 epochs (63.7 %, 0.03:
97.8 %, 1: 100 %; bench/doctor_matrix.py, FIT families relu-highlr-fresh6, digits-highlr-held4,
circles-highlr-held).
A plain recurrent layer (RNN: h_t = tanh(W x_t + U h_{t-1}), no gates) applies the same U at every time step,
so a step in U moves the output once per step of the sequence: the exploding gradient of RNNs (Pascanu,
Mikolov, Bengio 2013), usually tamed by gradient clipping, which these settings do not have. Its top is the
optimizer's divided by RECURRENT_SHARE: an RNN on digits (2 epochs) at Adam 0.1 re-run at 0.01 stayed at chance
(9.1 %), at 0.003 it reached 36.8 %; at RMSprop 0.2 → 0.001: 9.9 %, → 0.0003: 45.9 %; at Adagrad 2 → 0.01:
38.9 % (9.3 % before). Gated cells (LSTM, GRU) keep the feed-forward top: an LSTM at Adam 2 → 0.01
reached 59.2 %, → 0.003 45.1 %.
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
ADAGRAD_TOP = 0.03  # Adagrad's first step is Adam's size, its later ones shrink: a few times Adam's top
RECURRENT_SHARE = 3.0  # a plain RNN's top is the optimizer's divided by this (its steps act at every time step)
NAN_CAP = 1e-3  # a NaN run above rate 1 restarts from at most this (no finite loss to measure from)


MOMENTUM = ("sgd", "rmsprop")  # heavy-ball momentum: a steady gradient's steps add up to 1/(1 - momentum) of one


def rate_top(optimizer: str, momentum: float = 0.0, recurrent: bool = False) -> float:
    """The highest rate the doctor proposes for `optimizer`: the top of its usual range for one step, divided by
    how much momentum multiplies a step (1/(1 - momentum): 10× at 0.9) where the optimizer has it, and by
    RECURRENT_SHARE for a network with a plain recurrent layer (`recurrent`)."""
    top = ADAPTIVE_TOP if optimizer in ADAPTIVE else ADAGRAD_TOP if optimizer == "adagrad" else RATE_TOP
    if optimizer in MOMENTUM and 0.0 < momentum < 1.0:
        top *= 1.0 - momentum
    return float(f"{top / RECURRENT_SHARE if recurrent else top:.2g}")


def lowered_rate(config: TrainConfig, factor: float, recurrent: bool = False) -> float:
    """`config.lr` `factor` times smaller, at most rate_top(config.optimizer, config.momentum, recurrent), two
    significant digits."""
    return float(f"{min(config.lr / factor, rate_top(config.optimizer, config.momentum, recurrent)):.2g}")


def gentler_rate(config: TrainConfig, factor: float) -> float:
    """`config.lr` `factor` times smaller, at most RATE_TOP, without the optimizer's own top: for a run that learned
    at its rate (oscillating between epochs with the loss already low), the rate is shown to be near the edge for
    this network and data, not far above it (an MLP on moons at SGD 4, 98.8 %: → 1 reached 100 %, → 0.1 96.5 %;
    on spirals at AdamW 1, 88.2 %: → 0.01 fell to 70.8 %, bench/doctor_matrix.py)."""
    return float(f"{min(config.lr / factor, RATE_TOP):.2g}")


def rate_after_nan(lr: float) -> float:
    """The rate after a run whose loss became NaN: 10× lower, at most NAN_CAP from above 1."""
    return float(f"{min(lr / 10, NAN_CAP) if lr > 1.0 else lr / 10:.2g}")
