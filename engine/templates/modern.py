"""Templates for GoogLeNet (inception modules) and ResNet-18/152 (residual blocks).

Faithful variants reproduce torchvision's architectures layer for layer (so parameter
counts match exactly); classroom variants keep the structure at a width that trains
on a CPU in minutes. Must not import Qt.
"""
from __future__ import annotations

from ..catalog import Shape
from ..graph import Graph
from .base import Net

# (name, 1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj) from Szegedy et al., Table 1.
INCEPTIONS = [
    ("3a", 64, 96, 128, 16, 32, 32), ("3b", 128, 128, 192, 32, 96, 64), "pool",
    ("4a", 192, 96, 208, 16, 48, 64), ("4b", 160, 112, 224, 24, 64, 64),
    ("4c", 128, 128, 256, 24, 64, 64), ("4d", 112, 144, 288, 32, 64, 64),
    ("4e", 256, 160, 320, 32, 128, 128), "pool",
    ("5a", 256, 160, 320, 32, 128, 128), ("5b", 384, 192, 384, 48, 128, 128),
]
CLASSROOM_INCEPTIONS = [INCEPTIONS[0], INCEPTIONS[1], "pool", INCEPTIONS[3], INCEPTIONS[4]]


def inception(net: Net, name: str, sizes: tuple[int, ...], k5: int, eps: float) -> str:
    """Four parallel branches concatenated along channels (torchvision's Inception module)."""
    source = net.last
    c1, r3, c3, r5, c5, proj = sizes
    with net.block(f"inception{name}"):
        with net.block("branch1"):
            b1 = net.conv_bn_relu(f"inc{name}_b1", c1, 1, eps=eps, after=source)
        with net.block("branch2"):
            net.conv_bn_relu(f"inc{name}_b2a", r3, 1, eps=eps, after=source)
            b2 = net.conv_bn_relu(f"inc{name}_b2b", c3, 3, padding=1, eps=eps)
        with net.block("branch3"):
            net.conv_bn_relu(f"inc{name}_b3a", r5, 1, eps=eps, after=source)
            b3 = net.conv_bn_relu(f"inc{name}_b3b", c5, k5, padding=k5 // 2, eps=eps)
        with net.block("branch4"):
            net.add("maxpool2d", f"inc{name}_b4_pool", after=source, kernel_size=3, stride=1, padding=1,
                    ceil_mode=True)
            b4 = net.conv_bn_relu(f"inc{name}_b4", proj, 1, eps=eps)
        return net.add("concat", f"inc{name}", after=[b1, b2, b3, b4], dim=0)


def _stem_conv(net: Net, name: str, out: int, k: int, eps: float, **kw) -> str:
    """A convolution, its batch norm and ReLU: torchvision's BasicConv2d, as a block."""
    with net.block(name):
        return net.conv_bn_relu(name, out, k, eps=eps, **kw)


def googlenet(input_shape: Shape, classes: int, variant: str) -> Graph:
    faithful = variant == "faithful"
    net = Net(input_shape)
    eps = 1e-3  # torchvision's BasicConv2d uses eps=0.001
    if faithful:
        _stem_conv(net, "conv1", 64, 7, eps, stride=2, padding=3)
        net.add("maxpool2d", "pool1", kernel_size=3, stride=2, ceil_mode=True)
        _stem_conv(net, "conv2", 64, 1, eps)
        _stem_conv(net, "conv3", 192, 3, eps, padding=1)
        net.add("maxpool2d", "pool2", kernel_size=3, stride=2, ceil_mode=True)
        plan, k5, scale = INCEPTIONS, 3, 1  # torchvision's "5×5" branch is a 3×3 conv
    else:
        _stem_conv(net, "conv1", 32, 3, eps, padding=1)
        net.add("maxpool2d", "pool1", kernel_size=3, stride=2, ceil_mode=True)
        plan, k5, scale = CLASSROOM_INCEPTIONS, 5, 4
    pools = 3
    for item in plan:
        if item == "pool":
            last_pool = faithful and pools == 4
            net.add("maxpool2d", f"pool{pools}", kernel_size=2 if last_pool else 3, stride=2,
                    ceil_mode=True)
            pools += 1
            continue
        name, *sizes = item
        inception(net, name, tuple(max(1, s // scale) for s in sizes), k5, eps)
    net.add("adaptive_avgpool2d", "avgpool")
    net.add("flatten", "flatten")
    net.add("dropout", "dropout", p=0.2)
    net.add("linear", "fc", out_features=classes)
    return net.done()


def basic_block(net: Net, name: str, planes: int, stride: int, project: bool) -> str:
    source = net.last
    net.add("conv2d", f"{name}_conv1", out_channels=planes, kernel_size=3, stride=stride, padding=1, bias=False)
    net.add("batchnorm2d", f"{name}_bn1")
    net.add("relu", f"{name}_relu1")
    net.add("conv2d", f"{name}_conv2", out_channels=planes, kernel_size=3, padding=1, bias=False)
    main = net.add("batchnorm2d", f"{name}_bn2")
    return _merge(net, name, source, main, planes, stride, project)


def bottleneck(net: Net, name: str, planes: int, stride: int, project: bool) -> str:
    source = net.last
    net.add("conv2d", f"{name}_conv1", out_channels=planes, kernel_size=1, bias=False)
    net.add("batchnorm2d", f"{name}_bn1")
    net.add("relu", f"{name}_relu1")
    net.add("conv2d", f"{name}_conv2", out_channels=planes, kernel_size=3, stride=stride, padding=1, bias=False)
    net.add("batchnorm2d", f"{name}_bn2")
    net.add("relu", f"{name}_relu2")
    net.add("conv2d", f"{name}_conv3", out_channels=planes * 4, kernel_size=1, bias=False)
    main = net.add("batchnorm2d", f"{name}_bn3")
    return _merge(net, name, source, main, planes * 4, stride, project)


def _merge(net: Net, name: str, source: str, main: str, out: int, stride: int, project: bool) -> str:
    """The skip connection: identity, or a 1×1 projection when the shape changes."""
    shortcut = source
    if project:
        net.add("conv2d", f"{name}_down", after=source, out_channels=out, kernel_size=1, stride=stride, bias=False)
        shortcut = net.add("batchnorm2d", f"{name}_down_bn")
    net.add("add", f"{name}_add", after=[main, shortcut])
    return net.add("relu", f"{name}_out")


def _resnet(input_shape: Shape, classes: int, variant: str, blocks: list[int], bottle: bool) -> Graph:
    faithful = variant == "faithful"
    net = Net(input_shape)
    base = 64 if faithful else 16
    if faithful:
        net.add("conv2d", "conv1", out_channels=64, kernel_size=7, stride=2, padding=3, bias=False)
    else:  # small images: a 3×3 stem without down-sampling
        net.add("conv2d", "conv1", out_channels=base, kernel_size=3, padding=1, bias=False)
    net.add("batchnorm2d", "bn1")
    net.add("relu", "relu")
    if faithful:
        net.add("maxpool2d", "maxpool", kernel_size=3, stride=2, padding=1)
    block_fn, expansion = (bottleneck, 4) if bottle else (basic_block, 1)
    inplanes = base
    for stage, count in enumerate(blocks):
        planes = base * 2 ** stage if faithful or not bottle else base // 2 * 2 ** stage
        with net.block(f"layer{stage + 1}"):  # torchvision's stages and blocks: layer2.1
            for i in range(count):
                stride = 2 if stage > 0 and i == 0 else 1
                project = i == 0 and (stride != 1 or inplanes != planes * expansion)
                with net.block(str(i)):
                    block_fn(net, f"layer{stage + 1}_{i}", planes, stride, project)
                inplanes = planes * expansion
    net.add("adaptive_avgpool2d", "avgpool")
    net.add("flatten", "flatten")
    net.add("linear", "fc", out_features=classes)
    return net.done()


def resnet18(input_shape: Shape, classes: int, variant: str) -> Graph:
    return _resnet(input_shape, classes, variant, [2, 2, 2, 2], bottle=False)


def resnet152(input_shape: Shape, classes: int, variant: str) -> Graph:
    return _resnet(input_shape, classes, variant, [3, 8, 36, 3], bottle=True)
