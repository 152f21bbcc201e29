"""Projects made of what the app writes, without training: runs built by `new_run` from
synthetic trainer records (per-step and per-epoch records, an evaluation with a confusion
matrix and mistakes, the gradient flow of every layer), and format-1 documents as an
earlier Netwright wrote them. Used by test_file_schema.py."""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

from engine import session
from engine.runs import new_run, snapshot
from engine.training import EpochRecord, FinishedRecord, StepRecord, TrainConfig

WEIGHT_LAYERS = ("linear", "conv1d", "conv2d", "lstm", "rnn", "gru", "embedding", "multihead_attention")


def epochs(first: int, count: int, seed: int = 0) -> list[EpochRecord]:
    rng = np.random.default_rng(seed)
    loss = 2.0 * np.exp(-np.arange(count) / max(count / 5, 1)) + rng.random(count) * 0.05
    return [EpochRecord(first + i, float(loss[i]), float(min(1.0, 0.1 + i / count)), float(loss[i] * 1.1),
                        float(min(1.0, 0.1 + i / (count + 1))), 0.001, 0.25, i == count - 1) for i in range(count)]


def steps(first_epoch: int, count: int, per_epoch: int = 10) -> list[StepRecord]:
    return [StepRecord(first_epoch + i // per_epoch, (first_epoch - 1) * per_epoch + i + 1, 0,
                       1.0 / (i + 1), 0.001, 100.0, per_epoch) for i in range(count)]


def evaluation(classes: int, samples: int = 5000, seed: int = 0) -> SimpleNamespace:
    rng = np.random.default_rng(seed)
    targets = rng.integers(0, classes, samples)
    predictions = np.where(rng.random(samples) < 0.7, targets, rng.integers(0, classes, samples))
    confusion = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(confusion, (targets, predictions), 1)
    return SimpleNamespace(confusion=confusion, misclassified=np.flatnonzero(targets != predictions),
                           targets=targets, predictions=predictions, confidences=rng.random(samples))


def gradients(layers: list[str], points: int) -> dict:
    grid = list(range(1, points + 1))
    norms = {name: [math.exp(-i / 10) * (k + 1) for k in range(points)] for i, name in enumerate(layers)}
    return {"grad_steps": grid, "grad_norms": norms, "update_ratios": {k: [v[0] / 1000] * points
                                                                       for k, v in norms.items()}}


def weight_layers(graph) -> list[str]:
    return [n.id for n in graph.nodes.values() if n.layer in WEIGHT_LAYERS]


def run(graph, *, run_id="r1", classes=10, n_epochs=3, n_steps=30, parent=None, grad_points=0, dataset="folder",
        status="completed"):
    first = parent.epochs_run + 1 if parent is not None else 1
    history = epochs(first, n_epochs)
    meta = {"kind": "image", "input_shape": [3, 32, 32], "num_classes": classes,
            "class_names": [f"class {i}" for i in range(classes)], "mean": [0.5] * 3, "std": [0.25] * 3}
    finished = FinishedRecord(status, "done", history[-1].epoch, 0.5, 0.5, 1.25, history[-1].epoch)
    record = new_run(run_id=run_id, name=f"Run {run_id}", config=TrainConfig(epochs=max(n_epochs, 1)),
                     dataset=dataset, dataset_meta=meta, dataset_options={"folder": "/data/x", "image_size": 32},
                     network=snapshot(graph), steps=steps(first, n_steps), epochs=history, result=finished,
                     evaluation=evaluation(classes), parent=parent, created="2026-12-07T10:00:00")
    if grad_points:
        record = session.with_extras(record, gradients(weight_layers(graph) or list(graph.nodes), grad_points))
    return record


CALIBRATION = {"temperature": 1.7, "method": "digit_head", "threshold": 2.5, "kept_on_validation": 0.95,
               "feature_nodes": ["fc1"], "head": {"weight": [[0.1, 0.2], [0.3, 0.4]], "bias": [0.0, 0.1],
                                                   "mean": [[0.5, 0.5]], "scale": {"a": [[1.0]]}}}


def format1_document(graph, n_epochs: int = 4) -> dict:
    """A project as format 1 wrote it: one "training" section, meta with its calibration."""
    from engine.serialize import graph_to_dict
    history = [{"epoch": e.epoch, "train_loss": e.train_loss, "train_acc": e.train_acc, "val_loss": e.val_loss,
                "val_acc": e.val_acc, "lr": e.lr, "seconds": e.seconds, "is_best": e.is_best}
               for e in epochs(1, n_epochs)]
    return {"format": "netwright-project", "version": 1, "network": graph_to_dict(graph),
            "training": {"config": TrainConfig(epochs=n_epochs).to_dict(), "history": history,
                         "result": {"status": "completed", "message": "", "best_epoch": n_epochs,
                                    "best_val_acc": 0.9, "test_acc": 0.88, "test_loss": 0.3,
                                    "epochs_run": n_epochs}},
            "meta": {"dataset": "moons", "kind": "points", "input_shape": [2], "num_classes": 2,
                     "class_names": ["a", "b"], "mean": [0.0, 0.0], "std": [1.0, 1.0], "calibration": CALIBRATION}}
