"""Every run keeps its weights: which runs keep them (the cap), how a project file stores them,
what they add to its size, and making a run's weights the project's again.

File form: one safetensors member per run, `runs/<run id>.safetensors`, beside the project's
own `weights.safetensors` (which holds the adopted run's weights, so the adopted run needs
no member of its own). Each member's metadata may carry the calibration fitted to those
weights. The project's "run_weights" section holds the user's settings (`WeightSettings`):
how many runs keep weights (the oldest unstarred lose them first; starred runs and the
adopted run always keep theirs) and whether runs' weights are stored as float16. Float16
halves a run's member; a tensor with values beyond float16's range stays float32, and the
adopted weights (`weights.safetensors`) are never halved: they are what Draw, Play and
Export use. A file without members opens as before: its runs simply have no weights, except
the adopted run, whose weights are the project's. Nothing here runs code from a file:
safetensors and JSON only. Must not import Qt.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, replace
from typing import Any, Mapping, Sequence

import torch

from engine import weights_file
from engine.formatting import byte_size
from engine.runs.record import Run, RunWeights
from engine.serialize import ProjectError, graph_from_dict, max_depth

SECTION = "run_weights"  # the project file's section for WeightSettings
MEMBER_PREFIX = "runs/"
MEMBER_NAME = re.compile(r"runs/[A-Za-z0-9_-]{1,64}\.safetensors")
DEFAULT_KEEP = 10  # runs that keep weights when the user set nothing
MAX_KEEP = 50  # the most runs a project file keeps weights for (bounds the archive's members)
SIZE_WARNING = 2**30  # runs' weights adding more than this to a file are worth a question before saving
FLOAT16_MAX = 65504.0  # the largest finite float16: beyond it a tensor is stored as float32
MAX_CALIBRATION_TEXT = 4 * 2**20  # a digit network's calibration (engine.training.digit_shape) is ~1 MB
MAX_CALIBRATION_DEPTH = 8


class RunWeightsError(ProjectError):
    """A run's weights cannot be used (not kept, or they do not fit); the message says why."""


@dataclass(frozen=True)
class WeightSettings:
    """How a project keeps its runs' weights (the "run_weights" section of its file)."""

    keep: int = DEFAULT_KEEP  # runs that keep weights; beyond it the oldest unstarred lose theirs
    float16: bool = False  # store runs' weights as float16: half the size, about 3 significant digits

    @classmethod
    def of(cls, sections: Mapping[str, Any] | None) -> WeightSettings:
        """The settings in a project's sections; missing or damaged values take their defaults."""
        raw = (sections or {}).get(SECTION)
        raw = raw if isinstance(raw, Mapping) else {}
        keep = raw.get("keep", DEFAULT_KEEP)
        keep = keep if isinstance(keep, int) and not isinstance(keep, bool) else DEFAULT_KEEP
        return cls(min(max(keep, 0), MAX_KEEP), raw.get("float16") is True)

    def to_section(self) -> dict[str, Any]:
        return {"keep": self.keep, "float16": self.float16}


def member_name(run_id: str) -> str:
    return f"{MEMBER_PREFIX}{run_id}.safetensors"  # run ids are [A-Za-z0-9_-] (engine.schema.RunId)


def is_member(name: str) -> bool:
    """Whether an archive member's name is a run's weights (as `member_name` writes it)."""
    return MEMBER_NAME.fullmatch(name) is not None


def capped(runs: Sequence[Run], keep: int, adopted: str | None) -> list[Run]:
    """`runs` with the weights of the oldest unstarred runs dropped until at most `keep` keep
    theirs; starred runs and the adopted one keep them whatever the count."""
    holders = [r for r in runs if r.weights is not None]
    excess = len(holders) - keep
    droppable = [r.id for r in holders if not r.starred and r.id != adopted][:max(excess, 0)]
    if not droppable:
        return list(runs)
    gone = set(droppable)
    return [replace(r, weights=None) if r.id in gone else r for r in runs]


