"""The curve doctor with the project's memory: a run's findings, never repeating a one-click change that
the run before already tried without success.

`advise(run, runs)` is what the banner and the CLI print. It looks for the run this one was made from
by a doctor's one click (`remedied_from`): an earlier run on the same data whose finding's change,
applied to its settings (or its network, engine.training.network_remedy), gives exactly this run's
settings and network. When this run proposes the same change again and did not do better than that
run (`evidence.helped`: test accuracy, else the final validation loss), the finding says so and offers
the doctor's other remedy (`alternative`) or none. A continued run (`parent`) counts as its
parent with more epochs. Torch-free (the network changes compared here need no shapes). Must not
import Qt.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Mapping, Sequence

from engine.graph import Graph, GraphError
from engine.runs.network import fingerprint, snapshot
from engine.runs.record import Run, network_changes
from engine.serialize import ProjectError, graph_from_dict
from engine.training.config import TrainConfig
from engine.training.doctor import network_diagnosis
from engine.training.evidence import helped
from engine.training.findings import NETWORK_CHANGES, WARNING, Diagnosis
from engine.training.network_remedy import to_relu


def advise(run: Run, runs: Sequence[Run]) -> list[Diagnosis]:
    """`run.diagnosis`, with the no-repeat rule applied against the earlier `runs` of its project."""
    found = run.diagnosis
    source = remedied_from(run, runs)
    if source is None:
        return found
    before, applied = source
    if helped(*_scores(before), *_scores(run)):
        return found
    tried = _tried_text(before, run, applied)
    kinds = network_changes(run) or ()
    done = [applied.network_change] if applied.network_change else []
    return [with_alternative(d, tried, alternative(d, run.config, kinds, done)) if _same_remedy(d, applied)
            else replace(d, message=f"{tried} {d.message}") if d.code == applied.code else d for d in found]


def remedied_from(run: Run, runs: Sequence[Run]) -> tuple[Run, Diagnosis] | None:
    """(the earlier run, its finding) whose one-click change made `run`; None when it was made otherwise."""
    earlier = _earlier(run, runs)
    if run.parent is not None:
        parent = next((r for r in earlier if r.id == run.parent), None)
        applied = next((d for d in parent.diagnosis if "epochs" in d.change), None) if parent else None
        return (parent, applied) if parent is not None and applied is not None else None
    for before in reversed(earlier):
        if before.dataset != run.dataset or dict(before.dataset_options) != dict(run.dataset_options):
            continue
        for d in before.diagnosis:
            if d.change and before.fingerprint == run.fingerprint and _config_after(before, d) == run.config:
                return before, d
            if d.network_change and before.config == run.config \
                    and network_change_between(before.network, run.network) == d.network_change:
                return before, d
    return None


def network_change_between(before: Mapping, after: Mapping) -> str | None:
    """Which network remedy turns `before` into `after` (graph dicts), or None."""
    try:
        old, new = graph_from_dict(dict(before)), graph_from_dict(dict(after))
    except (ProjectError, GraphError, TypeError, ValueError):
        return None
    if _canon(to_relu(old)) == _canon(new) != _canon(old):
        return "relu"
    added = [n.id for n in new.nodes.values() if n.id not in old and n.layer in ("batchnorm1d", "batchnorm2d")]
    return "batchnorm" if added and _canon(_without(new, added)) == _canon(old) else None


def _canon(graph: Graph) -> str:
    """The fingerprint with edges in one order (by destination, inputs in order), whatever order the nodes
    were added in."""
    data = snapshot(graph)
    return fingerprint({**data, "edges": sorted(data["edges"], key=lambda edge: edge[1])})


def _without(graph: Graph, node_ids: list[str]) -> Graph:
    """`graph` with each single-input node in `node_ids` taken out and its input wired to what it fed."""
    result = graph.copy()
    for node_id in node_ids:
        (src,) = result.inputs_of(node_id) or ("",)
        _, removed = result.remove_node(node_id)
        for index, edge in sorted(removed, key=lambda ie: ie[0]):
            if edge.src == node_id and src:
                result.connect(src, edge.dst, index)
    return result


def _earlier(run: Run, runs: Sequence[Run]) -> list[Run]:
    ids = [r.id for r in runs]
    return list(runs[:ids.index(run.id)]) if run.id in ids else list(runs)


def _config_after(run: Run, d: Diagnosis):
    try:
        return replace(run.config, **d.change)
    except TypeError:  # a change this version's settings do not have
        return None


def _same_remedy(found: Diagnosis, applied: Diagnosis) -> bool:
    """The same one click again: the same network change, or a change of the same settings by the same code."""
    if found.network_change or applied.network_change:
        return found.network_change == applied.network_change
    return bool(found.change) and found.code == applied.code and set(found.change) == set(applied.change)


def _scores(run: Run) -> tuple[float | None, float | None]:
    """(test accuracy, final validation loss, else training loss) of a run."""
    last = run.epochs[-1] if run.epochs else None
    loss = None if last is None else (last.val_loss if last.val_loss is not None else last.train_loss)
    return run.test_acc, loss


def _tried_text(before: Run, run: Run, applied: Diagnosis) -> str:
    acc = (before.test_acc, run.test_acc)
    result = (f"test accuracy {acc[0]:.1%} → {acc[1]:.1%}" if None not in acc else "no better loss")
    return (f"{run.name} already tried {applied.change_text} on the settings of {before.name}, and it did not help "
            f"({result}).")


def with_alternative(found: Diagnosis, tried: str, alternative: Diagnosis | None) -> Diagnosis:
    """`found` told that its one click was already tried (`tried`, a sentence) and did not help: it offers
    `alternative`'s one click instead, or none."""
    if alternative is None or not alternative.one_click:
        return replace(found, message=f"{tried} {found.message} The same one-click change is not offered "
                                      "again.", change={}, change_text="", network_change="")
    return replace(found, message=f"{tried} {found.message} Instead, try {alternative.change_text}.",
                   change=dict(alternative.change), change_text=alternative.change_text,
                   network_change=alternative.network_change)


def alternative(found: Diagnosis, config: TrainConfig, network_changes: Sequence[str],
                tried: Sequence[str] = ()) -> Diagnosis | None:
    """The other remedy for `found` when its own did not help: another network change, a different
    optimizer, a warm-up schedule; None when the doctor has no second one-click remedy."""
    if found.network_change:
        rest = [k for k in network_changes if k != found.network_change and k not in tried and k in NETWORK_CHANGES]
        return network_diagnosis(found.code, rest[0], "", {}) if rest else None
    if found.code in ("lr_too_low", "exploding", "diverged", "oscillating") and config.optimizer != "adam":
        return Diagnosis(found.code, None, WARNING, "", {"optimizer": "adam", "lr": 1e-3},
                         "Adam at learning rate 0.001")
    if found.code in ("exploding", "diverged", "oscillating") and config.schedule != "onecycle":
        return Diagnosis(found.code, None, WARNING, "", {"schedule": "onecycle"},
                         "a one-cycle schedule (it warms up)")
    return None
