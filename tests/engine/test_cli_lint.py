"""`python main.py lint` and the warnings in `summary --json`, called in-process."""
import json

import engine
from engine.cli import run_cli
from engine.lint import dismissals
from engine.templates.base import Net


def _collapsing(tmp_path, dismissed=False):
    net = Net((20,))
    net.add("linear", "hidden", out_features=16)
    net.add("linear", "out", out_features=10)
    sections = {"lint": dismissals.with_dismissal(None, "out", "no_activation")} if dismissed else None
    return str(engine.save(net.graph, tmp_path / "p.json", sections=sections))


def test_lint_json_lists_node_code_message_and_exits_1(tmp_path, capsys):
    assert run_cli(["lint", _collapsing(tmp_path), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data == [{"node": "out", "code": "no_activation", "message": data[0]["message"]}]
    assert "hidden" in data[0]["message"]


def test_lint_text_names_the_reason_and_the_fix(tmp_path, capsys):
    assert run_cli(["lint", _collapsing(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "⚠ out [no_activation]" in out and "why:" in out and "fix: Insert ReLU after hidden" in out


def test_lint_clean_template_exits_0(capsys):
    assert run_cli(["lint", "--template", "lenet5", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert run_cli(["lint", "--template", "deep_sigmoid"]) == 1
    assert "vanishing_gradients" in capsys.readouterr().out


def test_lint_honours_dismissals_saved_in_the_project(tmp_path, capsys):
    assert run_cli(["lint", _collapsing(tmp_path, dismissed=True), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_lint_bad_usage_exits_2(tmp_path, capsys):
    assert run_cli(["lint"]) == 2
    assert run_cli(["lint", "--template", "nope"]) == 2
    assert run_cli(["lint", str(tmp_path / "missing.nwproj")]) == 2
    assert "error:" in capsys.readouterr().err


def test_summary_json_rows_carry_warnings(tmp_path, capsys):
    assert run_cli(["summary", _collapsing(tmp_path), "--json"]) == 0  # warnings do not make it invalid
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)["layers"]}
    assert rows["hidden"]["warnings"] == []
    assert [w["code"] for w in rows["out"]["warnings"]] == ["no_activation"]
    assert run_cli(["summary", _collapsing(tmp_path)]) == 0
    assert "⚠" in capsys.readouterr().out
