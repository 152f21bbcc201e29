"""`train`: train a project or template on a dataset, headless, with a progress bar.

Each training becomes a run of the project (engine.runs): the written project keeps its
earlier runs and adopts the new one's weights. `--resume` continues the adopted run from
the project's weights (and its optimizer state when saved). The curve doctor's findings
are printed and go into `--metrics` with the per-layer gradient norms; a run that diverged
or exploded leaves the project untouched and exits 1. Under torchrun (`--distributed`)
every process trains its shard and process 0 alone prints and writes. Never imports Qt.
"""
from __future__ import annotations

import argparse
import dataclasses
import io
import json
import sys
import time
from pathlib import Path
from typing import Any

from .. import session
from ..analysis import analyze
from ..builder import BuildError, build_module
from ..data import DATASET_NAMES, Dataset, DatasetError, dataset_info, load_dataset
from ..fitting import fit_report
from ..project import Project, _atomic_write, save
from ..recovery import fallback_path
from ..runs import Run, advise
from ..serialize import ProjectError, json_safe
from ..training import (
    Diagnosis,
    EpochRecord,
    FinishedRecord,
    GradientHistory,
    GradientRecord,
    StepRecord,
    TrainConfig,
    TrainControl,
    TrainingError,
    augment_spec,
    evaluate,
    train,
)
from ..training.calibration import calibration_entry
from ..training.distributed import Local, barrier, distributed_session
from ..training.gradflow import DEFAULT_EVERY
from ..training.memory import run_estimate
from . import UsageError, echo
from .common import open_source
from .progress import ProgressBar

KEPT = ("completed", "early_stopped")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a project or template on a dataset",
                       description="Train on a dataset and write the project with its trained weights and the "
                                   "new run. Exit 0 on success, 1 when training failed (diverged, exploded, "
                                   "crashed) or the result had to be saved elsewhere, 2 for bad usage.")
    p.add_argument("project", nargs="?", help="a .nwproj project (its input must fit the dataset)")
    p.add_argument("--template", help="a template, sized to the dataset's input and classes")
    p.add_argument("--dataset", help=f"one of: {', '.join(DATASET_NAMES)} (default: the dataset of the "
                                     "project's adopted run)")
    p.add_argument("--data-dir", help="where datasets live (default: NETWRIGHT_DATA or the user data folder); "
                                      "with --dataset folder: the folder of class sub-folders")
    p.add_argument("--epochs", type=int, help="epochs to train (with --resume: epochs to add)")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--optimizer")
    p.add_argument("--device", help="auto, cpu, cuda or mps")
    p.add_argument("--seed", type=int)
    p.add_argument("--resume", action="store_true",
                   help="continue the project's adopted run from its weights (and optimizer state) instead of "
                        "starting from fresh weights")
    p.add_argument("--fine-tune", action="store_true",
                   help="start from the project's current weights (pretrained, imported or an earlier run's) "
                        "with a fresh optimizer, as a new run; frozen layers keep their weights bit for bit")
    p.add_argument("--augment", metavar="SPEC",
                   help=f"augment the training split on the device: {augment_spec.grammar()}; e.g. "
                        "flip,rotate=15,crop=0.8,jitter=0.2")
    p.add_argument("--out", help="project file to write (default: the PROJECT itself, or TEMPLATE-DATASET.nwproj)")
    p.add_argument("--metrics", help="write the run's settings, per-epoch history, diagnosis and per-layer "
                                     "gradient norms as JSON here")
    p.add_argument("--grad-every", type=int, default=DEFAULT_EVERY,
                   help=f"measure per-layer gradient norms every N steps (default {DEFAULT_EVERY}; 0: off)")
    p.add_argument("--distributed", action="store_true",
                   help="one process of a torchrun job (DistributedDataParallel: NCCL on GPUs, gloo on CPUs): "
                        "torchrun --nproc_per_node N main.py train ... --distributed. --batch-size is the "
                        "global batch, split over the processes; process 0 alone prints and writes files")
    p.set_defaults(handler=run, input=None, classes=None)


