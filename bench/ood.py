"""Benchmark: does the digit pad say "unsure" on kinds of non-digits nobody tuned it for, and only there?

Trains LeNet-5 on the MNIST training split in DATA_DIR with the engine trainer's defaults (outlier
exposure off: it did not beat the head alone here) and fits its calibration on the validation split, exactly as
`python main.py train` does (or loads a trained --project). Then every input goes through the
pad's classification path (engine.inference: the pad's preprocessing, then the project's
calibration; checked against Classifier.classify on the first inputs):
  - real digits, from two sources: every MNIST test digit re-drawn on the 280×280 canvas as
    bench/draw_accuracy.py does, and scikit-learn's bundled handwritten digits (load_digits: 1,797
    8×8 scans from another set of writers, upscaled into pen-like strokes on the canvas);
  - non-digits of every family in engine.digits.nondigits. FITTED families are what outlier
    exposure and the calibration head learned from (other seeds here); HELD-OUT families were
    used by nothing in the method and are printed apart: they are the evaluation.
A non-digit counts as flagged when the pad answers no digit (unsure, or no ink found).
"ours" is the calibration `train` fits (engine.training.digit_calibration): the rejection head, the
pixel subspace, the distance to the nearest training digits' features and the ink's size, sharing
one budget (their union flags UNION_FLAGGED of the pad-framed validation digits).
Compared in the same run on the same canvases: the same network with the calibration as it was
before (the rejection head alone, keeping DIGIT_KEEP of the validation digits), the peer (another
LeNet-5 with plain softmax: "unsure" when the top probability is under 0.5, the usual rule) and, with
--exposure, a network trained WITH outlier exposure (engine.training.outliers, Hendrycks et al. 2019)
with this calibration fitted on it.

Goals (issue 16): ≥ 95 % of held-out non-digits flagged; ≤ 5 % of real digits flagged (each
source); accuracy on the digits kept answered within 0.5 point of the peer's on all digits.

    python bench/ood.py DATA_DIR [--project P.nwproj] [--epochs 3] [--seed S] [--per-family 300] [--limit N]
                                 [--exposure]

--seed S trains the networks with seed S (a --project keeps its own) and draws the canvases with it.
A --project's stored calibration is fitted again with this code (it may be an older one), on the
validation split its own run held out (its seed): a split drawn with another seed would hold digits
the network trained on, and set thresholds too tight.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from unittest.mock import patch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from bench.draw_accuracy import redraw, trained_lenet  # noqa: E402
from engine import analyze, session  # noqa: E402
from engine.builder import build_module  # noqa: E402
from engine.classifier import Classifier  # noqa: E402
from engine.data import load_dataset  # noqa: E402
from engine.digits.nondigits import (
    FAMILIES,  # noqa: E402
    make_family,  # noqa: E402
)
from engine.inference import preprocess_for  # noqa: E402
from engine.project import load  # noqa: E402
from engine.training import (  # noqa: E402
    FinishedRecord,
    TrainConfig,
    digit_shape,  # noqa: E402
    train,
)
from engine.training.calibration import Calibration, fit_calibration  # noqa: E402

PEER_CONFIDENCE = 0.5  # the plain peer calls an answer unsure below this top probability
CANVAS = 280
FITTED_TITLE = "FITTED families (outlier exposure and the head learned from them; other seeds here)"
HELD_OUT_TITLE = "HELD-OUT families (used by nothing in the method): the evaluation"
# Held-out families whose rows were read to choose between versions of the method in round 6 of issue
# 16 (with and without the pixel distance per unit of ink and the head's pen-drawn positives: these
# three fell most with them; every held-out row of seeds 0-4 was seen while choosing): still never
# fitted, but no longer unseen; marked "*" and left out of the second mean.
READ = ("dots", "letters", "symbols")


def sklearn_digits(rng: np.random.Generator) -> tuple[list[np.ndarray], np.ndarray]:
    """scikit-learn's 8×8 digits (UCI optdigits, other writers than MNIST's) drawn on the canvas:
    upscaled smoothly, contrast-stretched into strokes, 35-65 % of the canvas, anywhere."""
    from sklearn.datasets import load_digits  # the bench's and tests' extra: pip install -e ".[test]"

    data = load_digits()
    canvases = []
    for image in data.images:
        side = int(CANVAS * rng.uniform(0.35, 0.65))
        small = Image.fromarray((image / 16.0).astype(np.float32))
        big = np.asarray(small.resize((side, side), Image.Resampling.BICUBIC), np.float32)
        strokes = np.clip((big - 0.3) / 0.4, 0.0, 1.0)
        canvas = np.zeros((CANVAS, CANVAS), np.uint8)
        top, left = (int(v) for v in rng.integers(0, CANVAS - side + 1, 2))
        canvas[top:top + side, left:left + side] = np.rint(strokes * 255).astype(np.uint8)
        canvases.append(canvas)
    return canvases, data.target


def peer_lenet(dataset, epochs: int, exposure: bool = False, seed: int = 0):
    """LeNet-5 trained exactly like ours, with or without outlier exposure."""
    graph = session.graph_for_dataset("lenet5", dataset)
    module = build_module(graph)
    start = time.perf_counter()
    done = [r for r in train(module, dataset, TrainConfig(epochs=epochs, seed=seed), outlier_exposure=exposure)
            if isinstance(r, FinishedRecord)]
    what = "with" if exposure else "without"
    print(f"trained a LeNet-5 {what} outlier exposure in {time.perf_counter() - start:.0f} s: {done[0].message}")
    return module.to("cpu").eval()


def head_only(module, dataset, seed: int) -> dict:
    """The calibration as it was before the scores of what digits are: the rejection head alone,
    its threshold keeping DIGIT_KEEP of the validation digits as the pad frames them."""
    with patch.object(digit_shape, "fit", lambda *_args: None):
        return fit_calibration(module, dataset, 0.1, seed).to_meta()


def ours(dataset, args):
    """(module, meta, graph, the seed its run split the data with): the --project, or LeNet-5 trained here."""
    if args.project:
        module, meta, graph = trained_lenet(dataset, args.epochs, args.project)
        project = load(args.project)
        run = next((r for r in project.runs if r.id == project.adopted_run), None)
        return module, meta, graph, run.config.seed if run is not None else 0
    graph = session.graph_for_dataset("lenet5", dataset)
    module = build_module(graph)
    start = time.perf_counter()
    done = [r for r in train(module, dataset, TrainConfig(epochs=args.epochs, seed=args.seed))
            if isinstance(r, FinishedRecord)]
    print(f"trained LeNet-5 (seed {args.seed}) for {args.epochs} epochs on {dataset.num_train} digits in "
          f"{time.perf_counter() - start:.0f} s: {done[0].message}")
    return module.to("cpu").eval(), session.dataset_meta(dataset), graph, args.seed


class Judge:
    """One way of answering: a network, its meta, and whether it uses the calibration or the 0.5 rule."""

    def __init__(self, module, meta, calibrated: bool) -> None:
        self.module, self.meta, self.calibrated = module, meta, calibrated
        self.calibration = Calibration.from_meta(meta) if calibrated else Calibration()

    def answers(self, tensors: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
        """(unsure, predicted label) for a batch of preprocessed inputs (N, 1, 28, 28)."""
        verdict = self.calibration.judge(self.module, tensors)
        probs = verdict.probabilities
        unsure = verdict.unsure if self.calibrated else probs.max(1).values < PEER_CONFIDENCE
        return unsure.numpy(), probs.argmax(1).numpy()


def preprocessed(canvases, meta) -> tuple[torch.Tensor, np.ndarray]:
    """The pad's network inputs (N, 1, 28, 28) and which canvases had no ink at all."""
    pres = [preprocess_for(c, meta, (1, 28, 28)) for c in canvases]
    return torch.cat([p.tensor for p in pres]), np.array([p.empty for p in pres])


