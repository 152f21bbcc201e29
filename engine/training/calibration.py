"""Honest predictions: calibrated probabilities and an "unlike anything it learned" flag, fitted
once after training on the training data's validation split.

`fit_calibration` measures, with the trained network:
    temperature  T minimizing the validation negative log-likelihood of softmax(logits / T)
                 (temperature scaling, Guo et al. 2017): probabilities that mean what they say
    score        how unlike the training data an input is. For digits (mnist, digits), a small
                 rejection head learned on the network's own features (the inputs of its last
                 linear layers) and scores: training digits against the generated non-digits
                 of the FITTED families (engine.digits.nondigits), the same ones outlier exposure
                 showed the network during training (engine.training.outliers). That head does not
                 reach kinds of non-digits it never saw (letters, symbols: under half flagged), so
                 it is joined by scores of what digits ARE, fitted on training digits only
                 (engine.training.digit_shape, method "digit_shape"): the distance of the picture
                 to its predicted class's PCA subspace, the distance of the features to the nearest
                 training digits' (engine.training.feature_neighbours), and the size of the ink,
                 which the pad's framing keeps small for a stray mark (engine.training.ink_shape).
                 Their union flags UNION_FLAGGED of the pad-framed validation digits, the detectors sharing
                 that budget (engine.training.digit_calibration; bench/ood.py measures it).
                 For other pictures, the largest of the energy, a feature distance to the class
                 means and the picture's contrast against the training pictures' (engine.training.novelty).
                 For other data, the energy −T·logsumexp(logits / T) (Liu et al. 2020).
    threshold    the score that KEEP of the validation samples stay below; above it, "unsure".
                 Outside digits, set as conformal prediction does (novelty.honest_threshold): with
                 few validation samples it promises what they allow, not KEEP, and says so.
                 For digits, the validation digits as the pad frames them (as_the_pad_sees)
`Calibration.judge` gives calibrated probabilities, the score and the flag for a batch.

Stored with the trained project as `meta["calibration"]` (plain JSON, see `to_meta`); a project
without it predicts as before (T = 1, never unsure). Reading is defensive: a damaged entry means no
calibration, never a crash. Must not import Qt.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, Mapping

import torch
from torch import nn

from . import digit_shape
from .digit_calibration import (
    DIGIT_KEEP,
    MAX_FEATURES,
    as_the_pad_sees,  # noqa: F401  (re-exported: the tests and benches use it)
    checked_head,
    fit_digits,
    head_score,
    tensors,
)
from .novelty import MAX_NUMBERS as MAX_NOVELTY_NUMBERS
from .novelty import checked_novelty, fit_novelty, honest_threshold, novelty_score

KEEP = 0.99  # share of validation samples below the threshold: 1 % false alarms on familiar data
DIGIT_DATASETS = ("mnist", "digits")
MAX_POSITIVES = 6000  # training samples it learns to accept
FEATURE_LAYERS = 3  # the inputs of up to this many linear layers, counted back from the output
CHUNK = 512


METHODS = ("none", "energy", "digit_head", "digit_shape", "novelty")


@dataclass(frozen=True)
class Verdict:
    probabilities: torch.Tensor  # (B, K) calibrated; K = 2 for a single-output (binary) network
    score: torch.Tensor  # (B,) higher = less like the training data
    unsure: torch.Tensor  # (B,) bool


@dataclass(frozen=True)
class Calibration:
    temperature: float = 1.0
    method: str = "none"  # one of METHODS
    threshold: float = math.inf
    feature_nodes: tuple[str, ...] = ()  # digit_head: the nodes whose outputs it reads
    head: dict[str, Any] | None = None  # digit_head: standardization and weights, as lists
    novelty: dict[str, Any] | None = None  # novelty: the training pictures' statistics (engine.training.novelty)
    kept: float | None = None  # share of familiar inputs the threshold promises to answer; None: KEEP
    samples: int | None = None  # validation samples the threshold was set on (when recorded)
    shape: dict[str, Any] | None = None  # digit_shape: the head's threshold, pixel and feature models (stored)

    def judge(self, module: nn.Module, x: torch.Tensor) -> Verdict:
        reads = self.head is not None or self.novelty is not None
        features, logits = network_outputs(module, x, self.feature_nodes if reads else ())
        probs = probabilities(logits / self.temperature)
        if self.method == "novelty" and self.novelty is not None:
            score = novelty_score(self.novelty, features, energy(logits, self.temperature), x)
        elif self.method == "digit_head" and self.head is not None:
            score = head_score(self._head_tensors, features, logits)
        elif self.method == "digit_shape" and self.head is not None and self.shape is not None:
            margin = head_score(self._head_tensors, features, logits) - float(self.shape["head_threshold"])
            parts = digit_shape.scores(self._shape_tensors, x, features, logits.argmax(1))
            score = digit_shape.fused(margin, self._shape_tensors, parts)
        elif self.method == "energy":
            score = energy(logits, self.temperature)
        else:
            score = torch.zeros(logits.shape[0])
        return Verdict(probs, score, score > self.threshold)

    @cached_property
    def _head_tensors(self) -> dict[str, torch.Tensor]:
        return tensors(self.head or {})

    @cached_property
    def _shape_tensors(self) -> dict[str, dict[str, Any]]:
        return digit_shape.read(self.shape or {})

    def to_meta(self) -> dict[str, Any]:
        kept = self.kept if self.kept is not None else DIGIT_KEEP if self.method == "digit_head" else KEEP
        finite = math.isfinite(self.threshold)
        entry: dict[str, Any] = {"temperature": self.temperature, "method": self.method,
                                 "threshold": self.threshold if finite else None,
                                 "kept_on_validation": kept if finite else None}  # None: no promise
        if self.samples is not None:
            entry["validation_samples"] = self.samples
        if self.head is not None:
            entry.update(feature_nodes=list(self.feature_nodes), head=self.head)
        if self.shape is not None:
            entry.update(shape=self.shape)
        if self.novelty is not None:
            entry.update(feature_nodes=list(self.feature_nodes), novelty=self.novelty)
        return entry

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any] | None) -> Calibration:
        """The calibration stored in a project's meta; the neutral one when absent or damaged.

        The last one read is kept, so the pad's live predictions do not re-read the head each time."""
        entry = (meta or {}).get("calibration")
        if _LAST[0] is entry and entry is not None:
            return _LAST[1]
        try:
            result = _parse(entry) if isinstance(entry, Mapping) else cls()
        except (TypeError, ValueError, KeyError):
            result = cls()
        _LAST[:] = [entry, result]
        return result


