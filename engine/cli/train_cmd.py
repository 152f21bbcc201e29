"""`train`: train a project or template on a dataset, headless, with a progress bar.

Each training runs the engine's one run lifecycle, the window's too: `TrainingJob` trains and
tests the run once, `engine.runs.lifecycle` records it and decides about its weights (a
completed run is adopted; a run stopped with Ctrl-C is kept with what it reached and
adopted only when the project had no weights; a run that diverged or exploded leaves the
project untouched and exits 1). `--resume` continues the adopted run from the project's
weights (and its optimizer state when saved). The curve doctor's findings are printed and go
into `--metrics` with the per-layer gradient norms; metrics that cannot be written never cost
the project. The project lands at `--out`, else beside it, in the recovery folder or in the
user data folder (engine.cli.landing), and the message names the place that worked. `--out`
over a file that is not a project needs `--force`. Under torchrun (`--distributed`) every
process trains its shard and process 0 alone prints and writes. Never imports Qt.
"""
from __future__ import annotations

import argparse
import dataclasses
import io
import json
import signal
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from .. import session
from ..analysis import analyze
from ..builder import BuildError
from ..data import DATASET_NAMES, Dataset, DatasetError, dataset_info, load_dataset
from ..fitting import fit_report
from ..project import Project, save, write_atomically
from ..runs import Run, advise, default_name, fine_tune_name, lifecycle, new_run_id, snapshot
from ..runs import weights as run_weights
from ..serialize import ProjectError, json_safe
from ..training import Diagnosis, StepRecord, TrainConfig, TrainControl, TrainingError, augment_spec, train
from ..training.distributed import Local, barrier, distributed_session
from ..training.gradflow import DEFAULT_EVERY
from ..training.job import RunOutcome, TrainingJob
from ..training.memory import run_estimate
from ..training.status import ADOPTED, FAILED, STOPPED, is_failed, is_finished
from . import UsageError, echo
from .common import add_run_arg, open_source, use_named_run
from .landing import Landing, land, other_kind
from .progress import ProgressBar
from .settings_args import TRAIN_OPTIONS, add_setting_args, config_from_args

CLI_NOTES = {"epochs": "With --resume: epochs to add.",
             "augment": f"Grammar: {augment_spec.grammar()}; e.g. flip,rotate=15,crop=0.8,jitter=0.2."}


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
    p.add_argument("--resume", action="store_true",
                   help="continue the project's adopted run from its weights (and optimizer state) instead of "
                        "starting from fresh weights")
    p.add_argument("--fine-tune", action="store_true",
                   help="start from the project's current weights (pretrained, imported or an earlier run's) "
                        "with a fresh optimizer, as a new run; frozen layers keep their weights bit for bit")
    add_run_arg(p, "with --resume continue that run (a fresh optimizer unless it is the adopted one), with "
                   "--fine-tune start a new run from them")
    add_setting_args(p, TRAIN_OPTIONS, CLI_NOTES, {"augment": "SPEC"})
    p.add_argument("--out", help="project file to write (default: the PROJECT itself, or TEMPLATE-DATASET.nwproj)")
    p.add_argument("--force", action="store_true",
                   help="replace --out even when it is a file of another kind (not a Netwright project)")
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
    return config_from_args(args, base, TRAIN_OPTIONS)


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
    use_named_run(project, args.run)
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
    kind = other_kind(out)
    if kind is not None and not args.force:
        raise UsageError(f"{out} is {kind}: training would replace it. Choose another --out, or add --force to "
                         "replace it")
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
    """One CLI training: check, train (engine.training.job, as the window does), record the run and
    decide about its weights (engine.runs.lifecycle), report, write."""

    def __init__(self, project: Project, dataset: Dataset, config: TrainConfig, options: dict[str, Any],
                 parent: Run | None, bar: ProgressBar, part: Local, say) -> None:
        self.project, self.dataset, self.config, self.options = project, dataset, config, options
        self.parent, self.bar, self.part, self.say = parent, bar, part, say
        self.control = TrainControl()
        self.fine_tune = False  # start from the project's weights with a fresh optimizer, as a new run

    def run(self, out: Path, metrics: str | None, grad_every: int) -> int:
        started = self._start(grad_every)
        if started is None:
            return 1
        module, records = started
        with stop_on_interrupt(self.control, self.say):
            steps, outcome = self._train(module, records)
        if not self.part.is_main:
            return 0 if is_finished(outcome.finished.status) else 1
        run = self._record(steps, outcome) if outcome.history or is_failed(outcome.finished.status) else None
        decision = lifecycle.adoption(run, outcome, bool(self.project.weights))
        metrics_ok = run is None or not metrics or _write_metrics(run, self.project.runs, Path(metrics))
        if run is None or not _report(run, decision, advise(run, self.project.runs)):
            if run is None:
                echo(f"{outcome.finished.message} {decision.text}", file=sys.stderr)
            echo("the project was not changed", file=sys.stderr)
            return 1
        contents = self._contents(run, outcome, decision)
        if (too_large := run_weights.save_warning(contents)) is not None:
            echo(f"warning: {too_large}", file=sys.stderr)
        landing = land(out, lambda place: save(self.project.graph, place, **contents))
        written = _said_where(landing, out, metrics if metrics_ok else None)
        return 0 if written and metrics_ok else 1

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
            if estimate.tight:  # it fits the machine and the limits, not what is free this moment
                self.say(f"warning: {estimate.warning()}", file=sys.stderr)
            module = lifecycle.fresh_module(self.project.graph, self.config.seed)
            resume = None
            if self.parent is not None:
                module.load_state_dict(self.project.weights)
                resume = session.resume_from(self.project, self.parent)
            elif self.fine_tune:
                module.load_state_dict(self.project.weights)
            records = train(module, self.dataset, self.config, self.control, gradients=grad_every,
                            strategy=self.part, resume=resume, final_test=False)  # the job tests once
        except (TrainingError, BuildError) as exc:
            self.say(f"error: {exc}", file=sys.stderr)
            return None
        return module, records

    def _train(self, module, records) -> tuple[list[StepRecord], RunOutcome]:
        """The engine's TrainingJob, the window's too: the same outcome, tested once."""
        steps: list[StepRecord] = []
        last_epoch = (self.parent.epochs_run if self.parent is not None else 0) + self.config.epochs
        job = TrainingJob(records, module, self.dataset, self.config, _Progress(self.bar, steps), self.control,
                          last_epoch)
        job.evaluate_at_end = self.part.is_main  # only process 0 records the run
        return steps, job.run()

    def _record(self, steps: list[StepRecord], outcome: RunOutcome) -> Run:
        name = self._fine_tune_name() or default_name(self.project.runs, self.parent)
        return lifecycle.record_of(outcome, run_id=new_run_id(r.id for r in self.project.runs), name=name,
                                   config=self.config, dataset=self.dataset.name,
                                   dataset_meta=session.dataset_meta(self.dataset), dataset_options=self.options,
                                   network=snapshot(self.project.graph), steps=steps, parent=self.parent)

    def _fine_tune_name(self) -> str:
        if not self.fine_tune:
            return ""
        return fine_tune_name(self.project.runs, session.adopted_run(self.project), self.project.meta)

    def _contents(self, run: Run, outcome: RunOutcome, decision: lifecycle.Adoption) -> dict[str, Any]:
        """What `save` writes: the run added, with its weights when the rule adopts it."""
        runs = self.project.runs + [run]
        if decision.adopted:
            meta = lifecycle.meta_of(session.dataset_meta(self.dataset), outcome)
            return dict(weights=outcome.weights, meta=meta, sections=self.project.sections, runs=runs,
                        adopted_run=run.id, optimizer_state=outcome.optimizer_state)
        return dict(weights=self.project.weights, meta=self.project.meta, sections=self.project.sections, runs=runs,
                    adopted_run=self.project.adopted_run, optimizer_state=self.project.optimizer_state)


