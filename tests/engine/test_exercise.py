"""Predict-then-reveal exercises: checking answers with the arithmetic, scores, goals, the file section."""
import engine
from engine.exercise import Exercise, Goals, check, goal_status, parse_count, score, verdicts


def lenet():
    graph = engine.templates.load("lenet5")
    return graph, engine.analyze(graph)


def test_answers_are_checked_with_the_arithmetic_on_the_networks_numbers():
    _, analysis = lenet()
    conv1 = analysis.row("conv1")
    right = check(conv1, "shape", "6x28x28")
    assert right.correct and right.expected == "6×28×28"
    assert any("(28 − 5 + 2·2) / 1 + 1 = 28" in line for line in right.arithmetic)
    wrong = check(conv1, "params", "150")
    assert wrong.correct is False and wrong.expected == "156"
    assert wrong.arithmetic == ("parameters: 5·5·1·6 + 6 = 156",)
    assert check(conv1, "params", " ").correct is None and check(conv1, "shape", "big").correct is False
    flat = check(analysis.row("flatten"), "shape", "400")
    assert flat.correct and "16·5·5 = 400" in flat.arithmetic[0]
    assert "0 parameters" in check(analysis.row("relu1"), "params", "0").arithmetic[0]


def test_parse_count_accepts_grouped_digits_only():
    assert parse_count("61,706") == parse_count("61 706") == 61706
    assert parse_count("6e4") is None and parse_count("-3") is None


def test_score_counts_revealed_answers_only():
    _, analysis = lenet()
    ex = Exercise(hidden=("conv1", "fc1"))
    assert ex.asked(analysis) == ["conv1", "fc1"] and not ex.hides("input", "input")
    ex = ex.with_answer("conv1", "shape", "6×28×28").with_answer("conv1", "params", "150")
    ex = ex.with_answer("fc1", "params", "48120")
    assert score(ex, analysis) == (0, 0)
    ex = ex.with_revealed(["conv1"])
    assert score(ex, analysis) == (1, 2)
    assert score(ex.with_revealed(["fc1"]), analysis) == (2, 3)  # fc1's shape was not answered
    assert [v.node_id for v in verdicts(ex, analysis, only_revealed=False)] == ["conv1", "conv1", "fc1", "fc1"]


def test_goals_are_checked_against_the_network_and_its_training():
    _, analysis = lenet()
    goals = Goals(max_params=100_000, min_accuracy=0.98, dataset="mnist")
    status = goal_status(goals, analysis, None, None)
    assert [s.met for s in status] == [True, None] and "train on MNIST" in status[1].text
    assert [s.met for s in goal_status(goals, analysis, 0.985, "mnist")] == [True, True]
    assert goal_status(goals, analysis, 0.985, "digits")[1].met is None  # trained on other data
    assert goal_status(goals, analysis, 0.985, "mnist", weights_fit=False)[1].met is None
    assert goal_status(Goals(max_params=1000), analysis, None, None)[0].met is False
    hidden = goal_status(goals, analysis, None, None, hide_numbers=True)[0]  # layers still hidden
    assert hidden.met is None and "61,706" not in hidden.text


def test_exercise_section_round_trips_through_a_project_file(tmp_path):
    graph, analysis = lenet()
    teacher = Exercise(hidden=None, goals=Goals(max_params=70_000, min_accuracy=0.97))
    path = engine.save(graph, tmp_path / "ex.json", sections={"exercise": teacher.to_section()})
    handed_out = Exercise.from_section(engine.load(path).sections["exercise"])
    assert handed_out == teacher and handed_out.hidden is None
    student = handed_out.with_answer("conv2", "shape", "16×10×10").with_revealed(["conv2"])
    path2 = engine.save(graph, tmp_path / "mine.json", sections={"exercise": student.to_section()})
    back = Exercise.from_section(engine.load(path2).sections["exercise"])
    assert back.answers == {"conv2": {"shape": "16×10×10"}} and back.revealed == {"conv2"}
    assert score(back, analysis) == (1, 1)
    assert back.as_teacher_file() == teacher


def test_damaged_section_is_read_leniently():
    ex = Exercise.from_section({"hidden": [1, "conv1"], "fields": "x", "goals": {"max_params": True,
                                "min_accuracy": 5}, "answers": {"conv1": {"shape": ["x"], "params": 156}},
                                "revealed": "all"})
    assert ex.hidden == ("conv1",) and ex.fields == ("shape", "params") and ex.goals == Goals()
    assert ex.answers == {"conv1": {"params": "156"}} and ex.revealed == frozenset()
    assert Exercise.from_section({}) is None and Exercise.from_section(None) is None
