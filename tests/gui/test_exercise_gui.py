"""Predict-then-reveal in the Build view: the canvas hides shapes and counts, the learner answers,
reveals (right/wrong with the arithmetic), the score counts; a teacher's exercise file round trip
records the student's answers."""
import pytest

import engine
from gui.content import read_project


@pytest.fixture
def lenet(build_view, editor):
    editor.load_template("lenet5")
    return build_view


def answer(row, field, text):
    edit = row.edits[field]
    edit.setText(text)
    edit.editingFinished.emit()


def test_hidden_numbers_answer_reveal_and_score(lenet, document):
    view = lenet
    panel = view.exercise
    assert not panel.exercise_box.isVisibleTo(panel) and panel.teacher_box.isVisibleTo(panel)
    panel.start_button.click()
    assert view.exercise_state.exercise is not None and view.side_tabs.currentWidget() is panel
    conv1 = view.scene.node_item("conv1")
    assert conv1.masked and view.scene.node_item("input").masked is False
    row_index = view.summary_model.row_of("conv1")
    assert view.summary_model.index(row_index, 2).data() == "?" and view.summary_model.index(row_index, 3).data() == "?"
    assert view.scene.edge_item("conv1", "relu1").label == "?" and view.scene.edge_item("input", "conv1").label
    assert view.scene.node_item("relu1").detail_text == "from ?"
    view.select_nodes(["conv1"])
    assert list(panel.rows) == ["conv1"]  # the chosen layer only
    assert view.inspector._facts["Output"].text() == "?" and view.inspector._facts["Parameters"].text() == "?"
    row = panel.rows["conv1"]
    answer(row, "shape", "6x28x28")
    answer(row, "params", "150")
    assert document.sections["exercise"]["answers"]["conv1"] == {"shape": "6x28x28", "params": "150"}
    row.reveal_button.click()
    assert "right" in row.verdicts["shape"].text()
    assert "it is <b>156</b>" in row.verdicts["params"].text() and "5·5·1·6 + 6 = 156" in row.verdicts["params"].text()
    assert "Score: 1 of 2 right" in panel.score_label.text()
    assert not view.scene.node_item("conv1").masked and view.summary_model.index(row_index, 3).data() == "156"
    document.undo_stack.undo()  # the reveal
    assert view.scene.node_item("conv1").masked
    view.select_nodes([])
    assert len(panel.rows) == len(view.exercise_state.exercise.asked(document.analysis)) > 5
    panel.reveal_all.click()
    assert view.exercise_state.masked == frozenset() and "all revealed" in panel.score_label.text()


def test_exercise_file_round_trip_keeps_the_students_answers(lenet, document, editor, tmp_path):
    view = lenet
    panel = view.exercise
    view.select_nodes(["conv2", "fc1"])
    panel.selected_layers.setChecked(True)
    panel.max_params.setValue(70_000)
    panel.start_button.click()
    assert view.exercise_state.masked == {"conv2", "fc1"}
    # the total would give the hidden layers away: it is told once they are revealed
    assert "at most 70,000 parameters (checked once every layer is revealed)" in panel.goals_label.text()
    sheet = tmp_path / "sheet.nwproj"
    assert panel.save_exercise(str(sheet))
    handed_out = engine.load(sheet)
    assert handed_out.weights is None and handed_out.sections["exercise"]["answers"] == {}
    editor.load_content(read_project(str(sheet)), "Open")  # the student opens the sheet
    assert view.exercise_state.masked == {"conv2", "fc1"}
    view.select_nodes(["fc1"])
    answer(panel.rows["fc1"], "params", "48,120")
    panel.rows["fc1"].reveal_button.click()
    mine = tmp_path / "mine.nwproj"
    document.save(str(mine))
    back = engine.load(mine).sections["exercise"]
    assert back["answers"] == {"fc1": {"params": "48,120"}} and back["revealed"] == ["fc1"]
    editor.load_content(read_project(str(mine)), "Open")
    assert view.exercise_state.masked == {"conv2"} and "Score: 1 of 1 right" in panel.score_label.text()
    panel.reveal_all.click()
    assert "✓ Goal: at most 70,000 parameters (now 61,706)" in panel.goals_label.text()


def test_the_status_bar_hides_the_totals_while_layers_are_hidden(window):
    window.editor.load_template("lenet5")
    assert window.status_params.text() == "61,706 parameters"
    window.build_view.exercise.start_button.click()
    assert window.status_params.text() == "? parameters" and window.status_macs.text() == "? MACs"
    window.build_view.exercise.reveal_all.click()
    assert window.status_params.text() == "61,706 parameters"