class _Progress:
    """The job's reports on the progress bar; step records kept for the run's curve."""

    def __init__(self, bar: ProgressBar, steps: list[StepRecord]) -> None:
        self.bar, self.steps, self.start = bar, steps, time.perf_counter()

    def __call__(self, kind: str, payload: Any) -> None:
        if kind == "steps":
            self.steps.extend(payload)
            self.bar.step(payload[-1], time.perf_counter() - self.start)
        elif kind == "epoch":
            self.bar.epoch(payload)
        elif kind == "ended":
            self.bar.end_line()


@contextmanager
def stop_on_interrupt(control: TrainControl, say) -> Iterator[None]:
    """Ctrl-C stops training between batches (the run is kept with what it reached); a second one aborts."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupted(signum, frame) -> None:
        if control.stop_requested:
            raise KeyboardInterrupt
        say("\nstopping after this batch (Ctrl-C again to abort)…", file=sys.stderr)
        control.request_stop()

    previous = signal.signal(signal.SIGINT, interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _write_metrics(run: Run, runs: list[Run], path: Path) -> bool:
    """Write the --metrics JSON; False (after saying why) when it cannot: the project is still saved."""
    data = {**session.run_metrics(run, runs), **run.extras}
    try:
        if path.is_dir():
            raise ProjectError(f"cannot write the metrics to {path}: it is a folder — give a file name")
        write_atomically(path, json.dumps(json_safe(data), indent=2).encode())
    except ProjectError as exc:
        echo(f"error: {exc}", file=sys.stderr)
        return False
    return True


def _said_where(landing: Landing, out: Path, metrics: str | None) -> bool:
    """Say where the project went (the truth: each place tried and why it failed); True when it is `out`."""
    if landing.path is None:
        echo(f"error: the trained project could not be written anywhere: {landing.failures()}", file=sys.stderr)
        return False
    if landing.path != out:
        echo(f"error: could not write {out} ({landing.failures()}); the trained project was saved to "
              f"{landing.path} instead", file=sys.stderr)
    echo(f"wrote {landing.path}" + (f" and {metrics}" if metrics else ""))
    return landing.path == out


def _report(run: Run, decision: lifecycle.Adoption, diagnoses: list[Diagnosis]) -> bool:
    """Print the outcome, what became of the weights and the curve doctor's findings; False when it failed."""
    finished = run.result
    if finished is None or decision.verdict == FAILED:
        message = finished.message if finished else "training ended without a result"
        echo(f"training failed: {message}", file=sys.stderr)
        for d in diagnoses:
            echo(f"doctor [{d.code}] {d.message}", file=sys.stderr)
        return False
    val = f"{finished.best_val_acc:.2%}" if finished.best_val_acc is not None else "n/a"
    test = f"{finished.test_acc:.2%}" if finished.test_acc is not None else "n/a"
    echo(f"{finished.message}")
    echo(f"best validation accuracy {val} (epoch {finished.best_epoch}); test accuracy {test}")
    if decision.verdict != ADOPTED or finished.status == STOPPED:
        echo(decision.text)
    for d in diagnoses:
        echo(f"doctor [{d.code}] {d.message}")
    return True
