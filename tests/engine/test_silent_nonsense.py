"""No silent nonsense: damaged statistics or weights say so instead of "nan % sure", one class
is not 100 %, `--dataset folder` works from the CLI, and a result that cannot be saved where
asked is saved elsewhere, saying where."""
import numpy as np
import pytest
import torch
from PIL import Image

import engine
from engine.cli import run_cli
from engine.inference import InferenceError, class_names_for, normalization, predict

GOOD_META = {"dataset": "mnist", "class_names": [str(i) for i in range(10)], "mean": [0.1307], "std": [0.3081]}


@pytest.fixture(scope="module")
def lenet():
    torch.manual_seed(0)
    return engine.build_module(engine.templates.load("lenet5")).eval()


def digit() -> np.ndarray:
    pixels = np.zeros((28, 28), dtype=np.uint8)
    pixels[6:22, 13:16] = 255
    return pixels


@pytest.mark.parametrize("meta", [{"std": [0.0]}, {"std": [-1]}, {"mean": ["x"]}, {"mean": [float("nan")]},
                                  {"mean": [1, 2]}, {"std": {"a": 1}}, {"mean": [True]}, {"std": "0.3"}])
def test_damaged_statistics_are_an_error_not_nan_percent(lenet, meta):
    with pytest.raises(InferenceError, match="normalization is damaged"):
        predict(lenet, digit(), {**GOOD_META, **meta})


def test_nan_weights_are_an_error_not_nan_percent(lenet):
    broken = engine.build_module(engine.templates.load("lenet5")).eval()
    with torch.no_grad():
        broken.fc3.weight[0, 0] = float("nan")
    with pytest.raises(InferenceError, match="not a number"):
        predict(broken, digit(), GOOD_META)
    assert predict(lenet, digit(), GOOD_META).probabilities[0] >= 0


def test_class_names_are_completed_or_cut_to_the_outputs(lenet):
    assert class_names_for({"class_names": ["a", "b"]}, 4) == ("a", "b", "2", "3")
    assert class_names_for({"class_names": "abc"}, 2) == ("0", "1")
    assert class_names_for({"class_names": [str(i) for i in range(20)]}, 3) == ("0", "1", "2")
    pred = predict(lenet, digit(), {**GOOD_META, "class_names": ["zero"]})
    assert len(pred.class_names) == 10 and pred.class_names[0] == "zero" and pred.name
    assert normalization({}, 3) == ((0.1307,), (0.3081,))


def test_predict_with_damaged_meta_exits_2_with_one_line(tmp_path, lenet, capsys):
    graph = engine.templates.load("lenet5")
    path = engine.save(graph, tmp_path / "p.nwproj", weights=lenet, meta={**GOOD_META, "std": [0]})
    Image.fromarray(digit()).save(tmp_path / "one.png")
    assert run_cli(["predict", str(path), str(tmp_path / "one.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "normalization is damaged" in err


def _class_folders(root, classes):
    for c, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        for i in range(4):
            Image.new("L", (10, 10), 40 * c + 10 * i).save(root / name / f"{i}.png")
    return root


def test_the_train_command_takes_a_folder_of_class_folders(tmp_path, capsys):
    root = _class_folders(tmp_path / "pets", ["cat", "dog"])
    out = tmp_path / "pets.nwproj"
    code = run_cli(["train", "--template", "mlp", "--dataset", "folder", "--data-dir", str(root),
                    "--epochs", "1", "--batch-size", "4", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert engine.load(out).meta["class_names"] == ["cat", "dog"]
    assert run_cli(["train", "--template", "mlp", "--dataset", "folder", "--epochs", "1"]) == 2
    assert "--dataset folder needs --data-dir" in capsys.readouterr().err
    one = _class_folders(tmp_path / "one", ["cat"])
    assert run_cli(["train", "--template", "mlp", "--dataset", "folder", "--data-dir", str(one)]) == 2
    assert "only one class" in capsys.readouterr().err


def test_training_that_cannot_write_its_output_saves_beside_it_and_says_where(tmp_path, capsys):
    folder = tmp_path / "out_is_a_folder"
    folder.mkdir()
    code = run_cli(["train", "--template", "perceptron", "--dataset", "moons", "--epochs", "1", "--out", str(folder)])
    err = capsys.readouterr().err
    assert code == 1 and "saved to" in err
    rescued = [p for p in tmp_path.glob("*.nwproj")]
    assert len(rescued) == 1 and rescued[0].name.startswith("out_is_a_folder-recovered-")
    assert str(rescued[0]) in err and engine.load(rescued[0]).weights
