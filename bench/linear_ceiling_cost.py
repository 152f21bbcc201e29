"""What measuring the linear ceiling costs (engine.training.linear_fit), and what it finds, per data set.

For each set: the input size, the ceiling's accuracy and loss on the scored training samples, the seconds the
fit took and the process's peak memory growth while fitting (resident set size, Linux). A CIFAR-shaped set
(3×32×32 random pictures, 10 classes, 10,000 training samples) stands in for CIFAR-10 offline: the cost
depends on the shape, not on the pictures. MNIST only with --data-dir (torchvision layout).

    python bench/linear_ceiling_cost.py [--data-dir /path/to/mnist] [--threads 1]
"""
from __future__ import annotations

import argparse
import platform
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from engine.data import Dataset, load_dataset  # noqa: E402
from engine.training.linear_fit import FIT_SAMPLES, L2S, MAX_ITER, SCORE_SAMPLES, fit_ceiling  # noqa: E402


def cifar_shaped(n_train: int = 10_000) -> Dataset:
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (n_train + 100, 3, 32, 32), generator=g, dtype=torch.uint8)
    y = torch.randint(0, 10, (n_train + 100,), generator=g)
    return Dataset("cifar-shaped", "image", x[:n_train], y[:n_train], x[n_train:], y[n_train:], (3, 32, 32), 10,
                   [str(i) for i in range(10)], (0.5, 0.5, 0.5), (0.25, 0.25, 0.25))


def sets(data_dir: str | None) -> list[tuple[str, Dataset]]:
    found = [(name, load_dataset(name, n_samples=2000)) for name in ("blobs", "moons", "xor", "circles", "spirals")]
    found.append(("digits", load_dataset("digits", n_train=1500, n_test=375, seed=0)))
    if data_dir:
        found.append(("mnist", load_dataset("mnist", data_dir=data_dir, download=False)))
    found.append(("cifar-shaped", cifar_shaped()))
    return found


def peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", help="MNIST in torchvision's layout (optional)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"linear_ceiling_cost: {platform.machine()}, {args.threads} thread(s), torch {torch.__version__}; "
          f"fit on ≤ {FIT_SAMPLES}, scored on ≤ {SCORE_SAMPLES} other training samples, "
          f"≤ {MAX_ITER} L-BFGS iterations × {len(L2S)} penalties")
    print(f"{'data':13} {'inputs':>6} {'train':>6} {'ceiling acc':>11} {'loss':>6} {'seconds':>7} {'peak +MiB':>9}")
    for name, data in sets(args.data_dir):
        before = peak_kib()
        began = time.perf_counter()
        found = fit_ceiling(data, 0.1, 0)
        seconds = time.perf_counter() - began
        grew = (peak_kib() - before) / 1024
        inputs = 1
        for size in data.input_shape:
            inputs *= size
        print(f"{name:13} {inputs:>6} {data.num_train:>6} {found.accuracy:>11.1%} {found.loss:>6.3f} {seconds:>7.2f} "
              f"{grew:>9.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
