"""The digit pad's "doesn't look like a digit": fitted after training a digit network (mnist, digits).

Four detectors, joined as a union (engine.training.calibration uses them through `fit_digits`):
    head      a small rejection head learned on the network's own features (the inputs of its last
              linear layers) and scores: training digits (as stored, and as the pad frames them drawn
              with bolder and softer pens: `drawn_with_pens`) against the generated non-digits of the
              FITTED families (engine.digits.nondigits), the same ones outlier exposure showed the
              network during training (engine.training.outliers). It does not reach kinds of
              non-digits it never saw (letters, symbols: under half flagged), hence
    pixels, neighbours   two scores of what digits ARE, fitted on training digits only
              (engine.training.digit_shape): the distance of the picture to its predicted class's PCA
              subspace per unit of ink, and the distance of its features to the nearest training
              digits' (engine.training.feature_neighbours); and
    ink       how big the ink is against training digits' (engine.training.ink_shape): a stray tick
              or a dot is kept small by the pad's framing.
The detectors share one false-alarm budget: the union flags UNION_FLAGGED of the validation digits
as the pad frames them (`as_the_pad_sees`), each detector at the same quantile of its own scores.
Must not import Qt.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Mapping

import numpy as np
import torch
from PIL import Image
from torch import nn

from ..digits.preprocess import frames_as_the_pad_sees
from . import digit_shape
from .outliers import bank_for

# Digits: the share of validation digits, framed as the pad frames them, kept answered by the head
# alone (method "digit_head", when no other detector fits). The budget is 5 % of real digits
# flagged; 4 % leaves room for writers unlike MNIST's.
DIGIT_KEEP = 0.96
# With the scores of what digits are (method "digit_shape"): the share of the pad-framed validation
# digits the union of the detectors flags (engine.training.digit_shape.shared_budget). 3.5 %: the
# validation digits re-drawn on the canvas as bench/ood.py draws digits were flagged 2.7 % (LeNet-5,
# three networks), leaving room for writers and scanners unlike MNIST's.
UNION_FLAGGED = 0.035
PEN_POSITIVES = 1500  # training digits the head also sees as the pad frames them, with bolder and softer pens
MAX_FEATURES = 1024  # feature values the head reads at most (the earliest layers are left out first)
HIDDEN = 64
HEAD_STEPS = 600  # mini-batches of HEAD_BATCH
HEAD_BATCH = 256
MAX_STORED_NUMBERS = 200_000  # a file claiming a bigger head is damaged
PAD_VIEW_SIDE = 84  # px of the canvas validation digits are enlarged to before the pad frames them again

Outputs = Callable[[torch.Tensor], "tuple[torch.Tensor | None, torch.Tensor]"]


def fit_digits(outputs: Outputs, normalize: Callable[[torch.Tensor], torch.Tensor], positives: torch.Tensor,
               labels: torch.Tensor, pad_x: torch.Tensor, dataset: Any,
               seed: int) -> tuple[str, float, dict[str, Any], dict[str, Any] | None]:
    """(method, threshold, head, shape) from training digits `positives` (raw, as stored) with their
    `labels`, the validation digits as the pad frames them `pad_x` (normalized, `as_the_pad_sees`), and
    the network's `outputs` (features, logits) of inputs."""
    pos = outputs(normalize(positives))
    neg = outputs(bank_for(dataset))  # the non-digits training was exposed to (engine.training.outliers)
    pens = outputs(drawn_with_pens(normalize, positives[:PEN_POSITIVES]))
    head_positives = torch.cat([head_input(*pos)[:len(positives) // 2], head_input(*pens)])
    head = fit_head(head_positives, head_input(*neg), seed)
    pad_view = outputs(pad_x)
    head_scores = head_score(tensors(head), *pad_view)
    shape = digit_shape.fit(normalize(positives), labels, pos[0], (pad_x, *pad_view), head_scores, UNION_FLAGGED)
    if shape is None:
        return "digit_head", quantile(head_scores, DIGIT_KEEP), head, None
    return "digit_shape", 0.0, head, shape


def drawn_with_pens(normalize: Callable[[torch.Tensor], torch.Tensor], digits: torch.Tensor) -> torch.Tensor:
    """Training digits (raw, as stored) as the pad frames them, drawn as they are, a pixel bolder and
    softer (digit_shape.bolder_and_blurred), normalized: (3N, 1, H, W). A head that learned only
    MNIST's own framing and pen flags a bolder pen's digits: with the validation digits drawn so, the
    head alone flagged 2.6-3 % of them at a threshold flagging 0.2-0.6 % of the plain ones; with these,
    the union flagged a quarter fewer re-drawn validation digits (LeNet-5, three networks).
    Pictures with several channels: as the pad frames them only."""
    framed = normalize(as_the_pad_sees(digits))
    if framed.shape[1] != 1:
        return framed
    low, high = float(normalize(digits).min()), float(normalize(digits).max())
    ink = digit_shape.as_ink(framed, low, high).clamp(0, 1)
    pens = digit_shape.bolder_and_blurred(ink, (framed.shape[2], framed.shape[3]))
    return (pens * (high - low) + low).reshape(-1, 1, framed.shape[2], framed.shape[3])


def checked_head(head: Any) -> dict[str, Any]:
    """The stored head if its sizes agree and every number is finite (checked before any tensor is made)."""
    if not isinstance(head, Mapping):
        raise ValueError("damaged head")
    mean, std, w1, b1, w2 = (head[k] for k in ("mean", "std", "w1", "b1", "w2"))
    width, hidden = len(mean), len(b1)
    sizes_ok = len(std) == width and len(w1) == hidden and all(len(r) == width for r in w1) and len(w2) == hidden
    if not sizes_ok or width * hidden > MAX_STORED_NUMBERS:
        raise ValueError("damaged head sizes")
    numbers = [*mean, *std, *b1, *w2, float(head["b2"]), *(v for r in w1 for v in r)]
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in numbers):
        raise ValueError("damaged head numbers")
    return dict(head)


def head_input(features: torch.Tensor | None, logits: torch.Tensor) -> torch.Tensor:
    parts = ([features] if features is not None else []) + [logits, torch.logsumexp(logits, 1, keepdim=True)]
    return torch.cat(parts, dim=1)


def tensors(head: Mapping[str, Any]) -> dict[str, torch.Tensor]:
    return {k: torch.tensor(v, dtype=torch.float32) for k, v in head.items()}


def head_score(head: Mapping[str, torch.Tensor], features: torch.Tensor | None, logits: torch.Tensor) -> torch.Tensor:
    x = head_input(features, logits)
    if x.shape[1] != head["mean"].shape[0]:
        return torch.zeros(x.shape[0])  # the network changed since calibration: say nothing
    hidden = torch.relu(((x - head["mean"]) / head["std"]) @ head["w1"].T + head["b1"])
    return hidden @ head["w2"] + head["b2"]


def fit_head(positives: torch.Tensor, negatives: torch.Tensor, seed: int) -> dict[str, Any]:
    """A one-hidden-layer classifier: high scores for negatives (scribbles), low for training digits.

    Mini-batches drawn half from each side, so both count the same whatever their numbers."""
    mean, std = positives.mean(0), positives.std(0).clamp_min(1e-3)
    pos, neg = (positives - mean) / std, (negatives - mean) / std
    generator = torch.Generator().manual_seed(seed)
    layers = nn.Sequential(nn.Linear(pos.shape[1], HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 1))
    for p in layers.parameters():
        nn.init.normal_(p, std=1.0 / math.sqrt(p.shape[-1]), generator=generator)
    optimizer = torch.optim.Adam(layers.parameters(), lr=3e-3)
    half = HEAD_BATCH // 2
    target = torch.cat([torch.zeros(half), torch.ones(half)])
    with torch.enable_grad():
        for _ in range(HEAD_STEPS):
            rows_p = torch.randint(0, len(pos), (half,), generator=generator)
            rows_n = torch.randint(0, len(neg), (half,), generator=generator)
            optimizer.zero_grad()
            out = layers(torch.cat([pos[rows_p], neg[rows_n]]))[:, 0]
            nn.functional.binary_cross_entropy_with_logits(out, target).backward()
            optimizer.step()
    first, last = layers[0], layers[2]
    return {"mean": _plain(mean), "std": _plain(std), "w1": [_plain(r) for r in first.weight.detach()],
            "b1": _plain(first.bias.detach()), "w2": _plain(last.weight.detach()[0]),
            "b2": round(float(last.bias.detach()[0]), 6)}


def _plain(values: torch.Tensor) -> list[float]:
    return [float(f"{v:.5g}") for v in values.tolist()]  # 5 digits: the head's file size, not its answers


def as_the_pad_sees(x: torch.Tensor, side: int = PAD_VIEW_SIDE) -> torch.Tensor:
    """Validation pictures (N, C, H, W) as the pad sends them to the network: enlarged onto a canvas
    and framed again by the pad's own preprocessing, same dtype and range.

    The threshold is set on these, not on the dataset's own framing: MNIST's framing differs from
    the pad's, and a threshold keeping 99 % of MNIST's validation digits as stored flagged 8 % of the
    same digits re-framed by the pad (measured on LeNet-5, mnist-10k)."""
    scale = 255.0 if x.dtype == torch.uint8 else 1.0
    pictures = np.rint(x[:, 0].float().numpy() * (255.0 / scale)).clip(0, 255).astype(np.uint8)  # (N, H, W)
    canvases = [np.asarray(Image.fromarray(p).resize((side, side), Image.Resampling.BILINEAR)) for p in pictures]
    framed = torch.from_numpy(frames_as_the_pad_sees(canvases, (x.shape[2], x.shape[3]))) * scale
    framed = framed.round() if x.dtype == torch.uint8 else framed
    return framed[:, None].expand_as(x).to(x.dtype).contiguous()  # (N, H, W) -> (N, C, H, W)


def quantile(scores: torch.Tensor, keep: float) -> float:
    finite = scores[torch.isfinite(scores)]
    return float(torch.quantile(finite.float(), keep)) if finite.numel() else math.inf
