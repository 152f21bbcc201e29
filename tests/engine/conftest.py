"""Engine test fixtures: the command line run in-process (`cli`), as `python main.py` would run it.

Spawning `python main.py` costs an interpreter and a torch import (seconds) per call; the few
tests that need the real process (exit status through main.py, no Qt loaded, one end-to-end
train) spawn it themselves.
"""
import sys
from dataclasses import dataclass

import pytest

from engine.cli import run_cli


@dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys, monkeypatch):
    """cli("summary", "--template", "lenet5", cwd=tmp_path) -> CliResult, like subprocess.run."""
    def run(*args, cwd=None) -> CliResult:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        argv_before = list(sys.argv)
        capsys.readouterr()  # drop anything printed before the call
        code = run_cli([str(a) for a in args])
        out, err = capsys.readouterr()
        assert sys.argv == argv_before, "run_cli must leave sys.argv alone"
        assert isinstance(code, int)
        return CliResult(code, out, err)
    return run
