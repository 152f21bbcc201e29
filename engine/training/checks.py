"""`validate`: every reason a run cannot start, found before any training happens.

Owns the checks of settings against the network and dataset: config values, device,
input shape (via a two-sample forward pass in eval mode, no gradients) and output shape
against the loss. Must not import Qt or pyqtgraph.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch
from torch import nn

from engine.catalog import fmt_shape
from engine.training.config import TrainConfig, TrainingError, check_config
from engine.training.device import module_device, pick_device
from engine.training.objective import fit_problem

if TYPE_CHECKING:  # annotations only: importing the datasets would load torchvision
    from engine.data import Dataset


def val_count(num_train: int, val_split: float) -> int:
    """How many training samples the validation split takes (at least 1 when asked for any)."""
    if val_split <= 0 or num_train < 2:
        return 0
    return min(max(round(num_train * val_split), 1), num_train - 1)


def validate(module: nn.Module, dataset: Dataset, config: TrainConfig) -> None:
    """Raise TrainingError, with a message saying what to change, if this run cannot start."""
    checked_output_shape(module, dataset, config)


def checked_output_shape(module: nn.Module, dataset: Dataset, config: TrainConfig) -> tuple[int, ...]:
    """`validate`, returning the network's output shape per sample when all is well."""
    check_config(config)
    pick_device(config.device)
    if dataset.num_train - val_count(dataset.num_train, config.val_split) < 1:
        raise TrainingError(f"{dataset.name} has no training samples left after the validation split")
    if not any(p.requires_grad for p in module.parameters()):
        raise TrainingError("the network has nothing to learn: add a layer with weights, such as linear")
    out = probe_output(module, dataset)
    out_shape = tuple(out.shape[1:])
    problem = fit_problem(config.loss, out_shape, dataset.name, dataset.num_classes)
    if problem:
        raise TrainingError(problem)
    if config.loss == "nll" and not _are_log_probabilities(out):
        raise TrainingError("negative log-likelihood needs log-probabilities: end the network with "
                            "log_softmax, or use cross-entropy, which applies it itself")
    return out_shape


def _are_log_probabilities(out: torch.Tensor) -> bool:
    total = out.detach().float().exp().sum(dim=1)  # (B, K) -> (B,)
    return bool(torch.allclose(total, torch.ones_like(total), atol=1e-3))


def probe_output_shape(module: nn.Module, dataset: Dataset) -> tuple[int, ...]:
    """The network's output shape for one sample of `dataset` (batch excluded)."""
    return tuple(probe_output(module, dataset).shape[1:])


def probe_output(module: nn.Module, dataset: Dataset) -> torch.Tensor:
    """The network's output for two all-zero samples of `dataset`; TrainingError if it cannot run."""
    declared = _declared_input(module)
    wanted = tuple(dataset.input_shape)
    if declared is not None and declared != wanted:
        raise TrainingError(f"the network expects {fmt_shape(declared)} but {dataset.name} gives "
                            f"{fmt_shape(wanted)}; change the network's input to {fmt_shape(wanted)}")
    try:
        out = _forward_probe(module, wanted)
    except Exception as exc:  # any layer may reject the shape, each with its own exception
        hint = _first_layer_hint(module, dataset) or str(exc).strip().splitlines()[0]
        raise TrainingError(f"the network cannot take {dataset.name}'s {fmt_shape(wanted)} samples: "
                            f"{hint}") from exc
    if not isinstance(out, torch.Tensor) or out.dim() < 1:
        raise TrainingError("the network must return one tensor with a batch dimension")
    return out


def _declared_input(module: nn.Module) -> tuple[int, ...] | None:
    declared = getattr(module, "input_shape", None)
    try:
        return tuple(int(v) for v in declared) if declared is not None else None
    except (TypeError, ValueError):
        return None


def _forward_probe(module: nn.Module, input_shape: tuple[int, ...]) -> object:
    """Forward two zero samples in eval mode (BatchNorm-safe, stats untouched)."""
    was_training = module.training
    x = torch.zeros((2, *input_shape), device=module_device(module))
    module.eval()
    try:
        with torch.no_grad():
            return module(x)
    finally:
        module.train(was_training)


def _first_layer_hint(module: nn.Module, dataset: Dataset) -> str | None:
    shape = tuple(dataset.input_shape)
    for layer in module.modules():
        if isinstance(layer, nn.modules.conv._ConvNd):
            if layer.in_channels != shape[0]:
                return (f"its first layer wants {layer.in_channels}-channel input but {dataset.name} "
                        f"has {shape[0]} channel(s); change the network's input to {fmt_shape(shape)}")
            return None
        if isinstance(layer, nn.Linear):
            size = math.prod(shape)
            if len(shape) > 1 and layer.in_features == size:
                return f"add flatten before its first linear layer (the samples are {fmt_shape(shape)})"
            if layer.in_features != size:
                return (f"its first layer wants {layer.in_features} features but {dataset.name} gives "
                        f"{fmt_shape(shape)} = {size}; change the network's input to {fmt_shape(shape)}")
            return None
    return None
