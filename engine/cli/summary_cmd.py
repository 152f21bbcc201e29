"""`summary`: a torchinfo-style table of a project or template. Never imports Qt."""
from __future__ import annotations

import argparse
import json

from ..analysis import analyze
from ..block_analysis import rows_at_depth
from ..catalog import fmt_shape
from ..formatting import inert
from ..lint import lint_project
from . import UsageError, echo
from .common import add_source_args, open_source
from .formatting import as_json, table


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("summary", help="print the layer table and totals of a network",
                       description="Print every layer's output shape, parameters and MACs. Exit 0 if the "
                                   "network is valid, 1 if a layer has an error, 2 for bad usage.")
    add_source_args(p)
    p.add_argument("--batch", type=int, default=1, help="batch size for the activation-memory estimate")
    p.add_argument("--depth", type=int, metavar="N",
                   help="rows down to block depth N, like torchinfo's depth: 0 = the whole network, "
                        "1 = top-level blocks and layers (default: every layer)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.batch < 1:
        raise UsageError("--batch must be at least 1")
    if args.depth is not None and args.depth < 0:
        raise UsageError("--depth must be 0 or more")
    project, name = open_source(args)
    analysis = analyze(project.graph)
    rows = rows_at_depth(project.graph, analysis, args.depth)
    blocks = {n.id: n.block for n in project.graph.nodes.values()}
    warnings = lint_project(project, analysis)
    if args.json:
        echo(json.dumps(as_json(analysis, args.batch, rows, blocks, name, warnings), indent=2), lines=True)
    else:
        shape = fmt_shape(analysis.input_shape) if analysis.input_shape else "?"
        echo(table(analysis, f"{inert(name)} (input {shape})", args.batch, rows, name, warnings, blocks),
             lines=True)
    return 0 if analysis.valid else 1
