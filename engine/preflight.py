"""Pre-flight: the memory a network needs, estimated from its analysis before anything is allocated.

Owns the estimate of weights, gradients, optimizer state and the activations a training
batch keeps for the backward pass, the memory the device can give (CPU: the machine's memory
or, when tighter, the process's RLIMIT_AS/RLIMIT_DATA or its container's cgroup limit, read by
engine.memory_limits; CUDA: the driver's free memory), and the refusal, with the numbers, the
limit and the largest layer, when a run or a build cannot fit. Needing more than is free at
this instant (CPU) is a warning, not a refusal: free memory comes and goes. `build_module` checks
the weights, the `train` command and training start check the whole run, so an absurd
network ends in one clear message instead of the allocator's error or a frozen computer.
Must not import Qt.
"""
from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .analysis import Analysis, NodeRow
from .formatting import byte_size
from .memory_limits import HostMemory, host_memory

BYTES = 4  # float32 weights, gradients, state and activations
# Optimizer state per trainable value, in values (torch.optim's buffers).
OPTIMIZER_STATE = {"sgd": 1, "adam": 2, "adamw": 2, "adagrad": 1, "adadelta": 2, "rmsprop": 2}
# What autograd keeps of each layer for the backward pass (torch's derivative formulas):
# layers that need their input keep the upstream tensor, layers that need their result keep
# their own output, views share their source's storage. Extra values per output value:
# max pooling keeps int64 indices (2 float32 slots), dropout a byte mask; recurrent and
# attention layers keep gates, scores and inner activations (rough factors).
SAVES_INPUT = frozenset({"conv1d", "conv2d", "linear", "maxpool2d", "batchnorm1d", "batchnorm2d",
                         "layernorm", "gelu", "leaky_relu", "local_response_norm", "patch_embed",
                         "rnn", "lstm", "gru", "multihead_attention", "transformer_encoder", "embedding"})
SAVES_OUTPUT = frozenset({"relu", "sigmoid", "tanh", "softmax"})
VIEWS = frozenset({"flatten", "reshape", "permute"})
EXTRA = {"maxpool2d": 2.0, "dropout": 0.25, "rnn": 4.0, "gru": 6.0, "lstm": 8.0,
         "multihead_attention": 6.0, "transformer_encoder": 12.0}
TRANSIENT = 2  # the largest activation's gradient and one more in flight during backward
# Kernels' workspaces, the autograd engine and first-use code of a training step: measured
# 25-50 MB on CPU whatever the network (bench/preflight.py).
RUNTIME_OVERHEAD = 24 * 2**20
HEADROOM = 0.9  # of the free memory: the rest is for the framework, the window and the data


