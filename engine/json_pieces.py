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
from typing import Any

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
    if text.startswith("]", at):
        return items, at + 1
    while True:
        value, at = _value(text, at, depth)
        items.append(value)
        at = _skip(text, at)
        if text.startswith(",", at):
            at = _skip(text, at + 1)
        elif text.startswith("]", at):
            return items, at + 1
        else:
            raise json.JSONDecodeError("Expecting ',' delimiter", text, at)


def _object(text: str, at: int, depth: int) -> tuple[dict, int]:
    members: dict = {}
    if text.startswith("}", at):
        return members, at + 1
    while True:
        if not text.startswith('"', at):
            raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, at)
        key, at = _DECODER.raw_decode(text, at)
        at = _skip(text, at)
        if not text.startswith(":", at):
            raise json.JSONDecodeError("Expecting ':' delimiter", text, at)
        members[key], at = _value(text, _skip(text, at + 1), depth)
        at = _skip(text, at)
        if text.startswith(",", at):
            at = _skip(text, at + 1)
        elif text.startswith("}", at):
            return members, at + 1
        else:
            raise json.JSONDecodeError("Expecting ',' delimiter", text, at)
