"""The project file's JSON, described once (msgspec): both the writer and the reader come from here.

Every limit the reader enforces is a constant of this module, written into the types below
(`Meta(max_length=...)`, ranges, patterns). The reader converts what `json.loads` produced
with `read_as`; the writer fits what the app holds to the same constants (engine.runs.fit)
and then passes it through the very same conversion before a byte is written (`write_as`),
so a file the app saves is a file the app opens. Which fields exist and what they mean is
documented in README, "Project files". Parts the types cannot say (a confusion matrix is
square, epochs rise, the network's own rules in engine.graph, the settings' in TrainConfig)
are checked after conversion by the owner of each part (engine.runs.codec, engine.serialize).
Must not import Qt or torch.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

import msgspec
from msgspec import Meta, Struct

from engine.serialize import ProjectError, max_depth
from engine.training.config import OPTIMIZERS
from engine.training.records import STATUSES

# -- limits: the reader refuses beyond them, the writer fits within them ------------------------
MAX_RUNS = 1000
MAX_TEXT = 400  # a run's name, date, dataset name
MAX_MESSAGE = 4 * MAX_TEXT
MAX_KEY = 64  # names in free-form mappings
MAX_EPOCH = 10**9  # an epoch number (a continued run numbers on)
MAX_HISTORY = 5000  # per-epoch records kept per run; longer histories are thinned (fit.thin_history)
MAX_STEP_POINTS_READ = 20_000  # the app keeps 2,000 (engine.runs.record); other writers may keep more
MAX_CLASSES = 1000  # a confusion matrix stored whole; more classes are stored as a summary
MAX_SUMMARY_CLASSES = 100_000  # per-class counts of a summary; beyond, only its top confusions
MAX_TOP_CONFUSIONS = 2000  # (true, predicted, count) triples of a summary
MAX_MISTAKES = 1000
MAX_SERIES = 64  # named series in a run's extras
MAX_SERIES_LAYERS = 50_000  # layers of one per-layer series (engine.graph.MAX_NODES)
MAX_SERIES_POINTS = 1000  # time points of one series
MAX_SERIES_NUMBERS = 200_000  # numbers in a run's extras together (fit.thin_extras keeps within)
MAX_FREE_DEPTH = 32  # nesting of free-form mappings (meta, dataset meta and options)
MAX_FREE_KEYS = 50_000  # names in one free-form mapping
MAX_FLOAT = 1.7976931348623157e308

Finite = Annotated[float, Meta(ge=-MAX_FLOAT, le=MAX_FLOAT)]  # NaN and infinities refused
Fraction = Annotated[float, Meta(ge=0.0, le=1.0)]  # accuracies and probabilities
Count = Annotated[int, Meta(ge=0)]
Text = Annotated[str, Meta(max_length=MAX_TEXT)]
Key = Annotated[str, Meta(max_length=MAX_KEY)]
RunId = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
EpochNumber = Annotated[int, Meta(ge=1, le=MAX_EPOCH)]
Point = Finite | None  # a measurement; null where it diverged


class _Part(Struct, forbid_unknown_fields=False):
    """File parts ignore keys they do not know (a newer minor writer); they are not kept."""


class Epoch(_Part):
    epoch: EpochNumber
    train_loss: Finite
    train_acc: Fraction
    lr: Finite
    seconds: Finite
    val_loss: Finite | None = None
    val_acc: Fraction | None = None
    is_best: bool = False


class Steps(_Part):
    x: Annotated[list[Finite], Meta(max_length=MAX_STEP_POINTS_READ)] = []
    loss: Annotated[list[Finite], Meta(max_length=MAX_STEP_POINTS_READ)] = []
    lr: Annotated[list[Finite], Meta(max_length=MAX_STEP_POINTS_READ)] = []
    steps_per_epoch: Count = 0
    steps: Count = 0


class Result(_Part):
    status: Literal[STATUSES]  # type: ignore[valid-type]
    message: Annotated[str, Meta(max_length=MAX_MESSAGE)] = ""
    best_epoch: Count | None = None
    best_val_acc: Fraction | None = None
    test_acc: Fraction | None = None
    test_loss: Finite | None = None
    epochs_run: Count | None = 0


class ConfusionSummary(_Part):
    """A confusion matrix too large to keep whole (over MAX_CLASSES classes, fewer in a project
    with many runs), as the file keeps it."""
    classes: Annotated[int, Meta(ge=1)]
    total: Count  # test samples
    correct: Count  # on the diagonal
    per_class_correct: Annotated[list[Count], Meta(max_length=MAX_SUMMARY_CLASSES)] = []
    per_class_total: Annotated[list[Count], Meta(max_length=MAX_SUMMARY_CLASSES)] = []
    top: Annotated[list[tuple[Count, Count, Count]], Meta(max_length=MAX_TOP_CONFUSIONS)] = []
    note: Annotated[str, Meta(max_length=MAX_MESSAGE)] = ""


class MistakeList(_Part):
    index: Annotated[list[Count], Meta(max_length=MAX_MISTAKES)] = []
    true: Annotated[list[Count], Meta(max_length=MAX_MISTAKES)] = []
    predicted: Annotated[list[Count], Meta(max_length=MAX_MISTAKES)] = []
    confidence: Annotated[list[Fraction], Meta(max_length=MAX_MISTAKES)] = []
    total: Count = 0


Series = Annotated[list[Point], Meta(max_length=MAX_SERIES_POINTS)]
PerLayer = Annotated[dict[str, Series], Meta(max_length=MAX_SERIES_LAYERS)]
Extras = Annotated[dict[Key, Series | PerLayer], Meta(max_length=MAX_SERIES)]
FreeMap = Annotated[dict[Key, Any], Meta(max_length=MAX_FREE_KEYS)]


class Dataset(_Part):
    name: Text = ""
    options: FreeMap = {}
    meta: FreeMap = {}


class RunEntry(_Part):
    """One run of the "runs" section."""
    id: RunId
    config: dict[str, Any]  # TrainConfig.from_dict checks it
    dataset: Dataset
    network: dict[str, Any]  # engine.serialize.graph_from_dict checks it
    name: Text = ""
    created: Text = ""
    fingerprint: str = ""  # recomputed on reading; never trusted
    parent: RunId | None = None
    first_epoch: Annotated[int, Meta(ge=1, le=MAX_EPOCH)] = 1
    history: Annotated[list[Epoch], Meta(max_length=MAX_HISTORY)] = []
    steps: Steps | None = None
    result: Result | None = None
    confusion: Annotated[list[Annotated[list[Count], Meta(max_length=MAX_CLASSES)]],
                         Meta(min_length=1, max_length=MAX_CLASSES)] | None = None
    confusion_summary: ConfusionSummary | None = None
    mistakes: MistakeList | None = None
    extras: Extras = {}
    starred: bool = False  # keeps its weights whatever the project's cap (engine.runs.weights)


OptimizerNumbers = Annotated[dict[Annotated[str, Meta(pattern=r"^\d{1,7}$")],
                                  dict[Annotated[str, Meta(pattern=r"^[a-z_]{1,32}$")], int | Finite | None]],
                             Meta(max_length=1_000_000)]


class OptimizerSection(_Part):
    """The adopted run's optimizer state (its tensors are in optimizer.safetensors)."""
    run: RunId
    optimizer: Literal[OPTIMIZERS]  # type: ignore[valid-type]
    numbers: OptimizerNumbers = {}
    tensors: Annotated[list[Annotated[str, Meta(pattern=r"^\d{1,7}\.[a-z_]{1,32}$")]],
                       Meta(max_length=4_000_000)] = []


