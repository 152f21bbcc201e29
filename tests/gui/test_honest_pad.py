"""The Draw view's answer is honest: "doesn't look like a digit" for an input unlike the training
data, and the three most likely classes (calibrated) as bars."""
import numpy as np

from engine.digits import preprocess_image
from engine.inference import Prediction, unlike_words

NAMES = tuple(str(i) for i in range(10))


def prediction(probs, unsure):
    pre = preprocess_image(np.zeros((28, 28), np.uint8))
    return Prediction(int(np.argmax(probs)), tuple(probs), NAMES, pre, unsure, 3.0 if unsure else -3.0)


def test_unsure_answer_says_so_in_words_and_keeps_the_top_three_bars(qtbot):
    from gui.draw.probabilities import AnswerPanel

    panel = AnswerPanel()
    qtbot.addWidget(panel)
    probs = [0.02] * 10
    probs[4], probs[1], probs[7] = 0.6, 0.14, 0.1
    panel.show_prediction(prediction(probs, True), unlike=unlike_words({"dataset": "mnist"}))
    assert panel.top_label.text() == "?"
    assert "doesn't look like a digit" in panel.confidence.text() and "lean to 4" in panel.confidence.text()
    assert panel.bars.rows() == [4, 1, 7] and panel.bars.muted
    panel.show_prediction(prediction(probs, False))
    assert panel.top_label.text() == "4" and panel.confidence.text().startswith("60.0 % sure")
    assert not panel.bars.muted
    assert len(panel.bars.rows()) == 3
