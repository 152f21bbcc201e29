"""Fuzzer: random graphs, random edits, hostile values; every analysis, save and reopen checked.

Builds N random graphs (seeded: the same seed gives the same graphs; a fifth start from a
small template so that valid networks with weights are common) from every catalog layer with
random and hostile parameter values (NaN, infinities, bools, huge integers, text, lists,
dicts, None, shapes and sizes of up to 10¹² entries), wires them at random, then applies
random edits (parameters, connects that may close cycles, disconnects, removals, far-away
moves, blocks). After each step the graph is analysed (timed); at the end it is saved (with
weights when valid and small) and opened again. Prints the number of exceptions, of analyses
over 1 s, of saved files that failed to reopen or came back different, the slowest analysis and the memory: its
peak resident size and the growth of that peak over the size after warm-up (no analysis may
allocate in proportion to a number in a file: goal ≤ 100 MB). Exit 1 if any check failed.
The peer is the same run's median analysis time. Usage: python bench/fuzz.py [--graphs N] [--seed S]
"""
from __future__ import annotations

import argparse
import math
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import engine  # noqa: E402
from engine.analysis import analyze, warm_up  # noqa: E402
from engine.catalog import CATALOG  # noqa: E402
from engine.graph import Graph, GraphError  # noqa: E402

LAYERS = [s.id for s in CATALOG if s.id != "input"]
TEXT = ["same", "last", "sequence", "first", "mean", "gelu", "relu", "x", "", "nan", "__import__('os')"]
SLOW_S = 1.0
GROWTH_LIMIT_MB = 100.0
WEIGHTS_LIMIT = 200_000  # parameters: build and save weights below this
SMALL_TEMPLATES = ("perceptron", "mlp", "lenet5", "rnn", "lstm", "transformer")
TEMPLATE_SHARE = 0.2


def random_value(rng: random.Random):
    kind = rng.randrange(13)
    if kind < 4:
        return rng.randint(-3, 70)
    return [lambda: rng.uniform(-2, 2), lambda: rng.choice([math.nan, math.inf, -math.inf, 1e300]),
            lambda: rng.choice([True, False]), lambda: rng.choice(TEXT),
            lambda: [rng.randint(-2, 30) for _ in range(rng.randint(0, 4))],
            lambda: rng.choice([10**rng.randint(10, 300), -(10**30)]), lambda: None,
            lambda: {"a": rng.randint(0, 3)},
            lambda: [10**rng.randint(5, 12) for _ in range(rng.randint(1, 3))]][kind - 4]()


def random_params(rng: random.Random, layer: str) -> dict:
    """Half the time a plausible value (a valid choice or a small number), else anything."""
    spec = CATALOG.get(layer)
    params = {p.name: (plausible(rng, p) if rng.random() < 0.5 else random_value(rng))
              for p in spec.params if rng.random() < 0.5}
    if rng.random() < 0.03:
        params["not_a_param"] = 1
    return params


def plausible(rng: random.Random, p):
    if p.choices:
        return rng.choice(p.choices)
    if p.kind == "int":
        return rng.randint(1, 8)
    if p.kind == "float":
        return round(rng.uniform(0.0, 0.5), 3)
    return p.default


def random_graph(rng: random.Random) -> Graph:
    if rng.random() < TEMPLATE_SHARE:  # a working network, for the edits to break
        return engine.templates.load(rng.choice(SMALL_TEMPLATES))
    g = Graph()
    shape = [rng.randint(1, 40) for _ in range(rng.randint(1, 3))]
    dtype = "tokens" if rng.random() < 0.1 else "float"
    g.add_node("input", {"shape": shape, "dtype": dtype}, node_id="input")
    ids = ["input"]
    for _ in range(rng.randint(0, 12)):
        layer = rng.choice(LAYERS)
        node = g.add_node(layer, random_params(rng, layer), pos=(rng.uniform(-500, 500), rng.uniform(0, 900)))
        for src in rng.sample(ids, k=min(len(ids), rng.choice([1, 1, 1, 2, 3]))):
            g.connect(src, node.id)
        ids.append(node.id)
    return g


def random_edit(rng: random.Random, g: Graph) -> None:
    ids = list(g.nodes)
    if not ids:
        return
    node_id = rng.choice(ids)
    action = rng.choice(["param", "param", "connect", "disconnect", "remove", "move", "block"])
    try:
        if action == "param":
            spec = CATALOG.get(g.node(node_id).layer)
            if spec.params:
                p = rng.choice(spec.params)
                g.update_params(node_id, **{p.name: plausible(rng, p) if rng.random() < 0.5 else random_value(rng)})
        elif action == "connect":
            g.connect(node_id, rng.choice(ids))  # may close a cycle: the analysis reports it
        elif action == "disconnect" and g.edge_count():
            edge = rng.choice(g.edges)
            g.disconnect(edge.src, edge.dst)
        elif action == "remove":
            g.remove_node(node_id)
        elif action == "move":
            g.set_pos(node_id, (rng.choice([1e18, -1e300, math.nan, 12.5]), rng.uniform(-1e9, 1e9)))
        elif action == "block":
            g.set_block(node_id, rng.choice(["", "layer1", "layer1.0", "a..b", "x y"]))
    except GraphError:
        pass  # a request that makes no sense (self-loop, duplicate edge, bad name): refused, fine


