"""Shared helpers for writing layer specs: parameter constructors and input checks.

Must not import Qt.
"""
from __future__ import annotations

from typing import Any, Sequence

from .spec import LayerError, ParamSpec, Shape, fmt_shape

RANK_WORDS = {
    1: "a flat vector",
    2: "a sequence (length×features)",
    3: "an image (channels×height×width)",
}


def p_int(name: str, default: int, help: str, minimum: int | None = 1,
          maximum: int | None = None) -> ParamSpec:
    return ParamSpec(name, "int", default, help, minimum=minimum, maximum=maximum)


def p_float(name: str, default: float, help: str, minimum: float | None = None,
            maximum: float | None = None) -> ParamSpec:
    return ParamSpec(name, "float", default, help, minimum=minimum, maximum=maximum)


def p_bool(name: str, default: bool, help: str) -> ParamSpec:
    return ParamSpec(name, "bool", default, help)


def p_choice(name: str, default: Any, choices: Sequence[Any], help: str) -> ParamSpec:
    return ParamSpec(name, "choice", default, help, choices=tuple(choices))


def need_rank(layer: str, shape: Shape, ranks: Sequence[int], fix: str) -> None:
    """Raise a friendly error unless `shape` has one of `ranks` dimensions."""
    if len(shape) in ranks:
        return
    wanted = " or ".join(RANK_WORDS.get(r, f"{r} dims") for r in ranks)
    raise LayerError(f"{layer} expects {wanted} but receives {fmt_shape(shape)} — {fix}")


def rank_fix(target_rank: int, shape: Shape) -> str:
    """A suggestion for reaching `target_rank` from `shape`."""
    if target_rank == 1:
        return "insert a flatten before it"
    if target_rank == 3 and len(shape) == 2:
        return f"insert a reshape to 1×{fmt_shape(shape)} before it"
    if target_rank == 3:
        return "start from an image input, or reshape to channels×height×width"
    if target_rank == 2 and len(shape) == 3:
        c, h, w = shape
        return f"insert a reshape to {h}×{c * w} before it (rows as time steps)"
    return "insert a reshape before it"


def only_input(shapes: Sequence[Shape]) -> Shape:
    return shapes[0]