def _config(args: argparse.Namespace, base: TrainConfig) -> TrainConfig:
    overrides = {"epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
                 "optimizer": args.optimizer, "device": args.device, "seed": args.seed, "augment": args.augment}
    values = {**base.to_dict(), **{k: v for k, v in overrides.items() if v is not None}}
    try:
        return TrainConfig.from_dict(values)
    except TrainingError as exc:
        raise UsageError(str(exc)) from None


def _parent(args: argparse.Namespace, project: Project | None) -> Run | None:
    """The run --resume continues: the project's adopted run, which needs its weights."""
    if not args.resume:
        return None
    parent = session.adopted_run(project) if project is not None else None
    if parent is None:
        raise UsageError("--resume continues a trained project: this one has no trained weights with a run "
                         "to continue; train it without --resume first")
    return parent


def _dataset_choice(args: argparse.Namespace, project: Project | None, parent: Run | None
                    ) -> tuple[str, dict[str, Any]]:
    """(dataset name, load options): --dataset, else the adopted run's; a continued run's options carry over;
    `--dataset folder` reads the class folders in --data-dir, resized to the project's input."""
    earlier = parent or (session.adopted_run(project) if project is not None else None)
    name = args.dataset or (earlier.dataset if earlier is not None else None)
    if not name:
        raise UsageError("give --dataset (this project has no run to take it from)")
    try:
        name = dataset_info(name).name
    except DatasetError as exc:
        raise UsageError(str(exc)) from None
    options = dict(earlier.dataset_options) if earlier is not None and earlier.dataset == name else {}
    if name == "folder" and args.data_dir:
        options["path"] = args.data_dir
        shape = analyze(project.graph).input_shape if project is not None else None
        if shape is not None and len(shape) == 3:
            options["input_shape"] = tuple(shape)  # resize the images to what the network takes
    elif name == "folder" and "path" not in options:
        raise UsageError("--dataset folder needs --data-dir FOLDER: a folder with one sub-folder of "
                         "images per class, e.g. pets/cat and pets/dog")
    return name, options


def _dataset(name: str, args: argparse.Namespace, options: dict[str, Any], bar: ProgressBar,
             part: Local) -> Dataset:
    if not part.is_main:
        barrier(part)  # process 0 downloads the data, if needed, before the others read it
    try:
        return load_dataset(name, data_dir=args.data_dir, progress=bar.loading, **options)
    except DatasetError as exc:
        raise UsageError(str(exc)) from None
    finally:
        bar.end_line()
        if part.is_main:
            barrier(part)


def run(args: argparse.Namespace) -> int:
    if bool(args.project) == bool(args.template):
        raise UsageError("give either a PROJECT file or --template NAME")
    if args.grad_every < 0:
        raise UsageError("--grad-every must be 0 (off) or a number of steps")
    if args.fine_tune and args.resume:
        raise UsageError("--fine-tune starts a new run from the weights with a fresh optimizer; --resume continues "
                         "the adopted run: give one of them")
    project, name = open_source(args) if args.project else (None, args.template)
    if args.fine_tune and (project is None or not project.weights):
        raise UsageError("--fine-tune starts from the project's weights, and this has none: import a pretrained "
                         "network (import torchvision:NAME --weights) or train it first")
    parent = _parent(args, project)
    config = _config(args, parent.config if parent else session.config_from_project(project))
    if not args.distributed:
        return _run(args, project, name, parent, config, Local())
    try:
        with distributed_session(config.device) as part:
            return _run(args, project, name, parent, config, part)
    except TrainingError as exc:
        raise UsageError(str(exc)) from None