class CapacityError(Exception):
    """The network or run would not fit in memory; the message has the numbers."""


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a run needs, by kind, and what the device has free (None: unknown)."""

    weights: int
    gradients: int
    optimizer: int
    activations: int  # kept for the backward pass, for the whole batch
    data: int  # the dataset copied to the device (CUDA; on the CPU it is used in place)
    batch_size: int
    device: str
    available: int | None
    largest_layer: str | None
    largest_layer_bytes: int
    capacity: int | None = None  # the most it can ever get (machine or limit); None: same as available
    limit_name: str = ""  # what sets the capacity, e.g. "the container's memory limit (cgroup)"

    @property
    def total(self) -> int:
        runtime = RUNTIME_OVERHEAD if self.gradients else 0
        return self.weights + self.gradients + self.optimizer + self.activations + self.data + runtime

    @property
    def ceiling(self) -> int | None:
        return self.available if self.capacity is None else self.capacity

    @property
    def fits(self) -> bool:
        """Within what the machine and the limits can ever give (refused otherwise)."""
        return self.ceiling is None or self.total <= self.ceiling * HEADROOM

    @property
    def tight(self) -> bool:
        """Fits, but needs more than is free right now: worth a warning, not a refusal."""
        return self.fits and self.available is not None and self.total > self.available * HEADROOM

    def summary(self) -> str:
        """One line for a label: 'about 2.3 GB (weights ..., activations ... for a batch of 64)'."""
        parts = [f"weights {human_bytes(self.weights)}"]
        if self.gradients:
            parts += [f"gradients {human_bytes(self.gradients)}", f"optimizer {human_bytes(self.optimizer)}"]
        if self.activations:
            parts.append(f"activations {human_bytes(self.activations)} for a batch of {self.batch_size}")
        if self.data:
            parts.append(f"data {human_bytes(self.data)}")
        if self.gradients:  # the total counts it: without it the parts did not add up to the total
            parts.append(f"PyTorch's working memory {human_bytes(RUNTIME_OVERHEAD)}")
        free = f" of {human_bytes(self.available)} free on the {self.device.upper()}" if self.available else ""
        return f"about {human_bytes(self.total)}{free} ({', '.join(parts)})"

    def message(self) -> str:
        """Why it does not fit and what to change."""
        free = human_bytes(self.ceiling * HEADROOM) if self.ceiling is not None else "?"
        limit = f" ({self.limit_name})" if self.limit_name and self.capacity is not None else ""
        layer = (f"; the largest layer is {self.largest_layer} ({human_bytes(self.largest_layer_bytes)} of weights)"
                 if self.largest_layer else "")
        fix = "a smaller batch size or fewer, narrower layers" if self.activations else "fewer, narrower layers"
        parts = self.summary().split(" (", 1)[1]
        return (f"the network needs about {human_bytes(self.total)} ({parts} but only {free} can be used on the "
                f"{self.device.upper()}{limit}{layer} — use {fix}")

    def warning(self) -> str:
        """Why a run that fits may still struggle now."""
        return (f"the run needs about {human_bytes(self.total)}, more than the {human_bytes(self.available)} free "
                f"on the {self.device.upper()} right now — close other programs, or it may swap and slow down")


def human_bytes(n: float | None) -> str:
    return "?" if n is None else byte_size(n)


def estimate(analysis: Analysis, sources: Mapping[str, Sequence[str]], batch_size: int = 0,
             optimizer: str | None = None, device: str = "cpu", data_bytes: int = 0,
             available: int | None = -1, memory: HostMemory | None = None) -> MemoryEstimate:
    """Memory for a run of `batch_size` with `optimizer` on `device` (batch 0, no optimizer: weights
    only) for a graph's analysis and its `sources` (Graph.input_map()). `available=-1` asks the
    device (`memory`, from `device_memory`, gives its answer instead); a number is both what is
    free and the capacity; None leaves the capacity unknown (it then always fits)."""
    if available == -1:
        memory = device_memory(device) if memory is None else memory
        available = memory.available
    capacity, limit_name = (memory.capacity, "") if memory is not None else (None, "")
    if memory is not None and memory.limit is not None and memory.capacity == memory.limit.room:
        limit_name = memory.limit.name  # a limit, not the machine, is what binds
    params = sum(r.params for r in analysis.rows)
    trainable = sum(r.trainable_params for r in analysis.rows) if optimizer else 0
    largest = max(analysis.rows, key=lambda r: r.params, default=None)
    return MemoryEstimate(
        weights=params * BYTES, gradients=trainable * BYTES,
        optimizer=trainable * BYTES * OPTIMIZER_STATE.get(optimizer or "", 0),
        activations=batch_size * _kept_values(analysis.rows, sources) * BYTES if batch_size else 0,
        data=data_bytes if device.startswith("cuda") else 0, batch_size=batch_size, device=device,
        available=available, largest_layer=largest.node_id if largest is not None and largest.params else None,
        largest_layer_bytes=(largest.params if largest is not None else 0) * BYTES, capacity=capacity,
        limit_name=limit_name)


def _kept_values(rows: tuple[NodeRow, ...], sources: Mapping[str, Sequence[str]]) -> int:
    """Activation values one sample holds at the peak of a training step: every tensor autograd
    keeps for the backward pass (see SAVES_INPUT), their extras, and the transient gradients."""
    by_id = {r.node_id: r for r in rows}
    kept: set[str] = set()
    for row in rows:
        if row.layer_id in SAVES_OUTPUT:
            kept.add(row.node_id)
        if row.layer_id in SAVES_INPUT:
            kept.update(_storage(s, by_id, sources) for s in sources.get(row.node_id, ()))
    values = sum(_size(by_id[n]) for n in kept if n in by_id)
    values += sum(_size(r) * EXTRA.get(r.layer_id, 0.0) for r in rows)
    values += TRANSIENT * max((_size(r) for r in rows), default=0)
    return int(values)


def _storage(node_id: str, by_id: Mapping[str, NodeRow], sources: Mapping[str, Sequence[str]]) -> str:
    """The node whose output tensor `node_id`'s output is a view of (itself if not a view)."""
    while by_id.get(node_id) is not None and by_id[node_id].layer_id in VIEWS and sources.get(node_id):
        node_id = sources[node_id][0]
    return node_id


def _size(row: NodeRow) -> int:
    return math.prod(row.output_shape) if row.output_shape else 0


def check(analysis: Analysis, sources: Mapping[str, Sequence[str]], batch_size: int = 0,
          optimizer: str | None = None, device: str = "cpu", data_bytes: int = 0) -> MemoryEstimate:
    """The estimate; CapacityError with the numbers when it does not fit on the device."""
    result = estimate(analysis, sources, batch_size, optimizer, device, data_bytes)
    if not result.fits:
        raise CapacityError(result.message())
    return result


def available_bytes(device: str = "cpu") -> int | None:
    """Memory free for a new allocation on `device` right now, or None when it cannot be known."""
    return device_memory(device).available


def device_memory(device: str = "cpu") -> HostMemory:
    """What `device` has and can give: on CUDA the driver's free memory is both (other
    processes' GPU memory does not come back); the CPU (and MPS, whose memory is the
    machine's) has the machine's memory, what is free now and the process's limits."""
    if device.startswith("cuda"):
        free = _cuda_free(device)
        return HostMemory(free, free, None)
    memory = host_memory()
    if memory.total is None and memory.free is None:
        free = _windows_available()
        return HostMemory(free, free, memory.limit)
    return memory


def _cuda_free(device: str) -> int | None:
    try:
        import torch

        if not torch.cuda.is_available():
            return None
        free, _ = torch.cuda.mem_get_info(torch.device(device))
        return int(free)
    except (RuntimeError, AssertionError, ValueError):
        return None


def _windows_available() -> int | None:
    if os.name != "nt":
        return None
    try:
        import ctypes

        class _Status(ctypes.Structure):
            _fields_ = [("length", ctypes.c_ulong), ("load", ctypes.c_ulong),
                        ("total_phys", ctypes.c_ulonglong), ("avail_phys", ctypes.c_ulonglong),
                        ("total_page", ctypes.c_ulonglong), ("avail_page", ctypes.c_ulonglong),
                        ("total_virtual", ctypes.c_ulonglong), ("avail_virtual", ctypes.c_ulonglong),
                        ("avail_extended", ctypes.c_ulonglong)]
        status = _Status()
        status.length = ctypes.sizeof(_Status)
        ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status))  # type: ignore[attr-defined]
        return int(status.avail_phys)
    except (OSError, AttributeError):
        return None
