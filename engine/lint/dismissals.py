"""Dismissed warnings, saved with the project: the optional top-level "lint" section of a project file.

    "lint": {"dismissed": {"<node id>": ["<code>", ...], ...}}

Reading is lenient (an entry that is not a list of strings is ignored: a dismissal is a convenience,
never a reason to refuse a file); writing keeps only nodes that still exist. Must not import Qt or torch.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

SECTION = "lint"
MAX_ENTRIES = 10_000  # a file claiming more is damaged; the rest are ignored


def dismissed(section: Mapping[str, Any] | None) -> dict[str, frozenset[str]]:
    """node id -> the codes dismissed on it, from a project's "lint" section (None: nothing dismissed)."""
    raw = section.get("dismissed") if isinstance(section, Mapping) else None
    if not isinstance(raw, Mapping):
        return {}
    result: dict[str, frozenset[str]] = {}
    for node, codes in list(raw.items())[:MAX_ENTRIES]:
        if isinstance(node, str) and isinstance(codes, list):
            kept = frozenset(c for c in codes if isinstance(c, str))
            if kept:
                result[node] = kept
    return result


def with_dismissal(section: Mapping[str, Any] | None, node: str, code: str, dismiss: bool = True) -> dict[str, Any]:
    """A new "lint" section with `code` dismissed on `node` (or brought back when dismiss is False)."""
    current = {n: set(c) for n, c in dismissed(section).items()}
    codes = current.setdefault(node, set())
    (codes.add if dismiss else codes.discard)(code)
    return to_section(current)


def to_section(entries: Mapping[str, Iterable[str]], keep: Iterable[str] | None = None) -> dict[str, Any]:
    """The section as it is written; with `keep` (the graph's node ids), stale nodes are dropped."""
    alive = set(keep) if keep is not None else None
    table = {n: sorted(set(c)) for n, c in sorted(entries.items()) if c and (alive is None or n in alive)}
    return {"dismissed": table} if table else {}
