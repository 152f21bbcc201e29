"""Opening a project computes the engine's results on the loading thread (gui.prepared): the
document and the lint state take them while they still describe the content, and recompute as
before after any edit, so no number ever belongs to another network."""
from engine import lint as engine_lint
from engine.blocks import fold
from engine.templates.base import Net
from gui.document import Content
from gui.prepared import prepare


def collapsing():
    net = Net((20,))
    net.add("linear", "hidden", out_features=16)
    net.add("linear", "out", out_features=10)
    return net.done()


def test_open_uses_the_prepared_analysis_and_lints(build_view, editor, monkeypatch):
    content = prepare(Content(collapsing()))
    ready = content.prepared
    calls = []
    monkeypatch.setattr("gui.builder.lint.state.lint", lambda *a, **k: calls.append(a) or ())
    editor.load_content(content, "Open")
    doc = editor.document
    assert doc.analysis is ready.analysis and calls == []
    assert [w.code for w in build_view.lints.warnings] == ["no_activation"]
    assert [w.code for w in build_view.scene.node_item("out").warnings] == ["no_activation"]
    assert fold(doc.graph, ()) is fold(doc.graph, ())  # memoized for this revision


def test_an_edit_after_open_recomputes_and_the_prepared_results_are_not_reused(build_view, editor):
    editor.load_content(prepare(Content(collapsing())), "Open")
    doc = editor.document
    ready = doc.prepared
    editor.set_param("out", "out_features", 12)
    assert doc.analysis is not ready.analysis and doc.analysis.row("out").output_shape == (12,)
    assert ready.analysis_for(doc.graph) is None
    expected = engine_lint.lint(doc.graph, doc.analysis)
    assert build_view.lints.warnings == expected
    doc.undo_stack.undo()
    assert doc.analysis.row("out").output_shape == (10,)


def test_other_runs_or_sections_mean_fresh_lints():
    content = prepare(Content(collapsing()))
    ready = content.prepared
    graph, analysis = content.graph, ready.analysis
    args = (content.runs, content.adopted_run, content.meta)
    assert ready.lints_for(graph, analysis, *args, content.sections) is ready.lints
    assert ready.lints_for(graph, analysis, *args, {"lint": {}}) is None
    assert ready.lints_for(graph, analysis, (), None, {"num_classes": 3}, content.sections) is None
