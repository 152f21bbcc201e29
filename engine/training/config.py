"""`TrainConfig`, the settings of one training run, and `TrainingError`, the one error of engine.training.

Owns the defaults, the allowed values, their checks (with messages that say what to do)
and the dict form stored in project files. Each setting is one `setting(...)` field: its title,
help, range and choices are read from there by the Train view's form, the `train` options and
the README's table (`SETTINGS`). Must not import Qt, pyqtgraph or torch.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from engine.training import augment_spec
from engine.training.settings import Setting, setting, settings_of

MAX_SEED = 2**63 - 1


class TrainingError(Exception):
    """Training cannot start with these settings; the message says what to change."""


@dataclass(frozen=True)
class TrainConfig:
    """One training run's settings. Each field is one `setting(default, title, help, ...)`
    (engine.training.settings): the form, the CLI, the README table and the checks read it."""

    # adam forgives a rough learning rate best
    optimizer: str = setting("adam", "optimizer", "How the weights move along the gradient. Adam forgives a "
                             "rough learning rate.", choices=(("sgd", "SGD"), ("adam", "Adam"), ("adamw", "AdamW"),
                             ("adagrad", "Adagrad"), ("adadelta", "Adadelta"), ("rmsprop", "RMSprop")), cli=True)
    # the peak rate for "onecycle" (which warms up to it, then anneals)
    lr: float = setting(3e-3, "learning rate", "Step size of each update. Too high: the loss jumps or becomes "
                        "NaN; too low: slow.", minimum=0, above=True, hint="0.003", cli=True)
    batch_size: int = setting(64, "batch size", "Samples per update. Larger batches run faster per sample; "
                              "smaller ones take more, noisier steps.", minimum=1, hint="64", form_max=65536, cli=True)
    epochs: int = setting(10, "epochs", "Passes over the training split.", minimum=1, form_max=10000, cli=True)
    # "bce" for 2 classes with 1 output, "nll" after log_softmax
    loss: str = setting("cross_entropy", "loss", "What is minimized; cross-entropy for classification with one "
                        "output per class.", choices=(("cross_entropy", "Cross-entropy"),
                        ("bce", "Binary cross-entropy (1 output)"), ("mse", "Mean squared error"),
                        ("nll", "NLL (after log-softmax)")))
    # step: x0.1 every third of the run. onecycle at lr 3e-3 took LeNet-5 on 8k MNIST digits to
    # 98.3-98.7% test accuracy in 10 epochs (4 seeds), where a constant 1e-3 gave 97.2-98.0%.
    schedule: str = setting("onecycle", "lr schedule", "How the learning rate changes during the run.",
                            label="LR schedule", choices=(("none", "Constant"), ("step", "Step (×0.1 every third)"),
                            ("cosine", "Cosine"), ("onecycle", "One-cycle")))
    weight_decay: float = setting(0.0, "weight decay", "L2 penalty on the weights; 0 turns it off. Try 0.0005.",
                                  minimum=0, hint="0.0005")  # decoupled for adamw
    momentum: float = setting(0.9, "momentum", "SGD and RMSprop: share of the previous update kept.", minimum=0,
                              maximum=1, below=True, hint="0.9", when=("optimizer", ("sgd", "rmsprop")))
    nesterov: bool = setting(False, "Nesterov momentum", "SGD only: look ahead along the momentum before taking "
                             "the gradient.", label="Nesterov", beside="momentum", when=("optimizer", ("sgd",)))
    val_split: float = setting(0.1, "validation split", "Share of the training set held out to measure "
                               "generalization each epoch.", minimum=0, maximum=0.9, hint="0.1", percent=True)
    early_stopping: bool = setting(False, "early stopping", "Stop when the validation loss stops improving and "
                                   "keep the best epoch's weights.", label="Stop early")
    patience: int = setting(3, "patience", "Epochs without a better validation loss before stopping early.",
                            minimum=1, form_max=1000, beside="early_stopping", when=("early_stopping", (True,)))
    # repeats a CPU run exactly with fixed cpu_threads
    seed: int = setting(0, "seed", "Same seed, same initial weights and batch order: the same run (on the CPU).",
                        minimum=0, maximum=MAX_SEED, cli=True)
    device: str = setting("auto", "device", "Where training runs; auto picks a GPU when there is one (CUDA, then "
                          "Apple MPS, then the CPU).", choices=(("auto", "Auto (best available)"), ("cpu", "CPU"),
                          ("cuda", "CUDA GPU"), ("mps", "Apple GPU")), cli=True)
    amp: str = setting("auto", "mixed precision", "auto: bfloat16 autocast on CUDA only; off: float32 everywhere.",
                       choices=(("auto", "Auto"), ("off", "Off")), form=False)
    # the only point that waits for the device
    log_every: int = setting(10, "log every (steps)", "Steps between loss reports.", minimum=1, form=False)
    cpu_threads: int = setting(0, "CPU threads", "CPU only; 0: auto (1 for tiny networks, else the fastest count, "
                               "timed).", minimum=0, form=False)
    # grammar: engine.training.augment_spec. Applied per sample on the device, never to validation or test data
    augment: str = setting("", "augmentation", "Training-split augmentation of pictures, e.g. "
                           "\"flip=0.5,rotate=15\"; empty for none.", form=False, cli=True)

    def to_dict(self) -> dict[str, Any]:
        """Plain values for a project file."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """The config stored in a project file; missing keys take their defaults.

        Raises TrainingError for unknown keys, wrong types and out-of-range values.
        """
        if not isinstance(data, dict):
            raise TrainingError(f"training settings must be a mapping, not {type(data).__name__}")
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise TrainingError(f"unknown training setting(s): {', '.join(map(str, unknown))}")
        values = {key: _coerce(key, value, known[key].default) for key, value in data.items()}
        config = cls(**values)
        check_config(config)
        return config

    def problems(self) -> list[str]:
        """Every out-of-range value, as sentences; empty when the config is usable."""
        return _choice_problems(self) + _number_problems(self)


SETTINGS: dict[str, Setting] = settings_of(TrainConfig)
FIELD_TITLES = {name: spec.title for name, spec in SETTINGS.items()}  # each setting in words
OPTIMIZERS = SETTINGS["optimizer"].values
LOSSES = SETTINGS["loss"].values
SCHEDULES = SETTINGS["schedule"].values
DEVICES = SETTINGS["device"].values
AMP_MODES = SETTINGS["amp"].values

_KIND_WORDS = {bool: "true or false", int: "a whole number", float: "a number", str: "text"}


def _coerce(key: str, value: Any, default: Any) -> Any:
    kind = type(default)
    if kind is bool:
        ok = isinstance(value, bool)
    elif kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    else:
        ok = isinstance(value, kind)
    if not ok:
        raise TrainingError(f"training setting '{key}' must be {_KIND_WORDS[kind]}, not {value!r}")
    return float(value) if kind is float else value


def _choice_problems(c: TrainConfig) -> list[str]:
    return [p for spec in SETTINGS.values() if spec.choices and (p := spec.problem(getattr(c, spec.name)))]


def _number_problems(c: TrainConfig) -> list[str]:
    p = [problem for spec in SETTINGS.values() if spec.kind in ("int", "float")
         if (problem := spec.problem(getattr(c, spec.name)))]
    if c.nesterov and c.optimizer == "sgd" and c.momentum <= 0:
        p.append("Nesterov momentum needs a momentum above 0; set momentum to 0.9 or turn Nesterov off")
    try:
        augment_spec.parse(c.augment)
    except augment_spec.AugmentError as exc:
        p.append(str(exc))
    return p


def check_config(config: TrainConfig) -> None:
    """Raise TrainingError naming the first unusable setting."""
    problems = config.problems()
    if problems:
        raise TrainingError(problems[0])
