"""Benchmark: Netwright's analysis vs torchinfo.summary, in one run, alternating.

Prints, for resnet152 at 1×3×224×224: the full analysis time of our template (cold cache)
vs torchinfo.summary of torchvision's resnet152 (median of several runs, and the ratio);
the time to re-analyze after one parameter edit deep in the graph; and the extra memory
taken by analyzing vgg16. Usage: python bench/analysis.py [--repeats N]
"""
from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
import torchvision  # noqa: E402
from torchinfo import summary  # noqa: E402

from engine import analysis as analysis_mod  # noqa: E402
from engine import analyze, templates  # noqa: E402


def ours_full() -> float:
    graph = templates.load("resnet152", (3, 224, 224), 1000)
    analysis_mod.clear_cache()  # cold: nothing memoized from earlier runs
    start = time.perf_counter()
    result = analyze(graph)
    elapsed = time.perf_counter() - start
    assert result.total_params == 60_192_808
    return elapsed


def peer_full() -> float:
    model = torchvision.models.resnet152()
    start = time.perf_counter()
    info = summary(model, input_size=(1, 3, 224, 224), verbose=0)
    elapsed = time.perf_counter() - start
    assert info.total_params == 60_192_808
    return elapsed


def one_edit(repeats: int) -> list[float]:
    graph = templates.load("resnet152", (3, 224, 224), 1000)
    analyze(graph)
    times = []
    for i in range(repeats):
        graph.update_params("layer4_1_conv2", out_channels=512 + (i % 2) * 8)  # deep in the graph
        start = time.perf_counter()
        analyze(graph)
        times.append(time.perf_counter() - start)
    return times


def rss_bytes() -> int:
    try:
        with open(f"/proc/{os.getpid()}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def vgg_memory() -> tuple[int, int]:
    graph = templates.load("vgg16", (3, 224, 224), 1000)
    analysis_mod.clear_cache()
    gc.collect()
    rss_before = rss_bytes()
    tracemalloc.start()
    result = analyze(graph)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.total_params == 138_357_544
    return peak, rss_bytes() - rss_before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"torch {torch.__version__}, torchvision {torchvision.__version__}")
    print("network: resnet152, input 1×3×224×224 (torchvision's model for the peer, our template for us)")
    ours_full(), peer_full()  # warm-up: imports, first-call costs
    ours, peer = [], []
    for _ in range(args.repeats):
        ours.append(ours_full())
        peer.append(peer_full())
    o, p = statistics.median(ours), statistics.median(peer)
    print(f"full analysis   netwright {o * 1000:8.1f} ms   torchinfo.summary {p * 1000:8.1f} ms   "
          f"ratio {o / p:.3f} (ours / peer; target ≤ 0.5)   median of {args.repeats}, alternating")
    edits = one_edit(max(args.repeats * 3, 20))
    print(f"one edit        netwright {statistics.median(edits) * 1000:8.2f} ms median, "
          f"{max(edits) * 1000:.2f} ms max   (layer4_1_conv2 out_channels; target < 20 ms)")
    peak, rss = vgg_memory()
    print(f"vgg16 analysis  extra memory: {peak / 2**20:.1f} MB Python peak (tracemalloc), "
          f"{max(rss, 0) / 2**20:.1f} MB RSS growth   (target < 100 MB; torchinfo allocates the real "
          f"138 M weights = {138_357_544 * 4 / 2**20:.0f} MB)")


if __name__ == "__main__":
    main()
