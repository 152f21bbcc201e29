"""`predict`: classify image files with a trained project. Never imports Qt."""
from __future__ import annotations

import argparse
import json
import sys

from .. import session
from ..builder import BuildError
from ..digits import ImageError, load_image_file
from ..formatting import inert, probability
from ..inference import InferenceError, normalization, predict, unlike_words
from ..project import load
from ..serialize import ProjectError
from ..training import TrainingError
from . import UsageError, echo


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("predict", help="classify image files with a trained project",
                       description="Print the predicted class and every class probability for each image "
                                   "(PNG, JPEG, ...). Digits may be dark ink on light paper or light on dark. "
                                   "Exit 0 success, 2 bad usage, an unreadable project or image.")
    p.add_argument("project", help="a trained .nwproj project")
    p.add_argument("images", nargs="+", help="image files")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(handler=run)


def _plain(path: str, pred, meta: dict) -> str:
    """One line of words for a prediction, then every probability; names from the project and
    the path are escaped one by one, so none can start a line of its own."""
    probs = "  ".join(f"{inert(n)}: {probability(p, '')}" for n, p in zip(pred.class_names, pred.probabilities))
    if pred.preprocessed.empty:
        head = f"{inert(pred.name)} ({probability(max(pred.probabilities), '')})  (no ink found)"
    elif pred.unsure:
        head = f"unsure — {unlike_words(meta)} (unlike everything it learned; the scores lean to {inert(pred.name)})"
    else:
        head = f"{inert(pred.name)} ({probability(max(pred.probabilities), '')})"
    return f"{inert(path)}: {head}\n    {probs}"


def run(args: argparse.Namespace) -> int:
    try:
        project = load(args.project)
        module = session.trained_module(project)
        normalization(project.meta, int(module.input_shape[0]))  # damaged statistics: say so once
    except (ProjectError, TrainingError, BuildError, InferenceError) as exc:
        raise UsageError(str(exc)) from None
    results, failed = [], 0
    for path in args.images:
        try:
            pred = predict(module, load_image_file(path), project.meta)
        except ImageError as exc:
            echo(f"error: {exc}", file=sys.stderr)
            failed += 1
            continue
        except InferenceError as exc:
            raise UsageError(str(exc)) from None
        results.append({"image": path, "label": pred.label, "class": pred.name,
                        "probabilities": dict(zip(pred.class_names, pred.probabilities)),
                        "unsure": pred.unsure, "empty": pred.preprocessed.empty})
        if not args.json:
            echo(_plain(path, pred, project.meta), lines=True)
    if args.json:
        echo(json.dumps(results, indent=2), lines=True)
    return 2 if failed else 0