def _run(args: argparse.Namespace, project: Project | None, name: str, parent: Run | None, config: TrainConfig,
         part: Local) -> int:
    say = echo if part.is_main else _silent  # every process gets the same records: one speaks
    for warning in project.warnings if project is not None else ():
        say(f"warning: {warning}", file=sys.stderr)
    dataset_name, options = _dataset_choice(args, project, parent)
    bar = ProgressBar(sys.stderr if part.is_main else io.StringIO())
    dataset = _dataset(dataset_name, args, options, bar, part)  # settings checked first: loading may take a while
    if project is None:
        try:
            project = Project(session.graph_for_dataset(args.template, dataset))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    out = Path(args.out or args.project or f"{name}-{dataset.name}.nwproj")
    if args.fine_tune:
        dataset = _weights_normalization(project, dataset)
    training = _Training(project, dataset, config, options, parent, bar, part, say)
    training.fine_tune = args.fine_tune
    return training.run(out, args.metrics, args.grad_every)


def _weights_normalization(project: Project, dataset: Dataset) -> Dataset:
    """Pretrained weights expect inputs normalized as they were trained (ImageNet's mean and std for
    torchvision's): fine-tuning feeds the new pictures the same way, and the project's meta keeps it."""
    mean, std = project.meta.get("mean"), project.meta.get("std")
    if (project.meta.get("dataset") != "imagenet" or not isinstance(mean, list) or not isinstance(std, list)
            or len(mean) != len(dataset.mean) or len(std) != len(dataset.std)):
        return dataset
    return dataclasses.replace(dataset, mean=tuple(float(m) for m in mean), std=tuple(float(s) for s in std))


def _silent(*args, **kwargs) -> None:
    return None


class _Training:
    """One CLI training: check, train, record the run, report, write."""

    def __init__(self, project: Project, dataset: Dataset, config: TrainConfig, options: dict[str, Any],
                 parent: Run | None, bar: ProgressBar, part: Local, say) -> None:
        self.project, self.dataset, self.config, self.options = project, dataset, config, options
        self.parent, self.bar, self.part, self.say = parent, bar, part, say
        self.control = TrainControl()
        self.gradients = GradientHistory()
        self.fine_tune = False  # start from the project's weights with a fresh optimizer, as a new run

    def run(self, out: Path, metrics: str | None, grad_every: int) -> int:
        module = self._start(grad_every)
        if module is None:
            return 1
        module, records = module
        steps, history, finished = _consume(records, self.bar, self.gradients)
        if not self.part.is_main:
            return 0 if finished is not None and finished.status in KEPT else 1
        run = self._record(module, steps, history, finished)
        try:
            if metrics:
                data = {**session.run_metrics(run, self.project.runs), **self.gradients.to_dict()}
                _atomic_write(Path(metrics), json.dumps(json_safe(data), indent=2).encode())
        except ProjectError as exc:
            echo(f"error: {exc}", file=sys.stderr)
            return 1
        if not _report(run, advise(run, self.project.runs)):
            return 1
        saved = self._save(module, run, out)
        if saved is None:
            return 1
        echo(f"wrote {saved}" + (f" and {metrics}" if metrics else ""))
        return 0 if saved == out else 1

    def _start(self, grad_every: int):
        """(module, records), or None after saying why training cannot start."""
        report = fit_report(self.project.graph, self.dataset, self.config.loss)
        if not report.ok:
            self.say(f"error: {report.message}", file=sys.stderr)
            return None
        try:
            estimate = run_estimate(self.project.graph, self.config, self.dataset)  # before any weight exists
            if not estimate.fits:
                raise TrainingError(estimate.message())
            module = build_module(self.project.graph)
            resume = None
            if self.parent is not None:
                module.load_state_dict(self.project.weights)
                resume = session.resume_from(self.project, self.parent)
            elif self.fine_tune:
                module.load_state_dict(self.project.weights)
            records = train(module, self.dataset, self.config, self.control, gradients=grad_every,
                            strategy=self.part, resume=resume)
        except (TrainingError, BuildError) as exc:
            self.say(f"error: {exc}", file=sys.stderr)
            return None
        return module, records

    def _record(self, module, steps: list[StepRecord], history: list[EpochRecord],
                finished: FinishedRecord | None) -> Run:
        evaluation = None
        if finished is not None and finished.status in KEPT and self.dataset.num_test > 0:
            evaluation = evaluate(module, self.dataset, "test", loss=self.config.loss)
        run = session.record_run(self.project, self.project.graph, self.dataset, self.config, steps, history,
                                 finished, evaluation, self.options, self.parent, self._fine_tune_name())
        return session.with_extras(run, self.gradients.to_dict())

    def _fine_tune_name(self) -> str:
        """A fine-tuning run says where it started: the adopted run, or the imported weights."""
        if not self.fine_tune:
            return ""
        origin = session.adopted_run(self.project)
        source = self.project.meta.get("source") if isinstance(self.project.meta, dict) else None
        start = origin.name if origin is not None else (f"{source} weights" if source else "the project's weights")
        return f"Run {len(self.project.runs) + 1}: fine-tuned from {start}"

    def _save(self, module, run: Run, out: Path) -> Path | None:
        """Save to `out`; if that fails, beside it or in the recovery folder, saying where.
        Trained weights are never thrown away because one path was unwritable."""
        meta = session.dataset_meta(self.dataset)
        calibration = calibration_entry(module, self.dataset, self.config.val_split, self.config.seed)
        if calibration is not None:
            meta["calibration"] = calibration
        kwargs = dict(weights=session.state_on_cpu(module), meta=meta, sections=self.project.sections,
                      runs=self.project.runs + [run], adopted_run=run.id,
                      optimizer_state=self.control.optimizer_state)
        try:
            save(self.project.graph, out, **kwargs)
            return out
        except ProjectError as exc:
            reason = str(exc)
        try:
            rescue = fallback_path(out)
            save(self.project.graph, rescue, **kwargs)
        except (ProjectError, OSError) as exc:
            echo(f"error: {reason}; saving to the recovery folder failed too ({exc})", file=sys.stderr)
            return None
        echo(f"error: {reason}; the trained project was saved to {rescue} instead", file=sys.stderr)
        return rescue


