"""The curve doctor's overfitting check: the validation loss rises while the training loss falls.

    over ≥ 2 epochs  the validation loss rose ≥ 10 % above its best while the training loss kept falling,
                     and the rise cost ≥ COSTS of validation accuracy or ≥ MATTERS of chance level
    over 1 epoch     (e.g. a 2-epoch run) the same rise, ending at or above chance level: on samples it
                     did not train on the network does worse than guessing (ResNet-18 on 600 folder
                     images, 2 epochs: validation loss 2.3 → 4.0, test 10.7 %, was called healthy)

No one-click re-run: bench/doctor_matrix.py applied early stopping to the overfitting cells and it
helped in 0 of 2 (moons, 99 %) and 1 of 3 (250 digits), weight decay in 3 of 6 and augmentation in
4 of 6 of the small-digits cells; a remedy that does not help in most cases is named, not offered.
Pure Python: no torch, no Qt.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from engine.training.findings import WARNING, Diagnosis, fmt_number
from engine.training.records import EpochRecord

RISE = 1.1  # the validation loss 10 % above its best
COSTS = 0.01  # overfitting is worth a finding when it cost a point of validation accuracy...
MATTERS = 0.05  # ...or the validation loss rose by this share of chance level


def overfitting(epochs: Sequence[EpochRecord], chance: float | None,
                measured: Mapping[str, Any]) -> Diagnosis | None:
    """The overfitting finding for a run's epochs, or None. `measured`: the doctor's evidence dict."""
    vals = [(r.val_loss, r) for r in epochs if r.val_loss is not None and math.isfinite(r.val_loss)]
    if len(vals) < 2:
        return None
    best_loss, best = min(vals, key=lambda vr: vr[0])
    last_loss, last = vals[-1]
    if last_loss < RISE * best_loss or last.train_loss >= best.train_loss:
        return None
    evidence = {**{k: v for k, v in measured.items() if k in ("epochs", "loss_end", "chance", "val_train_gap")},
                "best_val_loss": round(best_loss, 6), "best_epoch": best.epoch, "val_loss_end": round(last_loss, 6)}
    said = (f"From epoch {best.epoch + 1} the validation loss rose ({fmt_number(best_loss)} → "
            f"{fmt_number(last_loss)}) while the training loss kept falling")
    if last.epoch - best.epoch < 2:
        return _not_generalizing(said, last_loss, chance, best.epoch + 1, evidence)
    costs_accuracy = last.val_acc is not None and best.val_acc is not None and last.val_acc <= best.val_acc - COSTS
    if not costs_accuracy and (chance is None or last_loss - best_loss < MATTERS * chance):
        return None  # a rise that costs nothing (99.8 % either way) is not worth a finding
    return Diagnosis("overfitting", best.epoch + 1, WARNING,
                     f"{said}: the network is memorizing its training samples (overfitting). Remedies: more "
                     "training data, augmentation (pictures), weight decay, dropout, or early stopping (it keeps "
                     "the best epoch's weights). Which one helps depends on the data: try one at a time and "
                     "compare the runs' test accuracy.", evidence=evidence)


def _not_generalizing(said: str, last_loss: float, chance: float | None, epoch: int,
                      evidence: dict[str, Any]) -> Diagnosis | None:
    """A rise over a single epoch is a finding only when the validation loss ended at or above chance level."""
    if chance is None or last_loss < chance:
        return None
    return Diagnosis("overfitting", epoch, WARNING,
                     f"{said}, to {last_loss / chance:.2g}× chance level: on samples it did not train on the "
                     "network does worse than guessing, so what it learned does not carry over (overfitting, or "
                     "training too short to tell). One epoch of evidence cannot say which remedy helps: train "
                     "more epochs with early stopping, and with few samples use augmentation, more data or a "
                     "pretrained network (fine-tuning).", evidence=evidence)
