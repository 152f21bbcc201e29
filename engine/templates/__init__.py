"""Every network of the course as a template.

    names() -> list of template names
    load(name, input_shape=None, num_classes=None, variant="auto") -> Graph
    get(name) -> Template (title, one-line summary, paragraph note, paper)

`variant="auto"` picks the paper-faithful architecture for ImageNet-sized inputs
(min side ≥ 64) and the classroom version, sized to train on a CPU in minutes, for
small inputs such as 1×28×28. Must not import Qt.
"""
from __future__ import annotations

from typing import Sequence

from ..graph import Graph
from . import classic, lessons, modern, sequence
from .base import Template, is_large
from .notes import NOTES

# Submodules the GUI and scripts may import directly (beside this facade); any other submodule
# is internal (tests/engine/test_architecture.py checks the GUI keeps to this).
PUBLIC_SUBMODULES = ("base",)

_BUILDERS = {
    "perceptron": (classic.perceptron, (2,), 2, False),
    "mlp": (classic.mlp, (1, 28, 28), 10, False),
    "lenet5": (classic.lenet5, (1, 28, 28), 10, False),
    "alexnet": (classic.alexnet, (3, 224, 224), 1000, True),
    "vgg16": (classic.vgg16, (3, 224, 224), 1000, True),
    "googlenet": (modern.googlenet, (3, 224, 224), 1000, True),
    "resnet18": (modern.resnet18, (3, 224, 224), 1000, True),
    "resnet152": (modern.resnet152, (3, 224, 224), 1000, True),
    "rnn": (sequence.rnn, (1, 28, 28), 10, False),
    "lstm": (sequence.lstm, (1, 28, 28), 10, False),
    "transformer": (sequence.transformer, (1, 28, 28), 10, False),
    "deep_sigmoid": (lessons.deep_sigmoid, (1, 28, 28), 10, False),
    "deep_relu_bn": (lessons.deep_relu_bn, (1, 28, 28), 10, False),
}

TEMPLATES: dict[str, Template] = {
    name: Template(name, NOTES[name][0], NOTES[name][1], NOTES[name][2], NOTES[name][3],
                   default_input, classes, build, faithful, lessons.LESSON_LINTS.get(name, ()))
    for name, (build, default_input, classes, faithful) in _BUILDERS.items()
}


class TemplateError(ValueError):
    """Unknown template or unusable size; the message is for the user."""


def names() -> list[str]:
    return list(TEMPLATES)


def get(name: str) -> Template:
    try:
        return TEMPLATES[name]
    except KeyError:
        raise TemplateError(f"unknown template {name!r}; choose one of {', '.join(TEMPLATES)}") from None


def load(name: str, input_shape: Sequence[int] | None = None, num_classes: int | None = None,
         variant: str = "auto") -> Graph:
    """A new graph for template `name`, sized for `input_shape` and `num_classes`."""
    template = get(name)
    shape = tuple(int(d) for d in (input_shape or template.default_input))
    classes = int(num_classes or template.default_classes)
    if not shape or any(d < 1 for d in shape) or classes < 1:
        raise TemplateError(f"{name}: input shape and class count must be positive")
    if variant == "auto":
        variant = "faithful" if is_large(shape) else "classroom"
    if variant not in ("faithful", "classroom"):
        raise TemplateError(f"variant must be auto, faithful or classroom (got {variant!r})")
    return template.build(shape, classes, variant)


__all__ = ["TEMPLATES", "Template", "TemplateError", "get", "load", "names"]
