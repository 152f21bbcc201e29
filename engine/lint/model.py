"""What a lint says: `LintWarning` (node, code, plain-language message, the course's reason, a fix)
and `Fix`, a one-click repair written as data (`Step`s) that both the engine (`apply_fix`, on a
copy of the graph) and the GUI (as existing undo commands) can carry out.

Step actions:
    insert      put a new `layer` (with `params`) on the edge `src` -> `dst`
    remove      delete `node` and connect its single input to everything it fed
    replace     swap `node` for a new `layer` (with `params`), keeping its connections
    set_params  give `node` new parameter values (merged over its current ones)
Must not import Qt or torch.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ACTIONS = ("insert", "remove", "replace", "set_params")


@dataclass(frozen=True)
class Step:
    action: str  # one of ACTIONS
    node: str = ""  # remove, replace, set_params: the node acted on
    layer: str = ""  # insert, replace: the new layer's catalog id
    params: dict[str, Any] = field(default_factory=dict)  # insert, replace: new params; set_params: changes
    src: str = ""  # insert: the edge the new layer goes on
    dst: str = ""

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"unknown fix action {self.action!r}")


@dataclass(frozen=True)
class Fix:
    title: str  # what the button says: "Insert ReLU after fc1"
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class LintWarning:
    node: str  # the layer the warning is about (shown on that node)
    code: str  # stable identifier, e.g. "no_activation"
    message: str  # one sentence naming the layer and what is wrong
    reason: str  # why, in the course's words
    fix: Fix | None = None

    def to_json(self) -> dict[str, str]:
        """The command line's JSON form: exactly node, code and message."""
        return {"node": self.node, "code": self.code, "message": self.message}
