"""`summary --depth N`: rows down to block depth N like torchinfo's `depth`, as a table (checked
character for character against a golden file, as the summary goldens are) and as JSON.

Regenerate after a deliberate change: NETWRIGHT_UPDATE_GOLDENS=1 python -m pytest tests/engine/test_summary_depth.py
"""
import json
import os
from pathlib import Path

import pytest

from engine.cli import run_cli

GOLDENS = Path(__file__).parent / "goldens" / "summary_depth"
UPDATE = os.environ.get("NETWRIGHT_UPDATE_GOLDENS") == "1"

CASES = {
    "resnet18-cifar-depth1": ["--template", "resnet18", "--input", "3,32,32", "--classes", "10", "--depth", "1"],
    "googlenet-depth2": ["--template", "googlenet", "--depth", "2"],
}


def cli(capsys, *args):
    capsys.readouterr()
    code = run_cli([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", CASES)
def test_depth_table_matches_golden(capsys, name):
    code, out, err = cli(capsys, "summary", *CASES[name])
    assert code == 0, err
    golden = GOLDENS / f"{name}.txt"
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")


def test_depth_json_rows_carry_blocks_and_sum_to_the_totals(capsys):
    base = ["summary", "--template", "resnet18", "--input", "3,32,32", "--classes", "10", "--json"]
    code, out, _ = cli(capsys, *base)
    every = json.loads(out)
    assert code == 0 and all("block" in r for r in every["layers"])
    assert {r["id"]: r["block"] for r in every["layers"]}["layer2_1_conv1"] == "layer2.1"
    for depth, blocks in ((0, ["resnet18"]), (1, ["layer1", "layer2", "layer3", "layer4"]),
                          (2, ["layer1.0", "layer1.1", "layer2.0", "layer2.1", "layer3.0", "layer3.1", "layer4.0",
                               "layer4.1"])):
        code, out, _ = cli(capsys, *base, "--depth", depth)
        rows = json.loads(out)["layers"]
        assert [r["id"] for r in rows if r["type"] == "block"] == blocks
        assert sum(r["params"] for r in rows) == every["total_params"]
        assert sum(r["macs"] for r in rows) == every["total_macs"]
        for row in rows:
            assert {"id", "type", "block", "output_shape", "params", "macs"} <= set(row)
    layer2 = next(r for r in rows if r["id"] == "layer2.0")
    assert layer2["block"] == "layer2" and layer2["output_shape"] == [32, 16, 16] and layer2["layers"] == 9


def test_depth_must_not_be_negative(capsys):
    code, _, err = cli(capsys, "summary", "--template", "lenet5", "--depth", "-1")
    assert code == 2 and "--depth" in err


def test_depth_of_a_network_without_blocks_lists_every_layer(capsys):
    _, flat, _ = cli(capsys, "summary", "--template", "lenet5")
    _, deep, _ = cli(capsys, "summary", "--template", "lenet5", "--depth", "3")
    assert flat == deep
