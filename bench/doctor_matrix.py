"""Scenario matrix: is the curve doctor right on cases nobody tuned it for, and do its remedies help?

Trains every template that fits the offline `digits` set (and the small ones on 2-D point sets)
over a grid of learning rates × optimizers × epochs, the way the command line does (the app's
default settings otherwise: onecycle schedule, batch 64, gradient flow every 10 steps). For each
cell it prints the doctor's verdict next to the evidence it rests on (final loss / chance level,
validation/training gap, gradient ratio first/last layer, a typical layer's update ratio
‖Δw‖/‖w‖) and, for every one-click remedy proposed, applies it (the re-run the banner's button
starts: same seed, the config change or the network change) and says whether it helped (test
accuracy up ≥ 0.5 point, or equal and the test loss down ≥ 2 %: engine.training.evidence.helped).
When a remedy did not help, the doctor is asked again with both runs in the project (the no-repeat
rule, engine.runs.advise): it must not offer the same change, and the alternative it offers is
applied and judged too.

The peer of each remedy is the run it was proposed for (same data, seed and everything else).
The families are listed in bench/doctor_families.py. Thresholds (engine.training.doctor, evidence) were fitted on
the FIT families only; the HELD-OUT
families (other templates, optimizers and data) are printed apart, and the "fresh" ones (written and
committed before the latest change, never looked at while making it) apart again; once looked at and
tuned on, a family becomes FIT.
Goals: every remedy helps in ≥ 90 % of the cells where it is proposed; no cell proposes a higher
learning rate when the gradient ratio is under 1/100; no remedy is proposed twice in a row after
it did not help.

    python bench/doctor_matrix.py [--full] [--n-train 1500] [--only FAMILY,FAMILY] [--fit]
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from bench.doctor_families import FAMILIES, FULL, Family  # noqa: E402,F401  (Family: the tests' cells)
from engine import session, templates  # noqa: E402
from engine.builder import build_module  # noqa: E402
from engine.data import Dataset, load_dataset  # noqa: E402
from engine.graph import Graph  # noqa: E402
from engine.project import Project  # noqa: E402
from engine.runs import Run, advise  # noqa: E402
from engine.training import (  # noqa: E402
    Diagnosis,
    EpochRecord,
    FinishedRecord,
    GradientHistory,
    GradientRecord,
    StepRecord,
    TrainConfig,
    train,
)
from engine.training.doctor import measurements  # noqa: E402
from engine.training.evidence import VANISHING, gradient_evidence, helped  # noqa: E402
from engine.training.gradflow import DEFAULT_EVERY  # noqa: E402
from engine.training.linear_fit import ceiling_extras  # noqa: E402
from engine.training.network_remedy import apply_change  # noqa: E402


@dataclass
class Trained:
    graph: Graph
    config: TrainConfig
    run: Run

    @property
    def acc(self) -> float | None:
        return self.run.test_acc

    @property
    def loss(self) -> float | None:
        return self.run.result.test_loss if self.run.result is not None else None


@dataclass
class Trial:
    """One proposed remedy, applied."""
    code: str
    remedy: str  # the change in words
    kind: str  # "lr up", "lr down", "epochs", "network:batchnorm", ...
    helped: bool
    acc: float | None
    alternative: bool = False  # offered by the no-repeat rule after the first remedy did not help
    repeated: bool = False  # the same change was offered again after it did not help (a failure)


@dataclass
class Cell:
    family: Family
    template: str
    dataset: str
    optimizer: str
    lr: float
    epochs: int
    base: Trained | None = None
    found: list[Diagnosis] = field(default_factory=list)
    trials: list[Trial] = field(default_factory=list)
    seconds: float = 0.0


def load(name: str, n_train: int) -> Dataset:
    if name == "digits":
        return load_dataset("digits", n_train=n_train, n_test=max(n_train // 4, 200), seed=0)
    return load_dataset(name, n_samples=2000)  # 500 test points: one point is 0.2 of a percent


def run_once(project: Project, graph: Graph, dataset: Dataset, config: TrainConfig, name: str) -> Trained:
    torch.manual_seed(config.seed)
    module = build_module(graph)
    steps: list[StepRecord] = []
    history: list[EpochRecord] = []
    finished, gradients = None, GradientHistory()
    for record in train(module, dataset, config, gradients=DEFAULT_EVERY):
        if isinstance(record, StepRecord):
            steps.append(record)
        elif isinstance(record, EpochRecord):
            history.append(record)
        elif isinstance(record, FinishedRecord):
            finished = record
        elif isinstance(record, GradientRecord):
            gradients.add(record)
    run = session.record_run(project, graph, dataset, config, steps, history, finished, name=name)
    ceiling = ceiling_extras(module, dataset, config.loss, config.val_split, config.seed)  # as the job does
    run = session.with_extras(run, {**gradients.to_dict(), **ceiling})
    project.runs = project.runs + [run]
    return Trained(graph, config, run)


def kind_of(d: Diagnosis, config: TrainConfig) -> str:
    if d.network_change:  # with a lowered rate too (engine.training.vanishing_remedy): its own row
        lower = d.change.get("lr", config.lr) < config.lr
        return f"network:{d.network_change}{'+lr down' if lower else ''}"
    if "lr" in d.change and len(d.change) == 1:
        return "lr up" if d.change["lr"] > config.lr else "lr down"
    return "+".join(f"{k}" for k in sorted(d.change))


def apply(project: Project, before: Trained, d: Diagnosis, dataset: Dataset) -> Trained:
    graph = apply_change(before.graph, d.network_change) if d.network_change else before.graph
    config = replace(before.config, **d.change)
    return run_once(project, graph, dataset, config, f"{before.run.name}: {d.change_text}")


def try_remedies(cell: Cell, project: Project, dataset: Dataset) -> None:
    """Apply each one-click remedy of the cell; when one did not help, ask again (no-repeat rule)."""
    base = cell.base
    for d in (d for d in cell.found if d.one_click):
        after = apply(project, base, d, dataset)
        ok = helped(base.acc, base.loss, after.acc, after.loss)
        cell.trials.append(Trial(d.code, d.change_text, kind_of(d, base.config), ok, after.acc))
        if ok:
            continue
        again = [a for a in advise(after.run, project.runs) if a.code == d.code and a.one_click]
        for a in again:
            repeated = a.change == d.change and a.network_change == d.network_change or (
                kind_of(a, after.config) == kind_of(d, base.config) and "lr" in a.change)
            second = apply(project, after, a, dataset)
            ok2 = helped(after.acc, after.loss, second.acc, second.loss)
            cell.trials.append(Trial(a.code, a.change_text, kind_of(a, after.config), ok2, second.acc, True,
                                     repeated))


def run_cell(cell: Cell, dataset: Dataset) -> Cell:
    start = time.perf_counter()
    graph = templates.load(cell.template, dataset.input_shape, dataset.num_classes)
    config = TrainConfig(optimizer=cell.optimizer, lr=cell.lr, epochs=cell.epochs, seed=0, device="cpu",
                         cpu_threads=1)
    project = Project(graph)
    cell.base = run_once(project, graph, dataset, config, "Run 1")
    cell.found = advise(cell.base.run, project.runs)
    try_remedies(cell, project, dataset)
    cell.seconds = time.perf_counter() - start
    return cell


def cells_of(families: tuple[Family, ...]) -> list[Cell]:
    return [Cell(f, t, f.dataset, o, lr, e) for f in families for t in f.templates for o in f.optimizers
            for lr in f.lrs for e in f.epochs]


def _num(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def row(cell: Cell) -> str:
    run = cell.base.run
    ev = measurements(run.epochs, run.steps.loss, run.config, run.num_classes, run.extras)
    verdict = ",".join(d.code for d in cell.found) or "healthy"
    remedies = "; ".join(f"{'↳ ' if t.alternative else ''}{t.remedy} → {_num(t.acc, '.1%')} "
                         f"{'helped' if t.helped else 'NO'}{' REPEATED' if t.repeated else ''}"
                         for t in cell.trials) or "-"
    return (f"{cell.template:<13}{cell.dataset:<8}{cell.optimizer:<8}{cell.lr:<7g}{cell.epochs:<3}"
            f"{verdict:<21}{_num(ev.get('loss_vs_chance'), '.2f'):>6} {_num(ev.get('val_train_gap'), '.2f'):>5} "
            f"{_num(ev.get('gradient_ratio'), '.0e'):>6} {_num(ev.get('update_ratio'), '.1e'):>7} "
            f"{_num(ev.get('loss_peak', 0) / ev['chance'] if ev.get('chance') else None, '.1f'):>6} "
            f"{_num(cell.base.acc, '.1%'):>6}  {remedies}")


def _gradient_ratio(run: Run) -> float | None:
    g = gradient_evidence(run.extras)
    return g.ratio if g is not None else None


HEADER = (f"{'template':<13}{'data':<8}{'opt':<8}{'lr':<7}{'ep':<3}{'verdict':<21}{'L/chc':>6} {'gap':>5} "
          f"{'g1/gL':>6} {'Δw/w':>7} {'pk/c':>6} {'acc':>6}  remedy → test acc after, helped?")


def summary(cells: list[Cell], title: str) -> list[str]:
    trials = [t for c in cells for t in c.trials]
    lines = [f"{title}: {len(cells)} cells, {sum(1 for c in cells if c.found)} with a finding, "
             f"{len(trials)} remedies applied"]
    kinds = sorted({(t.code, t.kind) for t in trials})
    for code, kind in kinds:
        group = [t for t in trials if (t.code, t.kind) == (code, kind)]
        ok = sum(t.helped for t in group)
        lines.append(f"  {code:<20} {kind:<22} helped {ok:>3}/{len(group):<3} = {ok / len(group):6.1%}")
    ok = sum(t.helped for t in trials)
    if trials:
        lines.append(f"  {'all remedies':<43} helped {ok:>3}/{len(trials):<3} = {ok / len(trials):6.1%}")
    lines.append(f"  cells proposing a higher lr with gradient ratio < 1/100: {bad_lr(cells)}")
    lines.append(f"  remedies offered again after they did not help: {sum(t.repeated for t in trials)}")
    return lines


def bad_lr(cells: list[Cell]) -> int:
    count = 0
    for c in cells:
        ratio = _gradient_ratio(c.base.run)
        ups = [d for d in c.found if d.change.get("lr", 0) > c.base.config.lr]
        count += bool(ups) and ratio is not None and ratio < VANISHING
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="the big grid as well (long)")
    parser.add_argument("--n-train", type=int, default=1500, help="digits training samples (default 1500)")
    parser.add_argument("--only", help="run these families only (comma-separated names)")
    parser.add_argument("--fit", action="store_true", help="the FIT families only (what may be tuned on)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    families = FAMILIES + (FULL if args.full else ())
    if args.only:
        families = tuple(f for f in families if f.name in args.only.split(","))
    if args.fit:
        families = tuple(f for f in families if not f.held_out)
    print(f"doctor_matrix: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch "
          f"{torch.__version__}, digits n_train={args.n_train}, seed 0, 1 thread")
    data: dict[str, Dataset] = {}
    start = time.perf_counter()
    done: list[Cell] = []
    for family in families:
        print(f"\n== {family.name} ({'HELD-OUT' if family.held_out else 'FIT'}) ==\n{HEADER}", flush=True)
        key = f"{family.dataset}:{family.n_train or args.n_train}"
        data.setdefault(key, load(family.dataset, family.n_train or args.n_train))
        for cell in cells_of((family,)):
            done.append(run_cell(cell, data[key]))
            print(row(cell), flush=True)
    print()
    for title, held in (("FIT", False), ("HELD-OUT", True)):
        print("\n".join(summary([c for c in done if c.family.held_out is held], title)))
    print("\n".join(summary([c for c in done if c.family.fresh], "HELD-OUT, fresh (added before the latest "
                                                                  "change, never tuned on)")))
    print("\n".join(summary(done, "ALL")))
    print(f"\n{len(done)} cells in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