def stored(runs: Sequence[Run], adopted: str | None, settings: WeightSettings) -> list[Run]:
    """The runs that get a member of their own: those keeping weights after the cap, but the adopted."""
    return [r for r in capped(runs, settings.keep, adopted) if r.weights is not None and r.id != adopted]


def tensor_bytes(tensor: torch.Tensor, float16: bool) -> int:
    halved = float16 and tensor.dtype.is_floating_point and tensor.dtype != torch.float16
    return tensor.numel() * (2 if halved else tensor.element_size())


def run_bytes(run: Run, float16: bool) -> int:
    """The data bytes `run`'s member takes (its header adds well under 1 %); meta tensors count too."""
    if run.weights is None:
        return 0
    return sum(tensor_bytes(t, float16) for t in run.weights.tensors.values())


def added_bytes(runs: Sequence[Run], adopted: str | None, settings: WeightSettings) -> int:
    """What the runs' weights add to the project file, as it would be saved now."""
    return sum(run_bytes(r, settings.float16) for r in stored(runs, adopted, settings))


def size_note(runs: Sequence[Run], adopted: str | None, settings: WeightSettings) -> str:
    """One line for the user: what the runs' weights add to the file."""
    kept = stored(runs, adopted, settings)
    if not kept:
        return "Runs' weights add nothing to the file (only the adopted weights are saved)."
    how = " as float16" if settings.float16 else ""
    besides = " besides the adopted one" if adopted is not None else ""
    return (f"Runs' weights add {byte_size(added_bytes(runs, adopted, settings))} to the file "
            f"({len(kept)} run{'s' if len(kept) != 1 else ''}{besides}{how}; at most {settings.keep} runs keep "
            "weights, starred ones always).")


def size_warning(runs: Sequence[Run], adopted: str | None, settings: WeightSettings) -> str | None:
    """A warning to show before saving when the runs' weights make the file very large, else None."""
    size = added_bytes(runs, adopted, settings)
    if size <= SIZE_WARNING:
        return None
    halve = "" if settings.float16 else "store runs' weights as float16 (halves it), or "
    return (f"the runs' weights add {byte_size(size)} to the project file "
            f"({len(stored(runs, adopted, settings))} runs); saving and opening it take long — {halve}lower how "
            "many runs keep weights (starred runs always keep theirs)")


def save_warning(parts: Mapping[str, Any]) -> str | None:
    """`size_warning` for what engine.project.save is about to be given (its keyword arguments)."""
    adopted = parts.get("adopted_run") if parts.get("weights") is not None else None
    return size_warning(parts.get("runs") or [], adopted, WeightSettings.of(parts.get("sections")))


def encode(weights: RunWeights, float16: bool, fmt: str) -> bytes:
    """A run's safetensors member; float16 for every floating tensor that fits its range."""
    tensors = {k: _stored_tensor(v.detach().to("cpu"), float16) for k, v in weights.tensors.items()}
    metadata = {"format": fmt}
    text = json.dumps(dict(weights.calibration)) if weights.calibration is not None else None
    if text is not None and _calibration(text) is not None:  # what the reader would refuse is not written
        metadata["calibration"] = text
    return weights_file.to_bytes(tensors, fmt, metadata)


def _stored_tensor(tensor: torch.Tensor, float16: bool) -> torch.Tensor:
    if not float16 or not tensor.dtype.is_floating_point or tensor.numel() == 0:
        return tensor
    if float(tensor.abs().max()) > FLOAT16_MAX:
        return tensor  # would become infinite: kept exact
    return tensor.to(torch.float16)


def expected_for(run: Run) -> weights_file.Expected:
    """The state-dict names, shapes and dtypes of the network `run` trained; ProjectError if it has errors."""
    from engine.builder import BuildError, expected_state

    try:
        return expected_state(graph_from_dict(dict(run.network)))
    except BuildError as exc:
        raise ProjectError(f"its network cannot be built ({exc})") from None


def member_limit(expected: weights_file.Expected) -> int:
    """The most bytes a run's member can need: its tensors, with the calibration in its metadata."""
    return weights_file.size_limit(expected) + MAX_CALIBRATION_TEXT


