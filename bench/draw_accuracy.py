"""Benchmark: how well a LeNet-5 trained on MNIST reads digits drawn on the Draw view's pad.

Trains LeNet-5 on the MNIST training split in DATA_DIR with the engine trainer (or loads a
trained --project), then re-draws every MNIST test digit on the pad's 280×280 canvas the
way a user would: the 28×28 digit scaled up to 40-90 % of the canvas, placed off-centre
at random, strokes thickened (dilated) for half of them. Each canvas goes through the
pad's own classification path (`DrawPad.load_picture` -> engine preprocessing ->
network), exactly as a file opened on the pad or a drawing would.

Prints the pad's accuracy and, as the peer, the plain PyTorch test accuracy on the
original 28×28 digits (normalized tensors straight into the network, as in the PyTorch
MNIST tutorial), measured in the same run, plus their ratio. Also: the original 28×28
digits through the pad's path, and pen strokes drawn with `DrawPad.add_stroke` from the
engine's digit skeletons.

    python bench/draw_accuracy.py DATA_DIR [--project P.nwproj] [--epochs 8] [--limit N]
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from engine import session  # noqa: E402
from engine.builder import build_module  # noqa: E402
from engine.data import load_dataset  # noqa: E402
from engine.digits.framing import rank_filter  # noqa: E402
from engine.digits.strokes import DIGIT_STROKES  # noqa: E402  (control points of pen-stroke digits)
from engine.project import load  # noqa: E402
from engine.training import FinishedRecord, TrainConfig, train  # noqa: E402

CANVAS = 280
SCALE_RANGE = (0.4, 0.9)  # the 28×28 field's side over the canvas side
THICKEN_SHARE = 0.5


def trained_lenet(dataset, epochs: int, project: str | None):
    """(module, meta, graph): a --project as saved, or LeNet-5 trained here with engine defaults."""
    if project:
        loaded = load(project)
        return session.trained_module(loaded), dict(loaded.meta or {}), loaded.graph
    graph = session.graph_for_dataset("lenet5", dataset)
    module = build_module(graph)
    start = time.perf_counter()
    finished = [r for r in train(module, dataset, TrainConfig(epochs=epochs)) if isinstance(r, FinishedRecord)]
    print(f"trained LeNet-5 for {epochs} epochs on {dataset.num_train} digits in "
          f"{time.perf_counter() - start:.0f} s: {finished[0].message}")
    return module.to("cpu").eval(), session.dataset_meta(dataset), graph


def redraw(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A 28×28 uint8 digit as a user might draw it on the canvas: bigger, anywhere, bolder."""
    side = int(CANVAS * rng.uniform(*SCALE_RANGE))
    big = np.asarray(Image.fromarray(digit).resize((side, side), Image.Resampling.BILINEAR), dtype=np.uint8)
    if rng.random() < THICKEN_SHARE:
        big = rank_filter(big, int(rng.integers(3, 10)), np.maximum)
    canvas = np.zeros((CANVAS, CANVAS), np.uint8)
    top, left = (int(v) for v in rng.integers(0, CANVAS - side + 1, size=2))
    canvas[top:top + side, left:left + side] = big
    return canvas


def skeleton_strokes(label: int, rng: np.random.Generator) -> tuple[list[np.ndarray], float]:
    """Pen strokes for `label` from the engine's digit skeletons, in a random box on the canvas."""
    variants = DIGIT_STROKES[label]
    weights = np.array([w for w, _ in variants])
    strokes = variants[rng.choice(len(variants), p=weights / weights.sum())][1]
    height = CANVAS * rng.uniform(0.35, 0.8)
    width = height * rng.uniform(0.5, 0.8)
    x0, y0 = rng.uniform(10, CANVAS - 10 - width), rng.uniform(10, CANVAS - 10 - height)
    paths = []
    for stroke in strokes:
        points = np.array([p[:2] for p in stroke]) + rng.normal(0, 0.02, (len(stroke), 2))
        path = _densify(points, 8)  # pointer samples between control points; the pad smooths them
        paths.append(np.stack([x0 + path[:, 0] * width, y0 + path[:, 1] * height], axis=1))
    return paths, float(rng.uniform(12, 30))


