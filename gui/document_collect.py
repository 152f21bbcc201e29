"""Collecting what a big open made in a turn of its own (the document's part of gui.bulk).

A 20,000-layer network or 1,000 runs leave about 250,000 new long-lived objects; the first full
collection after the open walks them all (0.05-0.15 s with the interpreter lock held). Held back
during the open, it runs once in a later turn of the event loop (gui.turns), between the
open's other deferred pieces, instead of in the middle of one. Imports neither the engine nor a view.
"""
from __future__ import annotations

import gc

from . import turns
from .bulk import HELD_BACK

BIG_OPEN = 2000  # layers (or a tenth as many runs) that make an open big


_HELD: list[tuple[int, int, int]] = []  # the collector's thresholds while a big open's collection waits


def hold_full_collections(layers: int, runs: int) -> None:
    """For a big open (`layers` or `runs`): no full collection until a later turn (gui.turns),
    then one there, so the objects it made (250,000 for a 20,000-layer network, 0.05-0.15 s to
    walk) are walked in a turn of their own instead of in the middle of the open's other work."""
    if layers <= BIG_OPEN and runs <= BIG_OPEN // 10:
        return
    if not _HELD:
        _HELD.append(gc.get_threshold())
        gc.set_threshold(_HELD[0][0], _HELD[0][1], max(_HELD[0][2], HELD_BACK))
    turns.later(_collect_held)


def _collect_held() -> None:
    if _HELD:
        gc.set_threshold(*_HELD.pop())
        if gc.isenabled():  # off while a worker runs (gui.jobs.threads): its own timer collects then
            gc.collect()
