"""How many CPU threads a run uses: an explicit count, or the fastest count, measured and re-measured.

Small networks often train faster on fewer threads, and a CPU shared with other work
(the app's own window, other programs) makes every extra OpenMP thread wait for a busy
core: on a loaded 2-core machine LeNet-5 ran up to 10x slower on 2 threads than on 1, and
20% faster on 2 when the machine was quiet. So for "auto" a tiny step takes 1 thread, a
slow (compute-bound) step takes them all, and anything between is timed on a throwaway
copy of the network at 1, half and all of torch's threads, again every RETUNE_S seconds
as the load changes. Timing a copy under a forked RNG leaves the real weights and the
run's random streams untouched. Must not import Qt or pyqtgraph.
"""
from __future__ import annotations

import copy
import math
import time

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from engine.training.objective import Objective

TINY_STEP_FLOPS = 2e7  # below this a step is mostly Python and dispatch: threads only add waiting
TIMED_STEPS = 2  # per candidate and round
ROUNDS = 2  # candidates alternate, so a burst of outside load hits them alike
SLOW_STEP_S = 0.3  # a step this slow on all threads is compute-bound: keep them all
RETUNE_S = 20.0  # seconds between re-measurements; one costs about a dozen steps


def candidates(available: int) -> list[int]:
    """Thread counts worth timing, largest first."""
    return sorted({1, max(available // 2, 1), available}, reverse=True)


class ThreadTuner:
    """Sets torch's CPU thread count for a run; call `maybe_retune` between batches."""

    def __init__(self, module: nn.Module, x: torch.Tensor, y: torch.Tensor, objective: Objective,
                 requested: int) -> None:
        self.module, self.x, self.y, self.objective = module, x, y, objective
        self.available = torch.get_num_threads()
        self.adaptive = False
        self.next_tune = math.inf
        self.threads = self._first_choice(requested)
        torch.set_num_threads(self.threads)

    def _first_choice(self, requested: int) -> int:
        if requested > 0:
            return requested
        if self.available == 1 or step_flops(self.module, self.x) < TINY_STEP_FLOPS:
            return 1
        self.adaptive = True
        return self._measure()

    def _measure(self) -> int:
        counts = candidates(self.available)
        try:
            best, slow = fastest(copy.deepcopy(self.module), self.x, self.y, self.objective, counts)
        except Exception:  # an uncopyable module or an odd layer: keep torch's own choice
            best, slow = self.available, True
        self.adaptive = self.adaptive and not slow
        self.next_tune = time.perf_counter() + RETUNE_S if self.adaptive else math.inf
        return best

    def maybe_retune(self) -> float:
        """Re-measure when due; returns the seconds spent (to leave out of throughput)."""
        if time.perf_counter() < self.next_tune:
            return 0.0
        start = time.perf_counter()
        self.threads = self._measure()
        torch.set_num_threads(self.threads)
        return time.perf_counter() - start


def step_flops(module: nn.Module, x: torch.Tensor) -> float:
    """Forward plus backward FLOPs of one batch (3x the forward), inf when uncountable."""
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            module(x)
        return 3.0 * counter.get_total_flops()
    except Exception:  # some ops cannot be counted; treat the step as big
        return math.inf
    finally:
        module.train(was_training)


def fastest(probe: nn.Module, x: torch.Tensor, y: torch.Tensor, objective: Objective,
            counts: list[int]) -> tuple[int, bool]:
    """(fastest thread count, whether the step is slow even on the most threads)."""
    probe.train()
    best = {count: math.inf for count in counts}
    with torch.random.fork_rng(devices=[]):  # dropout in the probe must not move the run's RNG
        for _ in range(ROUNDS):
            for count in counts:
                best[count] = min(best[count], _time_steps(probe, x, y, objective, count))
                if count == counts[0] and best[count] > SLOW_STEP_S:
                    return count, True
    return min(counts, key=lambda count: best[count]), False


def _time_steps(probe: nn.Module, x: torch.Tensor, y: torch.Tensor, objective: Objective,
                count: int) -> float:
    torch.set_num_threads(count)
    _step(probe, x, y, objective)  # warm-up: the first step on a thread count costs extra
    start = time.perf_counter()
    for _ in range(TIMED_STEPS):
        _step(probe, x, y, objective)
    return (time.perf_counter() - start) / TIMED_STEPS


def _step(probe: nn.Module, x: torch.Tensor, y: torch.Tensor, objective: Objective) -> None:
    probe.zero_grad(set_to_none=True)
    objective.loss(probe(x), y).backward()
