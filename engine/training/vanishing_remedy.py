"""Which remedy the curve doctor offers for a vanishing gradient, given the learning rate it was measured at.

The course's remedy is a network change (batch normalization, else ReLU): it brings the gradient back to the
first layers. Whether that change alone makes the network learn in the re-run depends on the steps too, and
the bench (bench/doctor_matrix.py) shows two cases where it does not:
- The rate is far above the optimizer's usual range (more than FAR_ABOVE times lowered_rate.rate_top): big
  steps saturate sigmoids and kill ReLU units with or without batch normalization. The one click is the network
  change at a lowered rate (one decade down, at most the optimizer's top: lowered_rate.lowered_rate). A lower
  rate is never a higher one, so the rule "no higher rate while the gradient ratio is under 1/100" holds.
- The steps are so small that even the last layer, which receives the full gradient, would move by under
  MIN_MOVE of its size over the whole re-run (its median ‖Δw‖/‖w‖ per step × the steps): once the gradient
  reaches every layer, those steps are what limits learning (deep_sigmoid on digits at SGD 0.0001: about 6e-5 per
  step, 0.4 % over 3 epochs; batch normalization alone left it at chance, 9.3 → 9.3 %, and 9.3 → 9.6 % with 5
  epochs, FIT family digits-fit; at Adam 0.0001, about 3 % over 5 epochs, it helped: 9.3 → 32.8 %). Both
  changes are named, in order (the network change, then a higher rate), and none is a click: a higher rate alone
  does not bring the gradient back, and the doctor never proposes one while the gradient vanishes. On the fresh
  cells it was not tuned on, the prediction held for SGD and Adagrad at 0.0003 on digits (batch normalization
  alone: 9.3 → 9.3 %) and failed for Adadelta at 0.003 on moons (51.2 → 89.5 %): a likely outcome, not a sure one.
The doctor (engine.training.doctor) names a vanishing gradient only while the loss is above half of chance level:
a run that learned more with the gradient it has is not held back by it (an MLP on circles at RMSprop 0.15, 83 %,
gradient ratio 8e-3: batch normalization took it to 71.8 %).
Pure Python: no torch, no Qt.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from engine.training.config import TrainConfig
from engine.training.evidence import GradientEvidence
from engine.training.findings import NETWORK_CHANGES, WARNING, Diagnosis, longer, network_diagnosis
from engine.training.lowered_rate import EXPLODE_STEP, lowered_rate, rate_top

FAR_ABOVE = 10.0  # a rate more than this many times the optimizer's usual top is far above it
MIN_MOVE = 0.02  # the last layer moving by under this share of its size over the re-run: the steps are too small
LONGER = 5  # epochs of the re-run after a one-epoch run (findings.longer)


def far_above(config: TrainConfig) -> bool:
    """The rate is more than FAR_ABOVE times the top of the optimizer's usual range (lowered_rate.rate_top)."""
    return config.lr > FAR_ABOVE * rate_top(config.optimizer, config.momentum)


def last_layer_move(grads: GradientEvidence, epochs: int) -> float | None:
    """The share of its size by which the last layer would move over the re-run (LONGER epochs after one epoch,
    else as many as this run): its median step ‖Δw‖/‖w‖ × the steps measured, scaled to the re-run's epochs."""
    if grads.last_update is None or not grads.steps or epochs < 1:
        return None
    return grads.last_update * grads.steps * (LONGER if epochs == 1 else epochs) / epochs


def remedy(said: str, kinds: Sequence[str], evidence: dict, config: TrainConfig, grads: GradientEvidence,
           epochs: int) -> Diagnosis:
    """The vanishing_gradients finding whose words begin with `said`, for the network changes `kinds` (at least
    one, in order of preference) of a run of `epochs` epochs at `config`."""
    others = " or ".join(NETWORK_CHANGES[k][1] for k in kinds[1:])
    words = NETWORK_CHANGES[kinds[0]][1] + (f"; or {others}" if others else "")
    move, far = last_layer_move(grads, epochs), far_above(config)
    if move is not None and move < MIN_MOVE and not far:
        return Diagnosis("vanishing_gradients", None, WARNING, said + _too_slow(words, grads, move, config),
                         evidence={**evidence, "last_layer_move": float(f"{move:.3g}")})
    found = network_diagnosis("vanishing_gradients", kinds[0], said + words + ", or add skip connections (the "
                              "Gradient flow tab shows each layer).", evidence)
    if far:
        found = _at_lower_rate(found, config)
    return longer(found, LONGER) if epochs < 2 else found


def _too_slow(words: str, grads: GradientEvidence, move: float, config: TrainConfig) -> str:
    return (f"{words}. But the steps are too small as well: even {grads.last}, which receives the full gradient, "
            f"moves by only about {grads.last_update:.0e} of its size per step ({move:.1%} over a re-run), so "
            f"at this learning rate ({config.lr:g}) the network is likely to learn little in these epochs even once "
            "the gradient reaches every layer. Make the network change in the Build view first, then train it at a "
            "higher learning rate: a higher rate alone would not bring the gradient back.")


def _at_lower_rate(found: Diagnosis, config: TrainConfig) -> Diagnosis:
    new = lowered_rate(config, EXPLODE_STEP)
    return replace(found, change={**found.change, "lr": new},
                   change_text=f"{found.change_text} at learning rate {new:g}",
                   message=f"{found.message} The learning rate ({config.lr:g}) is also far above {config.optimizer}'s "
                           f"usual range: steps that big saturate sigmoids and kill ReLU units whatever the network, "
                           f"so the re-run lowers it to {new:g} as well.")
