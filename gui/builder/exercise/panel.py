"""`ExercisePanel`: predict-then-reveal. A teacher starts an exercise (every layer or the selected
ones hide their output shape and parameter count; optional goals) and saves it as a file; the
learner types a prediction per hidden layer, then reveals it: right or wrong, with the arithmetic
on the network's own numbers, and a running score. With one hidden layer selected on the canvas,
only that layer is asked. Every answer and reveal is an undo step saved with the project.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

import engine
from engine.catalog import CATALOG
from engine.data import DATASET_NAMES, dataset_info
from engine.data.info import datasets_for
from engine.exercise import FIELD_TITLES, Exercise, Goals, goal_status, goals_sentence, score, verdicts
from engine.formatting import counted

from ... import theme
from ...document import Document
from .state import ExerciseState

PLACEHOLDERS = {"shape": "e.g. 6×28×28", "params": "e.g. 156"}


class AnswerRow(QFrame):
    """One hidden layer: an answer box per field, Reveal, and after it the verdicts."""

    def __init__(self, panel: "ExercisePanel", node_id: str) -> None:
        super().__init__(objectName="exercise_row")
        self.panel, self.node_id = panel, node_id
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 6, 8, 6)
        layer = panel.document.graph.node(node_id).layer
        grid.addWidget(QLabel(f"<b>{node_id}</b> · {CATALOG.get(layer).name}"), 0, 0, 1, 3)
        self.edits: dict[str, QLineEdit] = {}
        self.verdicts: dict[str, QLabel] = {}
        for row, field in enumerate(panel.state.exercise.fields, start=1):
            edit = QLineEdit(objectName=f"answer_{field}", placeholderText=PLACEHOLDERS[field])
            edit.editingFinished.connect(lambda f=field: self._on_edit_editing_finished(f))
            grid.addWidget(QLabel(FIELD_TITLES[field]), row, 0)
            grid.addWidget(edit, row, 1)
            verdict = QLabel(objectName=f"verdict_{field}", wordWrap=True)
            verdict.setTextInteractionFlags(Qt.TextSelectableByMouse)
            grid.addWidget(verdict, row + len(panel.state.exercise.fields), 0, 1, 3)
            self.edits[field], self.verdicts[field] = edit, verdict
        grid.setColumnStretch(1, 1)
        self.reveal_button = QPushButton("Reveal", objectName="reveal_button")
        self.reveal_button.clicked.connect(lambda: panel.state.reveal([node_id]))
        grid.addWidget(self.reveal_button, 1, 2)
        self._shown: tuple[Exercise, dict] | None = None
        theme.follow(self, lambda: self._shown is not None and self.show_state(*self._shown))  # colours in HTML

    def show_state(self, exercise: Exercise, revealed_verdicts: dict) -> None:
        self._shown = (exercise, revealed_verdicts)
        answers = exercise.answers.get(self.node_id, {})
        revealed = self.node_id in exercise.revealed
        for field, edit in self.edits.items():
            if not edit.hasFocus() and edit.text() != answers.get(field, ""):
                edit.setText(answers.get(field, ""))
            edit.setReadOnly(revealed)
            self.verdicts[field].setText(_verdict_html(revealed_verdicts.get(field)) if revealed else "")
            self.verdicts[field].setVisible(revealed)
        self.reveal_button.setEnabled(not revealed)

    def _on_edit_editing_finished(self, field: str) -> None:
        self.panel.state.answer(self.node_id, field, self.edits[field].text())


def _verdict_html(verdict) -> str:
    if verdict is None:
        return ""
    t = theme.current()
    how = "<br>".join(f"<span style='color:{t.muted}'>{line}</span>" for line in verdict.arithmetic)
    if verdict.correct:
        head = f"<span style='color:{t.ok}'>✓ {verdict.expected}: right</span>"
    elif verdict.correct is None:
        head = f"no answer — it is <b>{verdict.expected}</b>"
    else:
        head = f"<span style='color:{t.error}'>✗ you said {verdict.given}; it is <b>{verdict.expected}</b></span>"
    return f"{head}<br>{how}"


class ExercisePanel(QScrollArea):
    def __init__(self, document: Document, state: ExerciseState, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="exercise_panel")
        self.document, self.state = document, state
        self.selection: list[str] = []
        self.rows: dict[str, AnswerRow] = {}
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)  # the column wraps to the panel's width
        page = QWidget()
        self.column = QVBoxLayout(page)
        self.column.setContentsMargins(14, 8, 14, 14)
        self._make_teacher_box()
        self._make_exercise_box()
        self.column.addStretch(1)
        self.setWidget(page)
        state.exercise_changed.connect(self._on_state_exercise_changed)
        document.analysis_changed.connect(self._on_document_analysis_changed)
        document.weights_changed.connect(self._on_document_analysis_changed)
        document.runs_changed.connect(self._on_document_analysis_changed)
        self._default_goal_dataset()
        self._on_state_exercise_changed(state.exercise)

    # -- construction ---------------------------------------------------------------------------
    def _make_teacher_box(self) -> None:
        self.teacher_box = QWidget(objectName="exercise_teacher")
        column = QVBoxLayout(self.teacher_box)
        column.setContentsMargins(0, 0, 0, 0)
        intro = QLabel("Predict, then reveal: the canvas hides output shapes and parameter counts, and the "
                       "learner types what they expect before checking.", wordWrap=True)
        self.every_layer = QRadioButton("every layer", checked=True)
        self.selected_layers = QRadioButton("the selected layers")
        self.selected_layers.setToolTip("The layers selected on the canvas when you start")
        group = QButtonGroup(self)
        group.addButton(self.every_layer)
        group.addButton(self.selected_layers)
        column.addWidget(intro)
        column.addWidget(QLabel("<b>Hide the numbers of</b>"))
        column.addWidget(self.every_layer)
        column.addWidget(self.selected_layers)
        column.addSpacing(6)
        column.addWidget(QLabel("<b>Goals</b> (optional)"))
        column.addLayout(self._goal_form())
        self.goal_sentence = QLabel(objectName="goal_sentence", wordWrap=True)
        column.addWidget(self.goal_sentence)
        self.start_button = QPushButton("Start predict-then-reveal", objectName="start_exercise")
        self.start_button.clicked.connect(self.start_exercise)
        column.addWidget(self.start_button)
        self.column.addWidget(self.teacher_box)
        self._on_goal_changed()

    def _goal_form(self) -> QFormLayout:
        self.max_params = QSpinBox(objectName="goal_params", maximum=2_000_000_000, specialValueText="no limit")
        self.max_params.setSingleStep(10_000)
        self.max_params.setGroupSeparatorShown(True)
        self.min_accuracy = QDoubleSpinBox(objectName="goal_accuracy", maximum=100.0, decimals=1, suffix=" %",
                                           specialValueText="no goal")
        self.goal_dataset = QComboBox(objectName="goal_dataset")
        self.goal_dataset.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.goal_dataset.setMinimumContentsLength(8)
        for name in DATASET_NAMES:
            self.goal_dataset.addItem(dataset_info(name).title, name)
        for widget in (self.max_params, self.min_accuracy):
            widget.setMinimumWidth(60)
        self.max_params.valueChanged.connect(self._on_goal_changed)
        self.min_accuracy.valueChanged.connect(self._on_goal_changed)
        self.goal_dataset.currentIndexChanged.connect(self._on_goal_changed)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.WrapLongRows)
        form.addRow("Parameters at most", self.max_params)
        form.addRow("Test accuracy at least", self.min_accuracy)
        form.addRow("on the dataset", self.goal_dataset)
        return form

    def goals(self) -> Goals:
        """The goals the teacher has set in the form."""
        accuracy = self.min_accuracy.value() / 100 or None
        return Goals(self.max_params.value() or None, accuracy, self.goal_dataset.currentData())

    def _on_goal_changed(self, *args) -> None:
        self.goal_sentence.setText(goals_sentence(self.goals()))

    def _default_goal_dataset(self) -> None:
        """The accuracy goal is measured on data this network takes: point sets for a 2-D
        perceptron, MNIST for a 1×28×28 network."""
        analysis = self.document.analysis
        width = analysis.output_shape[-1] if analysis.output_shape else None
        fits = datasets_for(analysis.input_shape, width)
        if fits and self.goal_dataset.currentData() not in fits:
            self.goal_dataset.setCurrentIndex(self.goal_dataset.findData(fits[0]))

    def _make_exercise_box(self) -> None:
        self.exercise_box = QWidget(objectName="exercise_box")
        column = QVBoxLayout(self.exercise_box)
        column.setContentsMargins(0, 0, 0, 0)
        self.score_label = QLabel(objectName="exercise_score")
        self.goals_label = QLabel(objectName="exercise_goals", wordWrap=True)
        self.hint = QLabel(objectName="muted", wordWrap=True)
        self.reveal_all = QPushButton("Reveal all", objectName="reveal_all")
        self.reveal_all.clicked.connect(self._on_reveal_all_clicked)
        self.save_button = QPushButton("Save as exercise…", objectName="save_exercise")
        self.save_button.setToolTip("Write the network with this exercise and no answers, to hand out")
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.end_button = QPushButton("End exercise", objectName="end_exercise")
        self.end_button.clicked.connect(self.state.end)
        for widget in (self.score_label, self.goals_label, self.hint, self.reveal_all):
            column.addWidget(widget)
        self.rows_box = QVBoxLayout()
        column.addLayout(self.rows_box)
        column.addWidget(self.save_button)
        column.addWidget(self.end_button)
        self.column.addWidget(self.exercise_box)

    # -- teacher actions --------------------------------------------------------------------------
    def start_exercise(self) -> None:
        hidden = tuple(self.selection) if self.selected_layers.isChecked() and self.selection else None
        self.state.start(Exercise(hidden=hidden, goals=self.goals()))

    def save_exercise(self, path: str) -> bool:
        """The network and the exercise, without answers, weights or training: a sheet to hand out."""
        sections = dict(self.document.sections)
        sections["exercise"] = self.state.exercise.as_teacher_file().to_section()
        try:
            engine.save(self.document.graph, path, sections=sections)
        except engine.ProjectError as exc:
            self.hint.setText(str(exc))
            return False
        self.hint.setText(f"Saved the exercise as {path}.")
        return True

    def set_selection(self, node_ids: list[str]) -> None:
        """With one hidden layer selected, ask only that one (the learner's "chosen layer")."""
        self.selection = list(node_ids)
        self._refresh_rows()

    # -- refreshing -------------------------------------------------------------------------------
    def asked_here(self) -> list[str]:
        exercise = self.state.exercise
        if exercise is None:
            return []
        asked = exercise.asked(self.document.analysis)
        chosen = [n for n in self.selection if n in asked]
        return chosen if len(chosen) == 1 else asked

    def _refresh_rows(self) -> None:
        exercise = self.state.exercise
        wanted = self.asked_here()
        if list(self.rows) != wanted:
            for row in self.rows.values():
                row.hide()  # at once: deleteLater waits for the event loop
                self.rows_box.removeWidget(row)
                row.deleteLater()
            self.rows = {n: AnswerRow(self, n) for n in wanted}
            for row in self.rows.values():
                self.rows_box.addWidget(row)
        if exercise is None:
            return
        by_node: dict[str, dict] = {}
        for verdict in verdicts(exercise, self.document.analysis):
            by_node.setdefault(verdict.node_id, {})[verdict.field] = verdict
        for node_id, row in self.rows.items():
            row.show_state(exercise, by_node.get(node_id, {}))
        self._show_score(exercise)

    def _show_score(self, exercise: Exercise) -> None:
        right, total = score(exercise, self.document.analysis)
        asked = exercise.asked(self.document.analysis)
        open_ = len([n for n in asked if n not in exercise.revealed])
        hidden = f" · {counted(open_, 'layer')} still hidden" if open_ else " · all revealed"
        self.score_label.setText(f"<b>Score: {right} of {total} right</b>" + hidden)
        several = len(asked) > 1 and len(self.asked_here()) > 1  # not when one layer is chosen already
        self.hint.setText("Select a hidden layer on the canvas to answer just that one." if several else "")
        self.reveal_all.setEnabled(bool(open_))
        fits = self.document.compatible_weights() is not None
        run = self.document.adopted_run
        acc = run.result.test_acc if run is not None and run.result is not None else None
        goals = goal_status(exercise.goals, self.document.analysis, acc, run.dataset if run is not None else None,
                            fits, hide_numbers=bool(open_))
        marks = {True: "✓", False: "✗", None: "…"}
        self.goals_label.setText("\n".join(f"{marks[g.met]} Goal: {g.text}" for g in goals))
        self.goals_label.setVisible(bool(goals))

    def _on_state_exercise_changed(self, exercise) -> None:
        self.teacher_box.setVisible(exercise is None)
        self.exercise_box.setVisible(exercise is not None)
        self._refresh_rows()

    def _on_document_analysis_changed(self, *args) -> None:
        if self.state.exercise is None:
            self._default_goal_dataset()
        self._refresh_rows()

    def _on_reveal_all_clicked(self) -> None:
        self.state.reveal(self.state.exercise.asked(self.document.analysis))

    def _on_save_button_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save as exercise", f"{self.document.name}-exercise.nwproj",
                                              "Netwright projects (*.nwproj *.json)")
        if path:
            self.save_exercise(path)
