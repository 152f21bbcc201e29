"""The command line as a user runs it: `python main.py SUBCOMMAND ...`.

Subcommands run in-process through `engine.cli.run_cli` (the `cli` fixture); the last tests
spawn the real `python main.py` for what only a process shows: its exit status and no Qt.
"""
import json
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

import engine

ROOT = Path(__file__).resolve().parents[2]


def test_summary_of_a_template_prints_table_and_totals(cli):
    result = cli("summary", "--template", "lenet5")
    assert result.returncode == 0, result.stderr
    assert "conv1" in result.stdout and "6×28×28" in result.stdout
    assert "Total params:         61,706" in result.stdout
    assert "multiply-accumulates" in result.stdout


def test_summary_json_keys_and_values(cli):
    result = cli("summary", "--template", "resnet18", "--input", "3,224,224", "--classes", "1000", "--json")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert data["total_params"] == data["trainable_params"] == 11_689_512
    assert data["total_macs"] > 1e9
    first = data["layers"][1]
    assert {"id", "type", "output_shape", "params", "macs", "error"} <= set(first)
    assert first["id"] == "conv1" and first["output_shape"] == [64, 112, 112]


def test_summary_exit_1_when_a_layer_has_an_error(cli):
    result = cli("summary", "--template", "lenet5", "--input", "1,8,8", "--json")
    assert result.returncode == 1
    errors = [layer for layer in json.loads(result.stdout)["layers"] if layer["error"]]
    assert errors[0]["id"] == "conv2" and "smaller than the 5×5 kernel" in errors[0]["error"]


@pytest.mark.parametrize("args", [["summary"], ["summary", "--template", "nope"],
                                  ["summary", "--template", "lenet5", "--input", "a,b"],
                                  ["summary", "missing.nwproj"], ["summary", "--template", "lenet5", "--batch", "0"],
                                  ["summary", "--batch", "many"], ["nope"], []])
def test_bad_usage_exits_2_with_one_line_and_no_traceback(cli, args):
    result = cli(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip()


def test_help_exits_0_without_leaving_the_process(cli):
    result = cli("summary", "--help")
    assert result.returncode == 0 and "--template" in result.stdout


def test_repeated_calls_share_no_state(cli):
    """The same command twice, with others between, prints the same thing."""
    first = cli("summary", "--template", "lenet5", "--batch", "4")
    cli("summary", "--template", "mlp", "--input", "2", "--classes", "3")
    cli("summary", "--template", "nope")
    again = cli("summary", "--template", "lenet5", "--batch", "4")
    assert (first.returncode, first.stdout, first.stderr) == (again.returncode, again.stdout, again.stderr)


def test_summary_of_a_corrupt_project(cli, tmp_path):
    bad = tmp_path / "bad.nwproj"
    bad.write_bytes(b"PK\x03\x04garbage")
    result = cli("summary", bad)
    assert result.returncode == 2 and "damaged" in result.stderr and "Traceback" not in result.stderr


def test_summary_of_a_saved_project(cli, tmp_path):
    path = engine.save(engine.templates.load("mlp"), tmp_path / "mlp.nwproj")
    result = cli("summary", path, "--batch", "32")
    assert result.returncode == 0 and "for a batch of 32" in result.stdout


def test_export_writes_runnable_code(cli, capsys, tmp_path):
    project = engine.save(engine.templates.load("lenet5"), tmp_path / "lenet.nwproj")
    out = tmp_path / "lenet.py"
    result = cli("export", project, "--python", out)
    assert result.returncode == 0, result.stderr
    assert f"wrote {out}" in result.stdout
    runpy.run_path(str(out), run_name="__main__")  # the file's own demo: build, run one sample
    assert "torch.Size([1, 10])" in capsys.readouterr().out


def test_templates_lists_every_template(cli):
    result = cli("templates")
    assert result.returncode == 0
    for name in engine.templates.names():
        assert name in result.stdout


# ---- smoke tests of the real process ----------------------------------------------------

def test_main_py_passes_the_exit_status_through_and_loads_no_qt():
    """One real process runs main.py as a script (its `sys.exit(main())` included), then
    checks that a whole summary loaded no Qt module."""
    code = ("import runpy, sys\n"
            "sys.argv = ['main.py', 'summary', '--template', 'lenet5', '--input', '1,8,8']\n"
            "try:\n    runpy.run_path('main.py', run_name='__main__')\n"
            "except SystemExit as exc:\n    status = exc.code\n"
            "qt = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph', 'gui')]\n"
            "sys.exit(f'Qt loaded: {qt}' if qt else status)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 1, result.stderr  # 1: a layer has an error (2 would be bad usage)
    assert "smaller than the 5×5 kernel" in result.stdout and "Total params:" in result.stdout
    assert "Traceback" not in result.stderr