def _densify(points: np.ndarray, per_segment: int) -> np.ndarray:
    """(n, 2) -> straight pieces sampled `per_segment` times, as a mouse reports a stroke."""
    if len(points) == 1:
        return points
    t = np.linspace(0.0, 1.0, per_segment, endpoint=False)[None, :, None]  # (1, S, 1)
    pieces = points[:-1, None, :] + (points[1:] - points[:-1])[:, None, :] * t  # (n-1, S, 2)
    return np.concatenate([pieces.reshape(-1, 2), points[-1:]])


def pad_accuracy(pad, canvases, labels) -> tuple[float, float]:
    """(accuracy, median ms per digit) of the pad's own path on canvas arrays."""
    right, times = 0, []
    for canvas, label in zip(canvases, labels):
        start = time.perf_counter()
        pad.load_picture(canvas)
        times.append(time.perf_counter() - start)
        right += pad.prediction is not None and pad.prediction.label == label
    return right / len(labels), 1000 * float(np.median(times))


def stroke_accuracy(pad, labels, rng) -> float:
    right = 0
    for label in labels:
        pad.clear()
        paths, width = skeleton_strokes(int(label), rng)
        for path in paths:
            pad.add_stroke([tuple(p) for p in path], width)
        right += pad.prediction is not None and pad.prediction.label == label
    return right / len(labels)


def peer_accuracy(module, dataset, x, y) -> float:
    """Plain PyTorch evaluation on the normalized 28×28 test tensors."""
    mean = torch.tensor(dataset.mean).view(1, -1, 1, 1)
    std = torch.tensor(dataset.std).view(1, -1, 1, 1)
    with torch.inference_mode():
        logits = module((x.float() / 255.0 - mean) / std)
    return float((logits.argmax(1) == y).float().mean())


def make_pad(module, meta, graph):
    """A DrawPad asking the network through the Draw view's Classifier (engine.inference)."""
    from PySide6.QtWidgets import QApplication

    from engine import analyze
    from engine.classifier import Classifier
    from gui.draw.pad import DrawPad

    app = QApplication.instance() or QApplication([])
    pad = DrawPad()
    pad.set_classifier(Classifier(module, meta, analyze(graph)))
    return app, pad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir")
    parser.add_argument("--project", help="a trained .nwproj instead of training LeNet-5 here")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--limit", type=int, default=0, help="only the first N test digits")
    parser.add_argument("--strokes", type=int, default=500, help="skeleton digits drawn with pen strokes")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    dataset = load_dataset("mnist", args.data_dir, download=False)
    module, meta, graph = trained_lenet(dataset, args.epochs, args.project)
    x, y = dataset.x_test, dataset.y_test
    if args.limit:
        x, y = x[:args.limit], y[:args.limit]
    rng = np.random.default_rng(args.seed)
    digits, labels = x[:, 0].numpy(), y.numpy()
    canvases = [redraw(d, rng) for d in digits]
    app, pad = make_pad(module, meta, graph)
    peer = peer_accuracy(module, dataset, x, y)
    drawn, ms = pad_accuracy(pad, canvases, labels)
    originals, _ = pad_accuracy(pad, list(digits), labels)
    strokes = stroke_accuracy(pad, labels[:args.strokes], rng)
    print(f"machine: {platform.machine()} CPU, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; data: MNIST test digits from {args.data_dir} ({len(labels)})")
    print(f"pad, re-drawn digits (40-90 % of the canvas, off-centre, half thickened): {drawn:.2%} "
          f"({ms:.1f} ms per digit through the pad)")
    print(f"peer, plain PyTorch on the original 28×28 tensors:                        {peer:.2%}")
    print(f"ratio pad / peer: {drawn / peer:.3f}")
    print(f"pad, original 28×28 digits through the pad's path:                       {originals:.2%}")
    print(f"pad, {min(args.strokes, len(labels))} skeleton digits drawn with pen strokes (add_stroke):      "
          f"{strokes:.2%}")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
