"""How many CPU threads a run uses: an explicit count, or the fastest count, measured and re-measured.

Small networks often train faster on fewer threads, and a CPU shared with other work
(the app's own window, other programs) makes every extra OpenMP thread wait for a busy
core: on a loaded 2-core machine LeNet-5 ran up to 10x slower on 2 threads than on 1, and
20% faster on 2 when the machine was quiet. So for "auto" a tiny step (counted in FLOPs)
takes 1 thread, a huge one takes them all, and anything between is timed on a throwaway
copy of the network at 1, half and all of torch's threads, and timed again as the load
changes (at most ~5% of the run goes to timing). Timing a copy under a forked RNG leaves
the real weights and the run's random streams untouched. Must not import Qt or pyqtgraph.
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
HUGE_STEP_FLOPS = 5e9  # above this a step is compute-bound: every thread helps
TIMED_STEPS = 3  # per candidate and round
ROUNDS = 2  # candidates alternate, so a burst of outside load hits them alike
RETUNE_S = 20.0  # shortest wait between measurements
TIMING_SHARE = 0.05  # longest share of the run spent measuring


def candidates(available: int) -> list[int]:
    """Thread counts worth timing, largest first."""
    return sorted({1, max(available // 2, 1), available}, reverse=True)


class ThreadTuner:
    """Sets torch's CPU thread count for a run; call `maybe_retune` between batches."""

    def __init__(self, module: nn.Module, x: torch.Tensor, y: torch.Tensor, objective: Objective,
                 requested: int) -> None:
        self.module, self.x, self.y, self.objective = module, x, y, objective
        self.available = torch.get_num_threads()
        self.next_tune = math.inf
        self.threads = self._first_choice(requested)
        torch.set_num_threads(self.threads)

    def _first_choice(self, requested: int) -> int:
        if requested > 0:
            return requested
        flops = step_flops(self.module, self.x)
        if self.available == 1 or flops < TINY_STEP_FLOPS:
            return 1
        if flops > HUGE_STEP_FLOPS:
            return self.available
        return self._measure()

    def _measure(self) -> int:
        start = time.perf_counter()
        try:
            best = fastest(copy.deepcopy(self.module), self.x, self.y, self.objective,
                           candidates(self.available))
        except Exception:  # an uncopyable module or an odd layer: keep torch's own choice
            self.next_tune = math.inf
            return self.available
        spent = time.perf_counter() - start
        self.next_tune = time.perf_counter() + max(RETUNE_S, spent / TIMING_SHARE)
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
            counts: list[int]) -> int:
    """The thread count with the least total time over alternating rounds.

    Totals, not minimums: under outside load the many-thread steps are sometimes quick and
    often very slow, and sustained speed is what a run gets.
    """
    probe.train()
    total = {count: 0.0 for count in counts}
    with torch.random.fork_rng(devices=[]):  # dropout in the probe must not move the run's RNG
        for _ in range(ROUNDS):
            for count in counts:
                total[count] += _time_steps(probe, x, y, objective, count)
    return min(counts, key=lambda count: total[count])


def _time_steps(probe: nn.Module, x: torch.Tensor, y: torch.Tensor, objective: Objective,
                count: int) -> float:
    torch.set_num_threads(count)
    _step(probe, x, y, objective)  # warm-up: the first step on a thread count costs extra
    start = time.perf_counter()
    for _ in range(TIMED_STEPS):
        _step(probe, x, y, objective)
    return time.perf_counter() - start


def _step(probe: nn.Module, x: torch.Tensor, y: torch.Tensor, objective: Objective) -> None:
    probe.zero_grad(set_to_none=True)
    objective.loss(probe(x), y).backward()
