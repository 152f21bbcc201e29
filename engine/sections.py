"""Optional top-level sections of a project file that later features own, kept apart from the network,
the training record and the dataset meta:

    "lint":      dismissed warnings per node (engine.lint.dismissals)
    "exercise":  a teacher's exercise and the student's answers (engine.exercise)
    "run_weights": how many runs keep their weights, and whether as float16 (engine.runs.weights)

A file without them opens as before; a file with a section that is not a JSON object is refused
with one clear message. Each owner validates its own content leniently. No torch, no Qt.
"""
from __future__ import annotations

from typing import Any, Mapping

from .serialize import ProjectError

SECTIONS = ("lint", "exercise", "run_weights")


def read_sections(doc: Mapping[str, Any], file_name: str) -> dict[str, Any]:
    """The optional sections present in a parsed project document."""
    found: dict[str, Any] = {}
    for key in SECTIONS:
        value = doc.get(key)
        if value is None:
            continue
        if not isinstance(value, dict):
            raise ProjectError(f"{file_name} has a damaged {key} section")
        found[key] = value
    return found


def section_entries(sections: Mapping[str, Any] | None) -> dict[str, Any]:
    """The non-empty known sections, as top-level entries of the document to write."""
    return {k: dict(v) for k, v in (sections or {}).items() if k in SECTIONS and v}