@dataclass
class Report:
    graphs: int = 0
    edits: int = 0
    analyses: int = 0
    saved: int = 0
    with_weights: int = 0
    exceptions: list[str] = field(default_factory=list)
    slow: int = 0
    reopen_failures: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    start_mb: float = 0.0  # resident size after warm-up
    peak_mb: float = 0.0

    @property
    def growth_mb(self) -> float:
        return self.peak_mb - self.start_mb

    @property
    def ok(self) -> bool:
        return (not self.exceptions and not self.slow and not self.reopen_failures
                and self.growth_mb <= GROWTH_LIMIT_MB)


def peak_rss_mb() -> float:
    """The process's peak resident size so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def timed_analysis(g: Graph, report: Report):
    start = time.perf_counter()
    result = analyze(g)
    elapsed = time.perf_counter() - start
    report.analyses += 1
    report.times.append(elapsed)
    report.slow += elapsed > SLOW_S
    for row in result.rows:
        assert row.output_shape is None or all(isinstance(d, int) and d > 0 for d in row.output_shape), row
        assert row.error is None or (isinstance(row.error, str) and row.error), row
    return result


def check_reopen(g: Graph, folder: Path, index: int, report: Report) -> None:
    result = analyze(g)
    weights = None
    if result.valid and result.total_params < WEIGHTS_LIMIT:
        weights = engine.build_module(g).state_dict()
        report.with_weights += 1
    path = engine.save(g, folder / f"g{index % 50}.nwproj", weights=weights)
    report.saved += 1
    try:
        back = engine.load(path)
    except engine.ProjectError as exc:
        report.reopen_failures.append(f"graph {index}: {exc}")
        return
    same = ({n: (v.layer, v.block) for n, v in back.graph.nodes.items()}
            == {n: (v.layer, v.block) for n, v in g.nodes.items()} and back.graph.edges == g.edges)
    again = analyze(back.graph)
    # NaN and infinities come back as the text "nan", "inf": the same error, quoted
    errors = {r.node_id: (r.error is None, r.output_shape, r.params, r.macs) for r in again.rows}
    if not same or errors != {r.node_id: (r.error is None, r.output_shape, r.params, r.macs) for r in result.rows}:
        report.reopen_failures.append(f"graph {index}: came back different")
    if weights is not None and back.weights is None:
        report.reopen_failures.append(f"graph {index}: weights lost")


def run(graphs: int, seed: int, edits: int = 4) -> Report:
    rng, report = random.Random(seed), Report()
    warm_up()  # PyTorch's one-time meta start-up (the app pays it in a background thread)
    report.start_mb = peak_rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        for index in range(graphs):
            try:
                g = random_graph(rng)
                timed_analysis(g, report)
                check_reopen(g, Path(tmp), index, report)  # as built, then after the edits
                for _ in range(edits):
                    random_edit(rng, g)
                    report.edits += 1
                    timed_analysis(g, report)
                check_reopen(g, Path(tmp), index, report)
            except Exception:  # the point of the fuzzer: none may happen
                report.exceptions.append(f"graph {index}: {traceback.format_exc(limit=4)}")
            report.graphs += 1
    report.peak_mb = peak_rss_mb()
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graphs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    start = time.perf_counter()
    report = run(args.graphs, args.seed)
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
          f"{time.perf_counter() - start:.0f} s")
    print(f"graphs {report.graphs}, edits {report.edits}, analyses {report.analyses}, saved {report.saved} "
          f"({report.with_weights} with weights)")
    print(f"exceptions: {len(report.exceptions)}")
    print(f"analyses over {SLOW_S:g} s: {report.slow}")
    print(f"saved files that failed to reopen or came back different: {len(report.reopen_failures)}")
    print(f"analysis time: max {max(report.times) * 1e3:.1f} ms, median {statistics.median(report.times) * 1e3:.2f} ms "
          f"(ratio max/median {max(report.times) / statistics.median(report.times):.0f})")
    print(f"memory: peak {report.peak_mb:.0f} MB, growth over the size after warm-up "
          f"{report.growth_mb:.0f} MB (limit {GROWTH_LIMIT_MB:g} MB)")
    for line in (report.exceptions + report.reopen_failures)[:5]:
        print(line)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
