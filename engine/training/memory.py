"""The pre-flight memory estimate of a training run: `engine.preflight` for a network with
the run's settings (batch size, optimizer, the device it would use) and its data.

This is what the Train view shows before Start and what `train` checks before allocating.
Must not import Qt.
"""
from __future__ import annotations

from typing import Any

from engine import preflight
from engine.analysis import analyze
from engine.graph import Graph
from engine.memory_limits import HostMemory, Limit
from engine.preflight import MemoryEstimate
from engine.training.device import pick_device


def run_estimate(network: Any, config: Any, dataset: Any = None, resident: bool = False) -> MemoryEstimate:
    """The estimate for training `network` (a Graph, or a GraphModule from build_module) with a
    TrainConfig (its batch size, optimizer and device) on `dataset` (None: data not counted).
    This is what the Train view shows before Start. `resident`: `network` is a module already
    built in this process, so the free memory no longer includes its weights."""
    if isinstance(network, Graph):
        analysis, sources = analyze(network), network.input_map()
    else:
        analysis, sources = network.analysis, dict(network.plan)
    device = pick_device(config.device).type
    data = 0
    if dataset is not None:
        data = sum(t.element_size() * t.numel() for t in (dataset.x_train, dataset.y_train))
    memory = preflight.device_memory(device)
    if resident and device == "cpu":  # its weights are in use already: count them as room too
        memory = _with_weights(memory, sum(p.element_size() * p.numel() for p in network.parameters()
                                           if p.device.type == "cpu"))
    return preflight.estimate(analysis, sources, config.batch_size, config.optimizer, device, data, memory=memory)


def _with_weights(memory: HostMemory, weights: int) -> HostMemory:
    """The memory as it was before the weights were allocated (free and the limit's room; the
    machine's total does not change)."""
    free = memory.free + weights if memory.free is not None else None
    limit = Limit(memory.limit.name, memory.limit.room + weights) if memory.limit is not None else None
    return HostMemory(memory.total, free, limit)
