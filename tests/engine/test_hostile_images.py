"""Every hostile image of the corpus: an ImageError or a clean picture, in bounded time and
memory, through the one loading path `predict`, the Draw view and folder datasets share."""
import re
import time
import tracemalloc

import pytest
from PIL import Image

import engine
from engine.cli import run_cli
from engine.data import load_dataset
from engine.digits import ImageError, load_image_file
from tests.engine.hostile_images import CASES

MAX_SECONDS = 5.0
MAX_TRACED_BYTES = 100 * 2**20


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    graph = engine.templates.load("lenet5")
    path = tmp_path_factory.mktemp("project") / "lenet.nwproj"
    meta = {"dataset": "mnist", "class_names": [str(i) for i in range(10)], "mean": [0.1307], "std": [0.3081]}
    return engine.save(graph, path, weights=engine.build_module(graph), meta=meta)


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 20


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_image(name, tmp_path, trained, capsys):
    expected, make = CASES[name]
    path = tmp_path / "picture.png"
    make(path)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        outcome = load_image_file(path)
    except ImageError as exc:
        outcome = exc
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < MAX_SECONDS and peak < MAX_TRACED_BYTES, (elapsed, peak)
    assert isinstance(outcome, ImageError if expected == "error" else object), outcome
    capsys.readouterr()
    code = run_cli(["predict", str(trained), str(path)])
    out, err = capsys.readouterr()
    if expected == "error":
        assert code == 2 and err.count("\n") == 1 and err.startswith("error: "), err
    else:
        assert code == 0 and "%" in out and "Traceback" not in err, err


def test_a_folder_dataset_refuses_a_decompression_bomb(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        Image.new("L", (8, 8)).save(tmp_path / name / "ok.png")
    make = CASES["PNG declaring 100,000×100,000"][1]
    make(tmp_path / "a" / "bomb.png")
    ds = load_dataset("folder", path=tmp_path, image_size=8)  # left out and named, never decoded
    assert len(ds.skipped) == 1 and re.search("bomb.png.*too large", ds.skipped[0])
    assert ds.num_train + ds.num_test == 2
