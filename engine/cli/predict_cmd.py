"""`predict`: classify image files with a trained project. Never imports Qt."""
from __future__ import annotations

import argparse
import json
import sys

from .. import session
from ..builder import BuildError
from ..digits import ImageError
from ..formatting import inert, probability
from ..inference import UNCALIBRATED, InferenceError, normalization, predict, read_picture, unlike_words
from ..project import load
from ..serialize import ProjectError
from ..training import TrainingError
from ..training.false_alarms import FalseAlarms, false_alarms_of
from . import UsageError, echo


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("predict", help="classify image files with a trained project",
                       description="Print the predicted class and the class probabilities for each image "
                                   "(PNG, JPEG, ...), read and normalized the way the project's training "
                                   "data was. Digits may be dark ink on light paper or light on dark; photos "
                                   "are resized whole to the network's input (or cropped the way pretrained "
                                   "weights record). 'unsure' means the picture is unlike the training data "
                                   "(calibrated when the run finished), and an unsure answer says how often "
                                   "pictures like the training ones are called unsure (JSON: 'unsure_promise', "
                                   "null when the calibration promises nothing); a project without a "
                                   "calibration says its confidence is uncalibrated. Exit 0 success, 2 bad "
                                   "usage, an unreadable project or image.")
    p.add_argument("project", help="a trained .nwproj project")
    p.add_argument("images", nargs="+", help="image files")
    p.add_argument("--top", type=int, default=5, metavar="K",
                   help="the K most likely classes to list (text: all classes when there are at most 12; "
                        "JSON: the 'top' list). Default 5")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(handler=run)


ALL_CLASSES_UP_TO = 12  # text output lists every class up to this many, else the top K


def _plain(path: str, pred, meta: dict, top: int, promise: FalseAlarms | None = None) -> str:
    """One line of words for a prediction, then the probabilities (every class, or the top K of
    many); names from the project and the path are escaped one by one, so none can start a line.
    `promise`: what "unsure" promises, said under the first unsure answer only."""
    shown = zip(pred.class_names, pred.probabilities) if len(pred.class_names) <= ALL_CLASSES_UP_TO \
        else pred.top(top)
    probs = "  ".join(f"{inert(n)}: {probability(p, '')}" for n, p in shown)
    if pred.preprocessed.empty:
        head = f"{inert(pred.name)} ({probability(max(pred.probabilities), '')})  (no ink found)"
    elif pred.unsure:
        head = f"unsure — {unlike_words(meta)} (unlike everything it learned; the scores lean to {inert(pred.name)})"
    else:
        head = f"{inert(pred.name)} ({probability(max(pred.probabilities), '')})"
    note = "" if pred.calibrated or pred.preprocessed.empty else f"\n    ({UNCALIBRATED})"
    note += f"\n    ({promise.words()})" if promise is not None and pred.unsure else ""
    return f"{inert(path)}: {head}\n    {probs}{note}"


def run(args: argparse.Namespace) -> int:
    if args.top < 1:
        raise UsageError(f"--top needs at least 1 class, not {args.top}")
    try:
        project = load(args.project)
        module = session.trained_module(project)
        normalization(project.meta, int(module.input_shape[0]))  # damaged statistics: say so once
    except (ProjectError, TrainingError, BuildError, InferenceError) as exc:
        raise UsageError(str(exc)) from None
    results, failed = [], 0
    promise = false_alarms_of(project.meta)
    promised = promise.to_json() if promise is not None else None
    for path in args.images:
        try:
            pred = predict(module, read_picture(path, project.meta, module.input_shape), project.meta)
        except ImageError as exc:
            echo(f"error: {exc}", file=sys.stderr)
            failed += 1
            continue
        except InferenceError as exc:
            raise UsageError(str(exc)) from None
        results.append({"image": path, "label": pred.label, "class": pred.name,
                        "probabilities": dict(zip(pred.class_names, pred.probabilities)),
                        "unsure": pred.unsure, "empty": pred.preprocessed.empty,
                        "top": [{"class": n, "probability": p} for n, p in pred.top(args.top)],
                        "calibrated": pred.calibrated,
                        "unsure_promise": promised})
        if not args.json:
            echo(_plain(path, pred, project.meta, args.top, promise), lines=True)
            promise = None if pred.unsure else promise  # said once
    if args.json:
        echo(json.dumps(results, indent=2), lines=True)
    return 2 if failed else 0
