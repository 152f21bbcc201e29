"""A lint's one-click fix, or its dismissal, as one undo step made of the existing commands.

`fix_command` turns the engine's `Fix` steps into AddNode / RemoveNode / Connect / Disconnect /
InsertOnEdge / SetParams inside one macro. New node ids are planned on a scratch copy of the graph,
step by step, exactly as `engine.lint.apply_fix` does, so the window and the engine agree.
`dismiss_command` records the dismissal in the project's "lint" section. Imports no view.
"""
from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from engine.graph import Graph, Node
from engine.lint import Fix, LintWarning, Step, dismissals
from engine.lint.fixes import apply_step, plan_node

from ...commands import AddNode, Connect, InsertOnEdge, Macro, RemoveNode, SetParams
from ...document import Document
from ...sections import SetSection


def fix_command(document: Document, fix: Fix) -> QUndoCommand:
    """One undoable step carrying out every step of `fix` (raises GraphError if it no longer fits)."""
    macro = Macro(document, fix.title)
    scratch = document.graph.copy()
    for step in fix.steps:
        node = plan_node(scratch, step)
        for command in _commands(document, scratch, step, node):
            macro.add(command)
        apply_step(scratch, step, node)  # the next step sees this one's result (and its new ids)
    return macro


def _commands(document: Document, scratch: Graph, step: Step, node: Node | None) -> list[QUndoCommand]:
    if step.action == "insert":
        return [InsertOnEdge(document, node, step.src, step.dst)]
    if step.action == "remove":
        (src,) = scratch.inputs_of(step.node)
        bridges = [(dst, scratch.input_index(step.node, dst)) for dst in scratch.outputs_of(step.node)]
        return [RemoveNode(document, step.node)] + [Connect(document, src, dst, index) for dst, index in bridges
                                                    if not scratch.has_edge(src, dst)]
    if step.action == "replace":
        old, new = scratch.node(step.node), node
        edges = [(i, s, step.node) for i, s in enumerate(scratch.inputs_of(step.node))]
        edges += [(scratch.input_index(step.node, d), step.node, d) for d in scratch.outputs_of(step.node)]
        rename = {step.node: new.id}
        return [RemoveNode(document, old.id), AddNode(document, new)] + [
            Connect(document, rename.get(s, s), rename.get(d, d), i) for i, s, d in sorted(edges)]
    params = scratch.node(step.node).params
    return [SetParams(document, step.node, {**params, **step.params}, dict(params))]


def dismiss_command(document: Document, warning: LintWarning, dismiss: bool = True) -> SetSection:
    section = dismissals.with_dismissal(document.sections.get(dismissals.SECTION), warning.node, warning.code,
                                        dismiss)
    verb = "Dismiss" if dismiss else "Bring back"
    return SetSection(document, dismissals.SECTION, section, f"{verb} warning on {warning.node}")


def restore_all_command(document: Document) -> SetSection:
    return SetSection(document, dismissals.SECTION, None, "Bring back dismissed warnings")