def _consume(records, bar: ProgressBar, gradients: GradientHistory
             ) -> tuple[list[StepRecord], list[EpochRecord], FinishedRecord | None]:
    steps: list[StepRecord] = []
    history: list[EpochRecord] = []
    finished = None
    start = time.perf_counter()
    for record in records:
        if isinstance(record, StepRecord):
            steps.append(record)
            bar.step(record, time.perf_counter() - start)
        elif isinstance(record, EpochRecord):
            history.append(record)
            bar.epoch(record)
        elif isinstance(record, FinishedRecord):
            finished = record
        elif isinstance(record, GradientRecord):
            gradients.add(record)
    bar.end_line()
    return steps, history, finished


def _report(run: Run, diagnoses: list[Diagnosis]) -> bool:
    """Print the outcome and the curve doctor's findings; False when the run failed."""
    finished = run.result
    if finished is None or run.failed:
        message = finished.message if finished else "training ended without a result"
        echo(f"training failed: {message}", file=sys.stderr)
        for d in diagnoses:
            echo(f"doctor [{d.code}] {d.message}", file=sys.stderr)
        echo("the project was not changed", file=sys.stderr)
        return False
    val = f"{finished.best_val_acc:.2%}" if finished.best_val_acc is not None else "n/a"
    test = f"{finished.test_acc:.2%}" if finished.test_acc is not None else "n/a"
    echo(f"{finished.message}")
    echo(f"best validation accuracy {val} (epoch {finished.best_epoch}); test accuracy {test}")
    for d in diagnoses:
        echo(f"doctor [{d.code}] {d.message}")
    return True
