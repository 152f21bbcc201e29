"""Training settings and dataset options are data: the checks, the CLI and the README read them."""
from __future__ import annotations

import argparse
import dataclasses
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import train_cmd
from engine.data import DATASET_NAMES, dataset_info, load_dataset
from engine.data.digits import load_digits
from engine.data.folder import load_folder
from engine.data.info import DatasetError
from engine.data.toy import load_toy
from engine.training import SETTINGS, TrainConfig, TrainingError
from engine.training.config import FIELD_TITLES, LOSSES, OPTIMIZERS

ROOT = Path(__file__).resolve().parents[2]


def test_every_field_is_a_described_setting() -> None:
    assert list(SETTINGS) == [f.name for f in dataclasses.fields(TrainConfig)]
    for name, spec in SETTINGS.items():
        assert spec.title and spec.help.endswith(".") and spec.default == getattr(TrainConfig(), name)
    assert FIELD_TITLES["lr"] == "learning rate" and OPTIMIZERS[1] == "adam" and "nll" in LOSSES


@pytest.mark.parametrize("name", [n for n, s in SETTINGS.items() if s.kind in ("int", "float")])
def test_a_numeric_settings_range_is_what_the_config_checks(name: str) -> None:
    spec = SETTINGS[name]
    if spec.minimum is not None:
        edge = spec.minimum + (1 if spec.above and spec.kind == "int" else 1e-9 if spec.above else 0)
        assert TrainConfig(**{name: type(spec.default)(edge)}).problems() == []
        with pytest.raises(TrainingError, match=re.escape(spec.title)):
            TrainConfig.from_dict({name: spec.minimum - 1 if spec.kind == "int" else spec.minimum - 0.5})
    if spec.maximum is not None and spec.maximum < 2**62:
        with pytest.raises(TrainingError, match=re.escape(spec.title)):
            TrainConfig.from_dict({name: spec.maximum + (1 if spec.kind == "int" else 0.05)})


def test_a_choice_outside_the_choices_is_refused_with_them() -> None:
    for name, spec in SETTINGS.items():
        if spec.choices:
            with pytest.raises(TrainingError, match=f"{name} must be one of {', '.join(spec.values)}"):
                TrainConfig.from_dict({name: "nonsense"})


def _train_parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser()
    train_cmd.add_parser(root.add_subparsers())
    return root._subparsers._group_actions[0].choices["train"]


def test_train_options_come_from_the_settings() -> None:
    options = {a.dest: a for a in _train_parser()._actions}
    # the options train has always had (a contract), all generated now
    for name in ("epochs", "batch_size", "lr", "optimizer", "device", "seed", "augment"):
        assert SETTINGS[name].cli and SETTINGS[name].option in options[name].option_strings
    for name, spec in SETTINGS.items():
        if spec.cli:
            assert spec.help in options[name].help.replace("%%", "%")
        else:
            assert name not in options


def test_the_readme_tables_are_the_engines() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "readme_tables.py"), "--check"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


LOADERS = {"digits": load_digits, "folder": load_folder, "moons": load_toy}


@pytest.mark.parametrize("name", list(LOADERS))
def test_dataset_options_are_the_loaders_keywords_with_its_defaults(name: str) -> None:
    params = {k: p for k, p in inspect.signature(LOADERS[name]).parameters.items() if k not in ("name", "progress")}
    options = {o.name: o for o in dataset_info(name).option_specs}
    assert set(options) == set(params)
    for key, option in options.items():
        if params[key].default is not None and option.default is not None:
            assert option.default == params[key].default, key


def test_options_sharing_a_form_row_share_a_kind() -> None:
    kinds: dict[str, str] = {}
    for name in DATASET_NAMES:
        for option in dataset_info(name).form_options:
            assert kinds.setdefault(option.title, option.kind) == option.kind


def test_an_option_outside_its_range_is_refused_before_loading() -> None:
    with pytest.raises(DatasetError, match="n_samples must be between 10 and 200000"):
        load_dataset("moons", n_samples=5)
    with pytest.raises(DatasetError, match="noise must be between 0 and 10"):
        load_dataset("moons", noise=11.0)
    assert load_dataset("moons", n_samples=10, noise=0.0).num_train > 0


def test_the_toy_loaders_own_checks_agree_with_the_option_ranges() -> None:
    info = dataset_info("spirals")
    low = info.option("n_samples").minimum
    assert load_toy("spirals", n_samples=int(low)).num_train > 0
    with pytest.raises(DatasetError):
        load_toy("spirals", n_samples=int(low) - 1)
    noise, classes = info.option("noise"), info.option("n_classes")
    load_toy("spirals", n_samples=20, noise=noise.maximum, n_classes=int(classes.maximum))
    with pytest.raises(DatasetError):
        load_toy("spirals", n_samples=20, noise=noise.maximum + 0.5)
    with pytest.raises(DatasetError):
        load_toy("spirals", n_samples=20, n_classes=int(classes.maximum) + 1)
