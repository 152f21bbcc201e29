"""GPU checks for bench/gpu_check.sh, each runnable alone (no Qt needed):

    python bench/gpu_check.py amp DATA_DIR [--device cuda] [--epochs 10]
        The engine's trainer on LeNet-5 and MNIST from DATA_DIR, with bf16 autocast on ("auto")
        and off: test accuracy (at least --min-acc), median samples/s over the epochs, wall time.
    python bench/gpu_check.py oom [--device cuda] [--batch N]
        VGG-16 at 3×224×224 on a synthetic dataset with one huge batch (default: sized to need
        about three times the GPU's memory): the run must end with the trainer's out-of-memory
        message (status "oom"), not a traceback.

Prints one line per result and exits 1 when a check fails.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import engine  # noqa: E402
from engine.data import load_dataset  # noqa: E402
from engine.data.dataset import Dataset  # noqa: E402
from engine.training import EpochRecord, FinishedRecord, StepRecord, TrainConfig, train  # noqa: E402


def run_amp(data_dir: str, device: str, epochs: int, min_acc: float) -> bool:
    dataset = load_dataset("mnist", data_dir=data_dir, download=False)
    ok = True
    for amp in ("auto", "off"):
        config = TrainConfig(device=device, amp=amp, epochs=epochs, seed=0)
        torch.manual_seed(0)
        module = engine.build_module(engine.templates.load("lenet5"))
        rates, final, start = [], None, time.perf_counter()
        for record in train(module, dataset, config):
            if isinstance(record, StepRecord):
                rates.append(record.samples_per_s)
            elif isinstance(record, FinishedRecord):
                final = record
        seconds = time.perf_counter() - start
        from engine.training.device import pick_device, uses_bf16

        bf16 = uses_bf16(pick_device(device), amp)
        acc = final.test_acc if final and final.test_acc is not None else 0.0
        print(f"amp={amp:4s} (bf16 {'on' if bf16 else 'off'}): status {final.status if final else '?'}, "
              f"test acc {acc:.2%}, median {statistics.median(rates) if rates else 0:,.0f} samples/s, "
              f"{seconds:.1f} s for {epochs} epochs")
        ok = ok and final is not None and final.status == "completed" and acc >= min_acc
    return ok


def synthetic_images(n: int, shape: tuple[int, ...], classes: int) -> Dataset:
    """Random uint8 images: only the memory matters here."""
    x = torch.randint(0, 256, (n, *shape), dtype=torch.uint8)
    y = torch.randint(0, classes, (n,))
    return Dataset("synthetic", "image", x, y, x[:0], y[:0], shape, classes, [str(i) for i in range(classes)],
                   (0.5,) * shape[0], (0.25,) * shape[0])


# VGG-16 keeps about 27 M activations per 224×224 sample for the backward pass (conv and ReLU
# outputs), 2 bytes each under bf16 autocast.
VGG16_BYTES_PER_SAMPLE = 27e6 * 2


def oom_batch(device: str) -> int:
    """A batch needing about three times the GPU's memory (H200, 141 GB: ~7,800 samples)."""
    if device.startswith("cuda") and torch.cuda.is_available():
        return int(3 * torch.cuda.get_device_properties(0).total_memory / VGG16_BYTES_PER_SAMPLE)
    return 8


def run_oom(device: str, batch: int) -> bool:
    batch = batch or oom_batch(device)
    print(f"VGG-16 at 3×224×224, one batch of {batch:,} samples on {device}")
    shape = (3, 224, 224)
    module = engine.build_module(engine.templates.load("vgg16", shape, 10))
    dataset = synthetic_images(batch, shape, 10)
    config = TrainConfig(device=device, batch_size=batch, epochs=1, val_split=0.0, seed=0)
    final = None
    for record in train(module, dataset, config):
        if isinstance(record, FinishedRecord):
            final = record
        elif isinstance(record, EpochRecord):
            print(f"epoch {record.epoch} finished: batch {batch} fit in memory")
    print(f"status {final.status if final else '?'}: {final.message if final else 'no result'}")
    return final is not None and final.status == "oom" and "smaller batch size" in final.message


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="check", required=True)
    amp = sub.add_parser("amp")
    amp.add_argument("data_dir")
    amp.add_argument("--device", default="cuda")
    amp.add_argument("--epochs", type=int, default=10)
    amp.add_argument("--min-acc", type=float, default=0.97, help="test accuracy each run must reach")
    oom = sub.add_parser("oom")
    oom.add_argument("--device", default="cuda")
    oom.add_argument("--batch", type=int, default=0, help="0: about three times what the GPU holds")
    args = parser.parse_args(argv)
    if args.check == "amp":
        ok = run_amp(args.data_dir, args.device, args.epochs, args.min_acc)
    else:
        ok = run_oom(args.device, args.batch)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