def decode(blob: bytes, expected: weights_file.Expected) -> RunWeights:
    """A run's member read back, checked against its network (float32 in memory)."""
    tensors = weights_file.parse(blob, expected)
    text = weights_file.metadata(blob).get("calibration")
    return RunWeights(tensors, _calibration(text))


def _calibration(text: str | None) -> dict[str, Any] | None:
    """The stored calibration, or None when absent or damaged (predictions are then uncalibrated)."""
    if not text or len(text) > MAX_CALIBRATION_TEXT:
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    numbers_ok = all(not isinstance(v, float) or math.isfinite(v) for v in value.values()) \
        if isinstance(value, dict) else False
    return value if numbers_ok and max_depth(value) <= MAX_CALIBRATION_DEPTH else None


def find(runs: Sequence[Run], run_id: str) -> Run:
    run = next((r for r in runs if r.id == run_id), None)
    if run is None:
        raise RunWeightsError(f"the project has no run {run_id!r}")
    if run.weights is None:
        raise RunWeightsError(f"{run.name} kept no weights (runs beyond the project's limit lose theirs, oldest "
                              "unstarred first; a failed run has none) — train it again")
    return run


def weights_meta(run: Run) -> dict[str, Any]:
    """The project's meta for `run`'s weights: its dataset's, with the calibration fitted to them."""
    meta = dict(run.dataset_meta)
    if run.weights is not None and run.weights.calibration is not None:
        meta["calibration"] = dict(run.weights.calibration)
    return meta


def use_run_weights(project: Any, run_id: str) -> Run:
    """Make run `run_id`'s weights the project's (an engine.project.Project, changed in place):
    its network comes back too when the project's has changed since. The optimizer state stays
    only when the run was already the adopted one (continuing any other starts a fresh optimizer)."""
    from engine.runs.network import fingerprint

    run = find(project.runs, run_id)
    if fingerprint(project.graph) != run.fingerprint:
        project.graph = graph_from_dict(dict(run.network))
    if project.adopted_run != run.id:
        project.optimizer_state = None
    project.weights = dict(run.weights.tensors)
    project.meta = weights_meta(run)
    project.adopted_run = run.id
    return run


# -- the archive side (engine.project calls these) ---------------------------------------------
def run_members(runs: Sequence[Run] | None, adopted: str | None, sections: Mapping[str, Any] | None,
                fmt: str) -> list[tuple[str, bytes]]:
    """(member name, safetensors bytes) of every run that keeps weights of its own in the file."""
    settings = WeightSettings.of(sections)
    members = []
    for run in stored(runs or [], adopted, settings):
        try:
            weights_file.check_state(run.weights.tensors, expected_for(run))
        except ProjectError as exc:
            raise ProjectError(f"cannot save the weights of {run.name}: {exc}") from None
        members.append((member_name(run.id), encode(run.weights, settings.float16, fmt)))
    return members


def attach(project: Any, names: set[str], read: Any) -> None:
    """Give `project`'s runs their weights: from their members (`read(name, limit)` returns the
    bytes, bounded), the adopted run from the project's own weights. A member that does not open
    leaves its run without weights and says so in `project.warnings`."""
    runs = []
    for run in project.runs:
        runs.append(_with_weights(project, run, names, read))
    project.runs = runs


def _adopted_weights(project: Any, run: Run) -> Run:
    """The adopted run's weights are the project's, when they fit the network it trained."""
    if project.weights is None:
        return run
    try:
        weights_file.check_fit({k: tuple(v.shape) for k, v in project.weights.items()},
                               {k: shape for k, (shape, _) in expected_for(run).items()})
    except ProjectError:
        return run
    return replace(run, weights=RunWeights(project.weights, project.meta.get("calibration")))


def _with_weights(project: Any, run: Run, names: set[str], read: Any) -> Run:
    name = member_name(run.id)
    if name not in names:
        return _adopted_weights(project, run) if run.id == project.adopted_run else run
    try:
        expected = expected_for(run)
        return replace(run, weights=decode(read(name, member_limit(expected)), expected))
    except ProjectError as exc:
        project.warnings.append(f"the weights of {run.name} were left out: {exc}")
        return run
