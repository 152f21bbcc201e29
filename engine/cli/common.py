"""Helpers shared by subcommands: loading a project or template, parsing shapes.

Never imports Qt.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from .. import templates
from ..catalog import parse_shape as catalog_parse_shape
from ..project import Project, load
from ..serialize import ProjectError
from . import UsageError


def parse_shape(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        return catalog_parse_shape(text)
    except ValueError as exc:
        raise UsageError(f"--input: {exc}") from None


def add_source_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", nargs="?", help="a .nwproj (or .json) project file")
    parser.add_argument("--template", help="start from a template instead (see `templates`)")
    parser.add_argument("--input", help="input shape C,H,W (or features) for a template")
    parser.add_argument("--classes", type=int, help="number of classes for a template")


def open_source(args: argparse.Namespace) -> tuple[Project, str]:
    """The project named on the command line, or a template sized by --input/--classes."""
    if bool(args.project) == bool(args.template):
        raise UsageError("give either a PROJECT file or --template NAME")
    if args.template:
        if args.classes is not None and args.classes < 1:
            raise UsageError("--classes must be at least 1")
        try:
            graph = templates.load(args.template, parse_shape(args.input), args.classes)
        except templates.TemplateError as exc:
            raise UsageError(str(exc)) from None
        return Project(graph), args.template
    try:
        project = load(args.project)
    except ProjectError as exc:
        raise UsageError(str(exc)) from None
    shape = parse_shape(args.input)
    if shape:
        for node_id in project.graph.input_nodes():
            project.graph.update_params(node_id, shape=list(shape))
    return project, Path(args.project).stem


def add_run_arg(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--run", metavar="ID", help=f"use the weights run ID kept (see `runs PROJECT`): {what}")


def use_named_run(project: Project | None, run_id: str | None) -> None:
    """Make run `run_id`'s kept weights the project's (engine.runs.weights); UsageError says why not."""
    from ..runs.weights import RunWeightsError, use_run_weights

    if not run_id:
        return
    if project is None:
        raise UsageError("--run names a run of a PROJECT file")
    try:
        use_run_weights(project, run_id)
    except RunWeightsError as exc:
        raise UsageError(str(exc)) from None
