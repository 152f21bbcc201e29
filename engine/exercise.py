"""Predict-then-reveal exercises: a teacher hides layers' output shapes and parameter counts, the
learner types what they predict, then reveals each answer: right or wrong, with the arithmetic on
the network's own numbers (the analysis' `explain` lines, or the rule for layers without any).

Stored as the project's optional "exercise" section (engine.sections):
    {"hidden": ["conv1", ...] | "all", "fields": ["shape", "params"],
     "goals": {"max_params": 100000, "min_accuracy": 0.98, "dataset": "mnist"},
     "answers": {"conv1": {"shape": "6×28×28", "params": "156"}}, "revealed": ["conv1", ...]}
A teacher saves the file with the exercise and no answers; the student's saved file keeps theirs.
Reading is lenient (wrong types are dropped), never a reason to refuse a file. Qt-free, torch-free.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Mapping

from .catalog import fmt_shape, parse_shape
from .formatting import count, percent

if TYPE_CHECKING:
    from .analysis import Analysis, NodeRow

SECTION = "exercise"
FIELDS = ("shape", "params")
FIELD_TITLES = {"shape": "output shape", "params": "parameters"}
MAX_ANSWER = 64  # characters kept per answer


@dataclass(frozen=True)
class Goals:
    max_params: int | None = None  # "build a network with at most N parameters"
    min_accuracy: float | None = None  # "... that reaches at least X (0..1) test accuracy"
    dataset: str = "mnist"  # ... on this dataset


@dataclass(frozen=True)
class Exercise:
    hidden: tuple[str, ...] | None = None  # node ids whose numbers are hidden; None: every layer
    fields: tuple[str, ...] = FIELDS
    goals: Goals = Goals()
    answers: dict[str, dict[str, str]] = field(default_factory=dict)
    revealed: frozenset[str] = frozenset()

    def hides(self, node_id: str, layer: str = "") -> bool:
        if layer == "input":
            return False  # the data's shape is given, not asked
        return self.hidden is None or node_id in self.hidden

    def asked(self, analysis: "Analysis") -> list[str]:
        """The hidden layers in network order (the ones the learner answers for)."""
        return [r.node_id for r in analysis.rows if self.hides(r.node_id, r.layer_id)]

    def with_answer(self, node_id: str, field_name: str, text: str) -> Exercise:
        answers = {n: dict(a) for n, a in self.answers.items()}
        answers.setdefault(node_id, {})[field_name] = text.strip()[:MAX_ANSWER]
        return replace(self, answers=answers)

    def with_revealed(self, node_ids: list[str] | tuple[str, ...]) -> Exercise:
        return replace(self, revealed=self.revealed | frozenset(node_ids))

    def as_teacher_file(self) -> Exercise:
        """The exercise without any learner's answers, ready to hand out."""
        return replace(self, answers={}, revealed=frozenset())

    def to_section(self) -> dict[str, Any]:
        goals = {k: v for k, v in (("max_params", self.goals.max_params), ("min_accuracy", self.goals.min_accuracy))
                 if v is not None}
        return {"hidden": "all" if self.hidden is None else list(self.hidden), "fields": list(self.fields),
                "goals": {**goals, "dataset": self.goals.dataset} if goals else {},
                "answers": {n: dict(a) for n, a in self.answers.items() if a}, "revealed": sorted(self.revealed)}

    @classmethod
    def from_section(cls, section: Mapping[str, Any] | None) -> Exercise | None:
        """The exercise in a project's "exercise" section; None when the project has none."""
        if not isinstance(section, Mapping) or not section:
            return None
        hidden = section.get("hidden", "all")
        return cls(None if hidden == "all" or not isinstance(hidden, list) else tuple(_strings(hidden)),
                   tuple(f for f in _strings(section.get("fields")) if f in FIELDS) or FIELDS,
                   _goals(_mapping(section.get("goals"))), _answers(section.get("answers")),
                   frozenset(_strings(section.get("revealed"))))


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _answers(raw: Any) -> dict[str, dict[str, str]]:
    answers = {}
    for node, fields in _mapping(raw).items():
        if isinstance(node, str) and isinstance(fields, Mapping):
            answers[node] = {f: str(t)[:MAX_ANSWER] for f, t in fields.items()
                             if f in FIELDS and isinstance(t, (str, int)) and not isinstance(t, bool)}
    return answers


def _goals(raw: Mapping[str, Any]) -> Goals:
    max_params, accuracy = raw.get("max_params"), raw.get("min_accuracy")
    params_ok = isinstance(max_params, int) and not isinstance(max_params, bool) and max_params > 0
    accuracy_ok = isinstance(accuracy, (int, float)) and not isinstance(accuracy, bool) and 0 < accuracy <= 1
    return Goals(max_params if params_ok else None, float(accuracy) if accuracy_ok else None,
                 raw["dataset"] if isinstance(raw.get("dataset"), str) else "mnist")


# -- checking answers ------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    node_id: str
    field: str  # "shape" or "params"
    given: str  # the learner's answer as typed
    expected: str  # the right answer, formatted
    correct: bool | None  # None: no answer; an answer that is not a shape / number is wrong
    arithmetic: tuple[str, ...]  # how the right answer comes out of this network's numbers


_NUMBER = re.compile(r"^\s*(\d[\d,_' ]*)\s*$")


def parse_count(text: str) -> int | None:
    """'156', '1,234', '61 706' -> an int; anything else None."""
    match = _NUMBER.match(text or "")
    return int(re.sub(r"[,_' ]", "", match.group(1))) if match else None


