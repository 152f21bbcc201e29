"""`runs`: list a project's training runs (settings, epochs, best epoch, test accuracy, which
one the weights are from, and the curve doctor's findings), as a table or as JSON.

Never imports Qt.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Sequence

from ..formatting import inert
from ..project import load
from ..runs import Run, advise, parameter_count, run_to_dict
from ..serialize import ProjectError
from . import UsageError, echo


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("runs", help="list a project's training runs",
                       description="List the training runs saved in a project. Exit 0, or 2 for an unreadable "
                                   "file.")
    p.add_argument("project", help="a .nwproj (or .json) project file")
    p.add_argument("--json", action="store_true", help="print a JSON list of runs")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        project = load(args.project)
    except ProjectError as exc:
        raise UsageError(str(exc)) from None
    for warning in project.warnings:
        echo(f"warning: {warning}", file=sys.stderr)
    adopted = project.adopted_run if project.weights else None
    if args.json:
        echo(json.dumps([as_json(r, r.id == adopted, project.runs) for r in project.runs], indent=2), lines=True)
    else:
        echo(table(project.runs, adopted), lines=True)
    return 0


def as_json(run: Run, adopted: bool, runs: Sequence[Run] = ()) -> dict[str, Any]:
    data = run_to_dict(run)
    return {"id": run.id, "name": run.name, "created": run.created, "dataset": run.dataset,
            "dataset_options": data["dataset"]["options"], "config": data["config"], "history": data["history"],
            "epochs": run.epochs_run, "best_epoch": run.best_epoch, "status": run.status,
            "test_acc": run.test_acc, "test_loss": run.result.test_loss if run.result else None,
            "parameters": parameter_count(run), "fingerprint": run.fingerprint, "parent": run.parent,
            "adopted": adopted, "starred": run.starred, "weights_kept": run.weights is not None,
            "diagnosis": [d.to_dict() for d in advise(run, runs)]}


def _row(r: Run, adopted: str | None, runs: Sequence[Run]) -> tuple[str, ...]:
    """One run's cells; text from the file (id, name, date, dataset) is escaped, so a name
    cannot clear the screen, retitle the terminal, reverse the line or start a line of its own."""
    return ("*" if r.id == adopted else "", inert(r.id), inert(r.name), inert(r.created.replace("T", " ")[:16]) or "?",
            inert(r.dataset) or "?", inert(r.config.optimizer), f"{r.config.lr:g}", str(r.config.batch_size),
            str(r.epochs_run), str(r.best_epoch or "-"), f"{r.test_acc:.2%}" if r.test_acc is not None else "-",
            inert(", ".join(d.code for d in advise(r, runs)) or ("healthy" if not r.failed else r.status)))


def table(runs: list[Run], adopted: str | None) -> str:
    if not runs:
        return "no runs: this project has not been trained yet"
    header = ("", "id", "name", "date", "dataset", "optimizer", "lr", "batch", "epochs", "best", "test acc",
              "diagnosis")
    rows = [_row(r, adopted, runs) for r in runs]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in (header, *rows)]
    note = "* the run whose weights the project holds" if adopted else "no run's weights are in the project"
    return "\n".join(lines + [note])
