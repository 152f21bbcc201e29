"""A reduced run of bench/fuzz.py: random graphs and edits never raise, never analyse for over
a second, and always save and reopen to the same network."""
import importlib.util
import sys
from pathlib import Path

FUZZ = Path(__file__).resolve().parents[2] / "bench" / "fuzz.py"


def test_a_reduced_fuzz_corpus_finds_nothing():
    spec = importlib.util.spec_from_file_location("netwright_fuzz", FUZZ)
    fuzz = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = fuzz  # dataclasses look their module up there
    spec.loader.exec_module(fuzz)
    report = fuzz.run(graphs=60, seed=7)
    assert report.exceptions == [] and report.reopen_failures == [] and report.slow == 0
    assert report.graphs == 60 and report.edits == 240 and report.with_weights >= 3
