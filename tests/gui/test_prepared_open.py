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


def test_every_run_comes_with_its_diagnosis_computed():
    from engine.runs import new_run, snapshot
    from engine.training import TrainConfig

    graph = collapsing()
    runs = [new_run(run_id=f"r{i}", name=f"Run {i}", config=TrainConfig(epochs=1), dataset="moons",
                    dataset_meta={"kind": "points", "input_shape": [20], "num_classes": 10}, dataset_options={},
                    network=snapshot(graph), steps=[], epochs=[], result=None) for i in range(3)]
    content = prepare(Content(graph, runs=tuple(runs)))
    assert all("diagnosis" in vars(run) for run in content.runs)  # cached_property filled off the GUI thread


def test_a_huge_canvas_styles_its_overview_between_event_loop_turns(qtbot, build_view, editor):
    from tests.gui.test_lazy_canvas import chain_graph

    editor.load_content(prepare(Content(chain_graph(6000), None, "chain")), "Open chain")
    scene = build_view.scene
    overview = scene.overview()
    assert scene.lazy and overview.styling  # not worked out inside the open: the window keeps painting
    build_view.canvas.viewport().grab()  # a paint meanwhile draws nothing yet and does not wait
    assert overview.styling
    qtbot.waitUntil(lambda: not overview.styling, timeout=10_000)
    cards, lines = overview.drawn_count()
    assert cards + len(scene.node_items()) == 6000 and lines + len(scene.edge_items()) == 5999


def test_an_edit_while_the_overview_is_styled_restarts_it_and_the_picture_ends_complete(qtbot, build_view, editor):
    from tests.gui.test_lazy_canvas import chain_graph

    editor.load_content(prepare(Content(chain_graph(6000), None, "chain")), "Open chain")
    scene, overview = build_view.scene, build_view.scene.overview()
    editor.set_param("n1", "out_features", 4)  # a new analysis (n1's shape changes) while styling
    assert overview.styling
    qtbot.waitUntil(lambda: not overview.styling, timeout=10_000)
    cards, lines = overview.drawn_count()
    assert cards + len(scene.node_items()) == 6000 and lines + len(scene.edge_items()) == 5999
