"""Losses and predictions: what the network's outputs are compared with, and which class they pick.

Owns the four losses (cross-entropy, binary cross-entropy on logits, mean squared error on
one-hot targets, negative log-likelihood after log_softmax) and the check that a network's
output shape fits the chosen loss and dataset, with a message saying what to change.
Must not import Qt or pyqtgraph.
"""
from __future__ import annotations

from dataclasses import dataclass

from engine.catalog import fmt_shape
from engine.lazy import LazyModule

# The loss titles and `fit_problem` are read by the lints and forms before PyTorch loads.
torch = LazyModule("torch")
F = LazyModule("torch.nn.functional")

LOSS_TITLES = {"cross_entropy": "cross-entropy", "bce": "binary cross-entropy",
               "mse": "mean squared error", "nll": "negative log-likelihood"}


@dataclass(frozen=True)
class Objective:
    """A loss bound to the network's output width; outputs are (B, K), targets int64 (B,)."""

    name: str
    num_outputs: int  # K
    num_classes: int

    def loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Mean loss over the batch (a 0-d tensor; never synced here)."""
        if self.name == "cross_entropy":
            return F.cross_entropy(out.float(), y)
        if self.name == "nll":
            return F.nll_loss(out.float(), y)
        if self.num_outputs == 1:
            flat = out.reshape(-1).float()  # (B, 1) -> (B,)
            if self.name == "bce":
                return F.binary_cross_entropy_with_logits(flat, y.float())
            return F.mse_loss(flat, y.float())
        return F.mse_loss(out.float(), F.one_hot(y, self.num_outputs).float())

    def confidence(self, out: torch.Tensor) -> torch.Tensor:
        """The network's probability for the class it predicts, float32 (B,) in 0..1."""
        out = out.float()
        if self.num_outputs > 1:
            if self.name == "nll":
                return out.exp().max(dim=1).values.clamp(0.0, 1.0)
            if self.name == "mse":
                return out.max(dim=1).values.clamp(0.0, 1.0)
            return torch.softmax(out, dim=1).max(dim=1).values
        flat = out.reshape(-1)  # (B, 1) -> (B,)
        p = torch.sigmoid(flat) if self.name == "bce" else flat.clamp(0.0, 1.0)
        return torch.where(self.predict(out) == 1, p, 1.0 - p)

    def predict(self, out: torch.Tensor) -> torch.Tensor:
        """Predicted class per sample, int64 (B,)."""
        if self.num_outputs > 1:
            return out.argmax(dim=1)
        threshold = 0.0 if self.name == "bce" else 0.5  # bce outputs are logits
        return (out.reshape(-1) > threshold).long()  # (B, 1) -> (B,)


def guess_loss(num_outputs: int) -> str:
    """The loss a network with this output width was most likely trained with."""
    return "bce" if num_outputs == 1 else "cross_entropy"


def _shape_text(shape: tuple[int, ...]) -> str:
    return fmt_shape(shape) if shape else "a single number"


def fit_problem(loss: str, out_shape: tuple[int, ...], data_name: str, num_classes: int) -> str | None:
    """Why outputs of `out_shape` (per sample) cannot train with `loss`, or None when they can."""
    title = LOSS_TITLES[loss]
    if len(out_shape) != 1:
        return (f"the network gives {_shape_text(out_shape)} values per sample but {title} needs a flat "
                f"vector of {1 if loss == 'bce' else num_classes}; end the network with flatten and "
                f"linear({1 if loss == 'bce' else num_classes})")
    width = out_shape[0]
    if loss == "bce":
        return _bce_problem(width, data_name, num_classes)
    if loss == "mse" and width == 1 and num_classes == 2:
        return None
    if width != num_classes:
        return (f"{title} needs {num_classes} outputs per sample (one per class of {data_name}) but the "
                f"network gives {width}; end the network with linear({num_classes})")
    return None


def _bce_problem(width: int, data_name: str, num_classes: int) -> str | None:
    if width != 1:
        advice = ("use cross-entropy, or end the network with linear(1)" if num_classes == 2
                  else f"{data_name} has {num_classes} classes, so use cross-entropy instead")
        return f"binary cross-entropy needs 1 output per sample but the network gives {width}; {advice}"
    if num_classes != 2:
        return (f"binary cross-entropy fits datasets with 2 classes but {data_name} has {num_classes}; "
                f"use cross-entropy and end the network with linear({num_classes})")
    return None
