"""Training on several processes (GPUs or machines) with PyTorch's DistributedDataParallel.

`torchrun --nproc_per_node N main.py train ... --distributed` starts N processes; each calls
`distributed_session`, which joins the process group (NCCL on CUDA GPUs, gloo on CPUs) and
yields a `Distributed` strategy for the trainer: which device this rank uses, its shard of the
data, the DDP wrapper and the sums every rank must agree on. A single process uses `Local`,
which does nothing. The trainer stays a plain generator; this module owns all of DDP.

Before joining, the job's numbers are checked (0 ≤ RANK < WORLD_SIZE, LOCAL_RANK below
LOCAL_WORLD_SIZE). Joining is a rendezvous of our own on the job's store (MASTER_ADDR and
MASTER_PORT, torchrun's agent store when torchrun hosts one): every rank signs in, and a rank
that has not signed in after NETWRIGHT_JOIN_TIMEOUT seconds (default 60) is named in the
error instead of everyone waiting ten minutes in silence. Set NETWRIGHT_JOIN_TIMEOUT higher
when machines start far apart. Must not import Qt or pyqtgraph.
"""
from __future__ import annotations

import contextlib
import datetime
import os
import socket
import time
from collections.abc import Iterator

import torch
import torch.distributed as dist
from torch import nn

from engine.training import device as dev
from engine.training.config import TrainingError

TIMEOUT = datetime.timedelta(minutes=10)  # a rank that died stops the others within this time
JOIN_TIMEOUT_ENV = "NETWRIGHT_JOIN_TIMEOUT"
JOIN_TIMEOUT_S = 60.0  # how long the ranks wait for each other to start; the env var overrides it


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


def check_layout(rank: int, world: int, local: int, local_world: int) -> None:
    """Refuse numbers no job can have, before anyone waits for a peer that cannot exist."""
    if world < 1:
        raise TrainingError(f"WORLD_SIZE is {world}: a job has at least one process")
    if rank >= world:
        raise TrainingError(f"RANK is {rank} but WORLD_SIZE is {world}: ranks run from 0 to {world - 1} — "
                            "start the job with torchrun, which numbers the processes itself")
    if not 1 <= local_world <= world or local >= local_world:
        raise TrainingError(f"LOCAL_RANK {local} of LOCAL_WORLD_SIZE {local_world} does not fit a job of {world} "
                            "processes: local ranks run from 0 to LOCAL_WORLD_SIZE − 1, at most WORLD_SIZE of them")


def join_timeout() -> datetime.timedelta:
    """NETWRIGHT_JOIN_TIMEOUT seconds, or 60."""
    text = os.environ.get(JOIN_TIMEOUT_ENV)
    if text is None:
        return datetime.timedelta(seconds=JOIN_TIMEOUT_S)
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 86_400:
        raise TrainingError(f"{JOIN_TIMEOUT_ENV} is {text!r}: give the seconds to wait for the other processes, "
                            "e.g. 60 (at most 86400)")
    return datetime.timedelta(seconds=seconds)


def _store_address() -> tuple[str, int]:
    host, port = os.environ.get("MASTER_ADDR"), os.environ.get("MASTER_PORT", "")
    if not host or not port.isdigit() or not 0 < int(port) < 2**16:
        raise TrainingError("MASTER_ADDR and MASTER_PORT must name rank 0's machine and a free port (torchrun "
                            "sets both)")
    return host, int(port)


def rendezvous(rank: int, world: int, timeout: datetime.timedelta) -> dist.Store:
    """The job's store once every rank has signed in; TrainingError naming who is missing."""
    host, port = _store_address()
    agent = os.environ.get("TORCHELASTIC_USE_AGENT_STORE") == "True"  # torchrun already hosts the store
    host_it = rank == 0 and not agent
    problem = None if host_it else _unreachable(host, port, timeout)  # before torch's client logs its retries
    if problem is None:
        try:
            store = dist.TCPStore(host, port, world, is_master=host_it, timeout=timeout,
                                  wait_for_workers=False, multi_tenant=True)
        except (RuntimeError, OSError) as exc:
            problem = _first_line(exc)
    if problem is not None:
        who = "torchrun's store" if agent else "the store" if host_it else "rank 0's store"
        raise TrainingError(f"rank {rank} could not reach {who} at {host}:{port} within "
                            f"{timeout.total_seconds():g} s ({problem}): rank 0 has not started or the address "
                            f"is wrong — {JOIN_TIMEOUT_ENV} sets the wait")
    attempt = os.environ.get("TORCHELASTIC_RESTART_COUNT", "0")
    sign_in = dist.PrefixStore(f"netwright_join/{attempt}/", store)
    sign_in.set(str(rank), "1")
    deadline, missing = time.monotonic() + timeout.total_seconds(), list(range(world))
    while missing:  # polled, not store.wait(): a timed-out wait logs torch's socket warnings
        missing = [r for r in missing if not sign_in.check([str(r)])]
        if missing and time.monotonic() >= deadline:
            raise TrainingError(_missing_message(missing, world, timeout))
        time.sleep(0.05 if missing else 0)
    store.set_timeout(TIMEOUT)
    return store


def _unreachable(host: str, port: int, timeout: datetime.timedelta) -> str | None:
    """None once something accepts connections at host:port, else why not (after `timeout`)."""
    deadline = time.monotonic() + timeout.total_seconds()
    while True:
        try:
            with socket.create_connection((host, port), timeout=max(min(deadline - time.monotonic(), 2.0), 0.1)):
                return None
        except OSError as exc:
            if time.monotonic() >= deadline:
                return exc.strerror or type(exc).__name__
        time.sleep(0.2)


def _missing_message(missing: list[int], world: int, timeout: datetime.timedelta) -> str:
    names = ", ".join(map(str, missing[:10])) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
    rank_word = "rank" if len(missing) == 1 else "ranks"
    return (f"{rank_word} {names} of {world} did not join within {timeout.total_seconds():g} s: start every process "
            f"of the job (torchrun --nnodes/--nproc_per_node on each machine, the same MASTER_ADDR:MASTER_PORT) — "
            f"{JOIN_TIMEOUT_ENV} sets the wait")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]


@contextlib.contextmanager
def distributed_session(pref: str = "auto") -> Iterator[Distributed]:
    """Join the torchrun job's process group for the duration of the block."""
    rank, world, local = _env_int("RANK"), _env_int("WORLD_SIZE"), _env_int("LOCAL_RANK")
    local_world = _env_int("LOCAL_WORLD_SIZE") if "LOCAL_WORLD_SIZE" in os.environ else world
    check_layout(rank, world, local, local_world)
    timeout = join_timeout()
    backend = backend_for(pref)
    if backend == "nccl":
        if local >= torch.cuda.device_count():
            raise TrainingError(f"process {local} on this machine has no GPU ({torch.cuda.device_count()} "
                                "visible): start at most one process per GPU")
        torch.cuda.set_device(local)
    store = rendezvous(rank, world, timeout)
    dist.init_process_group(backend, store=store, rank=rank, world_size=world, timeout=TIMEOUT)
    try:
        yield Distributed(rank, world, local, local_world, backend)
    finally:
        dist.destroy_process_group()


def barrier(strategy: Local) -> None:
    if isinstance(strategy, Distributed):
        dist.barrier()
