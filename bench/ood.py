"""Benchmark: is the digit pad honest? Rates of digits still answered and of scribbles flagged.

Trains LeNet-5 on the MNIST training split in DATA_DIR with the engine trainer and fits its
calibration (engine.training.calibration: temperature scaling and the "unlike anything learned" flag) on
the validation split, exactly as `python main.py train` does (or loads a trained --project that
has one). Then, through the pad's classification path (engine.classifier.Classifier.classify,
which the Draw view's pad calls):
  - every MNIST test digit re-drawn as bench/draw_accuracy.py does (scaled to 40-90 % of the
    280×280 canvas, off-centre, half of them thickened): share still answered as a digit (not unsure)
    and share answered correctly;
  - generated non-digit scribbles (engine.digits.scribbles: dashes, round circles, random strokes,
    filled blobs; seeds other than the ones calibration learned from): share flagged unsure, per kind.
Peer: the same network without calibration (plain softmax, as before this feature), whose
"unsure" is the usual max-probability rule (top probability below 0.5), measured in the same run.

    python bench/ood.py DATA_DIR [--project P.nwproj] [--epochs 8] [--scribbles 2000]
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from bench.draw_accuracy import redraw, trained_lenet  # noqa: E402
from engine import analyze  # noqa: E402
from engine.classifier import Classifier  # noqa: E402
from engine.data import load_dataset  # noqa: E402
from engine.digits.scribbles import KINDS, make_scribbles  # noqa: E402
from engine.training.calibration import fit_calibration  # noqa: E402

PEER_CONFIDENCE = 0.5  # the peer calls an answer unsure below this top probability


def rates(classifier: Classifier, canvases, labels=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ours unsure, peer unsure, correct) per canvas."""
    ours, peer, right = [], [], []
    plain = Classifier(classifier.module, {k: v for k, v in classifier.meta.items() if k != "calibration"},
                       classifier.analysis)
    for i, canvas in enumerate(canvases):
        pred = classifier.classify(canvas)
        base = plain.classify(canvas)
        ours.append(pred.unsure)
        peer.append(max(base.probabilities) < PEER_CONFIDENCE)
        right.append(labels is not None and pred.label == labels[i])
    return np.array(ours), np.array(peer), np.array(right)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir")
    parser.add_argument("--project", help="a trained .nwproj (with its calibration) instead of training here")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--scribbles", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    dataset = load_dataset("mnist", args.data_dir, download=False)
    module, meta, graph = trained_lenet(dataset, args.epochs, args.project)
    if "calibration" not in meta:
        start = time.perf_counter()
        meta["calibration"] = fit_calibration(module, dataset, 0.1, 0).to_meta()
        print(f"calibrated in {time.perf_counter() - start:.1f} s: {meta['calibration']['method']}, "
              f"temperature {meta['calibration']['temperature']:.2f}")
    torch.set_num_threads(1)
    classifier = Classifier(module, meta, analyze(graph))
    rng = np.random.default_rng(args.seed)
    labels = dataset.y_test.numpy()
    digits = [redraw(d, rng) for d in dataset.x_test[:, 0].numpy()]
    d_ours, d_peer, d_right = rates(classifier, digits, labels)
    scribbles, kinds = make_scribbles(args.scribbles, seed=1000 + args.seed)
    s_ours, s_peer, _ = rates(classifier, scribbles)
    kinds_arr = np.array(kinds)
    print(f"machine: {platform.machine()} CPU, {os.cpu_count()} cores, torch {torch.__version__}; data: "
          f"{len(labels)} MNIST test digits re-drawn on the pad's canvas, {len(scribbles)} generated scribbles")
    print(f"re-drawn digits answered as digits (not unsure): ours {1 - d_ours.mean():.2%}   "
          f"peer {1 - d_peer.mean():.2%}   (correct and answered: ours {(d_right & ~d_ours).mean():.2%}, "
          f"all correct {d_right.mean():.2%})")
    print(f"scribbles flagged unsure:                       ours {s_ours.mean():.2%}   peer {s_peer.mean():.2%}")
    for kind in KINDS:
        mask = kinds_arr == kind
        print(f"    {kind:8s} ours {s_ours[mask].mean():.2%}   peer {s_peer[mask].mean():.2%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