_LAST: list[Any] = [None, Calibration()]  # (meta entry, its Calibration): identity-checked one-slot cache


def probabilities(logits: torch.Tensor) -> torch.Tensor:
    """(B, K) scores -> (B, K) probabilities; one output is a binary classifier's logit."""
    if logits.shape[-1] == 1:
        p = torch.sigmoid(logits.float())
        return torch.cat([1 - p, p], dim=-1)
    return torch.softmax(logits.float(), dim=-1)


def energy(logits: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """−T·logsumexp(logits / T): low for inputs the network answers with conviction."""
    logits = logits.float()
    if logits.shape[-1] == 1:
        logits = torch.cat([torch.zeros_like(logits), logits], dim=-1)
    return -temperature * torch.logsumexp(logits / temperature, dim=-1)


def feature_nodes(module: nn.Module) -> tuple[str, ...]:
    """The nodes whose outputs the last FEATURE_LAYERS linear layers read, earliest first."""
    sources = dict(getattr(module, "plan", ()))
    current, found = getattr(module, "output_id", None), []
    while current in sources and len(sources[current]) == 1 and len(found) < FEATURE_LAYERS:
        source = sources[current][0]
        if isinstance(module._modules[current], nn.Linear) and source != module.input_id:
            found.append(source)
        current = source
    return tuple(found[::-1])


def network_outputs(module: nn.Module, x: torch.Tensor,
                    features: tuple[str, ...] = ()) -> tuple[torch.Tensor | None, torch.Tensor]:
    """(the `features` nodes' outputs side by side (N, D), or None; logits (N, K)), in eval mode,
    in chunks, on the CPU. A node the network does not have (it changed since) gives None."""
    feats, logits = [], []
    device = next((p.device for p in module.parameters()), torch.device("cpu"))
    was_training = module.training
    module.eval()
    try:
        with torch.inference_mode():
            for start in range(0, x.shape[0], CHUNK):
                batch = x[start:start + CHUNK].to(device)
                if not features:
                    logits.append(module(batch).float().cpu())
                    continue
                outs = _with_outputs_of(module, features, batch)  # hooks: no other activation is kept
                if all(f in outs for f in features):
                    feats.append(torch.cat([outs[f].float().reshape(batch.shape[0], -1) for f in features], 1).cpu())
                logits.append(outs[module.output_id].float().cpu())
    finally:
        module.train(was_training)
    return (torch.cat(feats) if feats and len(feats) == len(logits) else None), torch.cat(logits)


def _with_outputs_of(module: nn.Module, nodes: tuple[str, ...], batch: torch.Tensor) -> dict[str, torch.Tensor]:
    """{node: its output} for the `nodes` the network has, and {output_id: logits}, from one forward pass
    (a whole trace would hold every activation of a large network for the whole chunk)."""
    outs: dict[str, torch.Tensor] = {}
    layers = {n: module._modules[n] for n in nodes if isinstance(module._modules.get(n), nn.Module)}
    handles = [layer.register_forward_hook(lambda _m, _i, out, n=n: outs.__setitem__(n, out))
               for n, layer in layers.items()]
    try:
        outs[module.output_id] = module(batch)
    finally:
        for handle in handles:
            handle.remove()
    return outs


def fit_temperature(logits: torch.Tensor, y: torch.Tensor) -> float:
    """The T in [0.05, 20] minimizing the negative log-likelihood of softmax(logits / T)."""
    logits = logits.float()
    if logits.shape[-1] == 1:
        logits = torch.cat([torch.zeros_like(logits), logits], dim=-1)  # sigmoid(l) == softmax([0, l])[1]
    log_t = torch.zeros((), requires_grad=True)
    optimizer = torch.optim.LBFGS([log_t], lr=0.5, max_iter=60)

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(logits / log_t.clamp(-3.0, 3.0).exp(), y)
        loss.backward()
        return loss

    with torch.enable_grad():
        optimizer.step(closure)
    value = float(log_t.detach().clamp(math.log(0.05), math.log(20.0)).exp())
    return value if math.isfinite(value) else 1.0


def _parse(entry: Mapping[str, Any]) -> Calibration:
    temperature = float(entry.get("temperature", 1.0))
    threshold = entry.get("threshold")
    threshold = math.inf if threshold is None else float(threshold)
    method = str(entry.get("method", "none"))
    if not (math.isfinite(temperature) and 0.01 <= temperature <= 100) or method not in METHODS:
        raise ValueError("damaged calibration")
    head, novelty, shape, nodes = None, None, None, entry.get("feature_nodes", [])
    if method in ("digit_head", "digit_shape"):
        head = checked_head(entry.get("head"))
    if method == "digit_shape":
        shape = dict(entry["shape"])
        digit_shape.read(shape)  # checked now: a damaged entry means no calibration
        float(shape["head_threshold"])
    if method == "novelty":
        novelty = checked_novelty(entry.get("novelty"))
    if not isinstance(nodes, list) or not all(isinstance(n, str) for n in nodes) or len(nodes) > FEATURE_LAYERS:
        raise ValueError("damaged feature nodes")
    kept, samples = entry.get("kept_on_validation"), entry.get("validation_samples")
    samples = samples if isinstance(samples, int) and not isinstance(samples, bool) and samples >= 0 else None
    kept = float(kept) if samples is not None and isinstance(kept, (int, float)) and 0 <= kept <= 1 else None
    return Calibration(temperature, method, threshold, tuple(nodes) if head or novelty else (), head, novelty,
                       kept, samples, shape)


def fit_calibration(module: nn.Module, dataset: Any, val_split: float = 0.1, seed: int = 0) -> Calibration:
    """Temperature, score and threshold for a trained `module` on the validation split training used
    (the same seed and share; a slice of the training split when there was none). About a second
    for LeNet-5 on 10k MNIST digits."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small matrices: a second thread only adds hand-offs (20× slower under load)
    try:
        return _fit(module, dataset, val_split, seed)
    finally:
        torch.set_num_threads(threads)


def _fit(module: nn.Module, dataset: Any, val_split: float, seed: int) -> Calibration:
    from .resident import make_resident  # the trainer's own split: one home for it

    data = make_resident(dataset, torch.device("cpu"), val_split, seed)
    held_out = data.val_idx if data.val_idx.numel() else data.train_idx[-max(1, data.train_idx.numel() // 10):]
    digits = dataset.name in DIGIT_DATASETS and dataset.kind == "image"
    features = _usable_features(module, data.normalize(data.x_train[:1])) if digits else ()

    def outputs(x: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor]:
        return network_outputs(module, x, features)

    val_features, val_logits = outputs(data.normalize(data.x_train[held_out]))
    temperature = fit_temperature(val_logits, data.y_train[held_out])
    rows = data.train_idx[torch.randperm(data.train_idx.numel(), generator=torch.Generator().manual_seed(seed))]
    if not digits:
        return _fit_other(module, data, (rows[:MAX_POSITIVES], held_out), temperature, dataset.kind == "image")
    pad_x = data.normalize(as_the_pad_sees(data.x_train[held_out].cpu()))  # validation digits as the pad frames them
    method, threshold, head, shape = fit_digits(outputs, data.normalize, data.x_train[rows[:MAX_POSITIVES]],
                                                data.y_train[rows[:MAX_POSITIVES]], pad_x, dataset, seed)
    calibration = Calibration(temperature, method, threshold, features, head, shape=shape)
    if shape is None:
        return calibration
    flagged = float(calibration.judge(module, pad_x).unsure.float().mean())
    return replace(calibration, kept=round(1 - flagged, 4), samples=int(held_out.numel()))


def _fit_other(module: nn.Module, data: Any, rows: tuple[torch.Tensor, torch.Tensor], temperature: float,
               image: bool) -> Calibration:
    """Energy (any data) or novelty (pictures) with the conformal threshold; rows: (training, validation)."""
    nodes = feature_nodes(module)[-1:] if image else ()
    probe = network_outputs(module, data.normalize(data.x_train[rows[1][:1]]), nodes)[0]
    storable = probe is not None and probe.shape[1] * (data.y_train.unique().numel() + 1) <= MAX_NOVELTY_NUMBERS
    nodes = nodes if storable else ()  # too wide to store: energy and contrast only
    (_, val), parts = rows, []
    for index in rows:
        x = data.normalize(data.x_train[index])
        features, logits = network_outputs(module, x, nodes)
        parts.append((features, energy(logits, temperature), x))
    if not image:
        threshold, alarms = honest_threshold(parts[1][1], 1 - KEEP)
        return Calibration(temperature, "energy", threshold, kept=round(1 - alarms, 4), samples=int(val.numel()))
    stats = fit_novelty(parts[0][0], data.y_train[rows[0]], parts[0][1], parts[0][2])
    threshold, alarms = honest_threshold(novelty_score(stats, *parts[1]), 1 - KEEP, novelty_score(stats, *parts[0]))
    return Calibration(temperature, "novelty", threshold, nodes if "means" in stats else (), novelty=stats,
                       kept=round(1 - alarms, 4), samples=int(val.numel()))


def _usable_features(module: nn.Module, probe: torch.Tensor) -> tuple[str, ...]:
    """feature_nodes(), leaving out the earliest ones while they hold more than MAX_FEATURES values."""
    nodes = feature_nodes(module)
    if not nodes:
        return ()
    with torch.inference_mode():
        outs = module.eval().trace(probe.to(next(module.parameters()).device))
    sizes = [outs[n][0].numel() for n in nodes]
    while nodes and sum(sizes) > MAX_FEATURES:
        nodes, sizes = nodes[1:], sizes[1:]
    return nodes


def calibration_entry(module: nn.Module, dataset: Any, val_split: float, seed: int) -> dict[str, Any] | None:
    """`meta["calibration"]` for a freshly trained module, or None when it cannot be fitted (an unusual
    output, a diverged network): the project then predicts uncalibrated, as before."""
    try:
        return fit_calibration(module, dataset, val_split, seed).to_meta()
    except (RuntimeError, ValueError, TypeError, IndexError) as exc:  # never worth failing a finished run
        logging.getLogger(__name__).info("no calibration: %s", exc)
        return None
