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
Thresholds (engine.training.doctor, evidence) were fitted on the FIT families only; the HELD-OUT
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
from engine.training.network_remedy import apply_change  # noqa: E402


@dataclass(frozen=True)
class Family:
    name: str
    held_out: bool
    dataset: str
    templates: tuple[str, ...]
    optimizers: tuple[str, ...]
    lrs: tuple[float, ...]
    epochs: tuple[int, ...]
    n_train: int | None = None  # digits training samples when not --n-train (a small set overfits)
    fresh: bool = False  # held out from the latest change (printed apart too)


LRS = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
FAMILIES = (  # FIT: the thresholds were tuned on these; HELD-OUT: never looked at while tuning
    Family("digits-fit", False, "digits", ("mlp", "deep_sigmoid", "deep_relu_bn", "lenet5"), ("sgd", "adam"), LRS,
           (1, 3)),
    Family("moons-fit", False, "moons", ("perceptron", "mlp"), ("sgd", "adam"), LRS, (5, 20)),
    Family("digits-seq", True, "digits", ("rnn", "transformer"), ("sgd", "adam"), (1e-3, 1e-2, 1e-1), (2,)),
    # digits-rmsprop, circles-osc-held4, xor-highlr-held4, digits-adadelta-held4 and digits-osc-held5 were held out;
    # their failing vanishing-gradient rows (batch normalization at AdamW 0.0001, at rates far above the optimizer's
    # range; an MLP at 83 %) were read before the vanishing-remedy change (engine.training.vanishing_remedy): FIT since
    Family("digits-rmsprop", False, "digits", ("mlp", "deep_sigmoid", "deep_relu_bn"), ("rmsprop", "adamw"),
           (1e-4, 1e-2, 1.0), (2,)),
    Family("spirals-held", True, "spirals", ("mlp", "deep_sigmoid"), ("sgd", "adam"), (1e-3, 1e-2, 1e-1), (10,)),
    # FIT since the capacity check (too_simple) was built from it: a perceptron on XOR was blamed on its rate
    Family("xor-fit", False, "xor", ("perceptron", "deep_relu_bn"), ("sgd", "adam"), (1e-3, 1e-1), (8,)),
    # added with too_simple and the overfitting rule, never looked at while tuning them:
    Family("circles-linear-held", True, "circles", ("perceptron", "mlp"), ("sgd", "adam"), (1e-3, 3e-2, 1.0),
           (8,)),
    Family("spirals-linear-held", True, "spirals", ("perceptron",), ("sgd", "adam"), (3e-3, 0.3), (10,)),
    Family("blobs-linear-held", True, "blobs", ("perceptron",), ("sgd", "adam"), (1e-3, 0.1, 1.0), (8,)),
    # these two were held out at first and then used (too_simple stands aside when the loss went to 2× chance
    # level: perceptron, digits, SGD at 1; overfitting offers no one click), so they count as FIT now
    Family("digits-linear-fit", False, "digits", ("perceptron",), ("sgd", "adam"), (1e-4, 1e-2, 1.0), (2,)),
    Family("digits-small-fit", False, "digits", ("mlp", "deep_relu_bn"), ("sgd", "adam"), (3e-3, 3e-2), (40,),
           n_train=250),
    # held out at first; then exploding was made a warning without a click when the accuracy stays ≥ 80 % and
    # the loss under 5× chance (perceptron, digits, rmsprop 0.1: 92 %, 4×; a lower rate made it worse): FIT now
    Family("digits-linear-fit2", False, "digits", ("perceptron",), ("rmsprop", "adamw"), (1e-3, 0.1, 3.0), (3,)),
    # added after that change, never looked at before:
    Family("highlr-held", True, "digits", ("perceptron", "deep_relu_bn"), ("adagrad", "sgd"), (0.5, 5.0), (2,)),
    Family("blobs-highlr-held", True, "blobs", ("perceptron", "mlp"), ("rmsprop", "adamw"), (1.0, 10.0), (6,)),
    # (the families below were added with too_simple and the overfitting change, before the exploding one)
    # FIT since the second lowered-rate change was tuned on its MLP at AdamW 1 (oscillating between epochs):
    Family("spirals-linear-held2", False, "spirals", ("perceptron", "mlp"), ("rmsprop", "adamw"), (1e-2, 1.0),
           (6,)),
    Family("digits-small-held", True, "digits", ("mlp", "lenet5"), ("rmsprop", "adamw"), (1e-3, 1e-2), (30,),
           n_train=400),
    # held out from the one-decade-per-click change (round 1: its exploding remedy helped 8/11 there, 72.7 %),
    # then looked at (adaptive optimizers' lowered rate is capped): FIT since
    Family("digits-highlr-held2", False, "digits", ("mlp", "lenet5"), ("sgd", "rmsprop"), (2.0, 20.0), (3,)),
    Family("circles-highlr-held", False, "circles", ("mlp", "deep_relu_bn"), ("sgd", "adagrad"), (3.0, 30.0),
           (6,)),
    Family("moons-osc-held", False, "moons", ("mlp", "deep_relu_bn"), ("adam", "rmsprop"), (0.05, 0.3), (12,)),
    Family("lstm-highlr-held", False, "digits", ("lstm",), ("adam", "sgd"), (0.1, 2.0), (2,)),
    # deep sigmoid networks at high rates, FIT (added to tune on while weighing vanishing against exploding):
    Family("sigmoid-highlr-fit", False, "circles", ("deep_sigmoid",), ("sgd", "rmsprop"), (3.0, 30.0), (6,)),
    # round 2, written and committed before capping adaptive optimizers' lowered rate, never tuned on (fresh for that
    # change; its failures were read since, so held out but no longer fresh):
    Family("digits-adaptive-held3", True, "digits", ("mlp", "deep_relu_bn"), ("adam", "adagrad"), (0.5, 8.0), (2,)),
    # FIT since the second lowered-rate change was tuned on its MLP at SGD 4 (oscillating between epochs):
    Family("moons-highlr-held3", False, "moons", ("mlp", "deep_sigmoid"), ("rmsprop", "sgd"), (4.0, 40.0), (6,)),
    Family("digits-nan-held3", True, "digits", ("lenet5",), ("adamw", "sgd"), (5.0,), (2,)),
    Family("rnn-rmsprop-held3", True, "digits", ("rnn",), ("rmsprop",), (0.2, 3.0), (2,)),
    # round 3, written and committed before the next change to the lowered-rate remedies (exploding, oscillating),
    # never tuned on: an optimizer never used before (adadelta), other rates, templates on other data. Their rows
    # were read after that change (one failure: LeNet-5 at Adagrad 12 -> 1), so they are no longer fresh
    # round 4, written and committed before the second lowered-rate change (oscillating between epochs), never
    # tuned on: rates and optimizer/template/data pairs not used before, ≥ 5 epochs (the rises between epochs).
    # Read after that change: the MLP on blobs at RMSprop 8 (vanishing without a click at 97.2 %) was one of the
    # cells the depth rule of engine.training.two_causes then corrected, with the FIT moons MLPs
    # (no longer fresh: their rows were read in round 5's full run, before the vanishing-gradient remedy change)
    Family("moons-osc-held5", True, "moons", ("mlp", "deep_relu_bn"), ("sgd", "adagrad"), (1.5, 6.0), (10,)),
    Family("circles-osc-held5", True, "circles", ("mlp", "deep_relu_bn"), ("adamw", "adadelta"), (0.2, 20.0),
           (10,)),
    Family("blobs-osc-held5", True, "blobs", ("mlp", "deep_relu_bn"), ("sgd", "rmsprop"), (0.8, 8.0), (10,)),
    Family("xor-osc-held5", True, "xor", ("mlp",), ("adam", "adagrad"), (0.4, 4.0), (12,)),
    Family("digits-osc-held5", False, "digits", ("mlp", "lenet5"), ("sgd", "adamw"), (0.6, 6.0), (5,)),
    Family("digits-adadelta-held4", False, "digits", ("mlp", "lenet5", "deep_relu_bn"), ("adadelta",),
           (0.3, 30.0, 300.0), (2,)),
    Family("digits-highlr-held4", True, "digits", ("deep_sigmoid", "lenet5", "lstm"), ("adagrad", "adamw"),
           (0.7, 12.0), (2,)),
    Family("moons-highlr-held4", True, "moons", ("deep_relu_bn", "perceptron"), ("adagrad", "sgd"), (2.5, 60.0),
           (8,)),
    Family("circles-osc-held4", False, "circles", ("mlp", "deep_sigmoid"), ("rmsprop", "adamw"), (0.15, 0.6), (10,)),
    Family("xor-highlr-held4", False, "xor", ("mlp", "deep_sigmoid"), ("sgd", "adadelta"), (0.25, 7.0, 70.0), (8,)),
    # round 6 (fresh then, read since), written and committed before the change to the vanishing-gradient remedy
    # (batch normalization helped in 50/58 cells, 86.2 %), never tuned on: deep sigmoid networks at rates,
    # optimizers, data and epochs not used before (very low and very high rates), and ReLU networks at high rates
    # (units killed by the rate)
    Family("digits-vanish-fresh6", True, "digits", ("deep_sigmoid",), ("sgd", "adagrad", "rmsprop"),
           (3e-4, 0.03, 3.0), (2,)),
    Family("moons-vanish-fresh6", True, "moons", ("deep_sigmoid",), ("adam", "adadelta"), (0.003, 0.3, 5.0), (8,)),
    Family("blobs-vanish-fresh6", True, "blobs", ("deep_sigmoid", "mlp"), ("sgd", "adamw"), (0.02, 2.0), (10,)),
    Family("spirals-vanish-fresh6", True, "spirals", ("deep_sigmoid",), ("rmsprop", "sgd"), (3e-4, 0.5), (12,)),
    # read after that change: its LeNet-5 at Adagrad 3 and 9 is told exploding and one decade lower (0.3, 0.9) left
    # it at chance (LeNet-5 at Adagrad 0.01 reached 92.0 %, but an MLP on circles at Adagrad 30 → 0.01 fell to 63.8 %
    # where → 1 reached 100 %): the exploding remedy's open case for Adagrad, not changed in round 6
    Family("relu-highlr-fresh6", True, "digits", ("lenet5", "mlp"), ("sgd", "adagrad"), (3.0, 9.0), (3,)),
    # round 7, written and committed before the change to the exploding and underfitting remedies, never tuned on:
    # Adagrad and RMSprop at high rates on other templates and data, recurrent nets at rates and optimizers not
    # used before, Adadelta far above its usual rate of 1, and one-to-three-epoch runs that may stop short
    Family("digits-adagrad-fresh7", True, "digits", ("mlp", "deep_relu_bn", "lenet5"), ("adagrad",),
           (1.5, 4.0, 25.0), (3,), fresh=True),
    Family("spirals-adaptive-fresh7", True, "spirals", ("mlp", "deep_relu_bn"), ("adagrad", "rmsprop"), (2.0, 15.0),
           (10,), fresh=True),
    Family("blobs-adagrad-fresh7", True, "blobs", ("perceptron", "deep_relu_bn"), ("adagrad",), (5.0, 50.0), (8,),
           fresh=True),
    Family("recurrent-fresh7", True, "digits", ("rnn", "lstm"), ("adam", "rmsprop", "adagrad"), (0.05, 0.4), (2,),
           fresh=True),
    Family("recurrent-adadelta-fresh7", True, "digits", ("rnn", "lstm", "transformer"), ("adadelta",), (5.0, 60.0),
           (2,), fresh=True),
    Family("moons-adadelta-fresh7", True, "moons", ("mlp", "deep_relu_bn", "perceptron"), ("adadelta",),
           (40.0, 400.0), (8,), fresh=True),
    Family("digits-underfit-fresh7", True, "digits", ("lenet5", "deep_relu_bn", "transformer"),
           ("adagrad", "adadelta", "sgd"), (0.01, 0.1), (1,), fresh=True),
    Family("spirals-underfit-fresh7", True, "spirals", ("mlp", "deep_relu_bn"), ("adamw", "adagrad"), (0.003, 0.03),
           (3,), fresh=True),
)
FULL = (  # --full: everything that fits, more epochs and rates
    Family("digits-full", True, "digits", ("mlp", "deep_sigmoid", "deep_relu_bn", "lenet5", "rnn", "lstm",
                                           "transformer"), ("sgd", "adam", "rmsprop"), LRS, (1, 3, 8)),
    Family("points-full", True, "circles", ("perceptron", "mlp", "deep_sigmoid", "deep_relu_bn"),
           ("sgd", "adam"), LRS, (2, 6)),
)


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
    run = session.with_extras(run, gradients.to_dict())
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
