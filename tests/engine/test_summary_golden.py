"""The `summary` table, character for character, against stored golden outputs (as torchinfo does).

A deliberate change to the table regenerates them: `NETWRIGHT_UPDATE_GOLDENS=1 python -m pytest
tests/engine/test_summary_golden.py`, then review the diff of tests/engine/goldens/ before committing.
The numbers are the analysis's own (exact rules and closed forms), so no torch release changes them.
"""
import os
from pathlib import Path

import pytest

GOLDENS = Path(__file__).parent / "goldens" / "summary"
UPDATE = os.environ.get("NETWRIGHT_UPDATE_GOLDENS") == "1"

CASES = {
    "lenet5": ["--template", "lenet5"],
    "resnet18-cifar": ["--template", "resnet18", "--input", "3,32,32", "--classes", "10", "--batch", "64"],
    "lstm": ["--template", "lstm"],
    "transformer": ["--template", "transformer"],
    "lenet5-too-small": ["--template", "lenet5", "--input", "1,8,8"],
}


@pytest.mark.parametrize("name", CASES)
def test_summary_table_matches_golden(cli, name):
    result = cli("summary", *CASES[name])
    assert result.returncode == (1 if name.endswith("too-small") else 0), result.stderr
    golden = GOLDENS / f"{name}.txt"
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(result.stdout, encoding="utf-8")
    assert golden.exists(), f"no golden for {name}: run with NETWRIGHT_UPDATE_GOLDENS=1"
    assert result.stdout == golden.read_text(encoding="utf-8")


def test_every_golden_file_has_a_case():
    assert {p.stem for p in GOLDENS.glob("*.txt")} == set(CASES)
