"""`export`: a project's network as a standalone PyTorch file, an ONNX model or a TorchScript
module. Never imports Qt."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..builder import BuildError
from ..export import export_python
from ..export_formats import ExportError, export_onnx, export_torchscript
from ..project import Project, _atomic_write
from ..serialize import ProjectError
from . import UsageError
from .common import add_source_args, open_source


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
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    project, name = open_source(args)
    try:
        if args.python:
            return _python(project, name, Path(args.python))
        writer, out = (export_onnx, args.onnx) if args.onnx else (export_torchscript, args.torchscript)
        writer(project.graph, out, project.weights)
    except (BuildError, ExportError) as exc:
        print(f"error: {exc}")
        return 1
    kept = "the project's trained weights" if project.weights else "random initial weights (no trained ones yet)"
    print(f"wrote {out} with {kept}")
    return 0


def _python(project: Project, name: str, out: Path) -> int:
    source = export_python(project.graph, title=name)
    try:
        _atomic_write(out, source.encode())
        if project.weights:
            from safetensors.torch import save

            _atomic_write(out.with_suffix(".safetensors"), save({k: v.contiguous() for k, v in project.weights.items()}))
    except (ProjectError, OSError) as exc:
        raise UsageError(f"cannot write {out}: {exc}") from None
    extra = f" and {out.with_suffix('.safetensors')}" if project.weights else ""
    print(f"wrote {out}{extra}")
    return 0
