"""Templates for the first half of the course: perceptron, MLP, LeNet-5, AlexNet, VGG-16.

Must not import Qt.
"""
from __future__ import annotations

from ..catalog import Shape
from ..graph import Graph
from .base import Net


def perceptron(input_shape: Shape, classes: int, variant: str) -> Graph:
    net = Net(input_shape)
    net.flatten_if_needed(input_shape)
    net.add("linear", "fc", out_features=classes)
    return net.done()


def mlp(input_shape: Shape, classes: int, variant: str) -> Graph:
    net = Net(input_shape)
    net.flatten_if_needed(input_shape)
    small = len(input_shape) == 1 and input_shape[0] <= 16
    widths = (16, 16) if small else (128, 64)
    for i, width in enumerate(widths, start=1):
        net.add("linear", f"fc{i}", out_features=width)
        net.add("tanh" if small else "relu", f"act{i}")
    net.add("linear", "out", out_features=classes)
    return net.done()


def lenet5(input_shape: Shape, classes: int, variant: str) -> Graph:
    net = Net(input_shape)
    net.add("conv2d", "conv1", out_channels=6, kernel_size=5, padding=2)
    net.add("relu", "relu1")
    net.add("maxpool2d", "pool1", kernel_size=2)
    net.add("conv2d", "conv2", out_channels=16, kernel_size=5)
    net.add("relu", "relu2")
    net.add("maxpool2d", "pool2", kernel_size=2)
    net.add("flatten", "flatten")
    net.add("linear", "fc1", out_features=120)
    net.add("relu", "relu3")
    net.add("linear", "fc2", out_features=84)
    net.add("relu", "relu4")
    net.add("linear", "fc3", out_features=classes)
    return net.done()


def alexnet(input_shape: Shape, classes: int, variant: str) -> Graph:
    net = Net(input_shape)
    if variant == "faithful":
        convs = [(64, 11, 4, 2, True), (192, 5, 1, 2, True), (384, 3, 1, 1, False),
                 (256, 3, 1, 1, False), (256, 3, 1, 1, True)]
        pool, fc, grid = dict(kernel_size=3, stride=2), 4096, 6
    else:
        convs = [(32, 5, 1, 2, True), (64, 3, 1, 1, True), (96, 3, 1, 1, False),
                 (96, 3, 1, 1, False), (64, 3, 1, 1, True)]
        pool, fc, grid = dict(kernel_size=2), 256, 2
    with net.block("features"):  # torchvision's AlexNet: features, avgpool, classifier
        for i, (out, k, s, p, pooled) in enumerate(convs, start=1):
            net.add("conv2d", f"conv{i}", out_channels=out, kernel_size=k, stride=s, padding=p)
            net.add("relu", f"relu{i}")
            if pooled:
                net.add("maxpool2d", f"pool{i}", **pool)
    net.add("adaptive_avgpool2d", "avgpool", output_height=grid, output_width=grid)
    net.add("flatten", "flatten")
    with net.block("classifier"):
        for i in (1, 2):
            net.add("dropout", f"drop{i}", p=0.5)
            net.add("linear", f"fc{i}", out_features=fc)
            net.add("relu", f"fc{i}_relu")
        net.add("linear", "fc3", out_features=classes)
    return net.done()


VGG16 = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")


def vgg16(input_shape: Shape, classes: int, variant: str) -> Graph:
    faithful = variant == "faithful"
    net = Net(input_shape)
    size = min(input_shape[1:])
    for stage, items in enumerate(_vgg_stages(), start=1):
        with net.block(f"block{stage}"):  # the paper's five stages, each closed by a pool
            for conv, item in enumerate(items, start=1):
                if item == "M":
                    if faithful or size >= 2:  # classroom inputs are too small for all five pools
                        net.add("maxpool2d", f"pool{stage}", kernel_size=2)
                        size //= 2
                    continue
                width = item if faithful else item // 8
                name = f"conv{stage}_{conv}"
                net.add("conv2d", name, out_channels=width, kernel_size=3, padding=1)
                if not faithful:  # batch norm lets the thin 13-conv stack train in minutes
                    net.add("batchnorm2d", f"{name}_bn")
                net.add("relu", f"{name}_relu")
    grid, fc = (7, 4096) if faithful else (1, 128)
    net.add("adaptive_avgpool2d", "avgpool", output_height=grid, output_width=grid)
    net.add("flatten", "flatten")
    with net.block("classifier"):
        for i in (1, 2):
            net.add("linear", f"fc{i}", out_features=fc)
            net.add("relu", f"fc{i}_relu")
            net.add("dropout", f"drop{i}", p=0.5)
        net.add("linear", "fc3", out_features=classes)
    return net.done()


def _vgg_stages() -> list[tuple]:
    """VGG16 split after each "M": [(64, 64, "M"), (128, 128, "M"), ...]."""
    stages, current = [], []
    for item in VGG16:
        current.append(item)
        if item == "M":
            stages.append(tuple(current))
            current = []
    return stages
