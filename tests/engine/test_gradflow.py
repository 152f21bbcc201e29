"""Gradient flow: the recorder measures per-layer gradient norms and update ratios; the deep sigmoid
MLP's first layer gets a vanishing gradient, its ReLU + batch-norm twin's does not."""
import json
import statistics

import torch

import engine
from engine.cli import run_cli
from engine.data import Dataset
from engine.training import GradientHistory, GradientRecord, TrainConfig, train
from engine.training.gradflow import MAX_POINTS


def made_digits(n=512, seed=0):
    """Test-made 1×28×28 "digits": the class is the row band where a bright bar sits, plus noise."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 10, (n,), generator=g)
    x = torch.randint(0, 60, (n, 1, 28, 28), generator=g, dtype=torch.uint8)
    for i, label in enumerate(y.tolist()):
        x[i, 0, 2 + 2 * label:4 + 2 * label, 4:24] = 255
    return Dataset("made", "image", x[64:], y[64:], x[:64], y[:64], (1, 28, 28), 10,
                   [str(i) for i in range(10)], (0.2,), (0.3,))


def one_epoch(template, every=2):
    torch.manual_seed(0)
    module = engine.build_module(engine.templates.load(template))
    config = TrainConfig(epochs=1, batch_size=32, lr=1e-3, schedule="none", log_every=4, val_split=0.0,
                         cpu_threads=1, device="cpu")
    history = GradientHistory()
    records = list(train(module, made_digits(), config, gradients=every))
    for record in records:
        if isinstance(record, GradientRecord):
            history.add(record)
    assert records[-1].status == "completed"
    return history


def test_sigmoid_gradients_vanish_and_relu_bn_ones_do_not():
    for template, vanishes in (("deep_sigmoid", True), ("deep_relu_bn", False)):
        norms = one_epoch(template).to_dict()["grad_norms"]
        first, last = statistics.mean(norms["fc1"]), statistics.mean(norms["out"])
        assert (first < last / 100) is vanishes, (template, first, last)


def test_recorder_measures_every_layer_with_parameters_every_few_steps():
    history = one_epoch("deep_relu_bn", every=3)
    data = history.to_dict()
    assert data["grad_steps"] == list(range(3, 15, 3))  # 448 samples / 32 = 14 steps
    assert list(data["grad_norms"]) == [f"fc{i}" for i in range(1, 11)] + ["out"]  # weight layers, not bn
    ratios = [r for series in data["update_ratios"].values() for r in series]
    assert all(0 < r < 1 for r in ratios)  # an Adam step at lr 1e-3 moves weights by a small fraction
    json.dumps(data, allow_nan=False)


def test_no_records_unless_asked():
    module = engine.build_module(engine.templates.load("perceptron", (1, 28, 28), 10))
    config = TrainConfig(epochs=1, batch_size=64, device="cpu", cpu_threads=1)
    assert not any(isinstance(r, GradientRecord) for r in train(module, made_digits(128), config))


def test_history_is_thinned_to_a_bounded_size_keeping_the_newest():
    history = GradientHistory()
    n = 3 * MAX_POINTS
    history.add(GradientRecord(1, tuple(range(1, n + 1)), ("a",), tuple((float(i),) for i in range(n)),
                               tuple((0.1,) for _ in range(n))))
    assert MAX_POINTS // 2 <= len(history.steps) <= MAX_POINTS
    assert history.steps == sorted(history.steps) and history.steps[-1] > n - 8


def test_train_cli_metrics_carry_grad_norms_per_node(tmp_path, capsys):
    from tests.engine.test_data import write_idx

    write_idx(tmp_path / "data", "MNIST")
    code = run_cli(["train", "--template", "lenet5", "--dataset", "mnist", "--data-dir", str(tmp_path / "data"),
                    "--epochs", "1", "--batch-size", "8", "--grad-every", "2", "--out", str(tmp_path / "n.nwproj"),
                    "--metrics", str(tmp_path / "m.json")])
    assert code == 0, capsys.readouterr().err
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert set(metrics["grad_norms"]) == {"conv1", "conv2", "fc1", "fc2", "fc3"}
    assert all(len(v) == len(metrics["grad_steps"]) > 0 for v in metrics["grad_norms"].values())
    run = engine.load(tmp_path / "n.nwproj").runs[-1]  # the project keeps them with the run
    assert run.extras["grad_norms"].keys() == metrics["grad_norms"].keys()
