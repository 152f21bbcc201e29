"""Benchmark: the pre-flight memory estimate (engine.preflight) against measured peak memory.

For LeNet-5, ResNet-18 and VGG-16 (the templates, on CPU), each case in a fresh process:
warm PyTorch's one-time imports on a throwaway model, build the module, then two training
steps with the engine's optimizer (the second carries the optimizer state), and measure the
process' peak resident memory above what it held before building (the peer: the operating
system's count of what PyTorch really used).
Prints estimate, measured and their ratio (goal: within 30 %). Tracemalloc stays off (it
does not see PyTorch's allocator); peak RSS comes from getrusage (Linux/macOS only).
Usage: python bench/preflight.py [--quick]  (--quick skips VGG-16, which takes minutes)
"""
from __future__ import annotations

import argparse
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MEASURE = """
import gc, resource, sys
sys.path.insert(0, {root!r})
import torch
import torch.nn.functional as F
from engine import analyze, build_module, preflight, templates
from engine.training import TrainConfig
from engine.training.optim import make_optimizer
torch.manual_seed(0)
torch.set_num_threads(2)
graph = templates.load({template!r})
analysis = analyze(graph)
x = torch.randn({batch}, *analysis.input_shape)
y = torch.randint(0, analysis.output_shape[0], ({batch},))
def rss():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize()
# PyTorch's one-time imports and kernel set-up (its compiler modules, first conv and optimizer
# step) are not the network's memory: pay them on a throwaway model before measuring
warm = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.Flatten(), torch.nn.Linear(18, 2))
warm_opt = make_optimizer(warm.parameters(), TrainConfig(optimizer={optimizer!r}))
F.cross_entropy(warm(torch.randn(2, 1, 5, 5)), torch.tensor([0, 1])).backward()
warm_opt.step()
del warm, warm_opt
gc.collect()
before = rss()
module = build_module(graph).train()
optimizer = make_optimizer(module.parameters(), TrainConfig(optimizer={optimizer!r}))
for _ in range(2):
    optimizer.zero_grad(set_to_none=True)
    F.cross_entropy(module(x), y).backward()
    optimizer.step()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
estimate = preflight.estimate(analysis, graph.input_map(), {batch}, {optimizer!r}, available=None)
print(estimate.total, peak - before, estimate.weights, estimate.activations)
"""

CASES = [("lenet5", 64, "adam"), ("lenet5", 512, "adam"), ("resnet18", 8, "adam"), ("resnet18", 32, "sgd"),
         ("vgg16", 4, "adam"), ("vgg16", 16, "sgd")]


def measure(template: str, batch: int, optimizer: str) -> tuple[int, int, int, int]:
    code = MEASURE.format(root=str(ROOT), template=template, batch=batch, optimizer=optimizer)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=1800)
    return tuple(int(v) for v in out.stdout.split())  # type: ignore[return-value]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if not Path("/proc/self/statm").exists():
        print("needs Linux (/proc) to read resident memory")
        return 1
    print(f"machine: {platform.machine()}, CPU training, 2 threads, {platform.python_version()}")
    print(f"{'network':10} {'batch':>5} {'optim':>5} {'estimate':>10} {'measured':>10} {'ratio':>6}")
    worst = 0.0
    for template, batch, optimizer in CASES:
        if args.quick and template == "vgg16":
            continue
        estimate, measured, _, _ = measure(template, batch, optimizer)
        ratio = estimate / measured
        worst = max(worst, abs(ratio - 1))
        print(f"{template:10} {batch:5} {optimizer:>5} {estimate / 2**20:8.0f} MB {measured / 2**20:8.0f} MB "
              f"{ratio:6.2f}")
    print(f"largest deviation: {worst:.0%} (goal: within 30 %)")
    return 0 if worst <= 0.3 else 1


if __name__ == "__main__":
    sys.exit(main())
