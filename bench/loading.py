"""Benchmark: loading and analysing big or slow networks, against the meta-device path.

1. A 10,000-node chain (linear/relu, every linear a different width) saved as a project,
   then loaded and analysed in a fresh process (cold: nothing cached, PyTorch imported but
   never run), median of --repeats runs. Goal: under 1 s.
2. A 1,500,000-node project: refused (and how fast), in a fresh process.
3. Closed-form analysis of recurrent and attention layers vs the meta-device run the
   analysis used before (the peer: the same layer built on the meta device under
   FlopCounterMode), alternating, medians and ratios. `--full` adds the 16-layer
   bidirectional GRU over 784 steps (about 160 s on the meta device).
Usage: python bench/loading.py [--repeats N] [--full]
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COLD = """
import sys, time
sys.path.insert(0, {root!r})
import torch, engine
from engine import analysis
start = time.perf_counter()
try:
    project = engine.load({path!r})
    result = analysis.analyze(project.graph)
    outcome = "valid" if result.valid else "invalid"
except engine.ProjectError as exc:
    outcome = "refused: " + str(exc)[:90]
print(time.perf_counter() - start, outcome)
"""

LAYERS = [
    ("lstm", (28, 28), {"hidden_size": 128}),
    ("gru", (28, 28), {"hidden_size": 128, "num_layers": 2, "bidirectional": True}),
    ("lstm", (256, 28), {"hidden_size": 128, "num_layers": 4, "bidirectional": True}),
    ("multihead_attention", (197, 64), {"num_heads": 4}),
    ("transformer_encoder", (197, 64), {"num_heads": 4, "num_layers": 6}),
]
FULL = ("gru", (784, 28), {"hidden_size": 128, "num_layers": 16, "bidirectional": True})


def chain_file(folder: Path, nodes: int) -> Path:
    """A linear chain as a plain JSON project (written directly: the graph caps node counts)."""
    items = [{"id": "input", "layer": "input", "params": {"shape": [16]}, "pos": [0, 0]}]
    for i in range(1, nodes):
        layer = "linear" if i % 2 else "relu"
        params = {"out_features": 8 + i % 500} if layer == "linear" else {}
        items.append({"id": f"n{i}", "layer": layer, "params": params, "pos": [0, 100 * i]})
    edges = [[items[i - 1]["id"], items[i]["id"]] for i in range(1, nodes)]
    doc = {"format": "netwright-project", "version": 1, "training": None, "meta": {},
           "network": {"nodes": items, "edges": edges}}
    path = folder / f"chain{nodes}.json"
    path.write_text(json.dumps(doc))
    return path


def cold(path: Path) -> tuple[float, str]:
    out = subprocess.run([sys.executable, "-c", COLD.format(root=str(ROOT), path=str(path))],
                         capture_output=True, text=True, check=True, timeout=600).stdout.split(maxsplit=1)
    return float(out[0]), out[1].strip()


def layer_times(layer: str, shape, params, repeats: int) -> tuple[float, float, bool]:
    from engine.analysis import _compute_uncached, _meta_run, clear_cache
    from engine.catalog import get

    spec = get(layer)
    p = spec.resolve(params)
    ours, peer = [], []
    for _ in range(repeats):
        clear_cache()
        start = time.perf_counter()
        mine = _compute_uncached(spec, params, (shape,), ("float",))
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        meta = _meta_run(spec, p, (shape,), ("float",))
        peer.append(time.perf_counter() - start)
    same = (mine.output_shape, mine.params, mine.macs) == (meta.output_shape, meta.params, meta.macs)
    return statistics.median(ours), statistics.median(peer), same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--full", action="store_true")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        chain = chain_file(Path(tmp), 10_000)
        runs = [cold(chain) for _ in range(args.repeats)]
        print(f"10,000-node chain ({chain.stat().st_size // 1024} kB): load + analysis in a fresh process "
              f"{statistics.median(t for t, _ in runs):.2f} s median of {args.repeats} ({runs[0][1]})")
        huge = chain_file(Path(tmp), 1_500_000)
        seconds, outcome = cold(huge)
        print(f"1,500,000-node project ({huge.stat().st_size // 2**20} MB): {seconds:.2f} s, {outcome}")
    from engine.analysis import warm_up

    warm_up()
    print("closed form vs meta-device run (the analysis before), medians:")
    for layer, shape, params in LAYERS + ([FULL] if args.full else []):
        ours, peer, same = layer_times(layer, shape, params, 1 if (layer, shape) == FULL[:2] else args.repeats)
        print(f"  {layer} {shape} {params}: {ours * 1e3:.2f} ms vs {peer * 1e3:.0f} ms, "
              f"{peer / ours:,.0f}x faster, {'same' if same else 'DIFFERENT'} shape/params/MACs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
