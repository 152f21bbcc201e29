"""Choosing the device to train on and the autocast context that goes with it.

Owns `pick_device`, its description for the user and the bf16 autocast decision. Must not import Qt or pyqtgraph.
"""
from __future__ import annotations

import contextlib
from typing import ContextManager

import torch

from engine.training.config import TrainingError


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def pick_device(pref: str = "auto") -> torch.device:
    """"auto": cuda, then mps, then cpu; a named device must be present."""
    if pref == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps") if _mps_available() else torch.device("cpu")
    if pref == "cuda" and not torch.cuda.is_available():
        raise TrainingError("CUDA was chosen but this computer has no usable NVIDIA GPU; choose auto or cpu")
    if pref == "mps" and not _mps_available():
        raise TrainingError("MPS was chosen but this computer has no Apple GPU; choose auto or cpu")
    if pref not in ("cpu", "cuda", "mps"):
        raise TrainingError(f"device must be auto, cpu, cuda or mps, not '{pref}'")
    return torch.device(pref)


def describe_device(pref: str = "auto") -> str:
    """The device `pick_device(pref)` would choose, in words for the user: "GPU (name)", "Apple GPU", "CPU"."""
    try:
        device = pick_device(pref)
        if device.type == "cuda":
            return f"GPU ({torch.cuda.get_device_name(device)})"
        if device.type == "mps":
            return "Apple GPU"
    except Exception:  # a missing or broken driver still leaves the CPU
        pass
    return "CPU"


def uses_bf16(device: torch.device, amp: str) -> bool:
    """bf16 autocast only on CUDA GPUs that support it: on CPU it is slower for small nets."""
    return amp == "auto" and device.type == "cuda" and torch.cuda.is_bf16_supported()


def autocast(device: torch.device, amp: str) -> ContextManager[object]:
    """The context forward passes run in."""
    if uses_bf16(device, amp):
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def module_device(module: torch.nn.Module) -> torch.device:
    """Where the module's parameters live (cpu for a module without any)."""
    for tensor in module.parameters():
        return tensor.device
    for tensor in module.buffers():
        return tensor.device
    return torch.device("cpu")


def seeded_generator(device: torch.device, seed: int) -> torch.Generator:
    """A generator on `device` when the backend has one, else on the CPU."""
    try:
        return torch.Generator(device=device).manual_seed(seed)
    except RuntimeError:
        return torch.Generator().manual_seed(seed)
