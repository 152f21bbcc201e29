"""When the learning rate alone says the steps are far too big: an optimizer that normalizes its steps, run far
above its usual range, whose loss is still high.

Adam, AdamW, RMSprop and Adagrad divide each weight's step by the size of its recent (or summed) gradients, so
every weight moves by about the learning rate per step whatever the gradient (engine.training.lowered_rate).
A rate more than vanishing_remedy.FAR_ABOVE times the top of the optimizer's usual range therefore moves every
weight ten times further per step than usual. When such a run's loss is still high and none of the doctor's
curve checks explains it (no blow-up to multiples of chance level, no rise between epochs), the curve doctor
said "underfitting, train longer"; but more epochs of steps that big do not settle, and the lowered rate does
(bench/doctor_matrix.py, FIT cells: an MLP on digits at Adam 0.5, 2 epochs, 12.5 %: 4 epochs 9.3 %, rate 0.01
92.8 %; deep_relu_bn at Adam 0.5, 37.9 %: 4 epochs 61.6 %, 0.01 84.5 %; at Adagrad 0.5, 33.1 %: 4 epochs
48.8 %, 0.03 80.3 %; an MLP on moons at Adam 1, 20 epochs, 82.5 %, no click: 0.01 99.8 %).
Not for SGD, whose step grows with the gradient: its rate says little about the step (an LSTM on digits at
SGD 2, 23.2 %: 4 epochs 42.1 %, 0.1 13.9 %, 0.01 10.1 %), and not for a network without any non-linearity,
whose loss stays high at every rate on data a straight boundary cannot split (engine.training.capacity).
Pure Python: no torch, no Qt.
"""
from __future__ import annotations

from typing import Any, Sequence

from engine.training.capacity import KIND as LINEAR_REMEDY
from engine.training.config import TrainConfig
from engine.training.findings import WARNING, Diagnosis, fmt_number
from engine.training.lowered_rate import ADAPTIVE, EXPLODE_STEP, lowered_rate, rate_top
from engine.training.vanishing_remedy import FAR_ABOVE

NORMALIZED = ADAPTIVE + ("adagrad",)  # the optimizers whose step is about the rate whatever the gradient


def far_too_big(config: TrainConfig, loss_end: float, network_changes: Sequence[str] | None, recurrent: bool,
                evidence: dict[str, Any]) -> Diagnosis | None:
    """The oscillating finding for a normalized optimizer run at more than FAR_ABOVE times its usual top, or
    None (the caller has checked that the loss is still high and that no other step-size verdict holds)."""
    top = rate_top(config.optimizer, config.momentum, recurrent)
    if config.optimizer not in NORMALIZED or config.lr <= FAR_ABOVE * top or LINEAR_REMEDY in (network_changes or ()):
        return None
    new = lowered_rate(config, EXPLODE_STEP, recurrent)
    return Diagnosis("oscillating", None, WARNING,
                     f"The loss is still high ({fmt_number(loss_end)}) and the learning rate ({config.lr:g}) is "
                     f"{config.lr / top:.0f}× the top of {config.optimizer}'s usual range ({top:g}): this optimizer "
                     "moves every weight by about the learning rate at each step, whatever the gradient, so the "
                     "steps are far too big for the network to settle. More epochs will not fix that. Lower the "
                     f"learning rate, e.g. to {new:g}.", {"lr": new}, f"learning rate {new:g}",
                     evidence={**evidence, "rate_over_top": float(f"{config.lr / top:.3g}")})
