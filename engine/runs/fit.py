"""Fitting what a run holds to the limits of the file (engine.schema), before it is written.

The writer never writes what the reader refuses: histories longer than the file keeps are
thinned (the first, the last and the best epoch always stay, the rest evenly), per-layer
series (gradient norms of a 300-layer network) keep fewer time points, and a confusion
matrix over more classes than the file keeps whole becomes a summary (per-class counts and
the largest confusions) computed from the array in bounded memory. `scale` > 1 tightens the
per-run budgets when a project with many runs would not fit the document's limits.
Must not import Qt or torch.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from engine.schema import (
    MAX_CLASSES,
    MAX_HISTORY,
    MAX_KEY,
    MAX_SERIES,
    MAX_SERIES_LAYERS,
    MAX_SERIES_NUMBERS,
    MAX_SERIES_POINTS,
    MAX_SUMMARY_CLASSES,
    MAX_TOP_CONFUSIONS,
    ConfusionSummary,
)
from engine.training.records import EpochRecord

ROWS_PER_BLOCK = 256  # rows of a large confusion matrix looked at together (bounds the temporaries)


def spread(n: int, keep: int, must: Sequence[int] = ()) -> list[int]:
    """At most max(keep, 2 + len(must)) of n indices, in order: the first, the last, `must`, the rest even."""
    if n <= keep:
        return list(range(n))
    chosen = {0, n - 1, *(i for i in must if 0 <= i < n)}
    room = keep - len(chosen)
    if room > 0:  # room + 2 even points, of which the first and the last are chosen already
        chosen.update(np.linspace(0, n - 1, room + 2).round().astype(int).tolist())
    return sorted(chosen)


def thin_history(epochs: Sequence[EpochRecord], scale: int = 1) -> tuple[EpochRecord, ...]:
    """At most MAX_HISTORY // scale records; the best epoch (lowest validation, else training loss) stays."""
    limit = max(MAX_HISTORY // scale, 8)
    if len(epochs) <= limit:
        return tuple(epochs)
    scores = [r.val_loss if r.val_loss is not None else r.train_loss for r in epochs]
    best = min(range(len(epochs)), key=scores.__getitem__)
    flagged = [i for i, r in enumerate(epochs) if r.is_best][-1:]
    keep = spread(len(epochs), limit, [best, *flagged])
    return tuple(epochs[i] for i in keep)


def thin_extras(extras: Mapping[str, Any], scale: int = 1) -> dict[str, Any]:
    """The run's named series within the file's limits: lists (or per-layer mappings of lists)
    keep evenly spaced time points, fewer when many layers share the budget; anything else is
    not a series and is left out."""
    budget = max(MAX_SERIES_NUMBERS // scale, 1000)
    series = {str(k)[:MAX_KEY]: v for k, v in list(extras.items())[:MAX_SERIES] if _is_series(v)}
    per_point = sum(len(v) if isinstance(v, Mapping) else 1 for v in series.values())
    if not per_point:
        return {}
    points = max(2, min(MAX_SERIES_POINTS, budget // per_point))
    return {k: _thin(v, points) if not isinstance(v, Mapping)
            else {str(layer): _thin(s, points) for layer, s in list(v.items())[:MAX_SERIES_LAYERS]}
            for k, v in series.items()}


def _is_series(value: Any) -> bool:
    if isinstance(value, Mapping):
        return all(isinstance(v, (list, tuple)) for v in value.values())
    return isinstance(value, (list, tuple))


def _thin(values: Sequence[Any], points: int) -> list[Any]:
    """Evenly spaced, the newest always kept; diverged or non-numeric values become null."""
    keep = spread(len(values), points)
    return [_point(values[i]) for i in keep]


def _point(value: Any) -> float | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) <= 1.7e308
    return value if ok else None


def summarize_confusion(matrix: Any, whole_up_to: int = MAX_CLASSES) -> ConfusionSummary:
    """A square confusion matrix (rows true) over more than `whole_up_to` classes, in a form that
    stays small: totals, per-class counts (up to MAX_SUMMARY_CLASSES) and the largest confusions."""
    counts = np.asarray(matrix)
    k = counts.shape[0]
    diagonal = np.diagonal(counts).astype(np.int64)
    row_totals = np.zeros(k, dtype=np.int64)
    best: list[tuple[int, int, int]] = []
    for start in range(0, k, ROWS_PER_BLOCK):
        block = np.array(counts[start:start + ROWS_PER_BLOCK], dtype=np.int64)  # (R, K), a copy
        row_totals[start:start + len(block)] = block.sum(axis=1)
        rows = np.arange(len(block))
        block[rows, rows + start] = 0  # mistakes only
        flat = block.ravel()
        cells = np.flatnonzero(flat)  # at most one per test sample, in all blocks together
        top = cells[np.argsort(-flat[cells], kind="stable")[:MAX_TOP_CONFUSIONS]]
        best.extend((start + int(i) // k, int(i) % k, int(flat[i])) for i in top)
        best = sorted(best, key=lambda t: (-t[2], t[0], t[1]))[:MAX_TOP_CONFUSIONS]
    per_class = k <= MAX_SUMMARY_CLASSES
    return ConfusionSummary(
        classes=k, total=int(row_totals.sum()), correct=int(diagonal.sum()),
        per_class_correct=diagonal.tolist() if per_class else [],
        per_class_total=row_totals.tolist() if per_class else [],
        top=[t for t in best if t[2] > 0],
        note=f"{k:,} classes: more than the {whole_up_to:,} a confusion matrix is kept whole for, so the file "
             f"keeps each class's counts and the {MAX_TOP_CONFUSIONS:,} largest confusions (true, predicted, count)")


def confusion_parts(matrix: Any, scale: int = 1) -> tuple[tuple[tuple[int, ...], ...] | None,
                                                         ConfusionSummary | None]:
    """(whole matrix, None) for up to MAX_CLASSES // scale classes, else (None, its summary)."""
    if matrix is None:
        return None, None
    counts = np.asarray(matrix)
    if counts.shape[0] > MAX_CLASSES // scale:
        return None, summarize_confusion(counts, MAX_CLASSES // scale)
    return tuple(tuple(int(v) for v in row) for row in counts), None


def summary_text(summary: ConfusionSummary, names: Sequence[str], count: int = 8) -> str:
    """One paragraph for a confusion summary: how many right, and its largest confusions by name."""
    def name(i: int) -> str:
        return repr(str(names[i])[:40]) if i < len(names) else f"class {i}"
    top = "; ".join(f"{name(t)} taken for {name(p)} {n:,}×" for t, p, n in summary.top[:count])
    return (f"{summary.correct:,} of {summary.total:,} right ({summary.correct / max(summary.total, 1):.1%}) over "
            f"{summary.classes:,} classes — too many to show the matrix; the largest confusions: {top or 'none'}.")