T = TypeVar("T")

PART_NAMES = {"history": "per-epoch history", "steps": "per-step curve", "result": "result",
              "confusion": "confusion matrix", "confusion_summary": "confusion summary",
              "mistakes": "list of mistakes", "extras": "extras", "dataset": "dataset entry",
              "id": "id", "parent": "parent run id", "first_epoch": "first epoch", "config": "settings",
              "name": "name", "created": "date", "network": "network", "numbers": "numbers",
              "tensors": "tensor list"}


def read_as(value: Any, kind: type[T]) -> T:
    """`value` (from json.loads) as `kind`; ProjectError says which part is wrong and how."""
    try:
        return msgspec.convert(value, kind)
    except msgspec.ValidationError as exc:
        raise ProjectError(describe(str(exc))) from None


def write_as(value: Any, kind: type) -> Any:
    """What the writer stores: `value` checked and normalized by the reader's own conversion, as
    plain JSON values. A failure here is a writer that did not fit its data: a bug, said so."""
    try:
        return msgspec.to_builtins(msgspec.convert(value, kind))
    except msgspec.ValidationError as exc:
        raise ProjectError(f"cannot save: the project holds a value its file cannot keep ({describe(str(exc))}) "
                           "— please report this") from None


def describe(problem: str) -> str:
    """A msgspec message ("Expected `float`, got `str` - at `$.history[0].train_loss`") in words."""
    detail, _, where = problem.partition(" - at ")
    where = where.strip("`").removeprefix("$").lstrip(".")
    part = where.split(".")[0].split("[")[0]
    name = PART_NAMES.get(part, part or "entry")
    field = where.rsplit(".", 1)[-1].split("[")[0]
    if field.endswith("acc") or field == "confidence":
        detail = f"an accuracy or probability must lie between 0 and 1, e.g. 0.93 for 93 % ({detail})"
    elif "got `array`" in detail or "got `object`" in detail:
        detail = "nested too deeply" if part in ("extras",) else detail
    elif "`float`" in detail or "`int`" in detail or "missing required field" in detail:
        detail = f"a missing, non-finite or out-of-range number ({detail})"
    return f"its {name} is damaged: {detail}" + (f" (at {where})" if where else "")


def free_depth(value: Any, limit: int = MAX_FREE_DEPTH) -> bool:
    """True when `value`'s nesting stays within `limit` (checked without recursion)."""
    return max_depth(value, limit) <= limit
