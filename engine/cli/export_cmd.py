"""`export`: write a project's network as a standalone PyTorch file. Never imports Qt."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..builder import BuildError
from ..export import export_python
from ..project import _atomic_write
from ..serialize import ProjectError
from . import UsageError
from .common import add_source_args, open_source


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export a network as a standalone PyTorch module",
                       description="Write a Python file defining an nn.Module that recreates the network. "
                                   "If the project holds trained weights they are written beside it as "
                                   "OUT.safetensors.")
    add_source_args(p)
    p.add_argument("--python", required=True, metavar="OUT.py", help="the Python file to write")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    project, name = open_source(args)
    out = Path(args.python)
    try:
        source = export_python(project.graph, title=name)
    except BuildError as exc:
        print(f"error: {exc}")
        return 1
    try:
        _atomic_write(out, source.encode())
        if project.weights:
            from safetensors.torch import save_file

            save_file({k: v.contiguous() for k, v in project.weights.items()}, str(out.with_suffix(".safetensors")))
    except (ProjectError, OSError) as exc:
        raise UsageError(f"cannot write {out}: {exc}") from None
    extra = f" and {out.with_suffix('.safetensors')}" if project.weights else ""
    print(f"wrote {out}{extra}")
    return 0
