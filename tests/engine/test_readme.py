"""The README's test command is the one CI runs, verbatim."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ci_runs_the_readme_test_command_verbatim():
    lines = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    ci = next(line for line in lines if line.startswith("python3 -m venv .venv"))
    readme = (ROOT / "README.md").read_text()
    assert "pytest" in ci
    assert f"\n{ci}\n" in readme


def test_ci_runs_the_house_checks_after_the_tests():
    script = (ROOT / ".ci" / "run").read_text()
    tests = script.index("pytest")
    assert script.index("lint-imports") > tests and script.index("ruff check") > tests
