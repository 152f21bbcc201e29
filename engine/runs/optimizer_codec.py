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
import re
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

from engine.serialize import ProjectError
from engine.training.config import OPTIMIZERS
from engine.training.resume import OptimizerState

MEMBER = "optimizer.safetensors"
MAX_PARAMS = 1_000_000
_KEY = re.compile(r"(\d{1,7})\.([a-z_]{1,32})")


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
    return section, tensors


def decode(section: Any, tensors: dict[str, torch.Tensor]) -> tuple[str, OptimizerState]:
    """(run id, state) from the JSON section and the member's tensors; ProjectError when damaged."""
    if not isinstance(section, dict) or section.get("optimizer") not in OPTIMIZERS:
        raise ProjectError("the saved optimizer state is damaged")
    run_id = section.get("run")
    listed = section.get("tensors")
    if not isinstance(run_id, str) or not isinstance(listed, list) or sorted(listed) != sorted(tensors):
        raise ProjectError("the saved optimizer state does not match its tensors")
    state: dict[int, dict[str, Any]] = {}
    for key, tensor in tensors.items():
        index, name = _split(key)
        if not tensor.is_floating_point() or not torch.isfinite(tensor).all():
            raise ProjectError(f"the saved optimizer state holds a damaged tensor ({key})")
        state.setdefault(index, {})[name] = tensor
    _add_numbers(state, section.get("numbers", {}))
    return run_id, OptimizerState(section["optimizer"], state)


def _split(key: Any) -> tuple[int, str]:
    match = _KEY.fullmatch(key) if isinstance(key, str) else None
    if match is None or int(match.group(1)) >= MAX_PARAMS:
        raise ProjectError(f"the saved optimizer state has a damaged entry name: {str(key)[:40]}")
    return int(match.group(1)), match.group(2)


def _add_numbers(state: dict[int, dict[str, Any]], numbers: Any) -> None:
    if not isinstance(numbers, dict) or len(numbers) > MAX_PARAMS:
        raise ProjectError("the saved optimizer state's numbers are damaged")
    for index_text, entries in numbers.items():
        if not isinstance(entries, dict):
            raise ProjectError("the saved optimizer state's numbers are damaged")
        for name, value in entries.items():
            index, name = _split(f"{index_text}.{name}")
            ok = value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)
                                   and math.isfinite(value))
            if not ok:
                raise ProjectError(f"the saved optimizer state has a damaged number ({index}.{name})")
            state.setdefault(index, {})[name] = value


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
