"""Every lint over every torchvision classification model that imports: the classics as the lints'
test set (GUIDE.md, "Judging what teaches"). Prints model → warnings, then the count per rule.

    python bench/lint_corpus.py                   import every model (architecture only: built on the
                                                  meta device, no weights, nothing downloaded)
    python bench/lint_corpus.py --fixture         lint the graphs stored in the test fixture instead (seconds)
    python bench/lint_corpus.py --write-fixture   import every model and (re)write that fixture

The fixture (tests/engine/goldens/torchvision_graphs.json.gz) holds each imported graph in compact
form (no positions, no default parameters) so tests/engine/test_lint_corpus.py lints all of them in
seconds; that test re-imports a few models to prove the fixture is what the importer makes today.
"""
from __future__ import annotations

import argparse
import collections
import gzip
import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FIXTURE = ROOT / "tests" / "engine" / "goldens" / "torchvision_graphs.json.gz"


def compact(graph: Any) -> dict:
    """A graph as the fixture stores it: ids, layers, non-default parameters and ordered edges."""
    from engine.catalog import CATALOG
    from engine.serialize import graph_to_dict

    data = graph_to_dict(graph)
    for node in data["nodes"]:
        defaults = CATALOG.get(node["layer"]).defaults()
        node["params"] = {k: v for k, v in node["params"].items() if k not in defaults or _plain(defaults[k]) != v}
        node.pop("pos", None)
        node.pop("block", None)
    return data


def _plain(value: Any) -> Any:
    return [_plain(v) for v in value] if isinstance(value, (list, tuple)) else value


def import_all(names: list[str]) -> tuple[dict[str, dict], list[str]]:
    """(model -> compact graph, the models the importer refuses)."""
    from engine.importer import ImportRefused, import_source

    graphs, refused = {}, []
    for name in names:
        start = time.perf_counter()
        try:
            result, _ = import_source(f"torchvision:{name}")
        except ImportRefused:
            refused.append(name)
            continue
        graphs[name] = compact(result.graph)
        print(f"  imported {name} in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
    return graphs, refused


def load_fixture(path: Path = FIXTURE) -> dict:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return json.load(f)


def write_fixture(graphs: dict[str, dict], refused: list[str], path: Path = FIXTURE) -> None:
    import torch
    import torchvision

    data = {"torch": torch.__version__, "torchvision": torchvision.__version__, "refused": refused,
            "models": graphs}
    tmp = path.with_suffix(".tmp")
    with gzip.GzipFile(tmp, "wb", mtime=0) as f:  # mtime 0: the same graphs give the same bytes
        f.write(json.dumps(data, separators=(",", ":"), sort_keys=True).encode())
    tmp.replace(path)


def lint_all(graphs: dict[str, dict]) -> dict[str, list]:
    from engine.lint import lint
    from engine.serialize import graph_from_dict

    return {name: list(lint(graph_from_dict(data))) for name, data in graphs.items()}


def report(found: dict[str, list]) -> str:
    lines, per_rule = [], collections.Counter()
    for name, warnings_ in found.items():
        for w in warnings_:
            lines.append(f"{name}: [{w.code}] {w.message}")
            per_rule[w.code] += 1
    flagged = sum(1 for ws in found.values() if ws)
    lines += ["", f"models with warnings: {flagged} of {len(found)}",
              "warnings per rule: " + (", ".join(f"{c} {n}" for c, n in sorted(per_rule.items())) or "none"),
              f"warnings in all: {sum(per_rule.values())}"]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixture", action="store_true", help="lint the fixture's graphs, import nothing")
    parser.add_argument("--write-fixture", action="store_true", help="import every model and rewrite the fixture")
    parser.add_argument("--only", help="comma-separated model names")
    args = parser.parse_args()
    if args.write_fixture and (args.only or args.fixture):
        parser.error("--write-fixture imports every model: leave out --only and --fixture")
    warnings.filterwarnings("ignore", category=FutureWarning)  # torchvision's init_weights notice
    import torch
    import torchvision

    torch.set_num_threads(1)
    if args.fixture:
        data = load_fixture()
        graphs, refused = data["models"], data["refused"]
        source = f"fixture {FIXTURE.name} (torchvision {data['torchvision']})"
    else:
        from engine.importer.sources import classification_models

        names = args.only.split(",") if args.only else classification_models()
        graphs, refused = import_all(names)
        source = f"imported now (torchvision {torchvision.__version__}, architecture only)"
        if args.write_fixture:
            write_fixture(graphs, refused)
    if args.only:
        graphs = {k: v for k, v in graphs.items() if k in args.only.split(",")}
    print(f"lints over {len(graphs)} torchvision models, {source}; refused by the importer: "
          f"{', '.join(refused) or 'none'}\n")
    print(report(lint_all(graphs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
