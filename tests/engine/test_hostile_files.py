"""Every hostile project file of the corpus: one outcome, bounded time and memory, no code run.

A refused file raises ProjectError (never another exception) and makes the CLI exit 2 with
one line on stderr; an accepted one opens, analyses and saves again. None of them runs the
`touch MARKER` its strings carry.
"""
import os
import time
import tracemalloc

import pytest

import engine
from engine import ProjectError
from engine.cli import run_cli
from tests.engine.hostile_projects import CASES, MARKER

MAX_SECONDS = 10.0  # generous on a shared, loaded machine; the slowest case takes about 1 s alone
MAX_TRACED_BYTES = 100 * 2**20  # members are capped at 32 MB, parsed entries counted first


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 80
    assert {outcome for outcome, _ in CASES.values()} == {"ok", "error"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_project_file(name, tmp_path, monkeypatch, capsys):
    if name.startswith("FIFO") and not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    monkeypatch.chdir(tmp_path)
    expected, make = CASES[name]
    path = tmp_path / "case.nwproj"
    make(path)
    outcome, elapsed, peak = _load(path)
    assert elapsed < MAX_SECONDS and peak < MAX_TRACED_BYTES, (elapsed, peak)
    if expected == "error":
        assert isinstance(outcome, ProjectError), outcome
        assert str(outcome) and "\n" not in str(outcome)
    else:
        assert isinstance(outcome, engine.Project), outcome
        engine.analyze(outcome.graph)  # problems are node errors, never exceptions
        again = engine.save(outcome.graph, tmp_path / "again.nwproj", weights=outcome.weights,
                            training=outcome.training, meta=outcome.meta)
        engine.load(again)  # whatever opened saves and opens again
    capsys.readouterr()
    code = run_cli(["summary", str(path)])
    err = capsys.readouterr().err
    if expected == "error":
        assert code == 2 and err.count("\n") == 1 and err.startswith("error: "), err
    else:
        assert code in (0, 1) and "Traceback" not in err
    assert not (tmp_path / MARKER).exists()


def _load(path):
    tracemalloc.start()
    start = time.perf_counter()
    try:
        outcome = engine.load(path)
    except ProjectError as exc:
        outcome = exc
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return outcome, elapsed, peak
