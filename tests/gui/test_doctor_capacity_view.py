"""Issue 16, the curve doctor's capacity check in the Train view: a perceptron on XOR is told its network is
too simple (not that its learning rate is too low), and the banner's one click adds a hidden layer with a
ReLU as one undo step and re-runs at the rate the finding names."""
from __future__ import annotations

from tests.gui.test_runs_view import TIMEOUT_MS, load_data, train, train_window  # noqa: F401 (a fixture)


def test_a_perceptron_on_xor_is_too_simple_and_the_click_adds_a_hidden_layer(qtbot, train_window):  # noqa: F811
    window, view, doc = train_window, train_window.train_view, train_window.document
    window.editor.load_template("perceptron", (2,), 2)
    load_data(qtbot, view, "xor", samples=400)
    train(qtbot, view, epochs=6, lr=0.001, optimizer="sgd")
    run = doc.runs[-1]
    assert [d.code for d in view.banner.diagnoses] == ["too_simple"]
    finding = view.banner.findChild(type(view.message), "finding_text").text()
    assert "Network too simple" in finding and "straight line" in finding
    [button] = view.banner.rerun_buttons
    assert button.text() == "Re-run with a hidden layer and learning rate 0.01"
    before = doc.graph_fingerprint()
    with qtbot.waitSignal(view.training_finished, timeout=TIMEOUT_MS):
        button.click()
    assert view.runner.thread.wait(10_000)
    layers = sorted(n.layer for n in doc.graph.nodes.values())
    assert layers == ["input", "linear", "linear", "relu"]
    assert doc.runs[-1].name == "Run 2: a hidden layer" and doc.runs[-1].config.lr == 0.01
    assert doc.runs[-1].config.epochs == run.config.epochs
    doc.undo_stack.undo()  # the new run
    doc.undo_stack.undo()  # the network change: one step
    assert doc.graph_fingerprint() == before
