"""The Draw view with more classes than its bars have rows (12): it shows the most likely ones
and paints, for 13, 20 or 1,000 classes, before and after an answer. It used to raise
IndexError in every paint of a project with more than 12 classes."""
from __future__ import annotations

import pytest
import torch

from engine import build_module, templates
from gui.document import Content
from gui.draw.probabilities import MAX_ROWS, ProbabilityBars
from tests.gui.test_draw_pad import MNIST_META, SEVEN, draw, open_in_draw_view


@pytest.mark.parametrize("classes", [13, 1000])
def test_bars_before_any_answer_show_the_first_classes_and_paint(qtbot, classes):
    bars = ProbabilityBars()
    qtbot.addWidget(bars)
    bars.set_probabilities([], [f"class {i}" for i in range(classes)])
    assert bars.rows() == list(range(MAX_ROWS))
    bars.resize(300, 400)
    assert not bars.grab().isNull()  # paintEvent ran


def test_bars_with_an_answer_show_the_most_likely_in_class_order(qtbot):
    bars = ProbabilityBars()
    qtbot.addWidget(bars)
    probs = torch.softmax(torch.arange(1000.0).flip(0) % 37, 0).tolist()
    bars.set_probabilities(probs, [f"c{i}" for i in range(1000)])
    expected = sorted(sorted(range(1000), key=lambda i: -probs[i])[:MAX_ROWS])
    assert bars.rows() == expected
    bars.top = 3
    assert bars.rows() == sorted(range(1000), key=lambda i: -probs[i])[:3]
    assert not bars.grab().isNull()


def test_the_draw_view_answers_for_a_twenty_class_network(qtbot, window):
    graph = templates.load("lenet5", (1, 28, 28), 20)
    torch.manual_seed(0)
    meta = {**MNIST_META, "num_classes": 20, "class_names": [f"glyph {i}" for i in range(20)]}
    content = Content(graph, None, "LeNet-20", build_module(graph).state_dict(), None, meta)
    view = open_in_draw_view(window, content)
    window.resize(1200, 800)
    assert not window.grab().isNull()  # paints with 20 names and no answer yet
    draw(qtbot, view.pad, SEVEN)
    qtbot.waitUntil(lambda: view.pad.prediction is not None, timeout=10_000)
    assert len(view.pad.prediction.probabilities) == 20
    assert not window.grab().isNull()
    bars = view.findChild(ProbabilityBars, "probability_bars")
    assert bars is not None and len(bars.rows()) <= MAX_ROWS
