"""`lint`: the beginner-pitfall warnings of a project or template. Never imports Qt.

Exit status: 0 no warnings, 1 warnings, 2 bad usage or an unreadable file. JSON: a list of
{"node", "code", "message"}. Warnings dismissed in the project (its "lint" section) are not shown.
"""
from __future__ import annotations

import argparse
import json

from ..analysis import analyze
from ..formatting import counted, inert
from ..lint import lint_project
from . import echo
from .common import add_source_args, open_source


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lint", help="warn about beginner pitfalls in a network",
                       description="Point at layers that collapse, losses that do not fit the output, "
                                   "vanishing gradients and other pitfalls, with the reason and a fix. Exit 0 "
                                   "if there is nothing to warn about, 1 if there are warnings, 2 for bad usage.")
    add_source_args(p)
    p.add_argument("--json", action="store_true", help='print a JSON list of {"node", "code", "message"}')
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    project, name = open_source(args)
    analysis = analyze(project.graph)
    warnings = lint_project(project, analysis)
    if args.json:
        echo(json.dumps([w.to_json() for w in warnings], indent=2), lines=True)
        return 1 if warnings else 0
    for w in warnings:
        echo(f"⚠ {w.node} [{w.code}]: {inert(w.message)}\n    why: {inert(w.reason)}", lines=True)
        if w.fix is not None:
            echo(f"    fix: {w.fix.title}")
    errors = len(analysis.errors) + len(analysis.graph_errors)
    tail = f"; the network also has {counted(errors, 'error')} (see `summary`)" if errors else ""
    echo(f"{name}: {counted(len(warnings), 'warning')}{tail}" if warnings or errors
          else f"{name}: no warnings")
    return 1 if warnings else 0
