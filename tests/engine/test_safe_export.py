"""Exported Python is inert: hostile file names, titles and class names never become code.

Each hostile project is exported through the CLI (the file name is the title), then every
exported file is imported and run as a script in one subprocess; the `touch MARKER` the
names carry must never happen, and each script prints its output shape.
"""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

import engine
from engine.builder import BuildError
from engine.cli import run_cli
from engine.export import export_python, safe_identifier, safe_title
from engine.graph import Node

MARKER = "EXPORT_MARKER"
TOUCH = f'__import__("os").system("touch {MARKER}")'
HOSTILE_NAMES = [
    f'a""" if {TOUCH} else """b',
    f"a''' if {TOUCH} else '''b",
    f'x\\"""\n{TOUCH}\n"""',
    f"name\n{TOUCH}\n#",
    f"\\N{{x}} {TOUCH}",
    "ends with a backslash \\",
    "",
]
HOSTILE_CLASSES = [f"Net(nn.Module): pass\n{TOUCH}\nclass X", "class", "1abc", "", "ok_Name"]


def _graph():
    return engine.templates.load("lenet5")


def test_titles_and_class_names_are_made_harmless():
    for name in HOSTILE_NAMES:
        title = safe_title(name)
        assert '"' not in title and "'" not in title and "\\" not in title and "\n" not in title
    for name in HOSTILE_CLASSES:
        ident = safe_identifier(name)
        assert ident.isidentifier() and not __import__("keyword").iskeyword(ident)
    assert safe_identifier("ok_Name") == "ok_Name" and safe_title("LeNet-5 (MNIST)") == "LeNet-5 (MNIST)"


def test_an_export_never_writes_a_node_id_that_is_not_an_identifier():
    graph = _graph()
    graph._nodes["x; import os"] = Node("x; import os", "relu")  # bypassing the graph's own check
    graph._in["x; import os"], graph._out["x; import os"] = [], []
    with pytest.raises(BuildError):
        export_python(graph)


def test_hostile_names_export_files_that_run_nothing_but_the_network(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    graph, outputs = _graph(), []
    for i, name in enumerate(HOSTILE_NAMES[:-1]):  # a file name cannot be empty
        project = engine.save(graph, tmp_path / f"{name}.nwproj")
        out = tmp_path / f"exported_{i}.py"
        assert run_cli(["export", str(project), "--python", str(out)]) == 0, capsys.readouterr().err
        outputs.append(out)
    for i, name in enumerate(HOSTILE_CLASSES):
        out = tmp_path / f"exported_class_{i}.py"
        out.write_text(export_python(graph, class_name=name, title=name))
        outputs.append(out)
    for out in outputs:
        ast.parse(out.read_text())  # valid Python, whatever the names
    script = ("import importlib.util, runpy, sys\n"
              "for path in sys.argv[1:]:\n"
              "    spec = importlib.util.spec_from_file_location('exported', path)\n"
              "    spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
              "    runpy.run_path(path, run_name='__main__')\n")
    result = subprocess.run([sys.executable, "-c", script, *map(str, outputs)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("torch.Size([1, 10])") == len(outputs)
    assert not (tmp_path / MARKER).exists() and not Path(MARKER).exists()
