"""Benchmark: how often Try it says "unsure" for an image-folder network — on its own held-out test
pictures (false alarms) and on picture families nothing in the method was fitted on.

Writes a small image folder (three shape classes, random colours, 64×64 PNGs), trains LeNet-5 on it
with the trainer's defaults and fits the calibration on the validation split, exactly as
`python main.py train --dataset folder` does. Every picture then goes through Try it's path
(engine.inference.predict with the project's meta). The shipped score is the novelty score of
engine.training.novelty (energy, feature distance to the class means, contrast) with its threshold set
as conformal prediction does on the validation split (it prints the false-alarm rate that promises).
Peers, measured in the same run: the energy −T·logsumexp(z/T) alone with its threshold at the 99 %
validation quantile (what shipped before), and the max-softmax baseline (Hendrycks & Gimpel 2017) at the
same quantile. The families below the test split (noise, solid colours, digits, blank pages) were
looked at while the novelty score was designed; --held-out adds families that were not (triangles, a
shape class the network never saw; smooth random blobs; then checkerboards and lines of text, added
after the first two were read and before any change), printed apart.

    python bench/try_it_unsure.py [--per-class 80] [--epochs 30] [--seed 0] [--held-out]
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from engine.builder import build_module  # noqa: E402
from engine.data.folder import load_folder  # noqa: E402
from engine.digits import make_digits  # noqa: E402
from engine.inference import predict  # noqa: E402
from engine.session import dataset_meta, graph_for_dataset  # noqa: E402
from engine.training import TrainConfig, train  # noqa: E402
from engine.training.calibration import KEEP, calibration_entry, energy, network_outputs  # noqa: E402
from engine.training.resident import make_resident  # noqa: E402

CLASSES = ("circle", "square", "stripes")


def write_shapes(root: Path, per_class: int, rng: np.random.Generator) -> None:
    for cls in CLASSES:
        (root / cls).mkdir(parents=True)
        for i in range(per_class):
            bg, fg = tuple(int(v) for v in rng.integers(0, 120, 3)), tuple(int(v) for v in rng.integers(130, 256, 3))
            image = Image.new("RGB", (64, 64), bg)
            draw = ImageDraw.Draw(image)
            (x, y), r = rng.integers(18, 46, 2), int(rng.integers(10, 18))
            if cls == "circle":
                draw.ellipse([x - r, y - r, x + r, y + r], fill=fg)
            elif cls == "square":
                draw.rectangle([x - r, y - r, x + r, y + r], fill=fg)
            else:
                w = int(rng.integers(3, 7))
                for left in range(0, 64, 2 * w):
                    draw.rectangle([left, 0, left + w - 1, 63], fill=fg)
            image.save(root / cls / f"{i}.png")


def families(dataset, rng: np.random.Generator) -> dict[str, list[np.ndarray]]:
    test = [dataset.x_test[i].permute(1, 2, 0).numpy() for i in range(len(dataset.y_test))]  # (C,H,W)->(H,W,C)
    digits = make_digits(100, seed=3)[0]
    return {"test split (familiar)": test,
            "uniform noise": [rng.integers(0, 256, (64, 64, 3), dtype=np.uint8) for _ in range(100)],
            "solid colours": [np.full((64, 64, 3), rng.integers(0, 256, 3), np.uint8) for _ in range(100)],
            "handwritten digits": [np.repeat(d[..., None], 3, 2) for d in digits],
            "blank pages": [np.full((64, 64, 3), int(v), np.uint8) for v in rng.integers(200, 256, 100)]}


def held_out_families(rng: np.random.Generator) -> dict[str, list[np.ndarray]]:
    """Families nothing was tuned on: a shape class the network never saw, and smooth random blobs."""
    triangles, blobs = [], []
    for _ in range(100):
        bg, fg = tuple(int(v) for v in rng.integers(0, 120, 3)), tuple(int(v) for v in rng.integers(130, 256, 3))
        image = Image.new("RGB", (64, 64), bg)
        (x, y), r = rng.integers(18, 46, 2), int(rng.integers(10, 18))
        ImageDraw.Draw(image).polygon([(x, y - r), (x - r, y + r), (x + r, y + r)], fill=fg)
        triangles.append(np.asarray(image))
        small = rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)
        blobs.append(np.asarray(Image.fromarray(small).resize((64, 64), Image.Resampling.BICUBIC)))
    return {"triangles (unseen class)": triangles, "smooth random blobs": blobs}


def late_held_out_families(rng: np.random.Generator) -> dict[str, list[np.ndarray]]:
    """Added after the first held-out rows were read, before any change: checkerboards and lines of text."""
    boards, text = [], []
    for _ in range(100):
        side, (a, b) = int(rng.integers(2, 9)), (rng.integers(0, 256, 3), rng.integers(0, 256, 3))
        cells = (np.add.outer(np.arange(64) // side, np.arange(64) // side) % 2)[..., None]
        boards.append(np.where(cells == 1, a, b).astype(np.uint8))
        image = Image.new("RGB", (64, 64), tuple(int(v) for v in rng.integers(150, 256, 3)))
        draw = ImageDraw.Draw(image)
        for row in range(0, 64, 12):
            words = "".join(chr(int(c)) for c in rng.integers(97, 123, 10))
            draw.text((2, row), words, fill=tuple(int(v) for v in rng.integers(0, 100, 3)))
        text.append(np.asarray(image))
    return {"checkerboards": boards, "lines of text": text}


def peer_thresholds(module, dataset, config: TrainConfig, temperature: float) -> tuple[float, float]:
    """The peers' rules on the validation pictures: (max softmax, as Try it shows it, that KEEP of them
    reach; energy that KEEP of them stay below — the threshold that shipped before)."""
    data = make_resident(dataset, torch.device("cpu"), config.val_split, config.seed)
    _, logits = network_outputs(module, data.normalize(data.x_train[data.val_idx]))
    msp = float(torch.quantile(torch.softmax(logits / temperature, 1).max(1).values, 1 - KEEP))
    return msp, float(torch.quantile(energy(logits, temperature), KEEP))


def energy_of(module, pre_tensor: torch.Tensor, temperature: float) -> float:
    return float(energy(network_outputs(module, pre_tensor)[1], temperature)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=80)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--held-out", action="store_true", help="also the families nothing was tuned on")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        write_shapes(Path(tmp) / "shapes", args.per_class, rng)
        dataset = load_folder(Path(tmp) / "shapes", input_shape=(3, 32, 32))
    torch.manual_seed(args.seed)
    module = build_module(graph_for_dataset("lenet5", dataset))
    config = TrainConfig(epochs=args.epochs, device="cpu", seed=args.seed)
    records = list(train(module, dataset, config))
    meta = {**dataset_meta(dataset), "calibration": calibration_entry(module, dataset, config.val_split, config.seed)}
    module.eval()
    cal = meta["calibration"]
    peer, old = peer_thresholds(module, dataset, config, cal["temperature"])
    print(f"LeNet-5 on {dataset.description.split(' from ')[0]} (3 shape classes, 32×32), {args.epochs} epochs, "
          f"status {records[-1].status}; CPU {platform.processor() or platform.machine()}, 1 thread")
    kept, threshold = cal["kept_on_validation"], cal["threshold"]
    promise = f"promises at most {1 - kept:.1%} false alarms" if kept is not None else "no threshold: too few"
    print(f"shipped: {cal['method']}, T {cal['temperature']:.2f}, threshold {threshold}, "
          f"{cal.get('validation_samples')} validation pictures: {promise}; stored as {len(json.dumps(cal))} bytes")
    print(f"peers: energy > {old:.3f} ({KEEP:.0%} validation quantile, shipped before); "
          f"max softmax < {peer:.3f} (same quantile)")
    print(f"{'family':24s} {'n':>4s} {'unsure (shipped)':>17s} {'energy (before)':>16s} {'max-softmax':>12s} "
          f"{'accuracy':>9s}")
    rows = families(dataset, rng)
    if args.held_out:
        rows |= {"-- held out --": [], **held_out_families(np.random.default_rng(args.seed + 1000)),
                 "-- held out, added after the rows above were read --": [],
                 **late_held_out_families(np.random.default_rng(args.seed + 2000))}
    for name, pictures in rows.items():
        if not pictures:
            print(name)
            continue
        preds = [predict(module, p, meta) for p in pictures]
        shipped = np.mean([p.unsure for p in preds])
        before = np.mean([energy_of(module, p.preprocessed.tensor, cal["temperature"]) > old for p in preds])
        msp = np.mean([max(p.probabilities) < peer for p in preds])  # calibrated probs: T as shipped
        acc = f"{np.mean([p.label == int(y) for p, y in zip(preds, dataset.y_test)]):.0%}" \
            if name.startswith("test") else ""
        print(f"{name:24s} {len(preds):4d} {shipped:17.0%} {before:16.0%} {msp:12.0%} {acc:>9s}")


if __name__ == "__main__":
    main()
