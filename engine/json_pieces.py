"""`json.loads` of a project's text in pieces: the same value and the same errors, with the
interpreter lock free between the pieces.

`json.loads` parses a whole document in one C call that holds the interpreter lock: a project
with 1,000 runs (14 MB of JSON) held it 0.2-0.5 s, and the window, which reads projects on a
worker thread, could not paint meanwhile. Here the outer object and the containers directly
inside it (the runs list, the network's members) are walked in Python, and each value within
them is parsed by the standard decoder (`raw_decode`, the same C scanner): a run at a time, so
another thread waits at most one switch interval. Imports nothing of the engine.
"""
from __future__ import annotations

import json
from typing import Any, Callable

PIECE_DEPTH = 2  # containers this deep (the outer object is 1) are walked; deeper values parse whole
_DECODER = json.JSONDecoder()
_SPACE = " \t\n\r"


def loads(text: str) -> Any:
    """`json.loads(text)`, parsed in pieces; raises json.JSONDecodeError (or RecursionError) as it does."""
    value, end = _value(text, _skip(text, 0), PIECE_DEPTH)
    end = _skip(text, end)
    if end != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return value


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in _SPACE:
        at += 1
    return at


def _value(text: str, at: int, depth: int) -> tuple[Any, int]:
    if depth and text.startswith("[", at):
        return _array(text, _skip(text, at + 1), depth - 1)
    if depth and text.startswith("{", at):
        return _object(text, _skip(text, at + 1), depth - 1)
    return _DECODER.raw_decode(text, at)


def _array(text: str, at: int, depth: int) -> tuple[list, int]:
    items: list = []

    def item(at: int) -> int:
        value, at = _value(text, at, depth)
        items.append(value)
        return at

    return items, _sequence(text, at, "]", item)


def _object(text: str, at: int, depth: int) -> tuple[dict, int]:
    members: dict = {}

    def member(at: int) -> int:
        if not text.startswith('"', at):
            raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, at)
        key, at = _DECODER.raw_decode(text, at)
        at = _skip(text, at)
        if not text.startswith(":", at):
            raise json.JSONDecodeError("Expecting ':' delimiter", text, at)
        members[key], at = _value(text, _skip(text, at + 1), depth)
        return at

    return members, _sequence(text, at, "}", member)


def _sequence(text: str, at: int, close: str, read: Callable[[int], int]) -> int:
    """Reads a container's comma-separated entries with `read` (position in, position after out)
    from `at` until `close`; the position after `close`."""
    if text.startswith(close, at):
        return at + 1
    while True:
        at = _skip(text, read(at))
        if text.startswith(",", at):
            at = _skip(text, at + 1)
        elif text.startswith(close, at):
            return at + 1
        else:
            raise json.JSONDecodeError("Expecting ',' delimiter", text, at)