def check_same_as_pad(classifier: Classifier, judge: Judge, canvases) -> None:
    tensors, empty = preprocessed(canvases, judge.meta)
    unsure, labels = judge.answers(tensors)
    for i, canvas in enumerate(canvases):
        pred = classifier.classify(canvas)
        assert pred.unsure == (bool(unsure[i]) and not empty[i]) and pred.label == labels[i], "bench ≠ pad"


def rates(judges, canvases, meta, labels=None) -> list[tuple[float, float, float]]:
    """Per judge: (share flagged: unsure or empty, accuracy on all, accuracy on the answered)."""
    tensors, empty = preprocessed(canvases, meta)
    out = []
    for judge in judges:
        unsure, predicted = judge.answers(tensors)
        flagged = unsure | empty
        right = predicted == labels if labels is not None else np.zeros(len(canvases), bool)
        answered = ~flagged
        out.append((flagged.mean(), right.mean(), right[answered].mean() if answered.any() else float("nan")))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir")
    parser.add_argument("--project", help="a trained .nwproj (with its calibration) instead of training here")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--per-family", type=int, default=300)
    parser.add_argument("--limit", type=int, default=0, help="only the first N MNIST test digits")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--exposure", action="store_true", help="also train a network with outlier exposure")
    args = parser.parse_args()
    torch.set_num_threads(1)
    dataset = load_dataset("mnist", args.data_dir, download=False)
    module, meta, graph, seed = ours(dataset, args)
    peer = peer_lenet(dataset, args.epochs, seed=seed)
    start = time.perf_counter()  # fitted again with this code: a --project may hold an older calibration
    meta["calibration"] = fit_calibration(module, dataset, 0.1, seed).to_meta()
    print(f"calibrated in {time.perf_counter() - start:.1f} s: {meta['calibration']['method']}, "
          f"{len(json.dumps(meta['calibration'])) / 1e3:.0f} kB as JSON")
    plain_meta = {k: v for k, v in meta.items() if k != "calibration"}
    head_meta = dict(plain_meta, calibration=head_only(module, dataset, seed))
    judges = [Judge(module, meta, True), Judge(module, head_meta, True), Judge(peer, plain_meta, False)]
    columns = "ours (head+pixels+neighb.+ink)    before (head alone)   peer (plain, p<0.5)"
    if args.exposure:
        exposed = peer_lenet(dataset, args.epochs, exposure=True, seed=seed)
        exposed_calibration = fit_calibration(exposed, dataset, 0.1, seed).to_meta()
        judges.append(Judge(exposed, dict(plain_meta, calibration=exposed_calibration), True))
        columns += "   outlier exposure + ours"
    rng = np.random.default_rng(args.seed)
    x, y = dataset.x_test, dataset.y_test.numpy()
    if args.limit:
        x, y = x[:args.limit], y[:args.limit]
    mnist = [redraw(d, rng) for d in x[:, 0].numpy()]
    check_same_as_pad(Classifier(module, meta, analyze(graph)), judges[0], mnist[:20])
    second, second_labels = sklearn_digits(rng)
    print(f"machine: {platform.machine()} CPU, {os.cpu_count()} cores, torch {torch.__version__}; LeNet-5 "
          f"(seed {seed}), {args.epochs} epochs on {dataset.num_train} MNIST digits; "
          f"{args.per_family} canvases per family")
    print(f"\nreal digits: flagged / accuracy on all / accuracy on those answered        {columns}")
    for name, canvases, labels in (("MNIST test, re-drawn", mnist, y), ("sklearn load_digits", second, second_labels)):
        cells = "   ".join(f"{f:6.2%} {a:6.2%} {k:6.2%}" for f, a, k in rates(judges, canvases, meta, labels))
        print(f"  {name:24s} ({len(labels):5d})  {cells}")
    for fitted in (True, False):
        print("\n" + (FITTED_TITLE if fitted else HELD_OUT_TITLE))
        print(f"  {'family':10s} flagged:   {columns}")
        shares, unread = [], []
        for k, family in enumerate(f for f in FAMILIES if f.fitted == fitted):
            canvases = make_family(family.name, args.per_family, seed=50_000 + 101 * k + args.seed,
                                   overlap_digits=dataset.x_test[:, 0].numpy())
            flagged = [r[0] for r in rates(judges, canvases, meta)]
            shares.append(flagged)
            read = not fitted and family.name in READ
            unread += [] if fitted or read else [flagged]
            print(f"  {family.name + ('*' if read else ''):10s}           " + "   ".join(f"{v:17.2%}" for v in flagged))
        print(f"  {'mean':10s}           " + "   ".join(f"{v:17.2%}" for v in np.mean(shares, axis=0)))
        if unread:
            print(f"  {'mean, no *':10s}           " + "   ".join(f"{v:17.2%}" for v in np.mean(unread, axis=0)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
