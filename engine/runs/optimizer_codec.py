"""The adopted run's optimizer state in a project file: tensors in a safetensors member,
the rest (which optimizer, which run, plain numbers such as step counts) in the JSON.

    "optimizer": {"run": ID, "optimizer": "adam", "numbers": {"0": {"step": 12.0}, ...},
                  "tensors": ["0.exp_avg", "0.exp_avg_sq", ...]}
    optimizer.safetensors   keys "<parameter index>.<state name>"

Validated like everything else read (names, indices, finite numbers, floating-point
tensors only); whether the state fits the network is the trainer's check when a run
continues. Must not import Qt.
"""
from __future__ import annotations

import math
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

from engine.schema import OptimizerSection, read_as, write_as
from engine.serialize import ProjectError
from engine.training.resume import OptimizerState

MEMBER = "optimizer.safetensors"
MAX_PARAMS = 1_000_000


def encode(state: OptimizerState, run_id: str) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """(JSON section, tensors for the member)."""
    numbers: dict[str, dict[str, Any]] = {}
    tensors: dict[str, torch.Tensor] = {}
    for index, entries in state.state.items():
        for name, value in entries.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{index}.{name}"] = value.detach().to("cpu").contiguous()
            elif value is None or isinstance(value, (int, float)) and math.isfinite(value):
                numbers.setdefault(str(index), {})[name] = value
    section = {"run": run_id, "optimizer": state.optimizer, "numbers": numbers, "tensors": sorted(tensors)}
    return write_as(section, OptimizerSection), tensors


def decode(section: Any, tensors: dict[str, torch.Tensor]) -> tuple[str, OptimizerState]:
    """(run id, state) from the JSON section (engine.schema.OptimizerSection) and the member's
    tensors; ProjectError when damaged."""
    if not isinstance(section, dict):
        raise ProjectError("the saved optimizer state is damaged")
    entry = read_as(section, OptimizerSection)
    if sorted(entry.tensors) != sorted(tensors):
        raise ProjectError("the saved optimizer state does not match its tensors")
    state: dict[int, dict[str, Any]] = {}
    for key, tensor in tensors.items():
        index, name = _split(key)
        if not tensor.is_floating_point() or not torch.isfinite(tensor).all():
            raise ProjectError(f"the saved optimizer state holds a damaged tensor ({key})")
        state.setdefault(index, {})[name] = tensor
    for index_text, entries in entry.numbers.items():
        for name, value in entries.items():
            state.setdefault(_split(f"{index_text}.{name}")[0], {})[name] = value
    return entry.run, OptimizerState(entry.optimizer, state)


def _split(key: str) -> tuple[int, str]:
    index, _, name = key.partition(".")
    if int(index) >= MAX_PARAMS:
        raise ProjectError(f"the saved optimizer state has a damaged entry name: {key[:40]}")
    return int(index), name


def read(blob: bytes, section: Any, adopted_run: str | None) -> tuple[OptimizerState | None, str]:
    """The adopted run's optimizer state from its member's bytes (read bounded by engine.project):
    (state, "") or (None, why it was left out). Never raises for a damaged state: continuing
    training then starts a fresh optimizer."""
    if section is None or adopted_run is None:
        return None, ""
    try:
        tensors = load_safetensors(blob)
        run_id, state = decode(section, tensors)
    except (SafetensorError, ValueError, RuntimeError, OSError, ProjectError) as exc:
        return None, str(exc)
    return (state, "") if run_id == adopted_run else (None, "")


def member_bytes(tensors: dict[str, torch.Tensor]) -> bytes:
    return save_safetensors(tensors, metadata={"format": "netwright-optimizer"})
