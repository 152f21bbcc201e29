"""When a run's loss blew up in a network whose gradient had vanished from the start: two causes, no one click.

The curve doctor (engine.training.doctor) names the vanishing gradient first when the gradient ratio was under
1/100 already at the first measurement (evidence.GradientEvidence.vanishing_from_start, early in the warm-up)
in a network with hidden sigmoid or tanh (the slopes of at most 0.25 that the course names as the cause), so
it is the network's doing, not the rate's. A ReLU network whose gradient is lost is not: at a rate high
enough to wreck the weights within the first ten steps its units die (LeNet-5 on digits at RMSprop 2 and 20:
ratio 0 from the first measurement, and one click to rate 0.001 took it from 9.3 % to 92.3 %). But the loss
blew up too, so the rate is too high as well, and neither one-click change helps alone: on
bench/doctor_matrix.py's FIT cells (deep_sigmoid on circles at SGD 30, RMSprop 3 and 30) the lowered rate
left the accuracy at chance (51.2 → 48.8 %, 48.8 → 48.8 %, 51.2 → 48.8 %) and so did batch normalization at
the same rate (51.2 → 51.2 %, 48.8 → 48.8 %, 51.2 → 58.2 %), while both together did (batch normalization at
SGD 0.1 or RMSprop 0.001: 100 %). Both remedies are named, with the rate to use, and none is offered as a
click. Pure Python: no torch, no Qt.
"""
from __future__ import annotations

import math
from dataclasses import replace
from typing import Sequence

from engine.training.evidence import VANISHING, GradientEvidence
from engine.training.findings import Diagnosis, fmt_number

SLOPE = 0.25  # the steepest a sigmoid gets: each saturating layer shrinks the gradient at least this much...
SLOPES = math.ceil(math.log(VANISHING) / math.log(SLOPE))  # ...so this many of them (4) can take it under 1/100


def vanished_first(grads: GradientEvidence | None, network_changes: Sequence[str] | None) -> bool:
    """The gradient ratio was under 1/100 from the first measurement on, the network has hidden sigmoid or tanh
    ("relu" is an applicable change) and enough layers for their slopes alone to explain it (≥ SLOPES between
    the first and the last layer with weights). Fewer cannot: a 2-hidden-layer tanh MLP at RMSprop 4 on moons
    had a gradient ratio of 0 at step 10 because its loss had already blown up (11.4 at the first log, 16×
    chance level), and the lowered rate helped it."""
    return grads is not None and grads.vanishing_from_start and "relu" in (network_changes or ()) \
        and grads.layers - 1 >= SLOPES


def both_causes(vanishing: Diagnosis, exploding: Diagnosis) -> Diagnosis:
    """`vanishing` (its words and evidence) told that the loss also blew up (`exploding`), without a one click:
    the network change and the lower rate it needs are both named."""
    lower = exploding.change_text or "a lower learning rate"
    peak = exploding.evidence.get("loss_peak")
    blew = f" (to {fmt_number(peak)})" if isinstance(peak, (int, float)) else ""
    return replace(vanishing, severity=exploding.severity, epoch=exploding.epoch, change={}, change_text="",
                   network_change="", evidence={**exploding.evidence, **vanishing.evidence},
                   message=f"{vanishing.message} The loss also blew up{blew}: the steps are too big as well. "
                           f"Neither change alone helps such a run: make the network change in the Build view and "
                           f"train it at {lower}.")
