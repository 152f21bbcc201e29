"""How far the curve doctor lowers a learning rate that is too high (exploding, oscillating, diverged).

One click is one step down the scale, never a jump to a floor: an exploding run at rate 5 re-run at a
fixed 0.001 trained too slowly to finish in its epochs (digits, adagrad 5: 93.1 → 36.5 %,
bench/doctor_matrix.py); one that still explodes is told again, a step further down. The step never
lands above the top of the optimizer's usual range. Pure Python: no torch, no Qt.
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


def rate_top(optimizer: str) -> float:
    """The highest rate the doctor proposes for `optimizer`."""
    return ADAPTIVE_TOP if optimizer in ADAPTIVE else RATE_TOP


def lowered_rate(config: TrainConfig, factor: float) -> float:
    """`config.lr` `factor` times smaller, at most rate_top(config.optimizer), two significant digits."""
    return float(f"{min(config.lr / factor, rate_top(config.optimizer)):.2g}")


def rate_after_nan(lr: float) -> float:
    """The rate after a run whose loss became NaN: 10× lower, at most NAN_CAP from above 1."""
    return float(f"{min(lr / 10, NAN_CAP) if lr > 1.0 else lr / 10:.2g}")
