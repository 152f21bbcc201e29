"""The command line end to end, as a user runs it: `python main.py SUBCOMMAND ...`."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

import engine

ROOT = Path(__file__).resolve().parents[2]


def run(*args, cwd=None):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=300)


def test_summary_of_a_template_prints_table_and_totals():
    result = run("summary", "--template", "lenet5")
    assert result.returncode == 0, result.stderr
    assert "conv1" in result.stdout and "6×28×28" in result.stdout
    assert "Total params:         61,706" in result.stdout
    assert "multiply-accumulates" in result.stdout


def test_summary_json_keys_and_values():
    result = run("summary", "--template", "resnet18", "--input", "3,224,224", "--classes", "1000", "--json")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert data["total_params"] == data["trainable_params"] == 11_689_512
    assert data["total_macs"] > 1e9
    first = data["layers"][1]
    assert {"id", "type", "output_shape", "params", "macs", "error"} <= set(first)
    assert first["id"] == "conv1" and first["output_shape"] == [64, 112, 112]


def test_summary_exit_1_when_a_layer_has_an_error():
    result = run("summary", "--template", "lenet5", "--input", "1,8,8", "--json")
    assert result.returncode == 1
    errors = [layer for layer in json.loads(result.stdout)["layers"] if layer["error"]]
    assert errors[0]["id"] == "conv2" and "smaller than the 5×5 kernel" in errors[0]["error"]


@pytest.mark.parametrize("args", [["summary"], ["summary", "--template", "nope"],
                                  ["summary", "--template", "lenet5", "--input", "a,b"],
                                  ["summary", "missing.nwproj"], ["summary", "--template", "lenet5", "--batch", "0"]])
def test_bad_usage_exits_2_with_one_line_and_no_traceback(args):
    result = run(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip()


def test_summary_of_a_corrupt_project(tmp_path):
    bad = tmp_path / "bad.nwproj"
    bad.write_bytes(b"PK\x03\x04garbage")
    result = run("summary", str(bad))
    assert result.returncode == 2 and "damaged" in result.stderr and "Traceback" not in result.stderr


def test_summary_of_a_saved_project(tmp_path):
    path = engine.save(engine.templates.load("mlp"), tmp_path / "mlp.nwproj")
    result = run("summary", str(path), "--batch", "32")
    assert result.returncode == 0 and "for a batch of 32" in result.stdout


def test_export_writes_runnable_code(tmp_path):
    project = engine.save(engine.templates.load("lenet5"), tmp_path / "lenet.nwproj")
    out = tmp_path / "lenet.py"
    result = run("export", str(project), "--python", str(out))
    assert result.returncode == 0, result.stderr
    check = subprocess.run([sys.executable, str(out)], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert check.returncode == 0 and "torch.Size([1, 10])" in check.stdout


def test_templates_lists_every_template():
    result = run("templates")
    assert result.returncode == 0
    for name in engine.templates.names():
        assert name in result.stdout


def test_cli_never_imports_qt():
    code = ("import sys, runpy; sys.argv=['main.py','summary','--template','lenet5'];"
            "import main; rc = main.main(sys.argv[1:]);"
            "assert not [m for m in sys.modules if m.startswith(('PySide6','pyqtgraph','shiboken6'))]")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
