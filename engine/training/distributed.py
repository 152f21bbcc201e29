"""Training on several processes (GPUs or machines) with PyTorch's DistributedDataParallel.

`torchrun --nproc_per_node N main.py train ... --distributed` starts N processes; each calls
`distributed_session`, which joins the process group (NCCL on CUDA GPUs, gloo on CPUs) and
yields a `Distributed` strategy for the trainer: which device this rank uses, its shard of the
data, the DDP wrapper and the sums every rank must agree on. A single process uses `Local`,
which does nothing. The trainer stays a plain generator; this module owns all of DDP.
Must not import Qt or pyqtgraph.
"""
from __future__ import annotations

import contextlib
import datetime
import os
from collections.abc import Iterator

import torch
import torch.distributed as dist
from torch import nn

from engine.training import device as dev
from engine.training.config import TrainingError

TIMEOUT = datetime.timedelta(minutes=10)  # a rank that died stops the others within this time


class Local:
    """One process: every hook is the identity."""

    rank, world_size, local_rank = 0, 1, 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def device(self, pref: str) -> torch.device:
        return dev.pick_device(pref)

    def wrap(self, module: nn.Module, device: torch.device) -> nn.Module:
        return module

    def local_batch(self, batch_size: int) -> int:
        return batch_size

    def sum(self, tensor: torch.Tensor) -> torch.Tensor:
        """The tensor summed over all ranks (in place where distributed)."""
        return tensor

    def cpu_threads(self) -> int | None:
        """A fixed thread count for this rank, or None to let the trainer tune it."""
        return None


class Distributed(Local):
    """A rank of a torchrun job whose process group is initialised."""

    def __init__(self, rank: int, world_size: int, local_rank: int, local_world_size: int, backend: str) -> None:
        self.rank, self.world_size, self.local_rank = rank, world_size, local_rank
        self.local_world_size, self.backend = local_world_size, backend

    def device(self, pref: str) -> torch.device:
        if self.backend == "nccl":
            return torch.device("cuda", self.local_rank)
        return torch.device("cpu")

    def wrap(self, module: nn.Module, device: torch.device) -> nn.Module:
        from torch.nn.parallel import DistributedDataParallel

        ids = [device.index] if device.type == "cuda" else None
        return DistributedDataParallel(module, device_ids=ids)  # broadcasts rank 0's weights

    def local_batch(self, batch_size: int) -> int:
        if batch_size % self.world_size:
            lower = max(batch_size // self.world_size, 1) * self.world_size
            raise TrainingError(f"the batch size ({batch_size}) is the global one and must split evenly over "
                                f"{self.world_size} processes — use {lower} or {lower + self.world_size}")
        return batch_size // self.world_size

    def sum(self, tensor: torch.Tensor) -> torch.Tensor:
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        return tensor

    def cpu_threads(self) -> int | None:
        # Timing thread counts would differ between ranks; share the cores out instead.
        return max((os.cpu_count() or 1) // self.local_world_size, 1)


def _env_int(name: str) -> int:
    value = os.environ.get(name)
    if value is None or not value.isdigit():
        raise TrainingError("--distributed runs under torchrun, which sets RANK, WORLD_SIZE and LOCAL_RANK: "
                            "torchrun --nproc_per_node N main.py train ... --distributed")
    return int(value)


def backend_for(pref: str) -> str:
    """NCCL when the run is on CUDA GPUs, gloo on CPUs."""
    if pref in ("auto", "cuda") and torch.cuda.is_available():
        return "nccl"
    if pref == "cuda":
        raise TrainingError("CUDA was chosen but this computer has no usable NVIDIA GPU; choose auto or cpu")
    if pref == "mps":
        raise TrainingError("distributed training runs on CUDA GPUs or CPUs, not on MPS")
    return "gloo"


@contextlib.contextmanager
def distributed_session(pref: str = "auto") -> Iterator[Distributed]:
    """Join the torchrun job's process group for the duration of the block."""
    rank, world, local = _env_int("RANK"), _env_int("WORLD_SIZE"), _env_int("LOCAL_RANK")
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", world))
    backend = backend_for(pref)
    if backend == "nccl":
        if local >= torch.cuda.device_count():
            raise TrainingError(f"process {local} on this machine has no GPU ({torch.cuda.device_count()} "
                                "visible): start at most one process per GPU")
        torch.cuda.set_device(local)
    dist.init_process_group(backend, rank=rank, world_size=world, timeout=TIMEOUT)
    try:
        yield Distributed(rank, world, local, local_world, backend)
    finally:
        dist.destroy_process_group()


def barrier(strategy: Local) -> None:
    if isinstance(strategy, Distributed):
        dist.barrier()
