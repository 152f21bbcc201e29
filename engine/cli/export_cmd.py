"""`export`: a project's network as a standalone PyTorch file, an ONNX model or a TorchScript
module. Never imports Qt."""
from __future__ import annotations

import argparse
import sys

from ..export_formats import FORMATS, ExportError, export_to, overwrite_check
from . import echo
from .common import add_run_arg, add_source_args, open_source, use_named_run


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export a network as PyTorch code, ONNX or TorchScript",
                       description="--python writes a Python file defining an nn.Module that recreates the "
                                   "network (trained weights, if any, go beside it as OUT.safetensors). "
                                   "--onnx and --torchscript write the network with its trained weights "
                                   "(random initial ones if it has none). ONNX needs the optional packages: "
                                   'pip install -e ".[export]".')
    add_source_args(p)
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--python", metavar="OUT.py", help="a standalone Python file")
    target.add_argument("--onnx", metavar="OUT.onnx", help="an ONNX model (dynamic batch size)")
    target.add_argument("--torchscript", metavar="OUT.pt", help="a traced TorchScript module")
    p.add_argument("--force", action="store_true",
                   help="replace an existing file of another kind (never the project being exported)")
    add_run_arg(p, "export the network that run trained with them")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    project, name = open_source(args)
    use_named_run(project, args.run)
    fmt = "python" if args.python else "onnx" if args.onnx else "torchscript"
    out = args.python or args.onnx or args.torchscript
    refusal, others = overwrite_check(fmt, out, bool(project.weights) and fmt == "python", args.project)
    if refusal or (others and not args.force):
        names = ", ".join(str(p) for p in others)
        echo(f"error: {refusal or f'{names} exists and is not a {FORMATS[fmt][0]} file — add --force to replace it'}",
             file=sys.stderr)
        return 2
    try:
        written = export_to(fmt, project.graph, out, project.weights, title=name)
    except ExportError as exc:
        echo(f"error: {exc}", file=sys.stderr)
        return 1
    if fmt == "python":
        echo(f"wrote {' and '.join(map(str, written))}")
    else:
        kept = "the project's trained weights" if project.weights else "random initial weights (no trained ones yet)"
        echo(f"wrote {out} with {kept}")
    return 0
