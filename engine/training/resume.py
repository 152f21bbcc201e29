"""Continuing a run: where the previous one stopped, and the optimizer state it left behind.

`Resume` tells the trainer how many epochs and steps came before (its records continue the
numbering) and hands it the optimizer's saved state. `OptimizerState` is that state as
plain CPU tensors and numbers per parameter index (torch's `state_dict()["state"]`), tagged
with the optimizer's name; `capture` takes it from a live optimizer and `restore` puts it
into a fresh one only when it fits (same optimizer, same parameters, same shapes), keeping
the new run's own hyperparameters. Must not import Qt or pyqtgraph.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch


@dataclass(frozen=True, eq=False)
class OptimizerState:
    optimizer: str  # TrainConfig.optimizer it belongs to, e.g. "adam"
    state: dict[int, dict[str, Any]]  # parameter index -> name -> CPU tensor or plain number


@dataclass(frozen=True, eq=False)
class Resume:
    epochs_done: int = 0  # epochs trained before; the first new epoch is epochs_done + 1
    steps_done: int = 0  # optimizer steps taken before
    optimizer_state: OptimizerState | None = None  # None: the optimizer starts fresh


def capture(optimizer: torch.optim.Optimizer, name: str) -> OptimizerState:
    """A CPU copy of the optimizer's per-parameter state."""
    state = {}
    for index, entries in optimizer.state_dict()["state"].items():
        state[int(index)] = {key: value.detach().to("cpu").clone() if isinstance(value, torch.Tensor) else value
                             for key, value in entries.items()}
    return OptimizerState(name, state)


def restore(optimizer: torch.optim.Optimizer, name: str, saved: OptimizerState) -> str:
    """Load `saved` into `optimizer`; returns "" when it did, else why the optimizer starts fresh."""
    if saved.optimizer != name:
        return f"the saved optimizer state is for {saved.optimizer}, not {name}"
    params = [p for group in optimizer.param_groups for p in group["params"]]
    problem = _mismatch(params, saved.state)
    if problem:
        return problem
    current = optimizer.state_dict()
    try:  # keep the new run's hyperparameters (lr, betas, ...): only the per-parameter state is loaded
        optimizer.load_state_dict({"state": saved.state, "param_groups": current["param_groups"]})
    except (ValueError, RuntimeError, KeyError, TypeError) as exc:
        optimizer.load_state_dict(current)
        return f"the saved optimizer state does not fit ({exc})"
    return ""


def _mismatch(params: list[torch.Tensor], state: dict[int, dict[str, Any]]) -> str:
    if any(not 0 <= index < len(params) for index in state):
        return "the saved optimizer state belongs to a network with other parameters"
    for index, entries in state.items():
        for key, value in entries.items():
            if isinstance(value, torch.Tensor) and value.dim() > 0 and value.shape != params[index].shape:
                return (f"the saved optimizer state does not fit the network (parameter {index}: {key} is "
                        f"{tuple(value.shape)}, the parameter {tuple(params[index].shape)})")
    return ""
