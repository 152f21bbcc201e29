"""Benchmark: what recording gradient flow costs a training run.

Trains the same network on the same data with the engine trainer twice per round, once recording
per-layer gradient norms and update ratios every `--every` steps (`train(..., gradients=N)`, as the
command line and the Train view do) and once without (the peer: the same training, no recording),
alternating which goes first, and prints the median seconds per run of each and the slowdown.
Networks: LeNet-5 and the deep sigmoid MLP (many small layers: the worst case per step).

    python bench/grad_overhead.py [DATA_DIR] [--rounds 7] [--samples 6000] [--every 10]

Without DATA_DIR (a torchvision MNIST folder) it uses the engine's synthetic stroke digits.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from engine import session  # noqa: E402
from engine.builder import build_module  # noqa: E402
from engine.data import Dataset, load_dataset  # noqa: E402
from engine.training import GradientRecord, TrainConfig, train  # noqa: E402


def subset(dataset: Dataset, n: int) -> Dataset:
    return Dataset(dataset.name, dataset.kind, dataset.x_train[:n], dataset.y_train[:n], dataset.x_test[:256],
                   dataset.y_test[:256], dataset.input_shape, dataset.num_classes, dataset.class_names,
                   dataset.mean, dataset.std)


def one_run(template: str, dataset: Dataset, every: int, threads: int) -> tuple[float, int]:
    """CPU seconds of this process for one epoch (same seed, same start weights) and the number of
    gradient records. CPU time, not wall time: on a shared machine other programs' load changes wall
    time by tens of percent between runs, but barely changes the work this process does."""
    torch.manual_seed(0)
    module = build_module(session.graph_for_dataset(template, dataset))
    config = TrainConfig(epochs=1, batch_size=64, val_split=0.0, cpu_threads=threads, device="cpu", seed=0)
    start = time.process_time()
    records = sum(isinstance(r, GradientRecord) for r in train(module, dataset, config, gradients=every))
    return time.process_time() - start, records


def measure(template: str, dataset: Dataset, rounds: int, every: int, threads: int) -> tuple[float, float]:
    ours, peer = [], []
    one_run(template, dataset, 0, threads)  # warm-up: first-call costs land on nobody
    one_run(template, dataset, every, threads)
    for r in range(rounds):
        order = ((every, ours), (0, peer)) if r % 2 == 0 else ((0, peer), (every, ours))
        for n, bucket in order:
            seconds, records = one_run(template, dataset, n, threads)
            assert (records > 0) == (n > 0)
            bucket.append(seconds)
    return statistics.median(ours), statistics.median(peer)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", nargs="?")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--samples", type=int, default=6000)
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for both sides (pinned: fairer)")
    args = parser.parse_args()
    data = (load_dataset("mnist", args.data_dir, download=False) if args.data_dir
            else load_dataset("digits"))
    dataset = subset(data, args.samples)
    steps = -(-dataset.num_train // 64)
    print(f"machine: {platform.machine()} CPU, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"{args.threads} thread(s), CPU time of this process; data: {dataset.num_train} {data.name} training "
          f"images, one epoch of {steps} steps at batch 64; recording every {args.every} steps; "
          f"median of {args.rounds} alternating rounds")
    for template in ("lenet5", "deep_sigmoid"):
        ours, peer = measure(template, dataset, args.rounds, args.every, args.threads)
        print(f"{template:13s} with gradient recording {ours:6.2f} s   peer (same training, no recording) "
              f"{peer:6.2f} s   ratio {ours / peer:.3f}  (slowdown {100 * (ours / peer - 1):+.1f} %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
