"""`train`: train a project or template on a dataset, headless, with a progress bar.

Never imports Qt.
"""
from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path

from .. import session
from ..analysis import analyze
from ..builder import BuildError, build_module
from ..calibration import calibration_entry
from ..data import DATASET_NAMES, DatasetError, dataset_info, load_dataset
from ..fitting import fit_report
from ..project import Project, _atomic_write, save
from ..recovery import fallback_path
from ..serialize import ProjectError, json_safe
from ..training import (
    EpochRecord,
    FinishedRecord,
    GradientHistory,
    GradientRecord,
    StepRecord,
    TrainConfig,
    TrainingError,
    train,
)
from ..training.distributed import Local, barrier, distributed_session
from ..training.gradflow import DEFAULT_EVERY
from ..training.memory import run_estimate
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
    p.add_argument("--data-dir", help="where datasets live (default: NETWRIGHT_DATA or the user data folder)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--optimizer")
    p.add_argument("--device", help="auto, cpu, cuda or mps")
    p.add_argument("--seed", type=int)
    p.add_argument("--out", help="project file to write (default: the PROJECT itself, or TEMPLATE-DATASET.nwproj)")
    p.add_argument("--metrics", help="write the per-epoch history (and per-layer gradient norms) as JSON to this file")
    p.add_argument("--grad-every", type=int, default=DEFAULT_EVERY,
                   help=f"measure per-layer gradient norms every N steps (default {DEFAULT_EVERY}; 0: off)")
    p.add_argument("--distributed", action="store_true",
                   help="one process of a torchrun job (DistributedDataParallel: NCCL on GPUs, gloo on CPUs): "
                        "torchrun --nproc_per_node N main.py train ... --distributed. --batch-size is the "
                        "global batch, split over the processes; process 0 alone prints and writes files")
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


def _dataset(args: argparse.Namespace, bar: ProgressBar, part: Local, project: Project | None):
    options = _dataset_options(args, project)
    if not part.is_main:
        barrier(part)  # process 0 downloads the data, if needed, before the others read it
    try:
        return load_dataset(args.dataset, data_dir=args.data_dir, progress=bar.loading, **options)
    except DatasetError as exc:
        raise UsageError(str(exc)) from None
    finally:
        bar.end_line()
        if part.is_main:
            barrier(part)


def _dataset_options(args: argparse.Namespace, project: Project | None) -> dict:
    """`--dataset folder` reads the class folders in --data-dir, resized to the project's input."""
    try:
        name = dataset_info(args.dataset).name
    except DatasetError as exc:
        raise UsageError(str(exc)) from None
    if name != "folder":
        return {}
    if not args.data_dir:
        raise UsageError("--dataset folder needs --data-dir FOLDER: a folder with one sub-folder of "
                         "images per class, e.g. pets/cat and pets/dog")
    options = {"path": args.data_dir}
    shape = analyze(project.graph).input_shape if project is not None else None
    if shape is not None and len(shape) == 3:
        options["input_shape"] = tuple(shape)  # resize the images to what the network takes
    return options


def run(args: argparse.Namespace) -> int:
    if bool(args.project) == bool(args.template):
        raise UsageError("give either a PROJECT file or --template NAME")
    project, name = open_source(args) if args.project else (None, args.template)
    config = _config(args, _saved_config(project))
    if args.grad_every < 0:
        raise UsageError("--grad-every must be 0 (off) or a number of steps")
    if not args.distributed:
        return _run(args, project, name, config, Local())
    try:
        with distributed_session(config.device) as part:
            return _run(args, project, name, config, part)
    except TrainingError as exc:
        raise UsageError(str(exc)) from None


def _run(args: argparse.Namespace, project: Project | None, name: str, config: TrainConfig, part: Local) -> int:
    bar = ProgressBar(sys.stderr if part.is_main else io.StringIO())
    dataset = _dataset(args, bar, part, project)  # settings are checked first: loading may take a while
    if project is None:
        try:
            project = Project(session.graph_for_dataset(args.template, dataset))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    out = Path(args.out or args.project or f"{name}-{dataset.name}.nwproj")
    return _train_and_save(project, dataset, config, out, args.metrics, bar, args.grad_every, part)


def _train_and_save(project: Project, dataset, config: TrainConfig, out: Path, metrics: str | None,
                    bar: ProgressBar, grad_every: int = 0, part: Local | None = None) -> int:
    part = part or Local()
    say = print if part.is_main else _silent  # every rank gets the same records: one speaks
    report = fit_report(project.graph, dataset, config.loss)
    if not report.ok:
        say(f"error: {report.message}", file=sys.stderr)
        return 1
    try:
        estimate = run_estimate(project.graph, config, dataset)  # before any weight is allocated
        if not estimate.fits:
            raise TrainingError(estimate.message())
        module = build_module(project.graph)
        records = train(module, dataset, config, gradients=grad_every, strategy=part)
    except (TrainingError, BuildError) as exc:
        say(f"error: {exc}", file=sys.stderr)
        return 1
    gradients = GradientHistory()
    history, finished = _consume(records, bar, gradients)
    if finished is None or finished.status not in ("completed", "early_stopped"):
        message = finished.message if finished else "training ended without a result"
        say(f"training failed: {message}", file=sys.stderr)
        return 1
    if not part.is_main:
        return 0
    _report(finished)
    training = {**session.training_section(config, history, finished), **gradients.to_dict()}
    meta = session.dataset_meta(dataset)
    calibration = calibration_entry(module, dataset, config.val_split, config.seed)
    if calibration is not None:
        meta["calibration"] = calibration
    saved = _save_result(project, module, training, meta, out)
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
        save(project.graph, out, weights=weights, training=training, meta=meta, sections=project.sections)
        return out
    except ProjectError as exc:
        reason = str(exc)
    try:
        rescue = fallback_path(out)
        save(project.graph, rescue, weights=weights, training=training, meta=meta, sections=project.sections)
    except (ProjectError, OSError) as exc:
        print(f"error: {reason}; saving to the recovery folder failed too ({exc})", file=sys.stderr)
        return None
    print(f"error: {reason}; the trained project was saved to {rescue} instead", file=sys.stderr)
    return rescue


def _silent(*args, **kwargs) -> None:
    return None


def _consume(records, bar: ProgressBar, gradients: GradientHistory) -> tuple[list[EpochRecord], FinishedRecord | None]:
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
        elif isinstance(record, GradientRecord):
            gradients.add(record)
    bar.end_line()
    return history, finished


def _report(finished: FinishedRecord) -> None:
    val = f"{finished.best_val_acc:.2%}" if finished.best_val_acc is not None else "n/a"
    test = f"{finished.test_acc:.2%}" if finished.test_acc is not None else "n/a"
    print(f"{finished.message}")
    print(f"best validation accuracy {val} (epoch {finished.best_epoch}); test accuracy {test}")
