"""`lr-find`: the learning-rate range test on a project or template, headless.

Prints the probed rates and losses as a small table (or `--json`: `{"lrs", "losses",
"suggestion"}`) and the suggested rate; the project file is never written (the probe
restores the weights it started from). Never imports Qt.
"""
from __future__ import annotations

import argparse
import json
import sys

from .. import session
from ..analysis import analyze
from ..builder import BuildError, build_module
from ..data import DATASET_NAMES, DatasetError, load_dataset
from ..fitting import fit_report
from ..project import Project
from ..training import TrainConfig, TrainingError, lr_find
from . import UsageError
from .common import open_source
from .progress import ProgressBar
from .settings_args import add_setting_args, config_from_args

LR_FIND_OPTIONS = ("batch_size", "optimizer", "device", "seed")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lr-find", help="find a learning rate: the range test over ~100 mini-batches",
                       description="Grow the learning rate exponentially over --steps mini-batches, record the "
                                   "loss, stop when it explodes and suggest the rate where the smoothed loss "
                                   "falls fastest. Weights are restored afterwards; nothing is written. Exit 0, "
                                   "1 when the network cannot train on the dataset, 2 for bad usage.")
    p.add_argument("project", nargs="?", help="a .nwproj project (its weights are the starting point)")
    p.add_argument("--template", help="a template, sized to the dataset's input and classes")
    p.add_argument("--dataset", required=True, help=f"one of: {', '.join(DATASET_NAMES)}")
    p.add_argument("--data-dir", help="where datasets live; with --dataset folder: the folder of class sub-folders")
    p.add_argument("--steps", type=int, default=100, help="mini-batches to probe (default 100)")
    p.add_argument("--start-lr", type=float, default=1e-7, help="first learning rate (default 1e-7)")
    p.add_argument("--end-lr", type=float, default=10.0, help="last learning rate (default 10)")
    add_setting_args(p, LR_FIND_OPTIONS, {"batch_size": "The mini-batch size to probe with.",
                                          "optimizer": "The optimizer to probe with."})
    p.add_argument("--json", action="store_true", help='print {"lrs": [...], "losses": [...], "suggestion": X}')
    p.set_defaults(handler=run, input=None, classes=None)


def run(args: argparse.Namespace) -> int:
    project, name = open_source(args) if args.project else (None, args.template)
    if project is None and not args.template:
        raise UsageError("give either a PROJECT file or --template NAME")
    config = _config(args, session.config_from_project(project))
    bar = ProgressBar(sys.stderr)
    try:
        dataset = load_dataset(args.dataset, data_dir=args.data_dir, progress=bar.loading,
                               **_options(args, project))
    except DatasetError as exc:
        raise UsageError(str(exc)) from None
    finally:
        bar.end_line()
    if project is None:
        try:
            project = Project(session.graph_for_dataset(name, dataset))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    report = fit_report(project.graph, dataset, config.loss)
    if not report.ok:
        print(f"error: {report.message}", file=sys.stderr)
        return 1
    try:
        module = build_module(project.graph)
        if project.weights:
            module.load_state_dict(project.weights)
        result = lr_find(module, dataset, config, args.start_lr, args.end_lr, args.steps,
                         progress=lambda i, n: bar.loading(i / n, f"probing learning rates, batch {i} of {n}"))
    except (TrainingError, BuildError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        bar.end_line()
    _print(result, args.json)
    return 0


def _options(args: argparse.Namespace, project: Project | None) -> dict[str, object]:
    """A folder dataset reads --data-dir, its images resized to the project's input (a template: 3×32×32)."""
    if args.dataset != "folder":
        return {}
    if not args.data_dir:
        raise UsageError("--dataset folder needs --data-dir FOLDER: a folder with one sub-folder of images per "
                         "class, e.g. pets/cat and pets/dog")
    shape = analyze(project.graph).input_shape if project is not None else None
    return {"path": args.data_dir, **({"input_shape": tuple(shape)} if shape is not None and len(shape) == 3
                                      else {})}


def _config(args: argparse.Namespace, base: TrainConfig) -> TrainConfig:
    return config_from_args(args, base, LR_FIND_OPTIONS)


def _print(result, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result.to_dict()))
        return
    print(f"{'learning rate':>14}  {'loss':>8}  {'smoothed':>8}")
    every = max(len(result.lrs) // 20, 1)
    for lr, loss, smooth in list(zip(result.lrs, result.losses, result.smoothed))[::every]:
        print(f"{lr:14.2e}  {loss:8.4f}  {smooth:8.4f}")
    if result.stopped_early:
        print(f"stopped at {result.lrs[-1]:.2e}: the loss exploded" if result.lrs else "the loss exploded at once")
    if result.suggestion is None:
        print("no suggestion: the loss did not fall; try a wider range (--start-lr, --end-lr) or more --steps")
    else:
        print(f"suggested learning rate: {result.suggestion:.2g} (where the smoothed loss falls fastest); "
              f"train with --lr {result.suggestion:.2g}")
