"""The augmentation grammar: `flip,rotate=15,crop=0.8,translate=0.1,jitter=0.2`, parsed and checked.

Owns the terms a user may ask for, each one's amount (default, bounds, meaning) and the
canonical spelling stored in a run's settings. Applying them to batches lives in
engine.training.augment. Must not import Qt, pyqtgraph or torch (TrainConfig checks specs).

Grammar: terms separated by commas, each `NAME` (its default amount) or `NAME=NUMBER`;
spaces are ignored, a term may appear once, and the empty spec means no augmentation.
"""
from __future__ import annotations

import math
from dataclasses import dataclass


class AugmentError(ValueError):
    """An augmentation spec that cannot be used; the message names the allowed terms."""


@dataclass(frozen=True)
class AugmentTerm:
    name: str
    default: float
    low: float  # amounts must lie in (low, high] (or [low, high] when low_inclusive)
    high: float
    help: str
    takes_amount: bool = True
    low_inclusive: bool = False


TERMS: dict[str, AugmentTerm] = {t.name: t for t in (
    AugmentTerm("flip", 0.5, 0.0, 1.0, "mirror left-right, with this probability (default 0.5)"),
    AugmentTerm("rotate", 15.0, 0.0, 180.0, "rotate by up to ± this many degrees"),
    AugmentTerm("translate", 0.1, 0.0, 0.5, "shift by up to ± this share of the width and height"),
    AugmentTerm("crop", 0.8, 0.05, 1.0, "random resized crop keeping at least this share of the area, "
                                        "resized back to the input size", low_inclusive=True),
    AugmentTerm("jitter", 0.2, 0.0, 1.0, "colour jitter: brightness, contrast and saturation by up to ± "
                                         "this share"),
)}


def grammar() -> str:
    """The grammar in one line, for --help and error messages."""
    terms = ", ".join(f"{t.name}[={t.default:g}]" for t in TERMS.values())
    return f"comma-separated terms, each NAME or NAME=AMOUNT: {terms}"


def parse(spec: str) -> dict[str, float]:
    """{term: amount} in TERMS order; raises AugmentError for anything unknown or out of range."""
    if not isinstance(spec, str):
        raise AugmentError(f"augmentation must be text such as 'flip,rotate=15', not {spec!r}")
    amounts: dict[str, float] = {}
    for raw in spec.replace(" ", "").split(","):
        if raw:
            name, amount = _term(raw)
            if name in amounts:
                raise AugmentError(f"augmentation term '{name}' is given twice")
            amounts[name] = amount
    return {name: amounts[name] for name in TERMS if name in amounts}


def canonical(spec: str) -> str:
    """The spec in its stored spelling: known order, every amount written out ('' for none)."""
    return ",".join(f"{name}={amount:g}" for name, amount in parse(spec).items())


def describe(spec: str) -> str:
    """The spec in words, for run names and tables ("none" for no augmentation)."""
    words = {"flip": "flip {:.0%}", "rotate": "rotate ±{:g}°", "translate": "shift ±{:.0%}",
             "crop": "crop ≥ {:.0%}", "jitter": "colour ±{:.0%}"}
    parts = [words[name].format(amount) for name, amount in parse(spec).items()]
    return ", ".join(parts) or "none"


def _term(raw: str) -> tuple[str, float]:
    name, sep, text = raw.partition("=")
    name = name.lower()
    term = TERMS.get(name)
    if term is None:
        raise AugmentError(f"unknown augmentation '{name[:40]}'; allowed: {', '.join(TERMS)} "
                           f"({grammar()})")
    if not sep:
        return name, term.default
    try:
        amount = float(text)
    except ValueError:
        raise AugmentError(f"augmentation '{name}' needs a number after '=', not '{text[:40]}'") from None
    low_ok = amount >= term.low if term.low_inclusive else amount > term.low
    if not math.isfinite(amount) or not low_ok or amount > term.high:
        bracket = "[" if term.low_inclusive else "("
        raise AugmentError(f"augmentation '{name}={text[:40]}' is out of range: the amount must lie in "
                           f"{bracket}{term.low:g}, {term.high:g}] ({term.help})")
    return name, amount
