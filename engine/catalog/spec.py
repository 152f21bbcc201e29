"""Layer specs as data: parameter specs, layer specs and the registry.

Owns the declarative description of every layer type. A spec never mentions widgets;
the GUI turns parameter kinds into editors. Must not import Qt.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence

if TYPE_CHECKING:
    from torch import nn

    from .formulas import Counts

Shape = tuple[int, ...]

#: Parameter kinds the GUI knows how to edit.
PARAM_KINDS = ("int", "float", "bool", "choice", "shape", "int_or_same", "pair", "pair_or_same", "ints")


class LayerError(Exception):
    """A node cannot be computed; the message is for the user and names the fix."""


@dataclass(frozen=True)
class ParamSpec:
    name: str
    kind: str
    default: Any
    help: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in PARAM_KINDS:
            raise ValueError(f"unknown parameter kind {self.kind!r}")

    def coerce(self, value: Any) -> Any:
        """Return `value` as this parameter's type, or raise LayerError saying why."""
        try:
            coerced = _COERCERS[self.kind](self, value)
        except LayerError:
            raise
        except (TypeError, ValueError, OverflowError):
            raise LayerError(f"{self.name} must be {self.describe()} (got {value!r})") from None
        return coerced

    def describe(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(str(c) for c in self.choices)
        if self.kind == "shape":
            return "a list of positive integers such as 1,28,28"
        if self.kind == "ints":
            return "one or more integers such as 16,48"
        if self.kind == "int_or_same":
            return '"same" or an integer ≥ 0'
        if self.kind in ("pair", "pair_or_same"):
            low = "" if self.minimum is None else f" ≥ {_num(self.minimum)}"
            same = '"same", ' if self.kind == "pair_or_same" else ""
            return f"{same}an integer{low} (square) or height,width such as 1,7"
        if self.kind == "bool":
            return "true or false"
        bounds = []
        if self.minimum is not None:
            bounds.append(f"≥ {_num(self.minimum)}")
        if self.maximum is not None:
            bounds.append(f"≤ {_num(self.maximum)}")
        word = "an integer" if self.kind == "int" else "a number"
        return f"{word} {' and '.join(bounds)}".strip()

    def _check_bounds(self, value: float) -> None:
        low_bad = self.minimum is not None and value < self.minimum
        high_bad = self.maximum is not None and value > self.maximum
        if low_bad or high_bad:
            raise LayerError(f"{self.name} must be {self.describe()} (got {_num(value)})")


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _coerce_int(spec: ParamSpec, value: Any) -> int:
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError
    result = int(value)
    spec._check_bounds(result)
    return result


def _coerce_float(spec: ParamSpec, value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError
    result = float(value)
    if not math.isfinite(result):
        raise ValueError
    spec._check_bounds(result)
    return result


def _coerce_bool(spec: ParamSpec, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError


def _coerce_choice(spec: ParamSpec, value: Any) -> Any:
    # The catalog's own object, matched by type too: True is not the choice 1, and code
    # generated from a choice (engine.export) only ever sees the catalog's values.
    for choice in spec.choices:
        same_kind = type(choice) is type(value) or (isinstance(choice, str) and isinstance(value, str))
        if same_kind and choice == value:
            return choice
    raise ValueError


_SHAPE_SEPARATORS = re.compile(r"[,×]|(?<=\d)\s*[xX]\s*(?=-?\d)")


def split_shape_text(text: str) -> list[str]:
    """The one rule for writing a shape: "1,28,28", "1×28×28" or "1x28x28" (x only between numbers)."""
    return [part.strip() for part in _SHAPE_SEPARATORS.split(text) if part.strip()]


def parse_shape(text: str, max_dims: int = 4) -> tuple[int, ...]:
    """Positive integers from shape text; ValueError (with the rule) for anything else."""
    try:
        dims = tuple(int(part) for part in split_shape_text(text))
    except ValueError:
        dims = ()
    if not dims or len(dims) > max_dims or any(d < 1 for d in dims):
        raise ValueError(f"a shape is 1 to {max_dims} positive integers such as 1,28,28 (got {text!r})")
    return dims


def _coerce_shape(spec: ParamSpec, value: Any) -> tuple[int, ...]:
    if isinstance(value, str):
        value = split_shape_text(value)
    dims = tuple(_coerce_int(ParamSpec(spec.name, "int", 1, "", minimum=spec.minimum), v) for v in value)
    if not dims or len(dims) > 4:
        raise ValueError
    return dims


def _coerce_ints(spec: ParamSpec, value: Any) -> tuple[int, ...]:
    """Any number of integers (up to 1024), e.g. the sizes of a split's pieces."""
    if isinstance(value, str):
        value = [v for v in re.split(r"[,×\s]+", value.strip()) if v]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = [value]
    numbers = tuple(_coerce_int(ParamSpec(spec.name, "int", 1, "", minimum=spec.minimum), v) for v in value)
    if not numbers or len(numbers) > 1024:
        raise ValueError
    return numbers


def _coerce_int_or_same(spec: ParamSpec, value: Any) -> int | str:
    if value == "same":
        return "same"
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    return _coerce_int(spec, value)


def _coerce_pair(spec: ParamSpec, value: Any) -> int | tuple[int, int]:
    """An int (square) or (height, width); the canonical form is an int when both are equal,
    so files written before pairs existed, and square values, read and export unchanged."""
    if isinstance(value, str):  # "3", "1,7", "1×7", "(1, 7)"
        value = [v for v in re.split(r"[,×x()\[\]\s]+", value.strip()) if v]
    if isinstance(value, (list, tuple)):
        if len(value) not in (1, 2):
            raise ValueError
        h, w = (_coerce_int(spec, v) for v in (value[0], value[-1]))
        return h if h == w else (h, w)
    return _coerce_int(spec, value)


def _coerce_pair_or_same(spec: ParamSpec, value: Any) -> int | tuple[int, int] | str:
    return "same" if value == "same" else _coerce_pair(spec, value)


def pair(value: int | Sequence[int]) -> tuple[int, int]:
    """(height, width) of a pair parameter's coerced value."""
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


_COERCERS: dict[str, Callable[[ParamSpec, Any], Any]] = {
    "int": _coerce_int,
    "float": _coerce_float,
    "bool": _coerce_bool,
    "choice": _coerce_choice,
    "shape": _coerce_shape,
    "int_or_same": _coerce_int_or_same,
    "pair": _coerce_pair,
    "pair_or_same": _coerce_pair_or_same,
    "ints": _coerce_ints,
}

Params = dict[str, Any]
BuildFn = Callable[[Sequence[Shape], Params], "nn.Module"]
CheckFn = Callable[[Sequence[Shape], Params], None]
ExplainFn = Callable[[Sequence[Shape], Shape, Params], tuple[str, ...]]
CountsFn = Callable[[Sequence[Shape], Params], "Counts"]
ExportFn = Callable[[Sequence[Shape], Params], str]  # incoming shapes, params -> "nn.Conv2d(1, 6, ...)"
InlineFn = Callable[[list[str], Params], str]  # input variable names, params -> "torch.cat([a, b], dim=1)"
CardFn = Callable[[Params], str]  # params -> the card's key-parameter line

#: What a layer is to the lints and Play, besides its category:
#: saturating — squashes to a bounded range and saturates (sigmoid, tanh: vanishing gradients);
#: squashing_output — turns scores into probabilities, judged against the loss (softmax, sigmoid);
#: pool_after — LeNet/VGG put the pooling after it (the lint's "add pooling" goes there);
#: play_hidden — a hidden activation Play offers; play_output — at the very end it shapes Play's output.
ROLES = frozenset({"saturating", "squashing_output", "pool_after", "play_hidden", "play_output"})


@dataclass(frozen=True)
class LayerSpec:
    """One layer type. `build` gets the incoming shapes, so sizes like in_features
    are never typed by the user. `check` raises LayerError with a friendly message
    before any tensor is made; `explain` gives the arithmetic behind the output;
    `counts`, when given, is the closed form of the output shape, parameters and MACs
    (engine.catalog.formulas) that the analysis uses instead of a meta-device run."""

    id: str
    name: str
    category: str
    help: str
    params: tuple[ParamSpec, ...]
    build: BuildFn | None
    check: CheckFn | None = None
    explain: ExplainFn | None = None
    min_inputs: int = 1
    max_inputs: int | None = 1
    key_params: tuple[str, ...] = ()
    ndims: tuple[int, ...] = ()  # accepted input ranks (without batch); empty = any
    takes_tokens: bool = False   # consumes integer token ids (embedding)
    counts: CountsFn | None = None
    note: str = field(default="", compare=False)
    # -- what the rest of the engine and the GUI need, here so a layer type is one entry:
    export: ExportFn | None = field(default=None, compare=False)  # engine.export: the constructor in __init__
    inline: InlineFn | None = field(default=None, compare=False)  # ... or, weightless, the forward() expression
    torch_types: tuple[str, ...] = ()  # "torch.nn.Hardtanh": modules the importer maps here, params read by name
    # "torch.nn.functional.relu", "Tensor.relu_": calls the importer maps here, params by position after the input
    torch_functions: tuple[str, ...] = ()
    card: CardFn | None = field(default=None, compare=False)  # the card's detail line when key_params don't say it
    roles: frozenset[str] = frozenset()  # see ROLES
    score_effect: str = ""  # an activation: what it does to class scores it is applied to (the lint's reason)

    def __post_init__(self) -> None:
        unknown = set(self.roles) - ROLES
        if unknown:
            raise ValueError(f"layer {self.id!r}: unknown role(s) {', '.join(sorted(unknown))}")

    def param(self, name: str) -> ParamSpec:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(f"{self.id} has no parameter {name!r}")

    def defaults(self) -> Params:
        return {p.name: p.default for p in self.params}

    def resolve(self, params: Params) -> Params:
        """Defaults overlaid with `params`, each coerced; unknown names are errors."""
        unknown = set(params) - {p.name for p in self.params}
        if unknown:
            raise LayerError(f"{self.id} has no parameter {', '.join(sorted(unknown))}")
        return {p.name: p.coerce(params.get(p.name, p.default)) for p in self.params}


class Registry:
    """The layer catalog: id -> spec, in registration order."""

    def __init__(self) -> None:
        self._specs: dict[str, LayerSpec] = {}

    def register(self, spec: LayerSpec) -> LayerSpec:
        if spec.id in self._specs:
            raise ValueError(f"layer id {spec.id!r} is already registered")
        if spec.id != spec.id.lower() or not spec.id.replace("_", "").isalnum():
            raise ValueError(f"layer id {spec.id!r} must be lowercase letters, digits and _")
        self._specs[spec.id] = spec
        return spec

    def get(self, layer_id: str) -> LayerSpec:
        try:
            return self._specs[layer_id]
        except KeyError:
            raise KeyError(f"unknown layer type {layer_id!r}") from None

    def __contains__(self, layer_id: object) -> bool:
        return layer_id in self._specs

    def __iter__(self):
        return iter(self._specs.values())

    def ids(self) -> list[str]:
        return list(self._specs)

    def with_role(self, role: str) -> tuple[str, ...]:
        """Ids of the layers with `role`, in catalog order."""
        return tuple(spec.id for spec in self._specs.values() if role in spec.roles)

    def categories(self) -> dict[str, list[LayerSpec]]:
        result: dict[str, list[LayerSpec]] = {}
        for spec in self._specs.values():
            result.setdefault(spec.category, []).append(spec)
        return result


def fmt_shape(shape: Sequence[int]) -> str:
    """`(16, 5, 5)` -> `16×5×5`."""
    return "×".join(str(d) for d in shape) if shape else "scalar"
