"""Training settings as command-line options, generated from the engine's `Setting` records.

`train` and `lr-find` add their setting options here (name, type and help come from
`TrainConfig`'s fields) and turn what was given into a `TrainConfig` over the project's.
Never imports Qt.
"""
from __future__ import annotations

import argparse
import json
from typing import Iterable

from ..training import SETTINGS, TrainConfig, TrainingError
from . import UsageError

_TYPES = {"int": int, "float": float, "text": str, "choice": str}

#: the settings `train` takes as options: each Setting with `cli=True`
TRAIN_OPTIONS: tuple[str, ...] = tuple(name for name, spec in SETTINGS.items() if spec.cli)


def option_help(name: str, note: str = "") -> str:
    """A setting's --help text: its help, what it allows, its default and the command's note."""
    spec = SETTINGS[name]
    allowed = f" One of {', '.join(map(str, spec.values))}." if spec.choices else ""
    extra = f" {note}" if note else ""
    text = f"{spec.help}{allowed}{extra} (default: the project's, else {json.dumps(spec.default)})"
    return text.replace("%", "%%")  # argparse formats help with %


def add_setting_args(parser: argparse.ArgumentParser, names: Iterable[str],
                     notes: dict[str, str] | None = None, metavars: dict[str, str] | None = None) -> None:
    """One `--option` per setting in `names` (`batch_size` -> `--batch-size`)."""
    for name in names:
        spec = SETTINGS[name]
        parser.add_argument(spec.option, dest=name, type=_TYPES[spec.kind], metavar=(metavars or {}).get(name),
                            help=option_help(name, (notes or {}).get(name, "")))


def config_from_args(args: argparse.Namespace, base: TrainConfig, names: Iterable[str]) -> TrainConfig:
    """`base` with the options given on the command line; UsageError naming a bad value."""
    given = {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}
    try:
        return TrainConfig.from_dict({**base.to_dict(), **given})
    except TrainingError as exc:
        raise UsageError(str(exc)) from None
