"""A CLI subcommand registers itself once: its file name `engine/cli/<name>_cmd.py`."""
from __future__ import annotations

import ast
import importlib.util
import pkgutil
import subprocess
import sys
from pathlib import Path

import engine.cli
from engine.cli import COMMANDS, SUBCOMMANDS, run_cli, subcommand_help, unknown_command

ROOT = Path(__file__).resolve().parents[2]


def test_every_module_that_adds_a_parser_is_a_registered_command() -> None:
    for module in pkgutil.iter_modules(engine.cli.__path__):
        tree = ast.parse((ROOT / "engine" / "cli" / f"{module.name}.py").read_text())
        defines = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        if "add_parser" in defines:
            assert f"engine.cli.{module.name}" in COMMANDS.values(), f"{module.name} is not named <name>_cmd.py"


def test_the_parser_help_and_dispatch_know_every_command() -> None:
    assert set(SUBCOMMANDS) >= {"summary", "lint", "export", "templates", "train", "lr-find", "runs", "predict",
                                "import"}  # the commands there have always been (a contract)
    assert list(subcommand_help()) == list(SUBCOMMANDS)
    assert all(subcommand_help().values())
    for name in SUBCOMMANDS:
        assert run_cli([name, "--help"]) == 0


def test_a_new_command_module_is_a_command_without_touching_another_file(tmp_path, monkeypatch, capsys) -> None:
    (tmp_path / "hello_there_cmd.py").write_text(
        "def add_parser(sub):\n"
        "    p = sub.add_parser('hello-there', help='say hello')\n"
        "    p.set_defaults(handler=lambda args: print('hello') or 0)\n")
    monkeypatch.setattr(engine.cli, "__path__", [*engine.cli.__path__, str(tmp_path)])
    monkeypatch.syspath_prepend(str(tmp_path))
    commands = engine.cli._commands()
    assert commands["hello-there"] == "engine.cli.hello_there_cmd"
    spec = importlib.util.spec_from_file_location("engine.cli.hello_there_cmd", tmp_path / "hello_there_cmd.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setitem(sys.modules, "engine.cli.hello_there_cmd", module)
    monkeypatch.setattr(engine.cli, "COMMANDS", commands)
    assert run_cli(["hello-there"]) == 0 and capsys.readouterr().out == "hello\n"


def test_a_mistyped_command_is_an_error_not_a_window(tmp_path) -> None:
    assert unknown_command("trian") and not unknown_command("train") and not unknown_command("--view")
    assert not unknown_command("net.nwproj")
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "trian"], capture_output=True, text=True,
                            cwd=tmp_path, timeout=60, env={"PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 2 and "invalid choice: 'trian'" in result.stderr
