"""Bulk work on the GUI thread that makes many long-lived objects at once (a new network of
tens of thousands of layers: its graph, analysis rows, plan, tables).

Python's full collections scan every tracked object, and while the heap grows by a quarter
between them they come again and again: opening a 20,000-layer network ran dozens of them.
`fewer_full_collections` holds those back for the duration (the young generations are still
collected, and automatic collection stays on or off as the worker guard in gui.jobs set it).
Imports neither Qt nor the engine.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator

HELD_BACK = 1_000_000  # gen-1 collections before a full one: in effect, none until the end


@contextmanager
def fewer_full_collections() -> Iterator[None]:
    old = gc.get_threshold()
    gc.set_threshold(old[0], old[1], max(old[2], HELD_BACK))
    try:
        yield
    finally:
        gc.set_threshold(*old)
