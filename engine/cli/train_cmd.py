"""`train`: train a project or template on a dataset, headless, with a progress bar.

Never imports Qt.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .. import session
from ..analysis import analyze
from ..builder import BuildError, build_module
from ..data import DATASET_NAMES, DatasetError, dataset_info, load_dataset
from ..preflight import run_estimate
from ..project import Project, _atomic_write, save
from ..recovery import fallback_path
from ..serialize import ProjectError, json_safe
from ..training import EpochRecord, FinishedRecord, StepRecord, TrainConfig, TrainingError, train
from . import UsageError
from .common import open_source
from .progress import ProgressBar


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a project or template on a dataset",
                       description="Train on a dataset and write the project with its trained weights. "
                                   "Exit 0 on success, 1 when training failed, 2 for bad usage.")
    p.add_argument("project", nargs="?", help="a .nwproj project (its input must fit the dataset)")
    p.add_argument("--template", help="a template, sized to the dataset's input and classes")
    p.add_argument("--dataset", required=True, help=f"one of: {', '.join(DATASET_NAMES)}")
    p.add_argument("--data-dir", help="where datasets live (default: NETWRIGHT_DATA or the user data folder); "
                                      "for --dataset folder: the folder holding one sub-folder of images per class")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--optimizer")
    p.add_argument("--device", help="auto, cpu, cuda or mps")
    p.add_argument("--seed", type=int)
    p.add_argument("--out", help="project file to write (default: the PROJECT itself, or TEMPLATE-DATASET.nwproj)")
    p.add_argument("--metrics", help="write the per-epoch history as JSON to this file")
    p.set_defaults(handler=run, input=None, classes=None)


def _config(args: argparse.Namespace, base: TrainConfig) -> TrainConfig:
    overrides = {"epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
                 "optimizer": args.optimizer, "device": args.device, "seed": args.seed}
    values = {**base.to_dict(), **{k: v for k, v in overrides.items() if v is not None}}
    try:
        return TrainConfig.from_dict(values)
    except TrainingError as exc:
        raise UsageError(str(exc)) from None


def _saved_config(project: Project | None) -> TrainConfig:
    try:
        return session.config_from_project(project) if project else TrainConfig()
    except TrainingError as exc:
        raise UsageError(f"the project's saved training settings are damaged: {exc}") from None


def _dataset(args: argparse.Namespace, bar: ProgressBar, project: Project | None):
    options = {}
    try:
        name = dataset_info(args.dataset).name
    except DatasetError as exc:
        raise UsageError(str(exc)) from None
    if name == "folder":
        if not args.data_dir:
            raise UsageError("--dataset folder needs --data-dir FOLDER: a folder with one sub-folder of "
                             "images per class, e.g. pets/cat and pets/dog")
        options["path"] = args.data_dir
        shape = analyze(project.graph).input_shape if project is not None else None
        if shape is not None and len(shape) == 3:
            options["input_shape"] = tuple(shape)  # resize the images to what the network takes
    try:
        return load_dataset(args.dataset, data_dir=args.data_dir, progress=bar.loading, **options)
    except DatasetError as exc:
        raise UsageError(str(exc)) from None
    finally:
        bar.end_line()


def run(args: argparse.Namespace) -> int:
    if bool(args.project) == bool(args.template):
        raise UsageError("give either a PROJECT file or --template NAME")
    project, name = open_source(args) if args.project else (None, args.template)
    config = _config(args, _saved_config(project))
    bar = ProgressBar(sys.stderr)
    dataset = _dataset(args, bar, project)  # settings are checked first: loading may take a while
    if project is None:
        try:
            project = Project(session.graph_for_dataset(args.template, dataset))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    out = Path(args.out or args.project or f"{name}-{dataset.name}.nwproj")
    return _train_and_save(project, dataset, config, out, args.metrics, bar)


def _train_and_save(project: Project, dataset, config: TrainConfig, out: Path, metrics: str | None,
                    bar: ProgressBar) -> int:
    try:
        session.check_input_fits(project.graph, dataset)
        estimate = run_estimate(project.graph, config, dataset)  # before any weight is allocated
        if not estimate.fits:
            raise TrainingError(estimate.message())
        module = build_module(project.graph)
        records = train(module, dataset, config)
    except (TrainingError, BuildError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    history, finished = _consume(records, bar)
    if finished is None or finished.status not in ("completed", "early_stopped"):
        message = finished.message if finished else "training ended without a result"
        print(f"training failed: {message}", file=sys.stderr)
        return 1
    _report(finished)
    training = session.training_section(config, history, finished)
    saved = _save_result(project, module, training, session.dataset_meta(dataset), out)
    if saved is None:
        return 1
    try:
        if metrics:
            _atomic_write(Path(metrics), json.dumps(json_safe(training), indent=2).encode())
    except ProjectError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {saved}" + (f" and {metrics}" if metrics else ""))
    return 0 if saved == out else 1


def _save_result(project: Project, module, training: dict, meta: dict, out: Path) -> Path | None:
    """Save to `out`; if that fails, beside it or in the recovery folder, saying where.
    Trained weights are never thrown away because one path was unwritable."""
    weights = session.state_on_cpu(module)
    try:
        save(project.graph, out, weights=weights, training=training, meta=meta)
        return out
    except ProjectError as exc:
        reason = str(exc)
    try:
        rescue = fallback_path(out)
        save(project.graph, rescue, weights=weights, training=training, meta=meta)
    except (ProjectError, OSError) as exc:
        print(f"error: {reason}; saving to the recovery folder failed too ({exc})", file=sys.stderr)
        return None
    print(f"error: {reason}; the trained project was saved to {rescue} instead", file=sys.stderr)
    return rescue


def _consume(records, bar: ProgressBar) -> tuple[list[EpochRecord], FinishedRecord | None]:
    history: list[EpochRecord] = []
    finished = None
    start = time.perf_counter()
    for record in records:
        if isinstance(record, StepRecord):
            bar.step(record, time.perf_counter() - start)
        elif isinstance(record, EpochRecord):
            history.append(record)
            bar.epoch(record)
        elif isinstance(record, FinishedRecord):
            finished = record
    bar.end_line()
    return history, finished


def _report(finished: FinishedRecord) -> None:
    val = f"{finished.best_val_acc:.2%}" if finished.best_val_acc is not None else "n/a"
    test = f"{finished.test_acc:.2%}" if finished.test_acc is not None else "n/a"
    print(f"{finished.message}")
    print(f"best validation accuracy {val} (epoch {finished.best_epoch}); test accuracy {test}")
