"""Gradient flow: per-layer gradient norms and weight-update ratios, recorded every few steps.

`GradientRecorder` hooks the optimizer (torch's public step pre/post hooks), so the trainer only
creates it and drains it at its existing sync points. Every `every`-th optimizer step it measures,
per layer (a node of the graph with a trainable weight matrix or kernel: dense, convolution,
recurrent, attention layers; normalization layers' scales and shifts are left out, as in the
usual gradient-flow plots):
    grad norm     ||∂loss/∂w|| over the layer's parameters, just before the step
    update ratio  ||Δw|| / ||w||, what the step changed relative to the weights' size
The values stay on the device until `drain`, which the trainer calls right after its own loss
sync, so recording adds no sync of its own. `GradientHistory` keeps them for a run (thinned to at
most MAX_POINTS time points) in the dict form stored with the run:
    {"grad_steps": [step, ...], "grad_norms": {"<node id>": [...]}, "update_ratios": {"<node id>": [...]}}
Must not import Qt or pyqtgraph.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import torch
from torch import nn

DEFAULT_EVERY = 10  # optimizer steps between measurements
MAX_POINTS = 400  # time points kept per run; older ones are thinned, never the newest
_EPS = 1e-12


@dataclass(frozen=True)
class GradientRecord:
    """Measurements since the last record, oldest first; plain floats only."""

    epoch: int  # 1-based epoch of the drain
    steps: tuple[int, ...]  # global optimizer step of each measurement
    layers: tuple[str, ...]  # node ids, in network order
    grad_norms: tuple[tuple[float, ...], ...]  # [measurement][layer]
    update_ratios: tuple[tuple[float, ...], ...]  # [measurement][layer]


class GradientRecorder:
    """Measures gradient norms and update ratios on every `every`-th step of `optimizer`."""

    def __init__(self, module: nn.Module, optimizer: torch.optim.Optimizer, every: int = DEFAULT_EVERY) -> None:
        groups = [(name, [p for p in child.parameters() if p.requires_grad]) for name, child in module.named_children()]
        groups = [(name, params) for name, params in groups if any(p.dim() >= 2 for p in params)]
        self.layers = tuple(name for name, _ in groups)
        self.params = [p for _, params in groups for p in params]
        owner = [i for i, (_, params) in enumerate(groups) for _ in params]
        device = self.params[0].device if self.params else torch.device("cpu")
        self._owner = torch.tensor(owner, dtype=torch.long, device=device)
        self.every = max(1, int(every))
        self._steps = 0
        self._before: list[torch.Tensor] | None = None
        self._grad: torch.Tensor | None = None
        self._pending: list[tuple[int, torch.Tensor, torch.Tensor]] = []
        self._handles = [optimizer.register_step_pre_hook(self._pre), optimizer.register_step_post_hook(self._post)]

    def detach(self) -> None:
        for handle in self._handles:
            handle.remove()

    def _per_layer(self, tensors: list[torch.Tensor]) -> torch.Tensor:
        """(L,) norms per layer from one tensor per parameter: sqrt of the summed squared norms."""
        norms = torch.stack(_norms(tensors)).float()
        sums = torch.zeros(len(self.layers), device=norms.device).index_add_(0, self._owner, norms * norms)
        return sums.sqrt()

    def _pre(self, optimizer: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
        self._steps += 1
        if not self.params or self._steps % self.every:
            return
        grads = [p.grad.detach() if p.grad is not None else torch.zeros_like(p) for p in self.params]
        self._grad = self._per_layer(grads)
        self._before = [p.detach().clone() for p in self.params]

    def _post(self, optimizer: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
        if self._before is None or self._grad is None:
            return
        current = [p.detach() for p in self.params]
        change = self._per_layer(torch._foreach_sub(current, self._before))
        ratio = change / (self._per_layer(current) + _EPS)
        self._pending.append((self._steps, self._grad, ratio))
        self._before = self._grad = None

    def drain(self, epoch: int) -> Iterator[GradientRecord]:
        """The measurements taken since the last drain, as one record (nothing when there are none)."""
        if not self._pending:
            return
        steps = tuple(s for s, _, _ in self._pending)
        grads = torch.stack([g for _, g, _ in self._pending]).tolist()  # a sync, right after the loss's
        ratios = torch.stack([r for _, _, r in self._pending]).tolist()
        self._pending = []
        yield GradientRecord(epoch, steps, self.layers, tuple(map(tuple, grads)), tuple(map(tuple, ratios)))


def _norms(tensors: list[torch.Tensor]) -> list[torch.Tensor]:
    foreach = getattr(torch, "_foreach_norm", None)  # one fused launch where torch has it
    return list(foreach(tensors)) if foreach is not None else [torch.linalg.vector_norm(t) for t in tensors]


class GradientHistory:
    """All measurements of a run, at most MAX_POINTS time points (every other one dropped when full)."""

    def __init__(self) -> None:
        self.layers: tuple[str, ...] = ()
        self.steps: list[int] = []
        self.grad_norms: list[tuple[float, ...]] = []
        self.update_ratios: list[tuple[float, ...]] = []
        self._stride, self._skipped = 1, 0

    def add(self, record: GradientRecord) -> None:
        self.layers = record.layers
        for step, grads, ratios in zip(record.steps, record.grad_norms, record.update_ratios):
            self._skipped += 1
            if self._skipped < self._stride:
                continue
            self._skipped = 0
            self.steps.append(step)
            self.grad_norms.append(grads)
            self.update_ratios.append(ratios)
            if len(self.steps) > MAX_POINTS:
                self._thin()

    def _thin(self) -> None:
        self.steps, self.grad_norms, self.update_ratios = (v[1::2] for v in (self.steps, self.grad_norms,
                                                                               self.update_ratios))
        self._stride *= 2

    def series(self, values: list[tuple[float, ...]]) -> dict[str, list[float]]:
        return {layer: [_finite(row[i]) for row in values] for i, layer in enumerate(self.layers)}

    def to_dict(self) -> dict[str, Any]:
        """The form stored with the run (and written by `train --metrics`); {} when nothing was measured."""
        if not self.steps:
            return {}
        return {"grad_steps": list(self.steps), "grad_norms": self.series(self.grad_norms),
                "update_ratios": self.series(self.update_ratios)}


def _finite(value: float | None) -> float | None:
    """JSON has no NaN or infinity: a diverged measurement is stored as null (and a stored null stays one)."""
    return value if value is not None and value == value and abs(value) != float("inf") else None