def parse_answer_shape(text: str) -> tuple[int, ...] | None:
    try:
        return parse_shape(text or "")
    except ValueError:
        return None


def check(row: "NodeRow", field_name: str, given: str, input_shapes: tuple = ()) -> Verdict:
    """Is `given` this row's output shape / parameter count? With the arithmetic either way."""
    if field_name == "shape":
        expected_value: Any = tuple(row.output_shape or ())
        parsed: Any = parse_answer_shape(given)
        expected = fmt_shape(expected_value)
    else:
        expected_value, parsed, expected = row.params, parse_count(given), count(row.params)
    correct = None if not given.strip() else (parsed is not None and parsed == expected_value)
    return Verdict(row.node_id, field_name, given, expected, correct, arithmetic(row, field_name))


def arithmetic(row: "NodeRow", field_name: str) -> tuple[str, ...]:
    """The lines that compute the answer, on this layer's own numbers."""
    lines = tuple(line for line in row.explain if _about(line) == field_name)
    if lines:
        return lines
    return (_shape_rule(row),) if field_name == "shape" else (_params_rule(row),)


def _about(line: str) -> str:
    return "params" if line.startswith("parameters") else "shape"


def _shape_rule(row: "NodeRow") -> str:
    out = fmt_shape(row.output_shape or ())
    ins = row.input_shapes
    if row.layer_id == "flatten" and ins:
        return f"flatten multiplies the sizes: {'·'.join(map(str, ins[0]))} = {out}"
    if row.layer_id == "linear" and ins:
        return f"a dense layer gives out_features values per step: {fmt_shape(ins[0])} → {out}"
    if ins and tuple(ins[0]) == tuple(row.output_shape or ()):
        return f"{row.layer_id} keeps the shape of its input: {out}"
    return f"output: {out}"


def _params_rule(row: "NodeRow") -> str:
    if row.params == 0:
        return f"{row.layer_id} has nothing to learn: 0 parameters"
    ins = row.input_shapes
    if row.layer_id.startswith("batchnorm") and ins:
        c = ins[0][0]
        return f"a scale γ and a shift β per channel: 2·{c} = {count(row.params)} (running statistics are not learned)"
    if row.layer_id == "layernorm" and ins:
        d = ins[0][-1]
        return f"a scale γ and a shift β per feature: 2·{d} = {count(row.params)}"
    return f"parameters: {count(row.params)}"


def score(exercise: Exercise, analysis: "Analysis", only_revealed: bool = True) -> tuple[int, int]:
    """(right answers, answers given) over the revealed (or all) hidden layers."""
    right = total = 0
    for verdict in verdicts(exercise, analysis, only_revealed):
        total += verdict.correct is not None
        right += bool(verdict.correct)
    return right, total


def verdicts(exercise: Exercise, analysis: "Analysis", only_revealed: bool = True) -> list[Verdict]:
    result = []
    for node_id in exercise.asked(analysis):
        row = analysis.by_id[node_id]
        if (only_revealed and node_id not in exercise.revealed) or not row.ok:
            continue
        for field_name in exercise.fields:
            result.append(check(row, field_name, exercise.answers.get(node_id, {}).get(field_name, "")))
    return result


# -- goals -------------------------------------------------------------------------------------
def goals_sentence(goals: Goals) -> str:
    """The goals as the learner reads them, one sentence: 'Goal: at most 70,000 parameters and at
    least 98.0 % test accuracy on MNIST.' (or that there is none)."""
    parts = []
    if goals.max_params is not None:
        parts.append(f"at most {count(goals.max_params)} parameters")
    if goals.min_accuracy is not None:
        parts.append(f"at least {percent(goals.min_accuracy)} test accuracy on {_title(goals.dataset)}")
    if not parts:
        return "No goal: the learner only predicts each hidden layer's numbers."
    return f"Goal: a network with {' and '.join(parts)}."


def _title(dataset: str) -> str:
    from .data.info import DatasetError, dataset_info

    try:
        return dataset_info(dataset).title
    except DatasetError:
        return dataset


@dataclass(frozen=True)
class GoalStatus:
    text: str  # the goal and where the network stands, in words
    met: bool | None  # None: cannot tell yet (not trained on the goal's dataset)


def goal_status(goals: Goals, analysis: "Analysis", test_acc: float | None, dataset: str | None,
                weights_fit: bool = True, hide_numbers: bool = False) -> list[GoalStatus]:
    """Each goal, met or not. `test_acc` and `dataset`: the adopted run's test accuracy and the data
    it trained on; `weights_fit`: its weights still fit the network as it is now (after an edit, the
    recorded accuracy belongs to another network). `hide_numbers`: layers are still hidden, so the
    network's parameter total (which would give them away) is not told."""
    result = []
    if goals.max_params is not None:
        n = analysis.total_params
        want = f"at most {count(goals.max_params)} parameters"
        if hide_numbers:
            result.append(GoalStatus(f"{want} (checked once every layer is revealed)", None))
        else:
            result.append(GoalStatus(f"{want} (now {count(n)})", analysis.valid and n <= goals.max_params))
    if goals.min_accuracy is not None:
        want = f"at least {percent(goals.min_accuracy)} test accuracy on {_title(goals.dataset)}"
        acc = test_acc if weights_fit and test_acc is not None and math.isfinite(test_acc) else None
        if acc is None or dataset != goals.dataset:
            result.append(GoalStatus(f"{want} (train on {_title(goals.dataset)} to check)", None))
        else:
            result.append(GoalStatus(f"{want} (now {percent(acc)})", acc >= goals.min_accuracy))
    return result
