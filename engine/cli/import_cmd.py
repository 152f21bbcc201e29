"""`import`: a torchvision model or a user's nn.Module as a Netwright project. Never imports Qt.

Exit 0 when written, 1 when the module uses operations the catalog cannot express (each is
named with where it occurs), 2 for bad usage or a source that cannot be loaded.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..importer import ImportRefused, ImportResult, compare_outputs, import_source
from ..importer.sources import SourceError
from ..project import save
from ..serialize import ProjectError
from . import UsageError, echo
from .common import parse_shape

TOLERANCE = 1e-4


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import", help="import a torchvision model or your own nn.Module as a project",
        description="Trace a PyTorch module with torch.fx into a Netwright network (node names and blocks "
                    "follow its module hierarchy). SOURCE is torchvision:NAME (e.g. torchvision:resnet18) "
                    "or path/to/model.py:ClassName. A .py SOURCE is executed to define the class: only "
                    "import files you trust (your own code). Project files never run code.")
    p.add_argument("source", metavar="SOURCE", help="torchvision:NAME or path/to/model.py:ClassName")
    p.add_argument("--out", metavar="PROJECT.nwproj", help="project to write (default: NAME.nwproj)")
    p.add_argument("--weights", action="store_true",
                   help="keep weights: torchvision's pretrained ones (only if already in the torch hub "
                        "cache; nothing is downloaded) or, for a .py class, its weights after __init__")
    p.add_argument("--input", metavar="C,H,W", help="shape of one input sample (default for torchvision: "
                                                     "3,224,224; required for a .py class without input_shape)")
    p.add_argument("--dtype", choices=("float", "tokens"), default="float",
                   help="tokens: the input is integer token ids (for an embedding)")
    p.add_argument("--check", action="store_true",
                   help=f"also check the network's outputs against the module's (within {TOLERANCE:g})")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        result, source = import_source(args.source, parse_shape(args.input), args.dtype, args.weights,
                                       real=args.check)
    except SourceError as exc:
        raise UsageError(str(exc)) from None
    except ImportRefused as exc:
        echo(f"error: {exc}", file=sys.stderr)
        return 1
    out = Path(args.out or f"{source.name}.nwproj")
    try:
        save(result.graph, out, weights=result.weights, meta=source.meta)
    except ProjectError as exc:
        raise UsageError(str(exc)) from None
    _report(args.source, out, result)
    return _check(result, source) if args.check else 0


def _report(text: str, out: Path, result: ImportResult) -> None:
    blocks = {b for n in result.graph.nodes.values() for b in _ancestors(n.block)}
    same = "the original's exactly" if result.exact else f"the original has {result.source_params:,}"
    kept = "with weights" if result.weights else "without weights"
    echo(f"imported {text} {kept}: {len(result.graph)} layers in {len(blocks)} blocks, "
          f"{result.params:,} parameters ({same})")
    for note in result.notes:
        echo(f"note: {note}")
    echo(f"wrote {out}")


def _ancestors(block: str) -> list[str]:
    parts = block.split(".") if block else []
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _check(result: ImportResult, source) -> int:
    import torch

    torch.manual_seed(0)
    shape = (2, *source.input_shape)
    x = torch.randint(0, 2, shape) if result.graph.node("input").params.get("dtype") == "tokens" \
        else torch.randn(shape)
    diff = compare_outputs(result, source.module, x)
    ok = diff <= TOLERANCE
    echo(f"outputs {'equal' if ok else 'DIFFER from'} the original's: largest difference {diff:.2g} "
          f"on a random batch of {'×'.join(map(str, shape))}")
    return 0 if ok else 1
